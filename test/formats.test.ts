// The three formats of a probe, picked by Accept: routes, headers, status codes and the `info` option.
import t from 'tap'
import Fastify from 'fastify'
import healthz, { HealthError, HealthzConfigError, type HealthzOptions } from '../lib/index.js'
import { build } from './helpers/app.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'
const HEALTH_TYPE = 'application/health+json'
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

const get = (app: Awaited<ReturnType<typeof build>>['app'], url: string, accept?: string) =>
  app.inject({ url, headers: accept === undefined ? {} : { accept } })

t.test('Accept picks the format: JSON, kube-apiserver text or health+json, with the same status codes', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => {})
  app.healthz.add('search', () => { throw new HealthError('Search is down') }, { probes: ['startup'] })

  for (const accept of [undefined, '*/*', 'application/json', 'text/html', 'application/json;q=0', 'image/png, */*;q=0']) {
    const live = await get(app, '/healthz/live', accept)
    t.equal(live.statusCode, 200, `${accept}`)
    t.equal(live.headers['content-type'], JSON_TYPE, `${accept}: JSON`)
    t.equal(live.body, '{"status":200,"title":"OK"}')
    const startup = await get(app, '/healthz/startup', accept)
    t.equal(startup.statusCode, 503)
    t.equal(startup.headers['content-type'], PROBLEM_TYPE)
  }

  for (const accept of ['text/plain', 'text/*', 'text/plain; charset=utf-8', 'application/json;q=0.5, text/plain', 'text/plain, */*;q=0.1', 'application/json;q=0, */*']) {
    const live = await get(app, '/healthz/live', accept)
    t.equal(live.statusCode, 200, accept)
    t.equal(live.headers['content-type'], TEXT_TYPE, `${accept}: text`)
    t.equal(live.headers['x-content-type-options'], 'nosniff')
    t.equal(live.headers['cache-control'], 'no-store')
    t.equal(live.body, 'ok')
    const startup = await get(app, '/healthz/startup', accept)
    t.equal(startup.statusCode, 503)
    t.equal(startup.headers['content-type'], TEXT_TYPE)
    t.equal(startup.body, '[-]search failed: Search is down\nstartup check failed\n')
  }

  for (const accept of ['application/health+json', 'application/health+json, application/json;q=0.9', 'application/json;q=0, application/*']) {
    const live = await get(app, '/healthz/live', accept)
    t.equal(live.statusCode, 200, accept)
    t.equal(live.headers['content-type'], HEALTH_TYPE, `${accept}: health+json, without a charset the type does not take`)
    t.equal(live.headers['cache-control'], 'no-store')
    t.equal(live.body, '{"status":"pass"}')
    const startup = await get(app, '/healthz/startup', accept)
    t.equal(startup.statusCode, 503)
    t.equal(startup.headers['content-type'], HEALTH_TYPE)
    const body = startup.json()
    t.match(body, { status: 'fail', checks: { 'search:responseTime': [{ status: 'fail', observedValue: Number, observedUnit: 'ms', time: ISO, output: 'Search is down' }] } })
    t.same(Object.keys(body.checks), ['search:responseTime'])
  }
})

t.test('verbose answers in each format, and the per-check route', async (t) => {
  const { app } = await build()
  app.healthz
    .add('db', () => {})
    .add('cache', () => ({ status: 'warn', output: 'cold' }), { critical: false })
    .add('queue', () => { throw new Error('amqp://user:hunter2@mq') })

  const text = await get(app, '/healthz/ready?verbose&exclude=db', 'text/plain')
  t.equal(text.statusCode, 503)
  t.equal(text.body, '[+]db excluded: ok\n[+]cache warn: cold\n[-]queue failed: reason withheld\nready check failed\n')
  t.notMatch(text.body, 'hunter2')
  t.equal((await get(app, '/healthz/ready?exclude=queue', 'text/plain')).body, '[+]db ok\n[+]cache warn: cold\n[+]queue excluded: ok\nready check passed\n')
  t.equal((await get(app, '/healthz/ready/db', 'text/plain')).body, 'ok')
  t.equal((await get(app, '/healthz/ready/queue?verbose', 'text/plain')).body, '[-]queue failed: reason withheld\nready check failed\n')

  const health = await get(app, '/healthz/ready?verbose', 'application/health+json')
  t.equal(health.statusCode, 503)
  t.notMatch(health.body, 'hunter2')
  t.same(Object.keys(health.json().checks), ['db:responseTime', 'cache:responseTime', 'queue:responseTime'])
  t.same(Object.keys(health.json().checks['db:responseTime'][0]), ['status', 'observedValue', 'observedUnit', 'time'])
  const one = await get(app, '/healthz/ready/cache', 'application/health+json')
  t.equal(one.statusCode, 200)
  t.match(one.json(), { status: 'warn', checks: { 'cache:responseTime': [{ status: 'warn', observedValue: Number, observedUnit: 'ms', time: ISO, output: 'cold' }] } })
  t.same(Object.keys(one.json().checks), ['cache:responseTime'])
})

t.test('details: error texts in verbose text and health+json only where allowed', async (t) => {
  const { app } = await build({ details: (request) => request.headers['x-internal'] === 'yes' })
  app.healthz.add('db', () => { throw new Error('connect ECONNREFUSED 10.0.0.5:5432') })
  const headers = (accept: string, internal: boolean) => internal ? { accept, 'x-internal': 'yes' } : { accept }
  const text = async (internal: boolean) => (await app.inject({ url: '/healthz/ready?verbose', headers: headers('text/plain', internal) })).body
  t.equal(await text(false), '[-]db failed: reason withheld\nready check failed\n')
  t.equal(await text(true), '[-]db failed: Error: connect ECONNREFUSED 10.0.0.5:5432\nready check failed\n')
  const health = async (internal: boolean) => (await app.inject({ url: '/healthz/ready?verbose', headers: headers('application/health+json', internal) })).json().checks['db:responseTime'][0]
  t.notOk('error' in await health(false))
  t.equal((await health(true)).error, 'Error: connect ECONNREFUSED 10.0.0.5:5432')
  t.equal((await app.inject({ url: '/healthz/ready', headers: headers('text/plain', true) })).body, '[-]db failed: reason withheld\nready check failed\n', 'never without ?verbose')
})

t.test('the lifecycle in text and health+json: not ready, shutting down', async (t) => {
  const { app } = await build()
  await app.ready()
  app.healthz.markNotReady('warming caches')
  t.equal((await get(app, '/healthz/ready', 'text/plain')).body, '[-]marked-not-ready failed: warming caches\nready check failed\n')
  t.same((await get(app, '/healthz/ready', 'application/health+json')).json(), { status: 'fail', output: 'warming caches' })
  app.healthz.markReady()
  t.equal((await get(app, '/healthz/ready', 'text/plain')).body, 'ok')
  await app.healthz.drain()
  const text = await get(app, '/healthz/ready?verbose', 'text/plain')
  t.equal(text.statusCode, 503)
  t.equal(text.body, '[-]shutdown failed: The service is shutting down.\nready check failed\n')
  t.equal((await get(app, '/healthz/ready', 'application/health+json')).statusCode, 503)
  t.equal((await get(app, '/healthz/live', 'text/plain')).body, 'ok', 'liveness is untouched')
})

t.test('Vary: Accept on every probe response, added to what a hook set', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => { throw new HealthError('down') })
  for (const url of ['/healthz/live', '/healthz/ready', '/healthz/ready/db', '/healthz/ready/nope', '/healthz/nope', '/healthz']) {
    for (const accept of [undefined, '*/*', 'text/plain', 'application/health+json']) {
      t.equal((await get(app, url, accept)).headers.vary, 'Accept', `${url} ${accept}`)
    }
  }

  const cors = Fastify()
  let vary: string | string[] | undefined
  cors.addHook('onRequest', async (_request, reply) => { if (vary !== undefined) reply.header('vary', vary) })
  await cors.register(healthz)
  const cases: Array<[string | string[], string | string[]]> = [
    ['Origin', 'Origin, Accept'],
    ['Origin, Accept-Encoding', 'Origin, Accept-Encoding, Accept'],
    ['origin, accept', 'origin, accept'],
    ['*', '*'],
    [['Origin'], 'Origin, Accept']
  ]
  for (const [before, after] of cases) {
    vary = before
    t.same((await cors.inject('/healthz/live')).headers.vary, after, JSON.stringify(before))
  }
})

t.test('HEAD answers in the negotiated format, without a body', async (t) => {
  const { app } = await build({}, { exposeHeadRoutes: false })
  app.healthz.add('db', () => { throw new HealthError('down') })
  for (const [accept, type] of [['text/plain', TEXT_TYPE], ['application/health+json', HEALTH_TYPE], ['*/*', PROBLEM_TYPE]]) {
    const res = await app.inject({ method: 'HEAD', url: '/healthz/ready', headers: { accept } })
    t.equal(res.statusCode, 503, accept)
    t.equal(res.headers['content-type'], type)
    t.equal(res.headers.vary, 'Accept')
    t.equal(res.body, '')
  }
  const missing = await app.inject({ method: 'HEAD', url: '/healthz/nope', headers: { accept: 'text/plain' } })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-type'], TEXT_TYPE)
})

t.test('404s: text when text is preferred, problem+json otherwise (health+json has no 404 body)', async (t) => {
  const { app } = await build()
  const text = await get(app, '/healthz/raedy', 'text/plain')
  t.equal(text.statusCode, 404)
  t.equal(text.headers['content-type'], TEXT_TYPE)
  t.equal(text.headers['cache-control'], 'no-store')
  t.equal(text.body, 'Unknown probe "raedy". Probes: live, ready, startup.\n')
  t.equal((await get(app, '/healthz/ready/nope', 'text/plain')).body, 'Probe "ready" has no check named "nope".\n')
  const health = await get(app, '/healthz/raedy', 'application/health+json')
  t.equal(health.headers['content-type'], PROBLEM_TYPE)
  t.same(health.json(), { status: 404, title: 'Not Found', detail: 'Unknown probe "raedy". Probes: live, ready, startup.' })
})

t.test('the info option: health+json fields, and version in verbose JSON and text', async (t) => {
  const info = { version: '1.4.2', releaseId: '2024.06.1-a1b2c3', serviceId: 'orders-api', description: 'Orders API' }
  const { app } = await build({ info })
  t.equal((await get(app, '/healthz/live', 'application/health+json')).body,
    '{"status":"pass","version":"1.4.2","releaseId":"2024.06.1-a1b2c3","serviceId":"orders-api","description":"Orders API"}')
  t.equal((await get(app, '/healthz/live')).body, '{"status":200,"title":"OK"}', 'not in non-verbose JSON')
  t.equal((await get(app, '/healthz/live', 'text/plain')).body, 'ok', 'nor in non-verbose text')
  t.equal((await get(app, '/healthz/live?verbose')).body, '{"status":200,"title":"OK","version":"1.4.2","checks":{},"lifecycle":{"phase":"serving","started":false}}')
  t.equal((await get(app, '/healthz/live?verbose', 'text/plain')).body, 'version: 1.4.2\nlive check passed\n')
  t.equal((await app.healthz.run('live', { verbose: true })).version, '1.4.2', 'run() answers as the route does')
  t.equal((await app.healthz.run('live')).version, undefined)

  const { app: some } = await build({ info: { serviceId: 'orders-api' } })
  t.equal((await get(some, '/healthz/live', 'application/health+json')).body, '{"status":"pass","serviceId":"orders-api"}')
  t.equal((await get(some, '/healthz/live?verbose', 'text/plain')).body, 'live check passed\n')
})

t.test('the info and openapi options are validated at registration', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ info: 'v1' }, /option "info" must be an object such as \{ version: "1\.4\.2", serviceId: "orders" \}, got 'v1'/],
    [{ info: null }, /option "info" must be an object/],
    [{ info: { verison: '1' } }, /option "info" must be an object with any of version, releaseId, serviceId, description \(unknown key "verison"\)/],
    [{ info: { version: 1 } }, /option "info.version" must be a string of 1 to 256 characters without control characters \(line breaks, tabs\), got 1/],
    [{ info: { releaseId: '' } }, /option "info.releaseId" must be a string of 1 to 256 characters/],
    [{ info: { serviceId: 'x'.repeat(257) } }, /option "info.serviceId" must be a string of 1 to 256/],
    [{ info: { description: 'two\nlines' } }, /option "info.description" must be .* without control characters/],
    [{ openapi: true }, /option "openapi" must be an object such as \{ tag: "health", hide: false \}, got true/],
    [{ openapi: { tags: ['x'] } }, /option "openapi" must be an object with "tag" and "hide" \(unknown key "tags"\)/],
    [{ openapi: { tag: '' } }, /option "openapi.tag" must be a string of 1 to 256 characters/],
    [{ openapi: { tag: 7 } }, /option "openapi.tag" must be a string/],
    [{ openapi: { hide: 'yes' } }, /option "openapi.hide" must be a boolean, got 'yes'/]
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    const error = await app.register(healthz, options as HealthzOptions).ready().then(() => undefined, (error: unknown) => error)
    t.type(error, HealthzConfigError, JSON.stringify(options))
    t.match(error, { code: 'FST_HEALTHZ_INVALID_OPTION', message }, JSON.stringify(options))
    await app.close()
  }
  const app = Fastify()
  await app.register(healthz, { info: {}, openapi: {} })
  t.equal((await app.inject({ url: '/healthz/live', headers: { accept: 'application/health+json' } })).body, '{"status":"pass"}')
  await app.close()
})
