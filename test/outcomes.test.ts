import t from 'tap'
import { HealthError } from '../lib/index.js'
import { build } from './helpers/app.js'

const SECRET = 'password=hunter2'

t.test('what a check returns decides pass or warn', async (t) => {
  const { app } = await build()
  const results: Record<string, () => unknown> = {
    nothing: () => undefined,
    asyncNothing: async () => {},
    nullValue: () => null,
    rows: async () => ({ rows: [{ '?column?': 1 }], status: 200 }),
    number: () => 42,
    pass: () => ({ status: 'pass' }),
    passOutput: async () => ({ status: 'pass', output: 'fine' }),
    warn: () => ({ status: 'warn' }),
    warnOutput: async () => ({ status: 'warn', output: 'degraded' }),
    warnBadOutput: () => ({ status: 'warn', output: 12 }),
    thenable: () => ({ then: (resolve: (v: unknown) => void) => resolve({ status: 'warn', output: 'via thenable' }) })
  }
  for (const [name, check] of Object.entries(results)) app.healthz.add(name, check as never)
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.same(Object.fromEntries(Object.entries(checks).map(([name, c]) => [name, [(c as { status: string }).status, (c as { output?: string }).output]])), {
    nothing: ['pass', undefined],
    asyncNothing: ['pass', undefined],
    nullValue: ['pass', undefined],
    rows: ['pass', undefined],
    number: ['pass', undefined],
    pass: ['pass', undefined],
    passOutput: ['pass', 'fine'],
    warn: ['warn', undefined],
    warnOutput: ['warn', 'degraded'],
    warnBadOutput: ['warn', undefined],
    thenable: ['warn', 'via thenable']
  })
})

t.test('any thrown value fails; only HealthError text is public', async (t) => {
  const { app, lines } = await build()
  const failures: Record<string, () => unknown> = {
    error: async () => { throw new Error(SECRET) },
    syncError: () => { throw new Error(SECRET) },
    string: async () => { throw SECRET },
    // eslint-disable-next-line prefer-promise-reject-errors
    nullish: () => Promise.reject(null),
    // eslint-disable-next-line prefer-promise-reject-errors
    undef: () => Promise.reject(undefined),
    object: () => { throw { message: SECRET } }, // eslint-disable-line no-throw-literal
    badThenable: () => ({ then () { throw new Error(SECRET) } }),
    typeError: async () => { (undefined as unknown as () => void)() },
    health: async () => { throw new HealthError('Cannot reach the cache', { cause: new Error(SECRET) }) }
  }
  for (const [name, check] of Object.entries(failures)) app.healthz.add(name, check as never)

  for (const url of ['/healthz/ready', '/healthz/ready?verbose', ...Object.keys(failures).map((name) => `/healthz/ready/${name}?verbose`)]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 503, url)
    t.notMatch(res.body, 'hunter2', url)
    t.notMatch(res.body, /\bat .*:\d+:\d+/, `${url}: no stack frame`)
  }
  const { checks } = (await app.inject('/healthz/ready')).json()
  for (const name of Object.keys(failures)) {
    t.same(checks[name], { status: 'fail', output: name === 'health' ? 'Cannot reach the cache' : 'check failed' }, name)
  }
  t.ok(lines.some((line) => JSON.stringify(line).includes('hunter2')), 'the real error text reaches the log')
})

t.test('long public outputs are cut', async (t) => {
  const { app } = await build()
  app.healthz.add('long', () => { throw new HealthError('x'.repeat(10_000)) })
  app.healthz.add('longWarn', () => ({ status: 'warn', output: 'y'.repeat(300) }))
  const { checks } = (await app.inject('/healthz/ready')).json()
  t.equal(checks.long.output.length, 256)
  t.ok(checks.long.output.endsWith('…'))
  t.equal(checks.longWarn.output.length, 256)
})

t.test('a probe runs its checks in parallel', async (t) => {
  const { app } = await build()
  for (const name of ['a', 'b', 'c']) app.healthz.add(name, () => new Promise((resolve) => setTimeout(resolve, 200)))
  const started = performance.now()
  const res = await app.inject('/healthz/ready')
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 200)
  t.ok(elapsed >= 190, `waited for the checks (${elapsed} ms)`)
  t.ok(elapsed < 500, `in parallel, not one after another (${elapsed} ms)`)
})

t.test('checks declared in the checks option', async (t) => {
  const { app } = await build({
    checks: {
      live: () => {},
      ready: [() => {}, () => { throw new HealthError('second') }],
      startup: { migrations: () => ({ status: 'warn', output: 'pending' }) }
    }
  })
  t.ok(app.healthz.has('live'))
  t.ok(app.healthz.has('ready-1'))
  t.ok(app.healthz.has('migrations'))
  t.same((await app.inject('/healthz/ready')).json().checks, { 'ready-2': { status: 'fail', output: 'second' } })
  t.same((await app.inject('/healthz/startup')).json().checks, { migrations: { status: 'warn', output: 'pending' } })
  t.same(Object.keys((await app.inject('/healthz/live?verbose')).json().checks), ['live'])
})
