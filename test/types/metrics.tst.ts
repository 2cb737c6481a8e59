import Fastify from 'fastify'
import fastifyMetricsModule from 'fastify-metrics'
import { register, Registry } from 'prom-client'
import { metrics } from '@opentelemetry/api'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { expect, test } from 'tstyche'
import { errorCodes } from '../../lib/index.js'
import {
  healthzOpenTelemetry,
  healthzPrometheus,
  type HealthzOpenTelemetryOptions,
  type HealthzPrometheusOptions,
  type MeterProviderLike,
  type PrometheusRegistryLike
} from '../../lib/metrics/index.js'

const app = Fastify()

test('healthzPrometheus registers with typed options', () => {
  expect(app.register).type.toBeCallableWith(healthzPrometheus)
  expect(app.register).type.toBeCallableWith(healthzPrometheus, {})
  expect(app.register).type.toBeCallableWith(healthzPrometheus, { registry: new Registry(), prefix: 'shop_healthz_', buckets: [0.01, 0.1, 1] })
  expect(app.register).type.toBeCallableWith(healthzPrometheus, { registry: register })
  expect<HealthzPrometheusOptions>().type.toBeAssignableFrom({ buckets: [0.1] as const })
})

test('the real registries are accepted, structurally: prom-client\'s and fastify-metrics\'', async () => {
  expect(new Registry()).type.toBeAssignableTo<PrometheusRegistryLike>()
  expect(register).type.toBeAssignableTo<PrometheusRegistryLike>()
  const withMetrics = Fastify()
  await withMetrics.register(fastifyMetricsModule.default, { endpoint: '/metrics' })
  expect(withMetrics.metrics.client.register).type.toBeAssignableTo<PrometheusRegistryLike>()
})

test('healthzOpenTelemetry registers with typed options', () => {
  expect(app.register).type.toBeCallableWith(healthzOpenTelemetry)
  expect(app.register).type.toBeCallableWith(healthzOpenTelemetry, { meterProvider: new MeterProvider(), buckets: [0.005, 0.05, 0.5] })
  expect(app.register).type.toBeCallableWith(healthzOpenTelemetry, { meterProvider: metrics.getMeterProvider() })
  expect(new MeterProvider()).type.toBeAssignableTo<MeterProviderLike>()
  expect(metrics.getMeterProvider()).type.toBeAssignableTo<MeterProviderLike>()
  expect<HealthzOpenTelemetryOptions>().type.toBeAssignableFrom({})
})

test('what must not compile', () => {
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { registry: {} })
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { registry: Registry })
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { prefix: 1 })
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { buckets: ['0.1'] })
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { buckets: 0.1 })
  expect(app.register).type.not.toBeCallableWith(healthzPrometheus, { meterProvider: new MeterProvider() })
  expect(app.register).type.not.toBeCallableWith(healthzOpenTelemetry, { meterProvider: {} })
  expect(app.register).type.not.toBeCallableWith(healthzOpenTelemetry, { meterProvider: new Registry() })
  expect(app.register).type.not.toBeCallableWith(healthzOpenTelemetry, { registry: new Registry() })
  expect(app.register).type.not.toBeCallableWith(healthzOpenTelemetry, { meterName: 'shop' })
  expect(app.register).type.not.toBeCallableWith(healthzOpenTelemetry, { buckets: [1n] })
})

test('the new error codes', () => {
  expect(errorCodes.FST_HEALTHZ_NOT_REGISTERED).type.toBe<'FST_HEALTHZ_NOT_REGISTERED'>()
  expect(errorCodes.FST_HEALTHZ_MISSING_DEPENDENCY).type.toBe<'FST_HEALTHZ_MISSING_DEPENDENCY'>()
  expect(errorCodes.FST_HEALTHZ_DUPLICATE_METRIC).type.toBe<'FST_HEALTHZ_DUPLICATE_METRIC'>()
})
