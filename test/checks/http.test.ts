// httpCheck against a real node:http upstream in its own process: healthy,
// killed, stopped (SIGSTOP), restarted, refusing credentials; and redirects.
import t from 'tap'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { httpCheck } from '../../lib/checks/index.js'
import { build } from '../helpers/app.js'
import { allModes, assertNoSecrets, failures, loggedError, recovers } from '../helpers/faults.js'
import { established, freePort, RealServer, secrets, waitFor, tcpOpen } from '../helpers/servers.js'

const fixture = fileURLToPath(new URL('../fixtures/http-upstream.mjs', import.meta.url))

async function startUpstream (): Promise<RealServer & { restart: () => Promise<void> }> {
  const server = new RealServer('http', await freePort()) as RealServer & { restart: () => Promise<void> }
  server.restart = async () => {
    server.start({
      command: process.execPath,
      args: [fixture],
      // A child process: keep it out of the coverage of lib/.
      env: { PORT: String(server.port), OTHER_ORIGIN: `http://localhost:${server.port}`, _TAPJS_PROCESSINFO_COVERAGE_: '0', NODE_OPTIONS: '' }
    })
    await waitFor(async () => { await tcpOpen(server.port) }, 10000, 20)
  }
  await server.restart()
  return server
}

const upstream = await startUpstream()
t.teardown(() => upstream.close())
const base = `http://127.0.0.1:${upstream.port}`

/** The upstream's own counts, read on a connection of its own (not the check's pool). */
async function stats (): Promise<{ requests: number, connections: number, open: number, stalled: number, stallRequests: number }> {
  return await new Promise((resolve, reject) => {
    http.get(`${base}/stats`, { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => { resolve(JSON.parse(body)) })
    }).on('error', reject)
  })
}

t.test('healthy: 200, and 500 probes reuse one connection', async (t) => {
  const { app } = await build()
  app.healthz.add('upstream', httpCheck(`${base}/ok`), { timeout: 5000 })
  t.teardown(() => app.close())
  let before = await stats()
  for (let i = 1; i <= 500; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) t.fail(`probe ${i}: ${res.body}`)
    if (i === 50) before = await stats()
  }
  const after = await stats()
  t.equal(after.requests - before.requests, 451, '450 probes, 450 requests (and one for the stats)')
  // undici may open a second keep-alive connection once early on; after that, none: the 1 is the stats request's own.
  t.equal(after.connections - before.connections, 1, 'no new connection from probes 51 to 500')
})

t.test('large bodies are cancelled and HEAD has none: no connection piles up', async (t) => {
  const { app } = await build()
  app.healthz.add('big', httpCheck(`${base}/big`))
  app.healthz.add('head', httpCheck(`${base}/ok`, { method: 'HEAD' }))
  t.teardown(() => app.close())
  for (let i = 0; i < 50; i++) t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.ok(established(upstream.port) <= 4, `${established(upstream.port)} established`)
})

t.test('statuses, redirects and bodies that fail', async (t) => {
  const { app } = await build()
  const add = (name: string, path: string, options = {}): void => { app.healthz.add(name, httpCheck(`${base}${path}`, options), { critical: false, timeout: 1000 }) }
  add('s502', '/status?code=502')
  add('s404-expected', '/status?code=404', { statuses: [404] })
  add('s200-unexpected', '/ok', { statuses: [204] })
  add('same-origin', '/to-ok')
  add('other-origin', '/to-other')
  add('other-origin-all', '/to-other', { redirects: 'all' })
  add('none', '/to-ok', { redirects: 'none' })
  add('none-expected', '/to-ok', { redirects: 'none', statuses: [302] })
  add('loop', '/to-self')
  add('ftp', '/to-ftp')
  add('bad-location', '/to-bad')
  add('no-location', '/no-location')
  add('stall', '/stall')
  add('drop', '/drop')
  add('headers', '/auth', { headers: { authorization: `Bearer ${secrets.password}` }, method: 'GET' })
  t.teardown(() => app.close())
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.match(checks, {
    s502: { status: 'warn', output: 'HTTP 502 from upstream' },
    's404-expected': { status: 'pass' },
    's200-unexpected': { output: 'HTTP 200 from upstream' },
    'same-origin': { status: 'pass' },
    'other-origin': { output: 'HTTP 301 from upstream' },
    'other-origin-all': { status: 'pass' },
    none: { output: 'HTTP 302 from upstream' },
    'none-expected': { status: 'pass' },
    loop: { output: 'HTTP 307 from upstream' },
    ftp: { output: 'HTTP 302 from upstream' },
    'bad-location': { output: 'HTTP 302 from upstream' },
    'no-location': { output: 'HTTP 302 from upstream' },
    stall: { output: 'timed out after 1000 ms' },
    drop: { output: /^HTTP: (connection reset|body read failed)$/ },
    headers: { status: 'pass' }
  })
})

t.test('killed: 503 at once with a safe output, logged once; restarted: recovers', async (t) => {
  const { app, lines } = await build()
  app.healthz.add('upstream', httpCheck(`${base}/ok`), { timeout: 2000 })
  t.teardown(() => app.close())
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await upstream.kill()
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 2000, 'within the timeout')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { upstream: { status: 'fail', output: 'HTTP: connection refused' } } })
  for (let i = 0; i < 5; i++) await app.inject('/healthz/ready')
  const logged = failures(lines, 'upstream')
  t.equal(logged.length, 1, 'logged once')
  t.match(loggedError(logged[0]), 'ECONNREFUSED', 'the log has the real error')
  assertNoSecrets(t, await allModes(app, 'upstream'), upstream.port)

  await upstream.restart()
  t.ok(await recovers(app) > 0, 'recovers without restarting the app')
})

t.test('stopped (SIGSTOP): 503 at the timeout, then at once; one request and no new connection reach the upstream; SIGCONT: recovers', async (t) => {
  const { app } = await build()
  app.healthz.add('upstream', httpCheck(`${base}/ok`), { timeout: 100 })
  t.teardown(() => { upstream.cont(); return app.close() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const before = await stats()
  await upstream.stop()
  let started = Date.now()
  const res = await app.inject('/healthz/ready')
  const took = Date.now() - started
  t.ok(took >= 90 && took < 1500, `answered at the timeout (${took} ms)`)
  t.match(res.json(), { checks: { upstream: { output: 'timed out after 100 ms' } } })
  started = Date.now()
  for (let i = 0; i < 100; i++) {
    const probe = await app.inject('/healthz/ready')
    // The plugin starts no run of a check whose last run still hangs: the probes repeat its outcome.
    if (probe.statusCode !== 503 || probe.json().checks.upstream.output !== 'timed out after 100 ms') t.fail(`probe ${i}: ${probe.body}`)
  }
  t.ok(Date.now() - started < 5000, `100 probes while stopped answered at once (${Date.now() - started} ms)`)
  upstream.cont()
  t.ok(await recovers(app) > 0, 'recovers after SIGCONT')
  const after = await stats()
  // The difference: the hung request, the recovering probe(s) on the kept connection, and the second stats request with its connection.
  t.ok(after.connections - before.connections <= 2, `connections while stopped and after: ${after.connections - before.connections}`)
  t.ok(after.requests - before.requests <= 4, `requests while stopped and after: ${after.requests - before.requests}`)
})

t.test('a request that outlives its run ends at requestTimeout, and a later run sends a new one', async (t) => {
  const { app } = await build()
  app.healthz.add('stall', httpCheck(`${base}/stall`, { requestTimeout: 300 }), { timeout: 50 })
  t.teardown(() => app.close())
  const output = async (): Promise<string> => (await app.inject('/healthz/ready')).json().checks.stall.output
  const before = await stats()
  t.equal(await output(), 'timed out after 50 ms')
  t.equal(await output(), 'timed out after 50 ms')
  const during = await stats()
  t.equal(during.stallRequests - before.stallRequests, 1, 'no second request while the first is in flight')
  t.equal(during.stalled, 1, 'the stalled request holds its connection')
  await waitFor(async () => { if ((await stats()).stalled !== 0) throw new Error('still open') }, 5000, 20)
  t.pass('the stalled connection is closed at requestTimeout')
  t.equal(await output(), 'timed out after 50 ms')
  t.equal((await stats()).stallRequests - before.stallRequests, 2, 'then a run sends a new request')
})

t.test('removing the check and closing the app cancel the request in flight', async (t) => {
  for (const end of ['remove', 'close'] as const) {
    const { app } = await build()
    app.healthz.add('stall', httpCheck(`${base}/stall`), { timeout: 50 })
    t.equal((await app.inject('/healthz/ready')).statusCode, 503)
    t.equal((await stats()).stalled, 1, `${end}: the stalled request holds its connection`)
    if (end === 'remove') app.healthz.remove('stall')
    await app.close()
    await waitFor(async () => { if ((await stats()).stalled !== 0) throw new Error('still open') }, 5000, 20)
    t.pass(`${end}: the connection of the request in flight is closed`)
  }
})

t.test('redirects: credentials stay with their origin, and a 303 is followed with GET', async (t) => {
  const { app } = await build()
  const auth = { authorization: `Bearer ${secrets.password}`, cookie: 'session=1' }
  app.healthz.add('same-origin-auth', httpCheck(`${base}/to-auth`, { headers: auth }), { critical: false })
  app.healthz.add('other-origin-auth', httpCheck(`${base}/to-other-no-auth`, { headers: auth, redirects: 'all' }), { critical: false })
  app.healthz.add('direct-auth', httpCheck(`${base}/no-auth`, { headers: auth }), { critical: false })
  app.healthz.add('see-other', httpCheck(`${base}/see-other`, { method: 'POST' }), { critical: false })
  app.healthz.add('post', httpCheck(`${base}/get-only`, { method: 'POST' }), { critical: false })
  t.teardown(() => app.close())
  t.match((await app.inject('/healthz/ready?verbose')).json().checks, {
    'same-origin-auth': { status: 'pass' },
    'other-origin-auth': { status: 'pass' },
    'direct-auth': { output: 'HTTP 400 from upstream' },
    'see-other': { status: 'pass' },
    post: { output: 'HTTP 405 from upstream' }
  })
})

t.test('refused credentials: 503, and no secret in any response mode', async (t) => {
  const { app, lines } = await build({ details: 'always' })
  app.healthz.add('upstream', httpCheck(`${base}/auth`, { headers: { authorization: `Bearer wrong-${secrets.password}` } }))
  t.teardown(() => app.close())
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { upstream: { output: 'HTTP 401 from upstream' } } })
  assertNoSecrets(t, await allModes(app, 'upstream'), upstream.port)
  t.equal(failures(lines, 'upstream').length, 1)
})

t.test('options are validated at once', async (t) => {
  const bad: Array<[unknown, unknown, RegExp]> = [
    ['not a url', undefined, /the url must be an absolute http: or https: URL, got a string that is not an absolute URL$/],
    [42, undefined, /got 42/],
    ['ftp://example.com/', undefined, /got the scheme 'ftp:'/],
    [`http://${secrets.user}:${secrets.password}@example.com/`, undefined, /must not carry credentials/],
    [base, null, /options must be an object, got null/],
    [base, { timeout: 5 }, /unknown option "timeout" \(known: method, statuses, headers, redirects, requestTimeout\)/],
    [base, { method: 'DELETE' }, /option "method" must be one of GET, HEAD, POST, OPTIONS, got 'DELETE'/],
    [base, { statuses: [] }, /option "statuses" must be a non-empty array/],
    [base, { statuses: [200, 600] }, /option "statuses"/],
    [base, { headers: { a: 1 } }, /option "headers" must be an object of valid header names and string values/],
    [base, { headers: { 'bad name': 'x' } }, /option "headers"/],
    ...['connection', 'Expect', 'keep-alive', 'transfer-encoding', 'upgrade'].map((name): [unknown, unknown, RegExp] => [base, { headers: { [name]: 'x' } }, /option "headers" must be an object of valid header names and string values, without connection, expect, keep-alive, transfer-encoding, upgrade \(fetch manages those\)$/]),
    [base, { headers: { 'x-a': 'one\r\nx-b: two' } }, /option "headers"/],
    [base, { requestTimeout: 0 }, /option "requestTimeout" must be an integer of milliseconds from 1/],
    [base, { headers: null }, /option "headers"/],
    [base, { redirects: 'some' }, /option "redirects" must be one of same-origin, all, none, got 'some'/]
  ]
  for (const [url, options, message] of bad) {
    t.throws(() => httpCheck(url as string, options as never), { name: 'HealthzConfigError', code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message }, String(message))
  }
  // A URL that does not parse (a port out of range, a space, a bad IPv6 literal) and carries a password.
  const unparsable = [`https://admin:${secrets.password}@db.internal:99999/`, `http://admin:${secrets.password}@[db]/`, `https://admin:${secrets.password}@db internal/`]
  for (const [url, options] of [[`http://u:${secrets.password}@example.com/`, undefined], [base, { headers: { authorization: `Bearer ${secrets.password}`, 'bad name': 'x' } }], ...unparsable.map((url) => [url, undefined] as const)] as const) {
    t.throws(() => httpCheck(url, options), { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION' })
    try {
      httpCheck(url, options)
    } catch (error) {
      t.notMatch(String(error), secrets.password, 'the message never echoes a password')
    }
  }
  t.type(httpCheck(new URL(base), { statuses: [200], redirects: undefined }), 'function')
})
