/**
 * Metrics of the checks and probes: `import { healthzPrometheus, healthzOpenTelemetry } from 'fastify-healthz/metrics'`,
 * each registered after `fastify-healthz`. Nothing here is loaded by
 * `fastify-healthz` itself; prom-client and `@opentelemetry/api` are optional
 * peer dependencies, imported only when the plugin that needs one is
 * registered without the instance to use (`registry`, `meterProvider`).
 */
export { healthzPrometheus, type HealthzPrometheusOptions, type PrometheusRegistryLike } from './prometheus.js'
export {
  healthzOpenTelemetry, type HealthzOpenTelemetryOptions, type MeterProviderLike, type MeterLike, type ObservableLike, type ObservableResultLike,
  type HistogramLike, type InstrumentOptionsLike, type MetricAttributesLike
} from './opentelemetry.js'
