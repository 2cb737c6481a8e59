// healthzPrometheus: every metric, read from the last results and the lifecycle, never by running a check.
import t from 'tap'
import { register, Registry } from 'prom-client'
import { engineOf } from '../../lib/handle.js'
import { HealthError } from '../../lib/index.js'
import { healthzPrometheus } from '../../lib/metrics/index.js'
import { build, deferred, sleep } from '../helpers/app.js'
import { lines, parse, stateOf, toggle, withPrometheus } from './helpers.js'

t.test('every metric, its type and its labels', async (t) => {
  const { app, registry } = await withPrometheus()
  app.healthz.add('db', async () => {})
  app.healthz.add('cache', () => ({ status: 'warn', output: 'slow' }), { probes: ['ready', 'live'] })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)

  const text = (await app.inject('/metrics')).body
  for (const [name, type] of [['healthz_check_status', 'gauge'], ['healthz_probe_status', 'gauge'], ['healthz_check_runs_total', 'counter'], ['healthz_check_timeouts_total', 'counter'], ['healthz_check_duration_seconds', 'histogram']]) {
    t.match(text, `# TYPE ${name} ${type}\n`, `${name} is a ${type}`)
    t.match(text, new RegExp(`# HELP ${name} \\w`), `${name} has a help text`)
  }
  const samples = parse(text)
  t.same(lines(samples, 'healthz_check_status'), [
    'healthz_check_status{check="cache",status="fail"} 0',
    'healthz_check_status{check="cache",status="pass"} 0',
    'healthz_check_status{check="cache",status="pending"} 0',
    'healthz_check_status{check="cache",status="warn"} 1',
    'healthz_check_status{check="db",status="fail"} 0',
    'healthz_check_status{check="db",status="pass"} 1',
    'healthz_check_status{check="db",status="pending"} 0',
    'healthz_check_status{check="db",status="warn"} 0'
  ])
  t.same(lines(samples, 'healthz_probe_status'), [
    'healthz_probe_status{probe="live",status="fail"} 0',
    'healthz_probe_status{probe="live",status="pass"} 1',
    'healthz_probe_status{probe="ready",status="fail"} 0',
    'healthz_probe_status{probe="ready",status="pass"} 1',
    'healthz_probe_status{probe="startup",status="fail"} 0',
    'healthz_probe_status{probe="startup",status="pass"} 1'
  ], 'a probe that answers 200 with a warning is pass')
  t.same(lines(samples, 'healthz_check_runs_total'), [
    'healthz_check_runs_total{check="cache",status="fail"} 0',
    'healthz_check_runs_total{check="cache",status="pass"} 0',
    'healthz_check_runs_total{check="cache",status="warn"} 1',
    'healthz_check_runs_total{check="db",status="fail"} 0',
    'healthz_check_runs_total{check="db",status="pass"} 1',
    'healthz_check_runs_total{check="db",status="warn"} 0'
  ])
  t.same(lines(samples, 'healthz_check_timeouts_total'), ['healthz_check_timeouts_total{check="cache"} 0', 'healthz_check_timeouts_total{check="db"} 0'])
  const buckets = lines(samples, 'healthz_check_duration_seconds_bucket{check="db"')
  t.same(buckets.map((line) => /le="([^"]+)"/.exec(line)?.[1]).sort(), ['+Inf', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5'].sort(), 'buckets from 1 ms to 5 s')
  t.equal(samples.get('healthz_check_duration_seconds_count{check="db"}'), 1)
  t.equal(samples.get('healthz_check_duration_seconds_bucket{check="db",le="+Inf"}'), 1)
  t.ok((samples.get('healthz_check_duration_seconds_sum{check="db"}') as number) < 0.5, 'the sum is in seconds')

  const json = await registry.getMetricsAsJSON()
  t.same(json.map((metric) => [metric.name, metric.type, metric.aggregator]), [
    ['healthz_check_status', 'gauge', 'sum'],
    ['healthz_probe_status', 'gauge', 'sum'],
    ['healthz_check_runs_total', 'counter', 'sum'],
    ['healthz_check_timeouts_total', 'counter', 'sum'],
    ['healthz_check_duration_seconds', 'histogram', 'sum']
  ], 'prom-client\'s JSON view (and its cluster aggregation) sees them too')
})

t.test('100 scrapes start no run: the values are the last settled results', async (t) => {
  const db = toggle()
  const background = toggle()
  const { app, scrape } = await withPrometheus()
  app.healthz.add('db', db.check)
  app.healthz.add('queue', background.check, { interval: 60_000 })
  await app.ready()
  await sleep(20)
  await app.inject('/healthz/ready')
  t.same([db.runs(), background.runs()], [1, 1])
  db.set(false)
  let last: Map<string, number> | undefined
  for (let i = 0; i < 100; i++) last = await scrape()
  t.same([db.runs(), background.runs()], [1, 1], 'no scrape ran a check, per-probe or background')
  t.equal(stateOf(last as Map<string, number>, 'healthz_check_status', 'check', 'db'), 'pass', 'the last result, not a new run')
  t.equal(last?.get('healthz_check_runs_total{check="db",status="pass"}'), 1)
  await app.inject('/healthz/ready')
  t.equal(stateOf(await scrape(), 'healthz_check_status', 'check', 'db'), 'fail', 'the next probe\'s run shows')
  await app.close()
})

t.test('drain() flips probe="ready" to fail at once, with no probe request; live stays pass', async (t) => {
  const { app, scrape } = await withPrometheus({ drainDelay: 60_000 })
  app.healthz.add('db', async () => {})
  await app.ready()
  t.equal(stateOf(await scrape(), 'healthz_probe_status', 'probe', 'ready'), 'pass')
  const draining = app.healthz.drain()
  const samples = await scrape()
  t.equal(samples.get('healthz_probe_status{probe="ready",status="fail"}'), 1)
  t.equal(samples.get('healthz_probe_status{probe="ready",status="pass"}'), 0)
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'live'), 'pass')
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'db'), 'pending', 'its check never ran')
  await app.close()
  await draining
})

t.test('markNotReady() and markReady() flip probe="ready" at once', async (t) => {
  const { app, scrape } = await withPrometheus()
  await app.ready()
  app.healthz.markNotReady('warming caches')
  t.equal(stateOf(await scrape(), 'healthz_probe_status', 'probe', 'ready'), 'fail')
  app.healthz.markReady('warming caches')
  t.equal(stateOf(await scrape(), 'healthz_probe_status', 'probe', 'ready'), 'pass')
})

t.test('a damped check that alternates pass and fail shows warn, while the runs counter counts the raw failures', async (t) => {
  const { app, scrape } = await withPrometheus()
  let runs = 0
  app.healthz.add('db', () => { if (runs++ % 2 === 1) throw new HealthError('flap') }, { failureThreshold: 3 })
  const seen: string[] = []
  for (let i = 0; i < 6; i++) {
    t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'the probe never fails')
    const samples = await scrape()
    seen.push(`${stateOf(samples, 'healthz_check_status', 'check', 'db')}/${stateOf(samples, 'healthz_probe_status', 'probe', 'ready')}`)
  }
  t.same(seen, ['pass/pass', 'warn/pass', 'pass/pass', 'warn/pass', 'pass/pass', 'warn/pass'])
  const samples = await scrape()
  t.equal(samples.get('healthz_check_runs_total{check="db",status="fail"}'), 3, 'raw failures')
  t.equal(samples.get('healthz_check_runs_total{check="db",status="pass"}'), 3)
  t.equal(samples.get('healthz_check_runs_total{check="db",status="warn"}'), 0, 'damping is not a warning run')
})

t.test('timeouts: counted as failed runs and in healthz_check_timeouts_total; the duration is the timeout', async (t) => {
  const { app, scrape } = await withPrometheus()
  const hang = deferred()
  app.healthz.add('db', async () => await hang.promise, { timeout: 20 })
  app.healthz.add('optional', async () => await hang.promise, { timeout: 20, critical: false })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  const samples = await scrape()
  t.same(lines(samples, 'healthz_check_runs_total{check="db"'), [
    'healthz_check_runs_total{check="db",status="fail"} 1',
    'healthz_check_runs_total{check="db",status="pass"} 0',
    'healthz_check_runs_total{check="db",status="warn"} 0'
  ])
  t.same(lines(samples, 'healthz_check_runs_total{check="optional"'), [
    'healthz_check_runs_total{check="optional",status="fail"} 0',
    'healthz_check_runs_total{check="optional",status="pass"} 0',
    'healthz_check_runs_total{check="optional",status="warn"} 1'
  ], 'a check with critical: false reports every failure as warn, its timeouts too')
  t.equal(samples.get('healthz_check_timeouts_total{check="db"}'), 1)
  t.equal(samples.get('healthz_check_timeouts_total{check="optional"}'), 1)
  t.equal(samples.get('healthz_check_duration_seconds_bucket{check="db",le="0.01"}'), 0)
  t.equal(samples.get('healthz_check_duration_seconds_bucket{check="db",le="+Inf"}'), 1)
  t.ok((samples.get('healthz_check_duration_seconds_sum{check="db"}') as number) >= 0.019, 'about the 20 ms timeout')

  t.equal((await app.inject('/healthz/ready')).statusCode, 503, 'the hung run refuses a second one')
  t.equal((await scrape()).get('healthz_check_timeouts_total{check="db"}'), 1, 'a refused run is no run')
  hang.resolve()
})

t.test('a background check is pending until its first result, and fails readiness meanwhile', async (t) => {
  const gate = deferred()
  const { app, scrape } = await withPrometheus()
  app.healthz.add('queue', async () => await gate.promise, { interval: 60_000 })
  app.healthz.add('db', async () => {})
  let samples = await scrape()
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'queue'), 'pending')
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'db'), 'pending', 'a per-probe check that has not run yet')
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'ready'), 'fail', 'as the route would answer: a critical background check fails until its first result')
  t.equal(samples.get('healthz_check_runs_total{check="queue",status="pass"}'), 0, 'its series exist before its first run')
  t.equal(samples.get('healthz_check_duration_seconds_count{check="queue"}'), 0)
  await app.ready()
  gate.resolve()
  await sleep(20)
  samples = await scrape()
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'queue'), 'pass')
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'ready'), 'pass')
  t.equal(samples.get('healthz_check_runs_total{check="queue",status="pass"}'), 1)
  await app.close()
})

t.test('checks added later appear, removed checks disappear from every metric', async (t) => {
  const { app, scrape } = await withPrometheus()
  t.same([...await scrape()].filter(([key]) => key.includes('check=')), [], 'no check, no series')
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  let samples = await scrape()
  for (const name of ['healthz_check_status', 'healthz_check_runs_total', 'healthz_check_timeouts_total', 'healthz_check_duration_seconds_count']) {
    t.ok([...samples.keys()].some((key) => key.startsWith(`${name}{check="db"`)), `${name} has db`)
  }
  app.healthz.add('cache', async () => {}, { probes: ['live'] })
  app.healthz.remove('db')
  samples = await scrape()
  t.notOk([...samples.keys()].some((key) => key.includes('check="db"')), 'db is gone from every metric')
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'cache'), 'pending')
  app.healthz.add('db', async () => {})
  t.equal((await scrape()).get('healthz_check_runs_total{check="db",status="pass"}'), 0, 'a check added again starts from 0')
})

t.test('custom probes are listed; startup fails until it latched', async (t) => {
  const { app, scrape } = await withPrometheus({ customProbes: ['deep' as never] })
  const db = toggle()
  db.set(false)
  app.healthz.add('db', db.check, { probes: ['startup', 'deep' as never] })
  await app.inject('/healthz/deep')
  let samples = await scrape()
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'deep'), 'fail')
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'startup'), 'fail')
  db.set(true)
  await app.inject('/healthz/startup')
  db.set(false)
  await app.inject('/healthz/deep')
  samples = await scrape()
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'startup'), 'pass', 'latched')
  t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'deep'), 'fail')
})

t.test('prefix and buckets', async (t) => {
  const { app, scrape } = await withPrometheus({}, { prefix: 'shop_health_', buckets: [0.1, 1] })
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  const samples = await scrape()
  t.same(lines(samples, 'shop_health_check_duration_seconds_bucket'), [
    'shop_health_check_duration_seconds_bucket{check="db",le="+Inf"} 1',
    'shop_health_check_duration_seconds_bucket{check="db",le="0.1"} 1',
    'shop_health_check_duration_seconds_bucket{check="db",le="1"} 1'
  ])
  t.equal(stateOf(samples, 'shop_health_check_status', 'check', 'db'), 'pass')
  t.notOk([...samples.keys()].some((key) => key.startsWith('healthz_')))

  const bare = await withPrometheus({}, { prefix: '' })
  t.ok((await bare.scrape()).has('probe_status{probe="live",status="pass"}'), 'an empty prefix')
})

t.test('a run slower than every bucket is counted in +Inf only', async (t) => {
  const { app, scrape } = await withPrometheus({}, { buckets: [0.001] })
  app.healthz.add('slow', async () => { await sleep(5) })
  await app.inject('/healthz/ready')
  const samples = await scrape()
  t.equal(samples.get('healthz_check_duration_seconds_bucket{check="slow",le="0.001"}'), 0)
  t.equal(samples.get('healthz_check_duration_seconds_bucket{check="slow",le="+Inf"}'), 1)
})

t.test('registry.resetMetrics() sets the counters back to 0; the state sets are read afresh', async (t) => {
  const { app, registry, scrape } = await withPrometheus()
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  registry.resetMetrics()
  const samples = await scrape()
  t.equal(samples.get('healthz_check_runs_total{check="db",status="pass"}'), 0)
  t.equal(samples.get('healthz_check_duration_seconds_count{check="db"}'), 0)
  t.equal(stateOf(samples, 'healthz_check_status', 'check', 'db'), 'pass')
})

t.test('an OpenMetrics registry: counters in its format, and removed on close all the same', async (t) => {
  // prom-client's types declare no constructor argument; its constructor takes the content type.
  const registry = new (Registry as unknown as new (contentType: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE)
  const { app } = await build()
  await app.register(healthzPrometheus, { registry })
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  const text = await registry.metrics()
  t.match(text, '# TYPE healthz_check_runs counter\n')
  t.match(text, 'healthz_check_runs_total{check="db",status="pass"} 1\n')
  t.match(text, '# EOF')
  await app.close()
  t.same(registry.getMetricsAsArray(), [], 'nothing left, renamed counters included')
})

t.test('the app closes: the metrics leave the registry and runs are no longer heard', async (t) => {
  const registry = new Registry()
  const { app } = await build()
  const engine = engineOf(app.healthz)
  t.equal(engine?.changes.observed, false, 'without an exporter, a run costs no event')
  await app.register(healthzPrometheus, { registry })
  t.equal(engine?.changes.observed, true)
  const mine = new (await import('prom-client')).Gauge({ name: 'app_own', help: 'the app\'s own metric', registers: [registry] })
  await app.close()
  t.equal(engine?.changes.observed, false)
  t.same(registry.getMetricsAsArray(), [mine], 'only the app\'s own metric is left')
})

t.test('two apps one after the other on one registry, the global one by default: no "already registered"', async (t) => {
  for (const registry of [undefined, new Registry()]) {
    for (let round = 1; round <= 2; round++) {
      const { app } = await build()
      await app.register(healthzPrometheus, registry === undefined ? {} : { registry })
      app.healthz.add(`check-${round}`, async () => {})
      await app.inject('/healthz/ready')
      const samples = parse(await (registry ?? register).metrics())
      t.equal(samples.get(`healthz_check_runs_total{check="check-${round}",status="pass"}`), 1, `${registry === undefined ? 'global' : 'own'} registry, app ${round}`)
      t.notOk([...samples.keys()].some((key) => key.includes(`check-${round - 1}`)), 'nothing of the app before')
      await app.close()
    }
  }
  t.same(register.getMetricsAsArray(), [])
})

t.test('two apps at once on one registry need two prefixes', async (t) => {
  const registry = new Registry()
  const first = await build()
  await first.app.register(healthzPrometheus, { registry })
  const second = await build()
  await t.rejects(async () => { await second.app.register(healthzPrometheus, { registry }) }, {
    name: 'HealthzConfigError',
    code: 'FST_HEALTHZ_DUPLICATE_METRIC',
    message: 'fastify-healthz: healthzPrometheus: the registry has a metric named "healthz_check_status" already: healthzPrometheus registered twice, another app on this registry not closed yet, or a metric of the app\'s own. Pass another "prefix" or "registry"'
  })
  const third = await build()
  await third.app.register(healthzPrometheus, { registry, prefix: 'worker_healthz_' })
  third.app.healthz.add('jobs', async () => {})
  first.app.healthz.add('db', async () => {})
  const samples = parse(await registry.metrics())
  t.equal(samples.get('healthz_check_status{check="db",status="pending"}'), 1)
  t.equal(samples.get('worker_healthz_check_status{check="jobs",status="pending"}'), 1)
  await third.app.close()
  await first.app.close()
  t.same(registry.getMetricsAsArray(), [])
})
