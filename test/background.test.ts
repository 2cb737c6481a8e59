import t from 'tap'
import { HealthError } from '../lib/index.js'
import { activeTimers, build, deferred, sleep } from './helpers/app.js'

t.test('a background check runs on its own timer from ready, and probes only read its result', async (t) => {
  const { app } = await build()
  let calls = 0
  app.healthz.add('db', async () => { calls++ }, { interval: 100 })
  t.same(await app.healthz.run('ready'), {
    status: 503,
    title: 'Service Unavailable',
    checks: { db: { status: 'fail', output: 'pending: no result yet' } }
  }, 'before its first result it counts as failing, shown as pending')
  t.equal(calls, 0, 'nothing runs before the app is ready')

  await app.ready()
  await sleep(20)
  t.equal(calls, 1, 'the first run starts when the app is ready')
  for (let i = 0; i < 50; i++) t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal((await app.inject('/healthz/ready/db')).statusCode, 200)
  t.equal(calls, 1, 'probe traffic does no check work')
  t.match((await app.inject('/healthz/ready?verbose')).json().checks.db, { status: 'pass', background: true, cached: true })

  await sleep(250)
  t.ok(calls >= 2 && calls <= 4, `runs every interval (${calls} runs)`)
  await app.close()
  const closed = calls
  await sleep(250)
  t.equal(calls, closed, 'timers stop on close')
})

t.test('background timers never keep the process alive', async (t) => {
  const { app } = await build()
  const baseline = activeTimers()
  app.healthz.add('db', () => {}, { interval: 60_000 })
  await app.ready()
  t.equal(activeTimers(), baseline)
  await app.close()
})

t.test('background results carry failures, warnings and state-change logs', async (t) => {
  const { app, lines } = await build()
  let fail = true
  app.healthz.add('db', () => { if (fail) throw new HealthError('down') }, { interval: 30 })
  app.healthz.add('soft', () => new Promise(() => {}), { interval: 30, timeout: 10, critical: false })
  t.same((await app.healthz.run('ready')).checks?.soft, { status: 'warn', output: 'pending: no result yet' })
  await app.ready()
  await sleep(50)
  t.same((await app.inject('/healthz/ready')).json().checks, {
    db: { status: 'fail', output: 'down' },
    soft: { status: 'warn', output: 'timed out after 10 ms' }
  })
  fail = false
  await sleep(80)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.same(lines.map((line) => line.msg), [
    'health check "db" failed: down',
    'health check "soft" warns: timed out after 10 ms',
    'health check "db" recovered'
  ])
  await app.close()
})

t.test('a hung background run is not doubled: ticks wait until it settles', async (t) => {
  const { app } = await build()
  let calls = 0
  const hang = deferred()
  app.healthz.add('db', () => { calls++; return hang.promise }, { interval: 20, timeout: 10 })
  await app.ready()
  await sleep(150)
  t.equal(calls, 1)
  t.equal((await app.inject('/healthz/ready')).json().checks.db.output, 'timed out after 10 ms')
  hang.resolve()
  await sleep(80)
  t.ok(calls >= 2, `runs again once the hung run settled (${calls})`)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await app.close()
})

t.test('a background check added after ready starts at once; a removed one stops', async (t) => {
  const { app } = await build()
  await app.ready()
  let calls = 0
  app.healthz.add('late', () => { calls++ }, { interval: 30 })
  t.equal(calls, 1)
  await sleep(80)
  t.ok(app.healthz.remove('late'))
  const removed = calls
  await sleep(100)
  t.equal(calls, removed)
  await app.healthz.drain()
  app.healthz.add('while-draining', () => { calls++ }, { interval: 30, probes: ['live'] })
  t.equal(calls, removed + 1, 'background checks run while draining')
  t.equal((await app.inject('/healthz/live')).statusCode, 200)
  await app.close()
})

t.test('a background check removed while its run is pending schedules nothing more', async (t) => {
  const { app } = await build()
  let calls = 0
  const gate = deferred()
  app.healthz.add('slow', () => { calls++; return gate.promise }, { interval: 10 })
  await app.ready()
  app.healthz.remove('slow')
  gate.resolve()
  await sleep(60)
  t.equal(calls, 1)
  await app.close()
})

t.test('interval is validated and excludes cacheTtl', async (t) => {
  const { app } = await build({ cacheTtl: 500 })
  t.throws(() => app.healthz.add('a', () => {}, { interval: 0 }), { code: 'FST_HEALTHZ_INVALID_CHECK_OPTION', message: /add\("a"\): option "interval" must be an integer number of milliseconds from 1/ })
  t.throws(() => app.healthz.add('b', () => {}, { interval: 100, cacheTtl: 100 }), { code: 'FST_HEALTHZ_INVALID_CHECK_OPTION', message: /options "interval" and "cacheTtl" exclude each other/ })
  t.doesNotThrow(() => app.healthz.add('c', () => {}, { interval: 100 }), 'the plugin-wide cacheTtl does not conflict')
})
