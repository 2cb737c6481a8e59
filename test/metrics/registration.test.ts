// Registering the metrics plugins: fastify-healthz first, options validated once, optional peers missing.
import t from 'tap'
import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import healthz, { errorCodes } from '../../lib/index.js'
import { healthzOpenTelemetry, healthzPrometheus } from '../../lib/metrics/index.js'
import { loadPeer } from '../../lib/metrics/shared.js'
import { build } from '../helpers/app.js'

const plugins = [['healthzPrometheus', healthzPrometheus], ['healthzOpenTelemetry', healthzOpenTelemetry]] as const

t.test('without fastify-healthz first: a HealthzConfigError that says to register it', async (t) => {
  for (const [name, plugin] of plugins) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(plugin as typeof healthzPrometheus, { registry: new Registry() } as never) }, {
      name: 'HealthzConfigError',
      code: 'FST_HEALTHZ_NOT_REGISTERED',
      message: `fastify-healthz: ${name}: fastify-healthz is not registered on this instance: await app.register(healthz) first, at the root, then register ${name}`
    }, name)
    t.equal(errorCodes.FST_HEALTHZ_NOT_REGISTERED, 'FST_HEALTHZ_NOT_REGISTERED')
  }
})

t.test('fastify-healthz inside an encapsulated plugin is not seen from the root', async (t) => {
  const app = Fastify()
  await app.register(async (child) => { await child.register(healthz) })
  await t.rejects(async () => { await app.register(healthzPrometheus, { registry: new Registry() }) }, { code: 'FST_HEALTHZ_NOT_REGISTERED' })
})

t.test('a fastify.healthz that is not the plugin\'s (another package, another copy)', async (t) => {
  const app = Fastify()
  app.decorate('healthz', { add () {} } as never)
  await t.rejects(async () => { await app.register(healthzOpenTelemetry, { meterProvider: new MeterProvider() }) }, {
    code: 'FST_HEALTHZ_NOT_REGISTERED',
    message: 'fastify-healthz: healthzOpenTelemetry: fastify.healthz was not made by this copy of fastify-healthz: load fastify-healthz and fastify-healthz/metrics from one installation'
  })
})

t.test('options are validated once, at registration, naming the option and the value', async (t) => {
  const buckets = 'a non-empty array of upper bounds in seconds, finite, above 0 and strictly increasing (+Inf is implied), such as [0.01, 0.1, 1]'
  const cases: Array<[typeof healthzPrometheus | typeof healthzOpenTelemetry, unknown, string]> = [
    [healthzPrometheus, { registry: {} }, 'healthzPrometheus: option "registry" must be a prom-client Registry (an object with registerMetric(), getSingleMetric(), removeSingleMetric()), got {}'],
    [healthzPrometheus, { registry: null }, 'healthzPrometheus: option "registry" must be a prom-client Registry (an object with registerMetric(), getSingleMetric(), removeSingleMetric()), got null'],
    [healthzPrometheus, { registry: Registry }, 'healthzPrometheus: option "registry" must be a prom-client Registry (an object with registerMetric(), getSingleMetric(), removeSingleMetric()), got a function (Registry)'],
    [healthzPrometheus, { prefix: '1healthz_' }, 'healthzPrometheus: option "prefix" must be a metric name prefix: letters, digits, "_" and ":", not starting with a digit, got \'1healthz_\''],
    [healthzPrometheus, { prefix: 'health-z_' }, 'healthzPrometheus: option "prefix" must be a metric name prefix: letters, digits, "_" and ":", not starting with a digit, got \'health-z_\''],
    [healthzPrometheus, { prefix: 7 }, 'healthzPrometheus: option "prefix" must be a metric name prefix: letters, digits, "_" and ":", not starting with a digit, got 7'],
    [healthzPrometheus, { buckets: [] }, `healthzPrometheus: option "buckets" must be ${buckets}, got []`],
    [healthzPrometheus, { buckets: [1, 0.5] }, `healthzPrometheus: option "buckets" must be ${buckets}, got [ 1, 0.5 ]`],
    [healthzPrometheus, { buckets: [0.1, 0.1] }, `healthzPrometheus: option "buckets" must be ${buckets}, got [ 0.1, 0.1 ]`],
    [healthzPrometheus, { buckets: [0, 1] }, `healthzPrometheus: option "buckets" must be ${buckets}, got [ 0, 1 ]`],
    [healthzPrometheus, { buckets: [1, Infinity] }, `healthzPrometheus: option "buckets" must be ${buckets}, got [ 1, Infinity ]`],
    [healthzPrometheus, { buckets: ['0.1'] }, `healthzPrometheus: option "buckets" must be ${buckets}, got [ '0.1' ]`],
    [healthzPrometheus, { buckets: 0.1 }, `healthzPrometheus: option "buckets" must be ${buckets}, got 0.1`],
    [healthzPrometheus, { registy: new Registry() }, 'healthzPrometheus: unknown option "registy" (known: registry, prefix, buckets)'],
    [healthzOpenTelemetry, { meterProvider: {} }, 'healthzOpenTelemetry: option "meterProvider" must be an OpenTelemetry MeterProvider (an object with getMeter()), got {}'],
    [healthzOpenTelemetry, { meterProvider: 'global' }, 'healthzOpenTelemetry: option "meterProvider" must be an OpenTelemetry MeterProvider (an object with getMeter()), got \'global\''],
    [healthzOpenTelemetry, { buckets: [-1] }, `healthzOpenTelemetry: option "buckets" must be ${buckets}, got [ -1 ]`],
    [healthzOpenTelemetry, { prefix: 'x_' }, 'healthzOpenTelemetry: unknown option "prefix" (known: meterProvider, buckets)']
  ]
  for (const [plugin, options, message] of cases) {
    const { app } = await build()
    await t.rejects(async () => { await app.register(plugin as typeof healthzPrometheus, options as never) }, {
      name: 'HealthzConfigError',
      code: 'FST_HEALTHZ_INVALID_OPTION',
      message: `fastify-healthz: ${message}`
    }, message)
  }
})

t.test('options must be an object; the keys Fastify and its tools put there are ignored; undefined is a default', async (t) => {
  const wrong = await build()
  await t.rejects(async () => { await wrong.app.register(healthzPrometheus, (() => []) as never) }, { code: 'FST_HEALTHZ_INVALID_OPTION', message: 'fastify-healthz: healthzPrometheus: options must be an object, got []' })
  const { app } = await build()
  const registry = new Registry()
  await app.register(healthzPrometheus, { registry, prefix: undefined, logLevel: 'info', logSerializers: {}, skipOverride: true, trustProxy: true } as never)
  t.ok(registry.getSingleMetric('healthz_check_status'), 'undefined options take their defaults')
  await app.register(healthzOpenTelemetry, { meterProvider: new MeterProvider(), buckets: undefined, logLevel: 'info' } as never)
})

t.test('a registry that refuses a metric: the plugin fails, and what it registered leaves on close', async (t) => {
  const registry = new Registry()
  const registerMetric = registry.registerMetric.bind(registry)
  registry.registerMetric = (metric) => {
    if ((metric as unknown as { name: string }).name === 'healthz_check_runs_total') throw new Error('refused')
    registerMetric(metric)
  }
  const { app } = await build()
  await t.rejects(async () => { await app.register(healthzPrometheus, { registry }) }, { message: 'refused' })
  await app.close()
  t.same(registry.getMetricsAsArray(), [])
})

t.test('loadPeer: a missing optional peer says what to install; any other failure is thrown as it is', async (t) => {
  const missing = 'fastify-healthz-no-such-package'
  const load = async (): Promise<unknown> => await import(missing)
  await t.rejects(loadPeer(load, missing, 'healthzPrometheus', 'pass the "registry" option'), {
    name: 'HealthzConfigError',
    code: 'FST_HEALTHZ_MISSING_DEPENDENCY',
    message: `fastify-healthz: healthzPrometheus: the optional peer dependency "${missing}" is not installed: npm install ${missing}, or pass the "registry" option`
  })
  await t.rejects(loadPeer(async () => { throw Object.assign(new Error('Cannot find module \'left-pad\''), { code: 'MODULE_NOT_FOUND' }) }, 'prom-client', 'healthzPrometheus', '-'), { code: 'MODULE_NOT_FOUND' }, 'a module the peer itself misses')
  await t.rejects(loadPeer(async () => { throw Object.assign(new Error('Cannot find module \'prom-client\'\nRequire stack: …'), { code: 'MODULE_NOT_FOUND' }) }, 'prom-client', 'healthzPrometheus', 'pass the "registry" option'), { code: 'FST_HEALTHZ_MISSING_DEPENDENCY' }, 'require()\'s message')
  await t.rejects(loadPeer(async () => { throw new SyntaxError('broken') }, 'prom-client', 'healthzPrometheus', '-'), { name: 'SyntaxError' })
  await t.rejects(loadPeer(async () => { throw Object.assign(new Error(), { code: 'ERR_MODULE_NOT_FOUND', message: 42 }) }, 'prom-client', 'healthzPrometheus', '-'), { code: 'ERR_MODULE_NOT_FOUND' })
  const thrown = await loadPeer(async () => { throw null }, 'prom-client', 'healthzPrometheus', '-').catch((error: unknown) => error) // eslint-disable-line no-throw-literal
  t.equal(thrown, null, 'even null is thrown as it is')
  t.equal(await loadPeer(async () => 'loaded', 'prom-client', 'healthzPrometheus', '-'), 'loaded')
})
