import t from 'tap'
import inject from 'light-my-request'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HealthError, HealthzConfigError } from '../lib/index.js'
import { build, sleep } from './helpers/app.js'

const SHUTTING_DOWN = { status: 503, title: 'Shutting Down', detail: 'The service is shutting down.' }

t.test('startup answers 503 until its checks pass once, then 200 for good', async (t) => {
  const { app } = await build()
  let calls = 0
  let failing = 2
  app.healthz.add('migrations', () => {
    calls++
    if (failing-- > 0) throw new HealthError('migrations pending')
  }, { probes: ['startup'] })

  t.equal((await app.inject('/healthz/startup')).statusCode, 503)
  t.equal((await app.inject('/healthz/startup')).statusCode, 503)
  t.equal((await app.inject('/healthz/startup')).statusCode, 200)
  failing = Infinity
  for (let i = 0; i < 5; i++) t.equal((await app.inject('/healthz/startup')).body, '{"status":200,"title":"OK"}')
  t.equal(calls, 3, 'once latched, the startup probe runs no check')

  const verbose = (await app.inject('/healthz/startup?verbose')).json()
  t.equal(verbose.status, 200, 'verbose still answers 200')
  t.same(verbose.checks.migrations, { status: 'fail', output: 'migrations pending', durationMs: verbose.checks.migrations.durationMs, cached: false, critical: true, since: verbose.checks.migrations.since })
  t.same(verbose.lifecycle, { phase: 'serving', started: true })
  t.same(await app.healthz.run('startup'), { status: 200, title: 'OK' })
  t.equal((await app.inject('/healthz/startup/migrations')).statusCode, 200, 'the per-check route is latched too')
})

t.test('startup with no checks latches on its first probe; warnings latch it too', async (t) => {
  const { app } = await build()
  t.same((await app.inject('/healthz/live?verbose')).json().lifecycle, { phase: 'serving', started: false })
  t.same((await app.inject('/healthz/startup?verbose')).json().lifecycle, { phase: 'serving', started: true })
  const other = await build()
  other.app.healthz.add('warm', () => ({ status: 'warn', output: 'cold' }), { probes: ['startup'] })
  t.equal((await other.app.inject('/healthz/startup')).statusCode, 200)
  t.equal((await other.app.healthz.run('startup', { verbose: true })).lifecycle?.started, true)
})

t.test('drain() fails readiness at once, keeps everything else serving, and resolves after drainDelay', async (t) => {
  const { app } = await build({ drainDelay: 200 })
  let readyRuns = 0
  app.healthz.add('db', () => { readyRuns++ })
  app.get('/app', async () => ({ ok: true }))
  await app.ready()

  const started = performance.now()
  const drained = app.healthz.drain()
  t.equal(app.healthz.drain(), drained, 'a second call returns the same drain')
  const ready = await app.inject('/healthz/ready')
  t.equal(ready.statusCode, 503)
  t.equal(ready.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.same(ready.json(), SHUTTING_DOWN)
  t.same((await app.inject('/healthz/ready/db')).json(), SHUTTING_DOWN)
  t.equal(readyRuns, 0, 'no readiness check runs while draining')
  t.equal((await app.inject('/healthz/live')).statusCode, 200)
  t.equal((await app.inject('/healthz/startup')).statusCode, 200)
  t.equal((await app.inject('/app')).statusCode, 200)

  const verbose = (await app.inject('/healthz/ready?verbose')).json()
  t.match(verbose, { ...SHUTTING_DOWN, checks: { db: { status: 'pass' } }, lifecycle: { phase: 'draining' } })
  t.same(await app.healthz.run('ready'), SHUTTING_DOWN)

  await drained
  const elapsed = performance.now() - started
  t.ok(elapsed >= 195 && elapsed < 1000, `resolved after drainDelay (${elapsed} ms)`)
  t.equal((await app.inject('/healthz/ready')).statusCode, 503, 'still failing until closed')
  await app.close()
})

t.test('drain() without drainDelay resolves at once; close() ends a drain still waiting', async (t) => {
  const quick = await build()
  const started = performance.now()
  await quick.app.healthz.drain()
  t.ok(performance.now() - started < 100)

  const { app } = await build({ drainDelay: 60_000 })
  await app.ready()
  const drained = app.healthz.drain()
  await app.close()
  await drained
  t.pass('the drain resolved when the app closed')
  const after = performance.now()
  await app.healthz.drain()
  t.ok(performance.now() - after < 100, 'a drain after close resolves at once')

  const closed = await build({ drainDelay: 60_000 })
  await closed.app.close()
  const late = performance.now()
  await closed.app.healthz.drain()
  t.ok(performance.now() - late < 100, 'a first drain after close resolves at once')
  t.same((await closed.app.healthz.run('live', { verbose: true })).lifecycle, { phase: 'closing', started: false }, 'and leaves the phase at closing')
})

t.test('readiness fails from the moment close() begins, even without a drain', async (t) => {
  const { app } = await build({}, { return503OnClosing: false })
  app.healthz.add('db', () => {})
  const seen: Record<string, unknown> = {}
  // Registered after the plugin's, this preClose hook sees the app as a request arriving during close() does.
  app.addHook('preClose', async () => {
    const handler = app.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void
    for (const url of ['/healthz/ready', '/healthz/ready?verbose', '/healthz/live', '/healthz/startup']) {
      const res = await inject(handler, url)
      seen[url] = [res.statusCode, res.json()]
    }
    seen.run = await app.healthz.run('ready', { verbose: true })
  })
  await app.ready()
  await app.close()
  t.same(seen['/healthz/ready'], [503, SHUTTING_DOWN])
  t.same(seen['/healthz/ready?verbose'], [503, { ...SHUTTING_DOWN, checks: {}, lifecycle: { phase: 'closing', started: false } }], 'no check starts while closing')
  t.same(seen['/healthz/live'], [200, { status: 200, title: 'OK' }])
  t.same(seen['/healthz/startup'], [200, { status: 200, title: 'OK' }])
  t.same(seen.run, { ...SHUTTING_DOWN, checks: {}, lifecycle: { phase: 'closing', started: true } })
})

t.test('markNotReady() and markReady() take readiness out and back with reasons', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => {})
  app.healthz.markNotReady('warming caches')
  let res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 503, title: 'Not Ready', detail: 'warming caches' })
  t.equal((await app.inject('/healthz/live')).statusCode, 200)

  app.healthz.markNotReady('lost leader lock')
  app.healthz.markNotReady('warming caches')
  t.same((await app.inject('/healthz/ready')).json().detail, 'warming caches; lost leader lock')
  t.match((await app.inject('/healthz/ready?verbose')).json(), {
    status: 503,
    title: 'Not Ready',
    checks: { db: { status: 'pass' } },
    lifecycle: { phase: 'serving', notReady: ['warming caches', 'lost leader lock'] }
  })

  app.healthz.markReady('warming caches')
  t.same((await app.healthz.run('ready')), { status: 503, title: 'Not Ready', detail: 'lost leader lock' })
  app.healthz.markReady('not a reason that was given')
  app.healthz.markNotReady('maintenance')
  app.healthz.markReady()
  res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 200)
  t.same((await app.inject('/healthz/ready?verbose')).json().lifecycle, { phase: 'serving', started: false })

  app.healthz.markNotReady('maintenance')
  await app.healthz.drain()
  t.same((await app.inject('/healthz/ready')).json(), SHUTTING_DOWN, 'shutting down wins over not ready')
})

t.test('markNotReady() and markReady() reject a bad reason', async (t) => {
  const { app } = await build()
  for (const reason of ['', 42, undefined, 'x'.repeat(257)]) {
    t.throws(() => app.healthz.markNotReady(reason as string), { code: 'FST_HEALTHZ_INVALID_REASON', message: /markNotReady\(\): the reason must be a string of 1 to 256 characters/ })
  }
  t.throws(() => app.healthz.markReady(''), HealthzConfigError)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
})

t.test('the phase is starting until the app is ready', async (t) => {
  const { app } = await build()
  t.same((await app.healthz.run('live', { verbose: true })).lifecycle, { phase: 'starting', started: false })
  await app.ready()
  t.same((await app.healthz.run('live', { verbose: true })).lifecycle, { phase: 'serving', started: false })
  await sleep(0)
})
