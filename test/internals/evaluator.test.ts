import t from 'tap'
import { deferred, sleep } from '../helpers/app.js'
import { parts } from './engine-parts.js'

t.test('concurrent samples share one pending run and all hear its outcome', async (t) => {
  const { evaluator, add } = parts()
  const gate = deferred()
  let calls = 0
  const entry = add('db', async () => { calls++; await gate.promise })
  t.equal(evaluator.sample(entry, performance.now()), undefined, 'the first sample starts a run')
  t.equal(evaluator.sample(entry, performance.now()), undefined, 'the second joins it')
  const heard: string[] = []
  evaluator.wait(entry, { arrive: (_entry, outcome) => { heard.push(`a:${outcome.status}`) } })
  evaluator.wait(entry, { arrive: (_entry, outcome) => { heard.push(`b:${outcome.status}`) } })
  gate.resolve()
  await sleep(0)
  t.equal(calls, 1)
  t.same(heard, ['a:pass', 'b:pass'])
  t.equal(entry.last?.status, 'pass')
})

t.test('a synchronous check settles within the sample', async (t) => {
  const { evaluator, add } = parts()
  const entry = add('sync', () => ({ status: 'warn', output: 'slow' }))
  t.match(evaluator.sample(entry, performance.now()), { status: 'warn', output: 'slow' })
  t.notOk(entry.busy)
})

t.test('the busy rule: a timed-out run that has not settled is never doubled', async (t) => {
  const { evaluator, add } = parts()
  const hang = deferred()
  let calls = 0
  const entry = add('hung', async () => { calls++; await hang.promise }, { timeout: 20 })
  t.equal(evaluator.sample(entry, performance.now()), undefined)
  await sleep(40)
  t.match(entry.last, { status: 'fail', output: 'timed out after 20 ms' })
  t.ok(entry.busy, 'the check itself is still running')
  for (let i = 0; i < 5; i++) t.equal(evaluator.sample(entry, performance.now()), entry.last, 'the timeout is reported again')
  t.equal(calls, 1)
  hang.resolve()
  await sleep(0)
  t.notOk(entry.busy)
  t.equal(evaluator.sample(entry, performance.now()), undefined, 'a new run once the hung one settled')
  t.equal(calls, 2)
})

t.test('cacheTtl reuses the last outcome; background checks are only read', async (t) => {
  const { evaluator, add } = parts()
  let calls = 0
  const cached = add('cached', () => { calls++ }, { cacheTtl: 10_000 })
  const first = evaluator.sample(cached, performance.now())
  t.equal(evaluator.sample(cached, performance.now()), first)
  t.equal(calls, 1)
  const background = add('bg', () => { calls++ }, { interval: 1000 })
  t.equal(evaluator.sample(background, performance.now()), background.pendingOutcome)
  t.equal(calls, 1, 'sampling never runs a background check')
})

t.test('endPending() ends waiting runs with the reason and aborts their signal', async (t) => {
  const { evaluator, add } = parts()
  let signal: AbortSignal | undefined
  const entry = add('db', ({ signal: given }) => { signal = given; return new Promise(() => {}) })
  evaluator.sample(entry, performance.now())
  evaluator.endPending('the server is closing')
  t.match(entry.last, { status: 'fail', output: 'the server is closing' })
  t.equal((signal?.reason as DOMException).name, 'AbortError')
})
