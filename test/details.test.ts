import t, { type Test } from 'tap'
import { HealthError, type HealthzOptions } from '../lib/index.js'
import { build } from './helpers/app.js'

const SECRET_ERROR = 'connect ECONNREFUSED postgres://admin:hunter2@db:5432'

async function withSecretCheck (options: HealthzOptions = {}): Promise<Awaited<ReturnType<typeof build>>> {
  const built = await build({ customProbes: ['deep' as never], ...options })
  built.app.healthz.add('db', async () => { throw new Error(SECRET_ERROR) }, { probes: ['live', 'ready', 'startup', 'deep' as never] })
  built.app.healthz.add('cache', async () => { throw new HealthError('cache unreachable', { cause: new Error('redis://:hunter2@cache') }) }, { probes: ['ready'] })
  return built
}

function publicUrls (probes: readonly string[]): string[] {
  return probes.flatMap((probe) => [
    `/healthz/${probe}`, `/healthz/${probe}?verbose`, `/healthz/${probe}?verbose=1&exclude=nope`,
    `/healthz/${probe}/db`, `/healthz/${probe}/db?verbose`, `/healthz/${probe}/cache?verbose`
  ])
}

function assertNoLeak (t: Test, url: string, body: string): void {
  t.notMatch(body, 'hunter2', `${url}: no password`)
  t.notMatch(body, 'postgres://', `${url}: no connection string`)
  t.notMatch(body, 'ECONNREFUSED', `${url}: no error text`)
  t.notMatch(body, /\n\s+at |\bat .+:\d+:\d+/, `${url}: no stack frame`)
}

t.test('by default no public response shows an error\'s text, yet the log gets it once', async (t) => {
  const { app, lines } = await withSecretCheck()
  for (const url of publicUrls(app.healthz.probes)) {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url })
      t.not(res.statusCode, 500)
      assertNoLeak(t, `${method} ${url}`, res.body + JSON.stringify(res.headers))
    }
  }
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.same(checks.db.output, 'check failed')
  t.same(checks.cache.output, 'cache unreachable', 'HealthError messages stay public')
  t.notOk('error' in checks.db)
  const logged = lines.filter((line) => JSON.stringify(line).includes('hunter2@db'))
  t.equal(logged.length, 1, 'the real error reaches the log once')
  t.match(logged[0], { level: 40, healthCheck: 'db', err: { message: SECRET_ERROR, stack: /at / } })
})

t.test('details: "never" is the default', async (t) => {
  const { app } = await withSecretCheck({ details: 'never' })
  assertNoLeak(t, 'verbose', (await app.inject('/healthz/ready?verbose')).body)
})

t.test('details: "always" shows error texts in verbose reports only, never stacks', async (t) => {
  const { app } = await withSecretCheck({ details: 'always' })
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.equal(checks.db.error, `Error: ${SECRET_ERROR}`)
  t.equal(checks.db.output, 'check failed')
  t.equal(checks.cache.error, 'Error: redis://:hunter2@cache', 'a HealthError shows its cause')
  t.notMatch(JSON.stringify(checks), /\bat .+:\d+:\d+/)
  assertNoLeak(t, 'plain', (await app.inject('/healthz/ready')).body)
  assertNoLeak(t, 'per-check', (await app.inject('/healthz/ready/db')).body)
  t.equal((await app.inject('/healthz/ready/db?verbose')).json().checks.db.error, `Error: ${SECRET_ERROR}`)
})

t.test('details as a function of the request, sync or async', async (t) => {
  for (const details of [
    (request: { headers: Record<string, unknown> }) => request.headers['x-internal'] === 'yes',
    async (request: { headers: Record<string, unknown> }) => request.headers['x-internal'] === 'yes'
  ]) {
    let calls = 0
    const { app } = await withSecretCheck({ details: (request) => { calls++; return details(request) } })
    assertNoLeak(t, 'outsider', (await app.inject('/healthz/ready?verbose')).body)
    t.equal((await app.inject({ url: '/healthz/ready?verbose', headers: { 'x-internal': 'yes' } })).json().checks.db.error, `Error: ${SECRET_ERROR}`)
    await app.inject({ url: '/healthz/ready', headers: { 'x-internal': 'yes' } })
    t.equal(calls, 2, 'asked for verbose requests only')
  }
})

t.test('a details function that throws or answers a non-boolean withholds details', async (t) => {
  const throwing = await withSecretCheck({ details: () => { throw new Error('bug') } })
  assertNoLeak(t, 'throws', (await throwing.app.inject('/healthz/ready?verbose')).body)
  t.ok(throwing.lines.some((line) => line.msg === 'fastify-healthz: the details function threw: details withheld'))
  const rejecting = await withSecretCheck({ details: async () => { throw new Error('bug') } })
  assertNoLeak(t, 'rejects', (await rejecting.app.inject('/healthz/ready?verbose')).body)
  const truthy = await withSecretCheck({ details: (() => 'yes') as never })
  assertNoLeak(t, 'truthy string', (await truthy.app.inject('/healthz/ready?verbose')).body)
})

t.test('run() shows error texts only when asked', async (t) => {
  const { app } = await withSecretCheck()
  t.notOk('error' in ((await app.healthz.run('ready', { verbose: true })).checks?.db ?? {}))
  t.notOk('error' in ((await app.healthz.run('ready', { details: true })).checks?.db ?? {}), 'not without verbose')
  t.equal((await app.healthz.run('ready', { verbose: true, details: true })).checks?.db?.error, `Error: ${SECRET_ERROR}`)
})

t.test('error texts of odd thrown values', async (t) => {
  const { app } = await build({ details: 'always' })
  const thrown: Record<string, unknown> = {
    string: 'plain string',
    number: 42,
    nullish: null,
    object: { code: 'E1' },
    messageObject: { message: 'shaped like an error', stack: 'at secret (file.js:1:1)' },
    long: new Error('y'.repeat(1000))
  }
  for (const [name, value] of Object.entries(thrown)) app.healthz.add(name, () => { throw value })
  app.healthz.add('plainHealth', () => { throw new HealthError('public') })
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.equal(checks.string.error, 'plain string')
  t.equal(checks.number.error, '42')
  t.equal(checks.nullish.error, 'null')
  t.equal(checks.object.error, '[object Object]')
  t.equal(checks.messageObject.error, 'shaped like an error')
  t.equal(checks.long.error.length, 256)
  t.notOk('error' in checks.plainHealth, 'a HealthError without a cause has nothing more to show')
})

t.test('docs/security.md details example: shows error texts only for the secret, fails closed when it is unset', async (t) => {
  const { detailsForToken } = await import('../docs/examples/details-token.js')
  const cases: Array<[string | undefined, Record<string, string>, boolean]> = [
    [undefined, {}, false], // the bug: undefined === undefined showed every error text
    ['', {}, false],
    ['', { 'x-internal-token': '' }, false],
    [undefined, { 'x-internal-token': 'undefined' }, false],
    ['s3cret', {}, false],
    ['s3cret', { 'x-internal-token': 's3cre' }, false],
    ['s3cret', { 'x-internal-token': 's3cret-and-more' }, false],
    ['s3cret', { 'x-internal-token': 's3cret' }, true]
  ]
  for (const [secret, headers, shown] of cases) {
    const { app } = await withSecretCheck({ details: detailsForToken(secret) })
    const res = await app.inject({ url: '/healthz/ready?verbose', headers })
    t.equal(res.json().checks.db.error !== undefined, shown, `${JSON.stringify(secret)} ${JSON.stringify(headers)}`)
    await app.close()
  }
})
