// Flap damping: failureThreshold and successThreshold.
import t from 'tap'
import type { HealthzChange } from '../lib/index.js'
import { HealthError } from '../lib/index.js'
import { build, deferred, sleep } from './helpers/app.js'

/** A check that plays a script of outcomes, one per run: true passes, a string fails with it as public output. */
function scripted (script: Array<true | string>): { check: () => void, runs: () => number } {
  let runs = 0
  return {
    check: () => {
      const step = script[runs++ % script.length]
      if (step !== true) throw new HealthError(step)
    },
    runs: () => runs
  }
}

async function probe (app: Awaited<ReturnType<typeof build>>['app']): Promise<string> {
  const res = await app.inject('/healthz/ready?verbose')
  const db = res.json().checks.db
  return `${res.statusCode} ${db.status as string}${db.output === undefined ? '' : ` ${db.output as string}`}`
}

t.test('a check that alternates pass and fail never fails the probe with failureThreshold 3; it shows the failures as warn', async (t) => {
  const { app } = await build()
  const flapping = scripted([true, 'db timeout 1', true, 'db timeout 2'])
  app.healthz.add('db', flapping.check, { failureThreshold: 3 })
  const heard: string[] = []
  app.healthz.subscribe((change: HealthzChange) => { heard.push(change.type === 'check' ? `${change.from}->${change.to}` : `probe ${change.to}`) })
  const answers: string[] = []
  for (let i = 0; i < 8; i++) answers.push(await probe(app))
  t.same(answers, [
    '200 pass', '200 warn db timeout 1', '200 pass', '200 warn db timeout 2',
    '200 pass', '200 warn db timeout 1', '200 pass', '200 warn db timeout 2'
  ])
  t.same(heard, ['pending->pass', ...Array(4).fill(['pass->warn', 'probe warn', 'warn->pass', 'probe pass']).flat().slice(0, -2)], 'events carry the damped status')
  t.equal(flapping.runs(), 8)
})

t.test('failureThreshold: fails at the n-th failed run in a row; successThreshold: recovers at the n-th good run in a row', async (t) => {
  const { app } = await build()
  const script: Array<true | string> = [true, 'down 1', 'down 2', 'down 3', 'down 4', true, 'down 5', true, true, true]
  const db = scripted(script)
  app.healthz.add('db', db.check, { failureThreshold: 3, successThreshold: 2 })
  const answers: string[] = []
  for (let i = 0; i < script.length; i++) answers.push(await probe(app))
  t.same(answers, [
    '200 pass',
    '200 warn down 1',
    '200 warn down 2',
    '503 fail down 3',
    '503 fail down 4',
    '503 fail down 4', // one good run is not enough: the failure it reported stays
    '503 fail down 5', // a failure while failing resets the good runs
    '503 fail down 5',
    '200 pass',
    '200 pass'
  ])
})

t.test('the first result is reported as it is: a check that fails from the start fails at once', async (t) => {
  const { app } = await build()
  app.healthz.add('db', scripted(['refused']).check, { failureThreshold: 5 })
  t.equal(await probe(app), '503 fail refused')
})

t.test('a warning run is no failure: it resets the count and counts as a good run', async (t) => {
  const { app } = await build()
  let runs = 0
  const script = ['fail', 'warn', 'fail', 'fail', 'pass', 'warn']
  app.healthz.add('db', () => {
    const step = script[runs++]
    if (step === 'fail') throw new HealthError('down')
    if (step === 'warn') return { status: 'warn', output: 'slow' }
  }, { failureThreshold: 2, successThreshold: 2 })
  const answers: string[] = []
  for (let i = 0; i < script.length; i++) answers.push(await probe(app))
  t.same(answers, ['503 fail down', '503 fail down', '503 fail down', '503 fail down', '503 fail down', '200 warn slow'])
})

t.test('a hung check cannot keep a damped check on warn: each probe refused while it hangs counts as a failed run', async (t) => {
  const { app } = await build()
  let runs = 0
  const hang = deferred()
  app.healthz.add('db', async () => {
    runs++
    if (runs === 2) await hang.promise
  }, { timeout: 50, failureThreshold: 3 })
  t.teardown(() => { hang.resolve() })
  t.equal(await probe(app), '200 pass')
  t.equal(await probe(app), '200 warn timed out after 50 ms')
  t.equal(await probe(app), '200 warn timed out after 50 ms')
  t.equal(await probe(app), '503 fail timed out after 50 ms')
  t.equal(await probe(app), '503 fail timed out after 50 ms')
  t.equal(runs, 2, 'no second run piled up behind the hung one')
  hang.resolve()
  await sleep(10)
  t.equal(await probe(app), '200 pass')
})

t.test('background checks are damped the same way, refused runs included', async (t) => {
  const { app } = await build()
  let healthy = true
  app.healthz.add('db', () => { if (!healthy) throw new HealthError('down') }, { interval: 20, failureThreshold: 3 })
  const heard: string[] = []
  app.healthz.subscribe((change) => { if (change.type === 'check') heard.push(`${change.from}->${change.to}`) })
  await app.ready()
  await sleep(50)
  healthy = false
  await sleep(150)
  t.same(heard, ['pending->pass', 'pass->warn', 'warn->fail'])
  t.equal(await probe(app), '503 fail down')
  await app.close()
})

t.test('thresholds with cacheTtl count runs, not probes', async (t) => {
  const { app } = await build()
  let runs = 0
  app.healthz.add('db', () => { runs++; if (runs > 1) throw new HealthError('down') }, { failureThreshold: 2, cacheTtl: 60000 })
  t.equal(await probe(app), '200 pass')
  t.equal(runs, 1)
  for (let i = 0; i < 5; i++) t.equal(await probe(app), '200 pass', 'a cached result is no new run')
})

t.test('thresholds are integers from 1 to 100, checked at add()', async (t) => {
  const { app } = await build()
  for (const key of ['failureThreshold', 'successThreshold']) {
    for (const bad of [0, 101, 1.5, -1, '3', null, Number.NaN, Infinity]) {
      t.throws(() => app.healthz.add('db', () => {}, { [key]: bad }), {
        code: 'FST_HEALTHZ_INVALID_CHECK_OPTION',
        message: new RegExp(`^fastify-healthz: add\\("db"\\): option "${key}" must be an integer from 1 to 100, got `)
      }, `${key}: ${String(bad)}`)
    }
    app.healthz.add(`ok-${key}`, () => {}, { [key]: 100 })
  }
  t.ok(app.healthz.has('ok-failureThreshold') && app.healthz.has('ok-successThreshold'))
})
