import t from 'tap'
import { HealthError } from '../lib/index.js'
import { build } from './helpers/app.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

t.test('a passing probe answers 200 with the flask-healthz body', async (t) => {
  const { app } = await build({ checks: { live: () => {} } })
  for (const probe of ['live', 'ready', 'startup']) {
    const res = await app.inject(`/healthz/${probe}`)
    t.equal(res.statusCode, 200, probe)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['cache-control'], 'no-store')
    t.equal(res.body, '{"status":200,"title":"OK"}')
  }
})

t.test('a passing probe sends the same bytes its route schema serializes, on GET and HEAD, sync or async', async (t) => {
  const { app } = await build({ checks: { ready: [async () => {}] } })
  app.healthz.add('sync', () => {}, { probes: ['ready'] })
  // What Fastify's compiled serializer makes of the passing body, for the route's own JSON schema.
  let serialized: string | undefined
  app.get('/reference', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'integer' }, title: { type: 'string' } } } } } }, (_request, reply) => {
    serialized = reply.serializeInput({ status: 200, title: 'OK' }, '200') as string
    return { status: 200, title: 'OK' }
  })
  await app.inject('/reference')
  for (const url of ['/healthz/live', '/healthz/ready', '/healthz/ready/sync', '/healthz/ready?verbose=0']) {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const get = await app.inject({ url, headers: accept === undefined ? {} : { accept } })
      t.equal(get.statusCode, 200, `${url} ${accept}`)
      t.equal(get.body, serialized, 'the body')
      t.equal(get.headers['content-type'], JSON_TYPE)
      t.equal(get.headers['content-length'], String(Buffer.byteLength(serialized as string)))
      t.equal(get.headers['cache-control'], 'no-store')
      t.equal(get.headers.vary, 'Accept')
      const head = await app.inject({ method: 'HEAD', url, headers: accept === undefined ? {} : { accept } })
      t.equal(head.statusCode, 200)
      t.equal(head.body, '')
      t.equal(head.headers['content-type'], JSON_TYPE)
      t.equal(head.headers['content-length'], get.headers['content-length'], 'HEAD announces the length of GET')
    }
  }
})

t.test('a failing critical check answers 503 listing only the failing and warning checks', async (t) => {
  const { app } = await build()
  app.healthz
    .add('ok', async () => {})
    .add('db', async () => { throw new HealthError("Can't connect to the database") })
    .add('cache', () => ({ status: 'warn', output: 'slow' }))
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['content-type'], PROBLEM_TYPE)
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(res.json(), {
    status: 503,
    title: 'Service Unavailable',
    checks: {
      db: { status: 'fail', output: "Can't connect to the database" },
      cache: { status: 'warn', output: 'slow' }
    }
  })
})

t.test('a warning keeps the probe at 200 and is listed', async (t) => {
  const { app } = await build()
  app.healthz.add('disk', () => ({ status: 'warn', output: '91% full' }))
  app.healthz.add('flaky', () => { throw new HealthError('down') }, { critical: false })
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), {
    status: 200,
    title: 'OK',
    checks: { disk: { status: 'warn', output: '91% full' }, flaky: { status: 'warn', output: 'down' } }
  })
})

t.test('checks answer only the probes they were added to', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => { throw new HealthError('down') })
  app.healthz.add('boot', () => { throw new HealthError('booting') }, { probes: ['startup', 'startup'] })
  t.equal((await app.inject('/healthz/live')).statusCode, 200)
  t.same((await app.inject('/healthz/ready')).json().checks, { db: { status: 'fail', output: 'down' } })
  t.same((await app.inject('/healthz/startup')).json().checks, { boot: { status: 'fail', output: 'booting' } })
})

t.test('?verbose lists every check with status, duration, cache and criticality', async (t) => {
  const { app } = await build()
  app.healthz.add('a', () => {})
  app.healthz.add('b', () => ({ status: 'pass', output: '3 replicas' }), { critical: false })
  for (const query of ['verbose', 'verbose=1', 'verbose=true', 'verbose=0&verbose=1']) {
    const body = (await app.inject(`/healthz/ready?${query}`)).json()
    t.equal(body.status, 200, query)
    t.same(Object.keys(body.checks), ['a', 'b'])
    t.match(body.checks.a, { status: 'pass', durationMs: Number, cached: false, critical: true })
    t.notOk('output' in body.checks.a)
    t.match(body.checks.b, { status: 'pass', output: '3 replicas', critical: false })
  }
  for (const query of ['verbose=0', 'verbose=false', 'verbos']) {
    t.equal((await app.inject(`/healthz/ready?${query}`)).body, '{"status":200,"title":"OK"}', query)
  }
  t.same((await app.inject('/healthz/live?verbose')).json(), { status: 200, title: 'OK', checks: {}, lifecycle: { phase: 'serving', started: false } })
})

t.test('?exclude skips checks, repeatable or comma separated, unknown names ignored', async (t) => {
  const { app } = await build()
  app.healthz.add('a', () => { throw new HealthError('a') })
  app.healthz.add('b', () => { throw new HealthError('b') })
  app.healthz.add('c', () => {})
  t.same(Object.keys((await app.inject('/healthz/ready?exclude=a')).json().checks), ['b'])
  t.equal((await app.inject('/healthz/ready?exclude=a&exclude=b')).statusCode, 200)
  t.equal((await app.inject('/healthz/ready?exclude=a,b,nope')).statusCode, 200)
  t.equal((await app.inject('/healthz/ready?exclude=&exclude=zzz')).statusCode, 503)
  t.same(Object.keys((await app.inject('/healthz/ready?exclude=a&verbose')).json().checks), ['b', 'c'])
})

t.test('the per-check route runs one check', async (t) => {
  const { app } = await build()
  let runs = 0
  app.healthz.add('db', () => { runs++; throw new HealthError('down') })
  app.healthz.add('other', () => { runs += 100 })
  app.healthz.add('soft', () => { throw new HealthError('meh') }, { critical: false })
  const res = await app.inject('/healthz/ready/db')
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 503, title: 'Service Unavailable', checks: { db: { status: 'fail', output: 'down' } } })
  t.equal(runs, 1)
  t.equal((await app.inject('/healthz/ready/other')).body, '{"status":200,"title":"OK"}')
  t.equal((await app.inject('/healthz/ready/soft')).statusCode, 200)
  t.match((await app.inject('/healthz/ready/other?verbose')).json(), { status: 200, checks: { other: { status: 'pass', cached: false } } })
})

t.test('unknown probes and checks answer 404 in the same JSON shape', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => {})
  const cases: Array<[string, string]> = [
    ['/healthz/nope', 'Unknown probe "nope". Probes: live, ready, startup.'],
    ['/healthz/ready/nope', 'Probe "ready" has no check named "nope".'],
    ['/healthz/live/db', 'Probe "live" has no check named "db".'],
    ['/healthz/ready/%3Cscript%3E', 'Probe "ready" has no such check.'],
    ['/healthz', 'No probe given. Probes: live, ready, startup.'],
    ['/healthz/', 'No probe given. Probes: live, ready, startup.'],
    ['/healthz/ready/db/extra', 'No probe or check at this path. Probes: live, ready, startup.'],
    ['/healthz/%3Cb%3E', 'No probe or check at this path. Probes: live, ready, startup.']
  ]
  for (const [url, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['content-type'], PROBLEM_TYPE)
    t.equal(res.headers['cache-control'], 'no-store')
    t.same(res.json(), { status: 404, title: 'Not Found', detail }, url)
  }
})

t.test('HEAD answers with the status and headers of GET and no body', async (t) => {
  const { app } = await build({}, { exposeHeadRoutes: false })
  app.healthz.add('db', () => { throw new HealthError('down') })
  const live = await app.inject({ method: 'HEAD', url: '/healthz/live' })
  t.equal(live.statusCode, 200)
  t.equal(live.headers['cache-control'], 'no-store')
  t.equal(live.body, '')
  const ready = await app.inject({ method: 'HEAD', url: '/healthz/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.body, '')
  t.equal((await app.inject({ method: 'HEAD', url: '/healthz/nope' })).statusCode, 404)
})

t.test('a custom prefix moves every route', async (t) => {
  const { app } = await build({ prefix: '/_/health' })
  t.equal((await app.inject('/_/health/live')).statusCode, 200)
  t.equal((await app.inject('/_/health/nope')).statusCode, 404)
  t.equal((await app.inject('/healthz/live')).json().message, 'Route GET:/healthz/live not found')
})

t.test('custom probes get their own routes', async (t) => {
  const { app } = await build({ customProbes: ['deep' as never] })
  app.healthz.add('replication', () => { throw new HealthError('lagging') }, { probes: ['deep' as never] })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const res = await app.inject('/healthz/deep')
  t.equal(res.statusCode, 503)
  t.same(res.json().checks, { replication: { status: 'fail', output: 'lagging' } })
  t.equal((await app.inject('/healthz/deep/replication')).statusCode, 503)
})

t.test('checks added after the server started and removed checks are honoured', async (t) => {
  const { app } = await build()
  await app.ready()
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  app.healthz.add('late', () => { throw new HealthError('late') })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.equal(app.healthz.remove('late'), true)
  t.equal(app.healthz.remove('late'), false)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal((await app.inject('/healthz/ready/late')).statusCode, 404)
})

t.test('the serializer sends only declared fields', async (t) => {
  const { app } = await build()
  app.healthz.add('x', () => ({ status: 'warn', output: 'o', secret: 'hunter2' }) as never)
  const res = await app.inject('/healthz/ready?verbose')
  t.notMatch(res.body, 'hunter2')
  t.same(Object.keys(res.json().checks.x).sort(), ['cached', 'critical', 'durationMs', 'output', 'since', 'status'])
})
