import t from 'tap'
import { HealthError } from '../../lib/index.js'
import type { SettledRun } from '../../lib/changes.js'
import { deferred, sleep } from '../helpers/app.js'
import { parts } from './engine-parts.js'

t.test('observers hear every settled run with its raw outcome, damping aside; a timeout is marked', async (t) => {
  const { bus, evaluator, add, listenerErrors } = parts()
  t.notOk(bus.observed, 'nobody observes: runs cost no event')
  const runs: SettledRun[] = []
  const stop = bus.observeRuns((run) => { runs.push(run) })
  t.ok(bus.observed)
  let fail = false
  const entry = add('db', () => { if (fail) throw new HealthError('down') }, { failureThreshold: 3 })
  evaluator.sample(entry, performance.now())
  fail = true
  t.match(evaluator.sample(entry, performance.now()), { status: 'warn', output: 'down' }, 'reported: damped')
  t.match(runs, [{ check: 'db', status: 'pass', timedOut: false }, { check: 'db', status: 'fail', timedOut: false }], 'heard: raw')
  const hang = deferred()
  const slow = add('slow', async () => { await hang.promise }, { timeout: 20 })
  evaluator.sample(slow, performance.now())
  await sleep(60)
  t.match(runs[2], { check: 'slow', status: 'fail', timedOut: true })
  t.ok(runs[2].durationMs >= 15)
  evaluator.sample(slow, performance.now())
  t.equal(runs.length, 3, 'a run refused while the check hangs is no run')
  hang.resolve()
  stop()
  t.notOk(bus.observed)
  evaluator.sample(entry, performance.now())
  t.equal(runs.length, 3)
  t.same(listenerErrors, [])
})

t.test('a removed check\'s late run is heard by nobody; an observer that throws is reported and isolated', async (t) => {
  const { bus, table, evaluator, add, listenerErrors } = parts()
  const heard: string[] = []
  bus.observeRuns(() => { throw new Error('observer bug') })
  bus.observeRuns((run) => { heard.push(run.check) })
  const late = deferred()
  const entry = add('late', async () => { await late.promise }, { timeout: 5000 })
  evaluator.sample(entry, performance.now())
  table.remove('late')
  late.resolve()
  await sleep(0)
  t.same(heard, [])
  evaluator.sample(add('now', () => {}), performance.now())
  t.same(heard, ['now'])
  t.match(listenerErrors, [{ message: 'observer bug' }])
})
