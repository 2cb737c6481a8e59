// A check with its own close(): the plugin calls it once the check is removed
// and once the app has closed, and nothing close() does escapes the plugin.
import t from 'tap'
import { build } from './helpers/app.js'

/** A check that counts the calls of its close(), which does `onClose`. */
function closeable (onClose: () => unknown = () => undefined): { check: (() => void) & { close: () => unknown }, closed: () => number } {
  let closed = 0
  const check = Object.assign(() => {}, { close: () => { closed++; return onClose() } })
  return { check, closed: () => closed }
}

t.test('remove() and the app\'s close call the check\'s close() once each', async (t) => {
  const { app } = await build()
  const removed = closeable()
  const kept = closeable()
  app.healthz.add('removed', removed.check)
  app.healthz.add('kept', kept.check, { probes: ['ready', 'live'] })
  app.healthz.add('plain', () => {})
  await app.ready()
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal(removed.closed() + kept.closed(), 0, 'not while the checks are in use')
  t.equal(app.healthz.remove('removed'), true)
  t.equal(removed.closed(), 1, 'removed: closed')
  t.equal(kept.closed(), 0)
  await app.close()
  t.equal(removed.closed(), 1, 'a removed check is not closed again')
  t.equal(kept.closed(), 1, 'closed once with the app, though it serves two probes')
})

t.test('an app closed before it was ready closes its checks too', async (t) => {
  const { app } = await build()
  const { check, closed } = closeable()
  app.healthz.add('check', check)
  await app.close()
  t.equal(closed(), 1)
})

t.test('what close() throws or rejects with is logged, never thrown', async (t) => {
  const { app, lines } = await build()
  app.healthz.add('throws', closeable(() => { throw new Error('close threw') }).check)
  app.healthz.add('rejects', closeable(async () => { throw new Error('close rejected') }).check)
  app.healthz.add('getter', Object.defineProperty(() => {}, 'close', { get () { throw new Error('a hostile getter') } }))
  app.healthz.add('not-a-function', Object.assign(() => {}, { close: 'no' }))
  app.healthz.add('removed', closeable(() => { throw new Error('close threw on remove') }).check)
  await app.ready()
  t.equal(app.healthz.remove('removed'), true, 'remove() still removes')
  await app.close()
  await new Promise((resolve) => setImmediate(resolve))
  const logged = lines.filter((line) => line.msg === 'fastify-healthz: the check\'s close() failed')
  t.same(logged.map((line) => [line.level, line.healthCheck, (line.err as { message: string }).message]).sort(), [
    [50, 'rejects', 'close rejected'],
    [50, 'removed', 'close threw on remove'],
    [50, 'throws', 'close threw']
  ])
})

t.test('a logger that throws while reporting a failed close() is not thrown through either', async (t) => {
  const { releaseCheck } = await import('../lib/release-check.js')
  const log = { error () { throw new Error('the logger threw') } }
  t.doesNotThrow(() => { releaseCheck(Object.assign(() => {}, { close () { throw new Error('close threw') } }), log as never) })
})

t.test('once the app has closed, run() runs no check: what the checks released stays released', async (t) => {
  // run('live') after close ran the checks again: eventLoopCheck sampled again, redisCheck listened again.
  const { app } = await build()
  let runs = 0
  const { check, closed } = closeable()
  app.healthz.add('counted', () => { runs++ }, { probes: ['live', 'ready'] })
  app.healthz.add('closeable', check, { probes: ['live'] })
  await app.ready()
  t.equal((await app.healthz.run('live')).status, 200)
  t.equal(runs, 1)
  await app.close()
  t.equal(closed(), 1)
  for (const probe of ['live', 'ready', 'startup'] as const) {
    const report = await app.healthz.run(probe, { verbose: true })
    t.equal(report.status, 503, `${probe}: shutting down`)
    t.match(report, { lifecycle: { phase: 'closing' } })
  }
  t.equal(runs, 1, 'no check ran after close')
  t.equal(closed(), 1)
})
