// healthzPrometheus beside the real fastify-metrics, on that plugin's registry.
import t from 'tap'
import fastifyMetricsModule from 'fastify-metrics'
import { register } from 'prom-client'
import { healthzPrometheus } from '../../lib/metrics/index.js'
import { build } from '../helpers/app.js'
import { parse, stateOf, toggle } from './helpers.js'

// A CommonJS module with only `exports.default`: its plugin, from ES modules.
const fastifyMetrics = fastifyMetricsModule.default

t.test('one /metrics endpoint serves fastify-metrics\' metrics and the health metrics; probes run no check per scrape', async (t) => {
  for (let round = 1; round <= 2; round++) {
    const { app } = await build()
    // clearRegisterOnInit: fastify-metrics leaves its own metrics in the registry when an app closes.
    await app.register(fastifyMetrics, { endpoint: '/metrics', clearRegisterOnInit: true })
    await app.register(healthzPrometheus, { registry: app.metrics.client.register })
    t.equal(app.metrics.client.register, register, 'fastify-metrics uses prom-client\'s global registry: the default of healthzPrometheus too')
    const db = toggle()
    app.healthz.add('db', db.check)
    app.get('/orders', async () => [])
    await app.inject('/orders')
    await app.inject('/healthz/ready')
    let res = await app.inject('/metrics')
    for (let i = 0; i < 20; i++) res = await app.inject('/metrics')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], 'text/plain')
    const samples = parse(res.body)
    t.ok([...samples.keys()].some((key) => key.startsWith('http_request_duration_seconds_count{') && key.includes('route="/orders"')), `app ${round}: fastify-metrics' route metrics`)
    t.ok([...samples.keys()].some((key) => key.startsWith('process_cpu_user_seconds_total')), 'and its default metrics')
    t.equal(stateOf(samples, 'healthz_check_status', 'check', 'db'), 'pass', 'beside the health metrics')
    t.equal(stateOf(samples, 'healthz_probe_status', 'probe', 'ready'), 'pass')
    t.equal(samples.get('healthz_check_runs_total{check="db",status="pass"}'), 1)
    t.equal(db.runs(), 1, '21 scrapes ran no check')
    await app.close()
    t.notOk(register.getSingleMetric('healthz_check_status'), 'the health metrics leave with the app')
  }
})

t.test('registered before fastify-metrics with clearRegisterOnInit, the health metrics would be cleared: register them after it', async (t) => {
  const { app } = await build()
  await app.register(healthzPrometheus)
  await app.register(fastifyMetrics, { endpoint: '/metrics', clearRegisterOnInit: true })
  t.notOk(register.getSingleMetric('healthz_check_status'), 'cleared by fastify-metrics')
  await app.close()
})
