import t from 'tap'
import { activeTimers, build, deferred, sleep } from './helpers/app.js'

t.test('a check that outlives its timeout fails at the timeout and its signal is aborted', async (t) => {
  const { app } = await build()
  let seen: AbortSignal | undefined
  app.healthz.add('hung', ({ signal }) => { seen = signal; return new Promise(() => {}) }, { timeout: 100 })
  const started = performance.now()
  const res = await app.inject('/healthz/ready')
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 503)
  t.same(res.json().checks, { hung: { status: 'fail', output: 'timed out after 100 ms' } })
  t.ok(elapsed >= 95 && elapsed < 1000, `answered at the timeout (${elapsed} ms)`)
  t.equal(seen?.aborted, true)
  t.equal((seen?.reason as DOMException).name, 'TimeoutError')
  t.equal((seen?.reason as DOMException).message, 'timed out after 100 ms')
})

t.test('the default timeout answers well inside the kubelet\'s one second', async (t) => {
  const { app } = await build()
  app.healthz.add('hung', () => new Promise(() => {}))
  const started = performance.now()
  const res = await app.inject('/healthz/ready')
  const elapsed = performance.now() - started
  t.same(res.json().checks, { hung: { status: 'fail', output: 'timed out after 500 ms' } })
  t.ok(elapsed < 900, `${elapsed} ms`)
})

t.test('the plugin timeout option sets the default; add() overrides it', async (t) => {
  const { app } = await build({ timeout: 30 })
  app.healthz.add('a', () => new Promise(() => {}))
  app.healthz.add('b', () => new Promise(() => {}), { timeout: 60 })
  t.same((await app.inject('/healthz/ready')).json().checks, {
    a: { status: 'fail', output: 'timed out after 30 ms' },
    b: { status: 'fail', output: 'timed out after 60 ms' }
  })
})

t.test('a non-critical check that times out warns', async (t) => {
  const { app } = await build()
  app.healthz.add('slow', () => new Promise(() => {}), { timeout: 20, critical: false })
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 200)
  t.same(res.json().checks, { slow: { status: 'warn', output: 'timed out after 20 ms' } })
})

t.test('a late settlement after a timeout causes no unhandled rejection and no leaked timer', async (t) => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

  const { app } = await build()
  const baseline = activeTimers()
  app.healthz.add('late-reject', async () => { await sleep(150); throw new Error('late') }, { timeout: 30 })
  app.healthz.add('late-resolve', async () => { await sleep(150) }, { timeout: 30 })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  await sleep(300)
  t.same(unhandled, [])
  t.equal(activeTimers(), baseline, 'no timer left behind')
})

t.test('checks that settle in time leave no timer behind', async (t) => {
  const { app } = await build()
  const baseline = activeTimers()
  app.healthz.add('quick', async () => {}, { timeout: 10_000 })
  app.healthz.add('failing', async () => { throw new Error('x') }, { timeout: 10_000 })
  for (let i = 0; i < 50; i++) await app.inject('/healthz/ready')
  t.equal(activeTimers(), baseline)
})

t.test('while a timed-out run has not settled, no second run starts', async (t) => {
  const { app } = await build()
  let calls = 0
  const hang = deferred()
  app.healthz.add('db', () => { calls++; return hang.promise }, { timeout: 50 })
  for (let i = 0; i < 5; i++) {
    const res = await app.inject('/healthz/ready?verbose')
    t.equal(res.statusCode, 503)
    t.equal(res.json().checks.db.output, 'timed out after 50 ms')
    t.equal(res.json().checks.db.cached, i > 0, 'later probes reuse the timeout')
  }
  t.equal(calls, 1, 'one run, however many probes')
  hang.resolve()
  await sleep(10)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal(calls, 2, 'a new run once the hung one settled')
})

t.test('closing the server ends runs that are still waiting, aborting their signal', async (t) => {
  const { app } = await build()
  const baseline = activeTimers()
  let seen: AbortSignal | undefined
  // On live: readiness in flight at close answers "Shutting Down" whatever its checks say (test/races.test.ts).
  app.healthz.add('hung', ({ signal }) => { seen = signal; return new Promise(() => {}) }, { timeout: 60_000, probes: ['live'] })
  const report = app.healthz.run('live')
  await sleep(10)
  t.equal(activeTimers(), baseline + 1)
  const started = performance.now()
  await app.close()
  t.same(await report, { status: 503, title: 'Service Unavailable', checks: { hung: { status: 'fail', output: 'the server is closing' } } })
  t.ok(performance.now() - started < 1000)
  t.equal(seen?.aborted, true)
  t.equal((seen?.reason as DOMException).name, 'AbortError')
  t.equal(activeTimers(), baseline, 'the timeout timer is cleared')
})
