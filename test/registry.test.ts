import t from 'tap'
import { HealthError, HealthzConfigError } from '../lib/index.js'
import { build } from './helpers/app.js'

t.test('add() rejects bad input at once', async (t) => {
  const { app } = await build({ customProbes: ['deep' as never] })
  app.healthz.add('db', () => {})
  const add = app.healthz.add.bind(app.healthz) as (...args: unknown[]) => unknown
  const cases: Array<[unknown[], string, RegExp]> = [
    [['', () => {}], 'FST_HEALTHZ_INVALID_CHECK_NAME', /check name must be 1 to 64 .* got ''/],
    [['a b', () => {}], 'FST_HEALTHZ_INVALID_CHECK_NAME', /got 'a b'/],
    [['-x', () => {}], 'FST_HEALTHZ_INVALID_CHECK_NAME', /got '-x'/],
    [['x'.repeat(65), () => {}], 'FST_HEALTHZ_INVALID_CHECK_NAME', /check name/],
    [[42, () => {}], 'FST_HEALTHZ_INVALID_CHECK_NAME', /got 42/],
    [['db', () => {}], 'FST_HEALTHZ_DUPLICATE_CHECK', /a check named "db" is already registered/],
    [['x'], 'FST_HEALTHZ_INVALID_CHECK', /add\("x"\): the check must be a function, got undefined/],
    [['x', 'SELECT 1'], 'FST_HEALTHZ_INVALID_CHECK', /got 'SELECT 1'/],
    [['x', () => {}, null], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /add\("x"\): options must be an object, got null/],
    [['x', () => {}, { probes: 'ready' }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /option "probes" must be a non-empty array of probe names, got 'ready'/],
    [['x', () => {}, { probes: [] }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /option "probes"/],
    [['x', () => {}, { probes: ['raedy'] }], 'FST_HEALTHZ_UNKNOWN_PROBE', /add\("x"\): probe 'raedy' is not served \(probes: live, ready, startup, deep; declare others with the "customProbes" option\)/],
    [['x', () => {}, { timeout: 0 }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /add\("x"\): option "timeout" must be an integer number of milliseconds from 1/],
    [['x', () => {}, { timeout: NaN }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /got NaN/],
    [['x', () => {}, { cacheTtl: -1 }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /option "cacheTtl"/],
    [['x', () => {}, { cacheTtl: '1s' }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /got '1s'/],
    [['x', () => {}, { critical: 'no' }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /option "critical" must be a boolean, got 'no'/],
    [['x', () => {}, { probe: ['ready'] }], 'FST_HEALTHZ_INVALID_CHECK_OPTION', /unknown option "probe" \(known: probes, timeout, cacheTtl, critical, interval, failureThreshold, successThreshold\)/]
  ]
  for (const [args, code, message] of cases) {
    t.throws(() => add(...args), { code, message }, JSON.stringify(args))
  }
  t.notOk(app.healthz.has('x'), 'nothing half-added')
  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'the routes still work')
})

t.test('add() chains and has() / remove() / probes report the registry', async (t) => {
  const { app } = await build({ customProbes: ['deep' as never] })
  t.equal(app.healthz.add('a', () => {}).add('b', () => {}), app.healthz)
  t.ok(app.healthz.has('a'))
  t.notOk(app.healthz.has('c'))
  t.same(app.healthz.probes, ['live', 'ready', 'startup', 'deep'])
  t.ok(Object.isFrozen(app.healthz.probes))
  t.ok(app.healthz.remove('a'))
  app.healthz.add('a', () => {}, { probes: ['live'] })
  t.same(Object.keys((await app.healthz.run('live', { verbose: true })).checks ?? {}), ['a'])
})

t.test('run() returns the report the route serves', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => { throw new HealthError('down') })
  app.healthz.add('cache', () => ({ status: 'warn', output: 'cold' }), { probes: ['ready', 'startup'] })

  for (const [probe, query, options] of [
    ['ready', '', {}],
    ['ready', '?verbose', { verbose: true }],
    ['ready', '?exclude=db', { exclude: ['db'] }],
    ['live', '', {}],
    ['live', '?verbose', { verbose: true }]
  ] as const) {
    const served = (await app.inject(`/healthz/${probe}${query}`)).json()
    const report = await app.healthz.run(probe, options)
    if (served.checks !== undefined) {
      for (const check of Object.values(served.checks) as Array<Record<string, unknown>>) delete check.durationMs
      for (const check of Object.values(report.checks ?? {})) delete check.durationMs
    }
    t.same(report, served, `${probe}${query}`)
  }
})

t.test('the report of a passing probe is the caller\'s to keep', async (t) => {
  const { app } = await build()
  const report = await app.healthz.run('live')
  t.same(report, { status: 200, title: 'OK' })
  report.title = 'changed'
  t.same(await app.healthz.run('live'), { status: 200, title: 'OK' })
  t.equal((await app.inject('/healthz/live')).json().title, 'OK')
})

t.test('run() rejects a probe that is not served', async (t) => {
  const { app } = await build()
  await t.rejects(app.healthz.run('deep' as never), { code: 'FST_HEALTHZ_UNKNOWN_PROBE', message: /run\(\): probe 'deep' is not served/ })
  await t.rejects(app.healthz.run('deep' as never), HealthzConfigError)
})

t.test('HealthError', async (t) => {
  const cause = new Error('inner')
  const error = new HealthError('public text', { cause })
  t.equal(error.name, 'HealthError')
  t.equal(error.message, 'public text')
  t.equal(error.cause, cause)
  t.ok(error instanceof Error)
})
