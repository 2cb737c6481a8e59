import t from 'tap'
import { build, deferred, sleep } from './helpers/app.js'

t.test('only a full evaluation of every startup check latches startup', async (t) => {
  const { app } = await build()
  let failing = true
  app.healthz.add('db', () => { if (failing) throw new Error('down') }, { probes: ['startup'] })
  app.healthz.add('config', () => {}, { probes: ['startup'] })
  await app.ready()

  t.equal((await app.inject('/healthz/startup/config')).statusCode, 200, 'one passing check answers 200 for itself')
  t.equal((await app.inject('/healthz/startup?exclude=db')).statusCode, 200, 'and so does a probe that leaves the failing one out')
  t.equal((await app.healthz.run('startup', { exclude: ['db'] })).status, 200)
  t.equal((await app.inject('/healthz/startup')).statusCode, 503, 'but neither latched startup while a startup check fails')
  t.equal((await app.inject('/healthz/startup?verbose')).json().lifecycle.started, false)

  failing = false
  t.equal((await app.inject('/healthz/startup')).statusCode, 200)
  failing = true
  t.equal((await app.inject('/healthz/startup')).statusCode, 200, 'a full pass latches for good')
  await app.close()
})

t.test('a drain begun before the app is ready is not undone by ready', async (t) => {
  const { app } = await build()
  const drained = app.healthz.drain()
  await app.ready()
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.equal((await app.inject('/healthz/ready?verbose')).json().lifecycle.phase, 'draining')
  await drained
  await app.close()
})

t.test('a readiness probe in flight when drain() is called answers 503', async (t) => {
  const { app } = await build()
  const gate = deferred()
  app.healthz.add('db', async () => { await gate.promise })
  await app.ready()
  const inFlight = app.inject('/healthz/ready')
  const inFlightVerbose = app.inject('/healthz/ready?verbose')
  await sleep(10)
  const drained = app.healthz.drain()
  gate.resolve()
  t.same((await inFlight).json(), { status: 503, title: 'Shutting Down', detail: 'The service is shutting down.' })
  t.match((await inFlightVerbose).json(), { status: 503, title: 'Shutting Down', checks: { db: { status: 'pass' } }, lifecycle: { phase: 'draining' } })
  await drained
  await app.close()
})

t.test('close() ends a probe waiting on a hung check at once, aborting its signal with an AbortError', async (t) => {
  const { app } = await build()
  let seen: AbortSignal | undefined
  app.healthz.add('hung', ({ signal }) => { seen = signal; return new Promise(() => {}) }, { timeout: 2000, probes: ['live'] })
  await app.ready()
  const probe = app.inject('/healthz/live')
  await sleep(10)
  const started = performance.now()
  await app.close()
  const response = await probe
  t.ok(performance.now() - started < 1000, 'the close did not wait for the check\'s timeout')
  t.same(response.json(), { status: 503, title: 'Service Unavailable', checks: { hung: { status: 'fail', output: 'the server is closing' } } })
  t.equal((seen?.reason as DOMException).name, 'AbortError')
})
