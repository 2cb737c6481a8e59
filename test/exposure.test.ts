// Probes must answer the kubelet without credentials and without rate limits,
// tested against the real auth and rate-limit plugins.
import t from 'tap'
import fastifyAuth from '@fastify/auth'
import basicAuth from '@fastify/basic-auth'
import bearerAuth from '@fastify/bearer-auth'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import healthz, { isProbeRequest } from '../lib/index.js'

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const PROBES = ['/healthz/live', '/healthz/ready', '/healthz/startup', '/healthz/ready?verbose']

t.test('the trap: a root onRequest auth hook guards the probes too, whatever the order', async (t) => {
  const app = Fastify()
  await app.register(healthz)
  await app.register(basicAuth, { validate: async () => { throw new Error('nope') }, authenticate: true })
  app.addHook('onRequest', app.basicAuth)
  t.equal((await app.inject('/healthz/live')).statusCode, 401)
})

t.test('@fastify/basic-auth: one line with isProbeRequest() exempts the probes', async (t) => {
  const app = Fastify()
  await app.register(basicAuth, {
    authenticate: true,
    validate: async (user: string, password: string) => {
      if (user !== 'admin' || password !== 's3cret') throw new Error('Unauthorized')
    }
  })
  app.addHook('onRequest', (request, reply, done) => {
    if (isProbeRequest(request)) return done()
    app.basicAuth(request, reply, done)
  })
  await app.register(healthz)
  app.get('/app', async () => ({ secret: 42 }))

  for (const url of PROBES) t.equal((await app.inject(url)).statusCode, 200, url)
  t.equal((await app.inject('/healthz/nope')).statusCode, 404, 'unknown probes answer 404, not 401')
  t.equal((await app.inject('/app')).statusCode, 401)
  t.equal((await app.inject({ url: '/app', headers: { authorization: basic('admin', 'wrong') } })).statusCode, 401)
  t.equal((await app.inject({ url: '/app', headers: { authorization: basic('admin', 's3cret') } })).statusCode, 200)
  t.equal((await app.inject('/nowhere')).statusCode, 401, 'requests that match no route are still guarded')
})

t.test('@fastify/bearer-auth: the API in an encapsulated context, the probes outside it', async (t) => {
  const app = Fastify()
  await app.register(healthz)
  await app.register(async (api) => {
    await api.register(bearerAuth, { keys: new Set(['token-1']) })
    api.get('/orders', async () => [])
  }, { prefix: '/api' })

  for (const url of PROBES) t.equal((await app.inject(url)).statusCode, 200, url)
  t.equal((await app.inject('/api/orders')).statusCode, 401)
  t.equal((await app.inject({ url: '/api/orders', headers: { authorization: 'Bearer token-1' } })).statusCode, 200)
})

t.test('@fastify/bearer-auth with addHook: false, checked in the app\'s own hook', async (t) => {
  const app = Fastify()
  await app.register(bearerAuth, { keys: new Set(['token-1']), addHook: false })
  app.addHook('onRequest', (request, reply, done) => {
    if (isProbeRequest(request)) return done()
    app.verifyBearerAuth?.(request, reply, done)
  })
  await app.register(healthz)
  app.get('/app', async () => 'ok')
  for (const url of PROBES) t.equal((await app.inject(url)).statusCode, 200, url)
  t.equal((await app.inject('/app')).statusCode, 401)
})

t.test('@fastify/auth: probes as one more strategy of an "or"', async (t) => {
  const app = Fastify()
  await app.register(fastifyAuth)
  await app.register(healthz)
  const allowProbes = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    done(isProbeRequest(request) ? undefined : new Error('not a probe'))
  }
  const verifyApiKey = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    done(request.headers['x-api-key'] === 'k1' ? undefined : new Error('bad key'))
  }
  app.addHook('onRequest', app.auth([allowProbes, verifyApiKey]))
  app.get('/app', async () => 'ok')

  for (const url of PROBES) t.equal((await app.inject(url)).statusCode, 200, url)
  t.equal((await app.inject('/app')).statusCode, 401)
  t.equal((await app.inject({ url: '/app', headers: { 'x-api-key': 'k1' } })).statusCode, 200)
})

t.test('@fastify/rate-limit registered globally never throttles the probes', async (t) => {
  for (const order of ['rate-limit first', 'healthz first']) {
    const app = Fastify()
    if (order === 'rate-limit first') await app.register(rateLimit, { global: true, max: 5, timeWindow: '1 minute' })
    await app.register(healthz)
    if (order === 'healthz first') await app.register(rateLimit, { global: true, max: 5, timeWindow: '1 minute' })
    app.get('/app', async () => 'ok')

    const statuses = new Map<number, number>()
    for (let i = 0; i < 1000; i++) {
      const res = await app.inject(PROBES[i % PROBES.length])
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    }
    t.same([...statuses], [[200, 1000]], `${order}: 1,000 probes all answer 200`)
    const appStatuses: number[] = []
    for (let i = 0; i < 7; i++) appStatuses.push((await app.inject('/app')).statusCode)
    t.same(appStatuses, [200, 200, 200, 200, 200, 429, 429], `${order}: the app route is limited`)
    t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  }
})

t.test('every plugin route carries the marker; other routes do not', async (t) => {
  const app = Fastify()
  const seen: Record<string, boolean> = {}
  app.addHook('onRequest', async (request) => { seen[request.url] = isProbeRequest(request) })
  await app.register(healthz)
  app.get('/app', async () => 'ok')
  for (const url of ['/healthz/live', '/healthz/ready/db', '/healthz', '/healthz/x/y', '/app', '/none']) await app.inject(url)
  t.same(seen, { '/healthz/live': true, '/healthz/ready/db': true, '/healthz': true, '/healthz/x/y': true, '/app': false, '/none': false })
})
