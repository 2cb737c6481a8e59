// Errors raised on probe routes by hooks and neighbour plugins keep their own
// status, answer as application/problem+json and are logged at the app's level,
// tested against the real @fastify/under-pressure.
import t from 'tap'
import underPressure from '@fastify/under-pressure'
import Fastify, { type FastifyInstance } from 'fastify'
import healthz, { HealthError, isProbeRequest } from '../lib/index.js'
import { build, captureLog } from './helpers/app.js'

const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const WITHHELD = 'The error is withheld from the response and written to the app log.'

/** An app that is always under pressure: under-pressure's external health check says so. */
async function pressured (app: FastifyInstance, options: Record<string, unknown> = {}): Promise<void> {
  await app.register(underPressure, { healthCheck: async () => false, healthCheckInterval: 60_000, ...options })
}

t.test('@fastify/under-pressure: its 503 on a probe route answers 503 problem+json, never a 500, and is logged at the app level', async (t) => {
  const { app, lines } = await build()
  t.teardown(() => app.close())
  await pressured(app)
  for (const url of ['/healthz/live', '/healthz/ready?verbose', '/healthz/live/nope', '/healthz/nope']) {
    const response = await app.inject(url)
    t.equal(response.statusCode, 503, url)
    t.equal(response.headers['content-type'], PROBLEM_JSON, url)
    t.equal(response.headers['cache-control'], 'no-store', url)
    t.equal(response.headers['retry-after'], '10', 'headers set by the hook stay')
    t.same(response.json(), { status: 503, title: 'Service Unavailable', detail: WITHHELD }, url)
  }
  const head = await app.inject({ method: 'HEAD', url: '/healthz/live' })
  t.equal(head.statusCode, 503)
  const logged = lines.filter((line) => /probe request failed with 503/.test(line.msg ?? ''))
  t.equal(logged.length, 5, 'each failure is logged although probe routes log nothing themselves')
  t.match(logged[0], { level: 50, statusCode: 503, url: '/healthz/live', method: 'GET', err: { code: 'FST_UNDER_PRESSURE' } })
})

t.test('@fastify/under-pressure recipe: probes pass through the pressure handler, readiness reports the pressure', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(underPressure, {
    healthCheck: async () => false,
    healthCheckInterval: 60_000,
    pressureHandler: async (request, reply) => {
      if (isProbeRequest(request)) return // the probes answer for themselves
      reply.header('retry-after', '10')
      throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 })
    }
  })
  await app.register(healthz)
  app.healthz.add('pressure', () => {
    if (app.isUnderPressure()) throw new HealthError('under pressure')
  })
  app.get('/app', async () => ({ ok: true }))

  t.equal((await app.inject('/app')).statusCode, 503, 'the app sheds load')
  t.equal((await app.inject('/healthz/live')).statusCode, 200, 'liveness is not restarted by load')
  const ready = await app.inject('/healthz/ready')
  t.equal(ready.statusCode, 503)
  t.same(ready.json().checks, { pressure: { status: 'fail', output: 'under pressure' } })
})

t.test('errors on probe routes keep their status; their text is public only for 4xx http errors or expose: true', async (t) => {
  const { app, lines } = await build()
  t.teardown(() => app.close())
  const thrown: Record<string, () => unknown> = {
    'not-found': () => Object.assign(new Error('No such thing here'), { statusCode: 404 }),
    'status-prop': () => Object.assign(new Error('Too many'), { status: 429 }),
    plain: () => new Error('connect ECONNREFUSED postgres://admin:hunter2@db'),
    'server-http': () => Object.assign(new Error('db password hunter2'), { statusCode: 502 }),
    exposed: () => Object.assign(new Error('Upstream is down'), { statusCode: 502, expose: true }),
    'reply-status': () => new Error('hunter2'),
    'odd-status': () => Object.assign(new Error('hunter2'), { statusCode: 599 }),
    'bad-status': () => Object.assign(new Error('hunter2'), { statusCode: 200 }),
    'empty-message': () => Object.assign(new Error(''), { statusCode: 400 }),
    long: () => Object.assign(new Error(`${'😀'.repeat(300)}`), { statusCode: 400 }),
    string: () => 'hunter2',
    'throwing-getters': () => new Proxy({}, { get () { throw new Error('hunter2') } }),
    revoked: () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy }
  }
  app.addHook('onRequest', async (request, reply) => {
    const kind = (request.query as { kind?: string }).kind
    if (kind === undefined) return
    if (kind === 'reply-status') reply.code(418)
    throw thrown[kind]?.()
  })
  const expected: Record<string, [number, string]> = {
    'not-found': [404, 'No such thing here'],
    'status-prop': [429, 'Too many'],
    plain: [500, WITHHELD],
    'server-http': [502, WITHHELD],
    exposed: [502, 'Upstream is down'],
    'reply-status': [418, WITHHELD],
    'odd-status': [599, WITHHELD],
    'bad-status': [500, WITHHELD],
    'empty-message': [400, WITHHELD],
    long: [400, '😀'.repeat(256)],
    string: [500, WITHHELD],
    'throwing-getters': [500, WITHHELD],
    revoked: [500, WITHHELD]
  }
  for (const [kind, [status, detail]] of Object.entries(expected)) {
    const response = await app.inject(`/healthz/ready?kind=${kind}`)
    t.equal(response.statusCode, status, kind)
    t.equal(response.headers['content-type'], PROBLEM_JSON, kind)
    const body = response.json()
    t.match(body, { status, detail }, kind)
    t.equal(typeof body.title, 'string', kind)
    t.notMatch(response.body, 'hunter2', `${kind}: no secret in the body`)
  }
  t.equal((await app.inject('/healthz/ready?kind=odd-status')).json().title, 'Error', 'a status without a standard title')
  t.equal((await app.inject('/healthz/ready?kind=not-found')).json().title, 'Not Found')
  t.ok(lines.some((line) => line.level === 30 && line.statusCode === 404), '4xx logged at info')
  t.ok(lines.some((line) => line.level === 50 && line.statusCode === 500), '5xx logged at error')
  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'the probe itself is untouched')
})

t.test('a logger that throws on a hostile error does not turn the answer into a 500', async (t) => {
  const { logger } = captureLog()
  const app = Fastify({ loggerInstance: logger })
  t.teardown(() => app.close())
  await app.register(healthz)
  app.log.error = () => { throw new Error('logger broke') }
  app.addHook('onRequest', async () => { throw Object.assign(new Error('gone'), { statusCode: 503 }) })
  const response = await app.inject('/healthz/live')
  t.equal(response.statusCode, 503)
})
