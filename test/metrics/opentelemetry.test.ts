// healthzOpenTelemetry against the real OpenTelemetry metrics SDK and its in-memory exporter.
import t from 'tap'
import { metrics } from '@opentelemetry/api'
import { AggregationTemporality, DataPointType, InstrumentType } from '@opentelemetry/sdk-metrics'
import { Registry } from 'prom-client'
import { engineOf } from '../../lib/handle.js'
import { HealthError } from '../../lib/index.js'
import { healthzOpenTelemetry, healthzPrometheus } from '../../lib/metrics/index.js'
import { build, deferred, sleep } from '../helpers/app.js'
import { openTelemetry, otelStateOf, parse, points, stateOf, toggle } from './helpers.js'

async function withOpenTelemetry (options: Parameters<typeof build>[0] = {}, buckets?: number[], temporality?: AggregationTemporality): Promise<{ app: Awaited<ReturnType<typeof build>>['app'], collect: ReturnType<typeof openTelemetry>['collect'] }> {
  const sdk = openTelemetry(temporality)
  t.teardown(sdk.shutdown)
  const { app } = await build(options)
  await app.register(healthzOpenTelemetry, { meterProvider: sdk.meterProvider, buckets })
  return { app, collect: sdk.collect }
}

t.test('every instrument: name, kind, unit, attributes, values', async (t) => {
  const { app, collect } = await withOpenTelemetry()
  app.healthz.add('db', async () => {})
  app.healthz.add('cache', () => ({ status: 'warn', output: 'slow' }))
  await app.inject('/healthz/ready')
  const collected = await collect()
  // The SDK's descriptors carry the instrument's kind, which its types leave out.
  t.same(collected.map((metric) => [metric.descriptor.name, (metric.descriptor as { type?: string }).type, metric.dataPointType, metric.descriptor.unit]).sort(), [
    ['healthz.check.duration', InstrumentType.HISTOGRAM, DataPointType.HISTOGRAM, 's'],
    ['healthz.check.runs', InstrumentType.OBSERVABLE_COUNTER, DataPointType.SUM, '{run}'],
    ['healthz.check.status', InstrumentType.OBSERVABLE_GAUGE, DataPointType.GAUGE, ''],
    ['healthz.check.timeouts', InstrumentType.OBSERVABLE_COUNTER, DataPointType.SUM, '{run}'],
    ['healthz.probe.status', InstrumentType.OBSERVABLE_GAUGE, DataPointType.GAUGE, '']
  ])
  for (const metric of collected) t.match(metric.descriptor.description, /\w/, `${metric.descriptor.name} is described`)
  t.same(points(collected, 'healthz.check.status'), [
    'healthz.check.status{check=cache,status=fail} 0',
    'healthz.check.status{check=cache,status=pass} 0',
    'healthz.check.status{check=cache,status=pending} 0',
    'healthz.check.status{check=cache,status=warn} 1',
    'healthz.check.status{check=db,status=fail} 0',
    'healthz.check.status{check=db,status=pass} 1',
    'healthz.check.status{check=db,status=pending} 0',
    'healthz.check.status{check=db,status=warn} 0'
  ])
  t.same(points(collected, 'healthz.probe.status'), [
    'healthz.probe.status{probe=live,status=fail} 0',
    'healthz.probe.status{probe=live,status=pass} 1',
    'healthz.probe.status{probe=ready,status=fail} 0',
    'healthz.probe.status{probe=ready,status=pass} 1',
    'healthz.probe.status{probe=startup,status=fail} 0',
    'healthz.probe.status{probe=startup,status=pass} 1'
  ])
  t.same(points(collected, 'healthz.check.runs'), [
    'healthz.check.runs{check=cache,status=fail} 0',
    'healthz.check.runs{check=cache,status=pass} 0',
    'healthz.check.runs{check=cache,status=warn} 1',
    'healthz.check.runs{check=db,status=fail} 0',
    'healthz.check.runs{check=db,status=pass} 1',
    'healthz.check.runs{check=db,status=warn} 0'
  ])
  t.same(points(collected, 'healthz.check.timeouts'), ['healthz.check.timeouts{check=cache} 0', 'healthz.check.timeouts{check=db} 0'])
  t.same(points(collected, 'healthz.check.duration'), ['healthz.check.duration{check=cache} count=1 sum>0=true', 'healthz.check.duration{check=db} count=1 sum>0=true'])
  const histogram = collected.find((metric) => metric.descriptor.name === 'healthz.check.duration')
  const point = histogram?.dataPoints[0].value as { buckets: { boundaries: number[] } }
  t.same(point.buckets.boundaries, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], 'the advised buckets, in seconds')
  const runs = collected.find((metric) => metric.descriptor.name === 'healthz.check.runs')
  t.equal((runs as { isMonotonic?: boolean }).isMonotonic, true, 'a monotonic sum')
})

t.test('100 collections start no run', async (t) => {
  const db = toggle()
  const background = toggle()
  const { app, collect } = await withOpenTelemetry()
  app.healthz.add('db', db.check)
  app.healthz.add('queue', background.check, { interval: 60_000 })
  await app.ready()
  await sleep(20)
  await app.inject('/healthz/ready')
  db.set(false)
  let last = await collect()
  for (let i = 0; i < 99; i++) last = await collect()
  t.same([db.runs(), background.runs()], [1, 1])
  t.equal(otelStateOf(last, 'healthz.check.status', 'check', 'db'), 'pass')
  await app.close()
})

t.test('drain() flips probe=ready to fail at once', async (t) => {
  const { app, collect } = await withOpenTelemetry({ drainDelay: 60_000 })
  await app.ready()
  t.equal(otelStateOf(await collect(), 'healthz.probe.status', 'probe', 'ready'), 'pass')
  const draining = app.healthz.drain()
  const collected = await collect()
  t.equal(otelStateOf(collected, 'healthz.probe.status', 'probe', 'ready'), 'fail')
  t.equal(otelStateOf(collected, 'healthz.probe.status', 'probe', 'live'), 'pass')
  await app.close()
  await draining
})

t.test('a damped check shows warn; the runs counter counts raw outcomes', async (t) => {
  const { app, collect } = await withOpenTelemetry()
  let runs = 0
  app.healthz.add('db', () => { if (runs++ % 2 === 1) throw new HealthError('flap') }, { failureThreshold: 3 })
  for (let i = 0; i < 4; i++) await app.inject('/healthz/ready')
  const collected = await collect()
  t.equal(otelStateOf(collected, 'healthz.check.status', 'check', 'db'), 'warn')
  t.equal(otelStateOf(collected, 'healthz.probe.status', 'probe', 'ready'), 'pass')
  t.same(points(collected, 'healthz.check.runs'), ['healthz.check.runs{check=db,status=fail} 2', 'healthz.check.runs{check=db,status=pass} 2', 'healthz.check.runs{check=db,status=warn} 0'])
})

// Delta temporality: the SDK then exports what the callbacks observe, and nothing of what they no longer do.
t.test('timeouts, pending background checks, checks added and removed', async (t) => {
  const { app, collect } = await withOpenTelemetry({}, [0.01, 1], AggregationTemporality.DELTA)
  const hang = deferred()
  app.healthz.add('db', async () => await hang.promise, { timeout: 20 })
  app.healthz.add('queue', async () => await hang.promise, { interval: 60_000, timeout: 60_000 })
  await app.inject('/healthz/ready')
  let collected = await collect()
  t.same(points(collected, 'healthz.check.timeouts'), ['healthz.check.timeouts{check=db} 1', 'healthz.check.timeouts{check=queue} 0'])
  t.same(points(collected, 'healthz.check.duration'), ['healthz.check.duration{check=db} count=1 sum>0=true'], 'no duration before a first result')
  t.match(points(collected, 'healthz.check.runs'), ['healthz.check.runs{check=db,status=fail} 1'])
  t.equal(otelStateOf(collected, 'healthz.check.status', 'check', 'queue'), 'pending')
  const histogram = collected.find((metric) => metric.descriptor.name === 'healthz.check.duration')
  const point = histogram?.dataPoints[0].value as { buckets: { boundaries: number[], counts: number[] } }
  t.same(point.buckets, { boundaries: [0.01, 1], counts: [0, 1, 0] }, 'the buckets option, and the 20 ms timeout in (0.01, 1]')

  app.healthz.remove('db')
  app.healthz.add('cache', async () => {})
  collected = await collect()
  t.notOk([...points(collected, 'healthz.check.status'), ...points(collected, 'healthz.check.runs'), ...points(collected, 'healthz.check.timeouts')].some((line) => line.includes('check=db')), 'a removed check leaves the observed instruments')
  t.equal(otelStateOf(collected, 'healthz.check.status', 'check', 'cache'), 'pending')
  hang.resolve()
})

t.test('close: callbacks removed, runs no longer heard; a second app on the same provider reports alone', async (t) => {
  const sdk = openTelemetry(AggregationTemporality.DELTA)
  t.teardown(sdk.shutdown)
  for (let round = 1; round <= 2; round++) {
    const { app } = await build()
    const engine = engineOf(app.healthz)
    await app.register(healthzOpenTelemetry, { meterProvider: sdk.meterProvider })
    t.equal(engine?.changes.observed, true)
    app.healthz.add(`check-${round}`, async () => {})
    await app.inject('/healthz/ready')
    const collected = await sdk.collect()
    t.same(points(collected, 'healthz.check.runs'), [`healthz.check.runs{check=check-${round},status=fail} 0`, `healthz.check.runs{check=check-${round},status=pass} 1`, `healthz.check.runs{check=check-${round},status=warn} 0`], `app ${round} alone`)
    t.equal(points(collected, 'healthz.probe.status').length, 6, 'one set of probes')
    await app.close()
    t.equal(engine?.changes.observed, false)
    const after = await sdk.collect()
    t.same([...points(after, 'healthz.check.status'), ...points(after, 'healthz.probe.status'), ...points(after, 'healthz.check.runs')], [], 'nothing observed after close')
  }
})

t.test('the global meter provider by default', async (t) => {
  const sdk = openTelemetry()
  t.teardown(async () => { metrics.disable(); await sdk.shutdown() })
  metrics.setGlobalMeterProvider(sdk.meterProvider)
  const { app } = await build()
  await app.register(healthzOpenTelemetry)
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  t.equal(otelStateOf(await sdk.collect(), 'healthz.check.status', 'check', 'db'), 'pass')
  await app.close()
})

t.test('both plugins at once agree, and neither runs a check', async (t) => {
  const sdk = openTelemetry()
  t.teardown(sdk.shutdown)
  const registry = new Registry()
  const { app } = await build()
  await app.register(healthzPrometheus, { registry })
  await app.register(healthzOpenTelemetry, { meterProvider: sdk.meterProvider })
  const db = toggle()
  let flaps = 0
  app.healthz.add('db', db.check)
  app.healthz.add('flappy', () => { if (flaps++ % 2 === 1) throw new HealthError('flap') }, { failureThreshold: 3 })
  const gate = deferred()
  app.healthz.add('queue', async () => await gate.promise, { interval: 60_000, timeout: 60_000 })
  await app.inject('/healthz/ready')
  db.set(false)
  await app.inject('/healthz/ready')
  const runs = db.runs()
  for (let i = 0; i < 100; i++) {
    await registry.metrics()
    await sdk.collect()
  }
  t.equal(db.runs(), runs, '100 scrapes and 100 collections ran nothing')
  const samples = parse(await registry.metrics())
  const collected = await sdk.collect()
  for (const check of ['db', 'flappy', 'queue']) {
    t.equal(otelStateOf(collected, 'healthz.check.status', 'check', check), stateOf(samples, 'healthz_check_status', 'check', check), check)
  }
  t.same([stateOf(samples, 'healthz_check_status', 'check', 'db'), stateOf(samples, 'healthz_check_status', 'check', 'flappy'), stateOf(samples, 'healthz_check_status', 'check', 'queue')], ['fail', 'warn', 'pending'])
  for (const probe of ['live', 'ready', 'startup']) {
    t.equal(otelStateOf(collected, 'healthz.probe.status', 'probe', probe), stateOf(samples, 'healthz_probe_status', 'probe', probe), probe)
  }
  t.equal(samples.get('healthz_check_runs_total{check="db",status="fail"}'), 1)
  t.match(points(collected, 'healthz.check.runs'), ['healthz.check.runs{check=db,status=fail} 1'])
  gate.resolve()
  await app.close()
  t.same(registry.getMetricsAsArray(), [])
})
