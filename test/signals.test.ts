import t, { type Test } from 'tap'
import { build, deferred, sleep } from './helpers/app.js'

const SIGNAL = 'SIGUSR2'
const emitSignal = (): void => { process.emit(SIGNAL, SIGNAL) }

type Built = Awaited<ReturnType<typeof build>>

/** The plugin's own log lines, without Fastify's. */
const own = (lines: Built['lines']): Built['lines'] => lines.filter((line) => String(line.msg).startsWith('fastify-healthz:'))

/** An app listening on a free port with the signals option, closed when the test ends. */
async function listening (t: Test, options: Record<string, unknown>, setup?: (app: Built['app']) => void): Promise<Built & { url: string, closed: Promise<void> }> {
  const built = await build({ signals: [SIGNAL], ...options })
  const closed = deferred()
  built.app.addHook('onClose', async () => { closed.resolve() })
  built.app.get('/slow', async () => { await sleep(5000); return 'late' })
  setup?.(built.app)
  t.teardown(async () => { await built.app.close().catch(() => {}) })
  const url = await built.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...built, url, closed: closed.promise }
}

t.test('on a signal the plugin drains, then closes the app, then stops listening', async (t) => {
  const baseline = process.listenerCount(SIGNAL)
  // A drain long enough for two probes on a busy machine.
  const { app, url, closed, lines } = await listening(t, { drainDelay: 600 })
  t.equal(process.listenerCount(SIGNAL), baseline + 1)
  const exit = t.capture(process, 'exit')

  const started = performance.now()
  emitSignal()
  t.equal((await fetch(`${url}/healthz/ready`)).status, 503)
  t.equal((await fetch(`${url}/healthz/live`)).status, 200)
  await closed
  const elapsed = performance.now() - started
  t.ok(elapsed >= 595 && elapsed < 3000, `closed after drainDelay (${elapsed} ms)`)
  await sleep(10)
  t.equal(process.listenerCount(SIGNAL), baseline, 'signal listeners removed')
  t.equal(exit().length, 0, 'no process.exit() without forceExit')
  t.match(own(lines), [{ level: 30, signal: SIGNAL, msg: `fastify-healthz: ${SIGNAL} received: draining, then closing` }])
  t.equal(app.server.listening, false)
})

t.test('a second signal ends the drain and drops open connections', async (t) => {
  const { url, closed, lines } = await listening(t, { drainDelay: 60_000 })
  const slow = fetch(`${url}/slow`).then((res) => res.status, (error: Error) => error)
  await sleep(50)
  const started = performance.now()
  emitSignal()
  await sleep(20)
  emitSignal()
  emitSignal()
  await closed
  t.ok(performance.now() - started < 1000, 'closed at once')
  t.type(await slow, Error, 'the in-flight request was cut')
  t.same(own(lines).map((line) => line.msg), [`fastify-healthz: ${SIGNAL} received: draining, then closing`, `fastify-healthz: ${SIGNAL} received again: closing at once`], 'a third signal changes nothing')
})

t.test('closeTimeout closes at once when it runs out', async (t) => {
  const { closed, lines } = await listening(t, { drainDelay: 60_000, closeTimeout: 100 })
  const started = performance.now()
  emitSignal()
  await closed
  const elapsed = performance.now() - started
  t.ok(elapsed >= 95 && elapsed < 1000, `${elapsed} ms`)
  t.match(own(lines).at(-1), { level: 40, msg: 'fastify-healthz: close did not end within closeTimeout (100 ms): closing at once' })
})

t.test('a close that ends in time clears closeTimeout', async (t) => {
  const { closed, lines } = await listening(t, { drainDelay: 10, closeTimeout: 200 })
  emitSignal()
  await closed
  await sleep(300)
  t.equal(own(lines).length, 1, 'no forced close afterwards')
})

t.test('forceExit exits with 0 after a clean close and 1 after a forced one', async (t) => {
  const exit = t.capture(process, 'exit', () => undefined as never)
  const clean = await listening(t, { forceExit: true })
  emitSignal()
  await clean.closed
  await sleep(10)
  t.same(exit().map((call) => call.args), [[0]])

  const forced = await listening(t, { drainDelay: 60_000, closeTimeout: 50, forceExit: true })
  emitSignal()
  await forced.closed
  await sleep(10)
  t.same(exit().map((call) => call.args), [[1], [1]], 'exits at once when forced, and again if still running after close')
})

t.test('a close that fails is logged and sets a failing exit code', async (t) => {
  const exit = t.capture(process, 'exit', () => undefined as never)
  const { closed, lines } = await listening(t, { forceExit: true }, (app) => {
    app.addHook('onClose', async () => { throw new Error('pool would not close') })
  })
  const exitCode = process.exitCode
  t.teardown(() => { process.exitCode = exitCode })
  emitSignal()
  await closed
  await sleep(20)
  t.equal(process.exitCode, 1)
  process.exitCode = exitCode
  t.same(exit().map((call) => call.args), [[1]])
  t.match(own(lines).at(-1), { level: 50, msg: 'fastify-healthz: close failed', err: { message: 'pool would not close' } })
})

t.test('signal listeners are added when the app is ready and removed when it closes', async (t) => {
  const baseline = process.listenerCount(SIGNAL)
  const { app } = await build({ signals: [SIGNAL, SIGNAL] })
  t.equal(process.listenerCount(SIGNAL), baseline, 'not before ready')
  await app.ready()
  t.equal(process.listenerCount(SIGNAL), baseline + 1)
  await app.close()
  t.equal(process.listenerCount(SIGNAL), baseline)
})
