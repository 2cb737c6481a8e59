// The `listen` option: probes on a dedicated port, outside the app's hooks.
import t from 'tap'
import rateLimit from '@fastify/rate-limit'
import Fastify from 'fastify'
import { createServer, type Server } from 'node:net'
import healthz from '../lib/index.js'
import { captureLog, deferred, sleep } from './helpers/app.js'

const LOCAL = '127.0.0.1'

function portOf (server: { address: () => unknown } | undefined): number {
  return (server?.address() as { port: number }).port
}

t.test('probes answer on the dedicated port while the main port\'s hooks reject everything', async (t) => {
  const app = Fastify()
  await app.register(rateLimit, { global: true, max: 1, timeWindow: '1 minute' })
  app.addHook('onRequest', async (_request, reply) => reply.code(401).send({ error: 'Unauthorized' }))
  await app.register(healthz, { listen: { port: 0, host: LOCAL } })
  app.get('/app', async () => 'ok')
  const main = await app.listen({ port: 0, host: LOCAL })
  t.teardown(() => app.close())
  const probes = `http://${LOCAL}:${portOf(app.healthz.server)}`

  for (let i = 0; i < 20; i++) {
    for (const probe of ['live', 'ready', 'startup']) t.equal((await fetch(`${probes}/healthz/${probe}`)).status, 200)
  }
  t.same(await (await fetch(`${probes}/healthz/ready?verbose`)).json(), { status: 200, title: 'OK', checks: {}, lifecycle: { phase: 'serving', started: true } })
  t.equal((await fetch(`${probes}/healthz/nope`)).status, 404)
  t.equal((await fetch(`${probes}/app`)).status, 404, 'the probe port serves only the probes')
  t.equal((await fetch(`${main}/app`)).status, 401)
  t.equal((await fetch(`${main}/healthz/live`)).status, 401, 'the probes are not on the main port')
})

t.test('the dedicated port parses no bodies', async (t) => {
  const app = Fastify()
  await app.register(healthz, { listen: { port: 0, host: LOCAL } })
  await app.listen({ port: 0, host: LOCAL })
  t.teardown(() => app.close())
  const probes = `http://${LOCAL}:${portOf(app.healthz.server)}`
  for (const [type, body] of [['application/json', '{"a":'], ['text/plain', 'x'.repeat(100_000)]]) {
    const res = await fetch(`${probes}/healthz/live`, { method: 'POST', headers: { 'content-type': type }, body })
    t.equal(res.status, 404, `${type}: answered without parsing the body`)
  }
})

t.test('readiness on the probe port fails until the app\'s own port listens', async (t) => {
  const app = Fastify()
  await app.register(healthz, { listen: { port: 0, host: LOCAL } })
  app.healthz.add('db', () => {})
  t.equal(app.healthz.server, undefined, 'no probe server before ready')
  await app.ready()
  t.teardown(() => app.close())
  const probes = `http://${LOCAL}:${portOf(app.healthz.server)}`
  const before = await fetch(`${probes}/healthz/ready`)
  t.equal(before.status, 503)
  t.same(await before.json(), { status: 503, title: 'Not Ready', detail: 'The app is not listening yet.' })
  t.equal((await fetch(`${probes}/healthz/live`)).status, 200, 'liveness does not wait')
  t.equal((await fetch(`${probes}/healthz/startup`)).status, 200, 'startup does not wait')
  await app.listen({ port: 0, host: LOCAL })
  t.equal((await fetch(`${probes}/healthz/ready`)).status, 200)
})

t.test('a port clash on the probe port fails ready() and listen() loudly', async (t) => {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, LOCAL, resolve))
  t.teardown(() => { blocker.close() })
  const taken = portOf(blocker)

  const app = Fastify()
  await app.register(healthz, { listen: { port: taken, host: LOCAL } })
  await t.rejects(app.listen({ port: 0, host: LOCAL }), { code: 'EADDRINUSE' })
  t.equal(app.server.listening, false, 'the app does not start serving without its probes')
  await app.close()

  const other = Fastify()
  await other.register(healthz, { listen: { port: taken, host: LOCAL } })
  await t.rejects(async () => { await other.ready() }, { code: 'EADDRINUSE' })
})

t.test('the probe port closes when the app closes, after the app\'s in-flight requests', async (t) => {
  const { logger } = captureLog()
  const app = Fastify({ loggerInstance: logger })
  await app.register(healthz, { listen: { port: 0, host: LOCAL } })
  const arrived = deferred()
  app.get('/slow', async () => { arrived.resolve(); await sleep(400); return 'done' })
  const main = await app.listen({ port: 0, host: LOCAL })
  const probes = `http://${LOCAL}:${portOf(app.healthz.server)}`

  // connection: close, or the finished request's keep-alive socket would hold close() until its timeout.
  const slow = fetch(`${main}/slow`, { headers: { connection: 'close' } }).then((res) => res.status)
  // Close only once the request is in flight: on a busy machine 50 ms may not be enough for it to arrive.
  await arrived.promise
  const closed = app.close()
  await sleep(50)
  t.equal((await fetch(`${probes}/healthz/live`)).status, 200, 'liveness answers while the app closes')
  const ready = await fetch(`${probes}/healthz/ready`)
  t.equal(ready.status, 503, 'readiness fails while the app closes')
  t.same(await ready.json(), { status: 503, title: 'Shutting Down', detail: 'The service is shutting down.' })
  t.equal(await slow, 200)
  await closed
  t.equal(app.healthz.server, undefined)
  await t.rejects(fetch(`${probes}/healthz/live`), 'the probe port is closed')
})

t.test('the probe server listens on all interfaces by default', async (t) => {
  const app = Fastify()
  await app.register(healthz, { listen: { port: 0 } })
  await app.ready()
  t.teardown(() => app.close())
  t.match(app.healthz.server?.address(), { address: '0.0.0.0' })
})
