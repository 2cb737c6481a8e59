import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { HealthzConfigError } from '../errors.js'
import {
  bucketsRule, checkStatuses, DEFAULT_BUCKETS, engineFor, HELP, loadPeer, methodsRule, pluginOptions, probeStatuses, runCounts, RunTally, timeoutCounts,
  type Emit
} from './shared.js'

/**
 * What the plugin needs of a prom-client `Registry` (prom-client 14 or 15,
 * prom-client's global `register`, or the registry of fastify-metrics), typed
 * structurally so that the package's types do not need prom-client installed.
 */
export interface PrometheusRegistryLike {
  registerMetric(metric: never): void
  getSingleMetric(name: string): unknown
  removeSingleMetric(name: string): void
}

/** Options of `healthzPrometheus`. */
export interface HealthzPrometheusOptions {
  /** The prom-client registry to register the metrics in. Default: prom-client's global `register`. */
  registry?: PrometheusRegistryLike
  /** The start of every metric's name: letters, digits, `_` and `:`, not starting with a digit. Default `'healthz_'`. */
  prefix?: string
  /** Upper bounds, in seconds, of the buckets of `healthz_check_duration_seconds`. Default 0.001 to 5. */
  buckets?: readonly number[]
}

const PLUGIN = 'healthzPrometheus'
/** Prometheus' rule for metric names, less the first character: a prefix may be empty. */
const PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/
const REGISTRY_METHODS = ['registerMetric', 'getSingleMetric', 'removeSingleMetric'] as const

const RULES = {
  registry: methodsRule('a prom-client Registry', REGISTRY_METHODS),
  prefix: (value: unknown) => typeof value === 'string' && PREFIX.test(value) ? undefined : 'a metric name prefix: letters, digits, "_" and ":", not starting with a digit',
  buckets: bucketsRule
}

/** One sample, as prom-client's registry formats it. */
interface Sample {
  value: number
  labels: Record<string, string | number>
  metricName?: string
}

/**
 * A metric as prom-client's `Registry` uses one: `get()` resolves to its
 * samples, read when the registry is scraped. Not one of prom-client's own
 * metric classes, whose `inc()` and `observe()` cost a microsecond a run:
 * here hearing a run is plain arithmetic (`RunTally`), and the samples are
 * made at scrape time.
 */
class Collector {
  /** prom-client's registry renames counters in OpenMetrics mode: writable. */
  name: string
  readonly help: string
  readonly type: 'gauge' | 'counter' | 'histogram'
  readonly aggregator = 'sum'
  readonly #samples: (name: string) => Sample[]
  readonly #reset: () => void

  constructor (name: string, help: string, type: Collector['type'], samples: (name: string) => Sample[], reset: () => void) {
    this.name = name
    this.help = help
    this.type = type
    this.#samples = samples
    this.#reset = reset
  }

  async get (): Promise<{ name: string, help: string, type: string, values: Sample[], aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.#samples(this.name), aggregator: this.aggregator }
  }

  /** `registry.resetMetrics()`: counters start again from 0; state sets are read afresh anyway. */
  reset (): void {
    this.#reset()
  }
}

/** The samples that a reader of the engine emits. */
function samples (read: (emit: Emit) => void): () => Sample[] {
  return () => {
    const values: Sample[] = []
    read((value, labels) => { values.push({ value, labels }) })
    return values
  }
}

async function prometheus (fastify: FastifyInstance, options: HealthzPrometheusOptions): Promise<void> {
  const engine = engineFor(fastify, PLUGIN)
  const { registry: given, prefix = 'healthz_', buckets = DEFAULT_BUCKETS } = pluginOptions(PLUGIN, options, RULES) as HealthzPrometheusOptions
  const registry = given ?? (await loadPeer(async () => await import('prom-client'), 'prom-client', PLUGIN, 'pass the "registry" option')).register as PrometheusRegistryLike

  const tally = new RunTally([...buckets])
  const reset = (): void => { tally.reset() }
  const keep = (): void => {}
  const histogram = (name: string): Sample[] => {
    const values: Sample[] = []
    for (const [check, counts] of tally.current(engine.table.entries())) {
      let cumulative = 0
      for (let i = 0; i < tally.bounds.length; i++) {
        cumulative += counts.buckets[i]
        values.push({ value: cumulative, labels: { check, le: tally.bounds[i] }, metricName: `${name}_bucket` })
      }
      values.push(
        { value: counts.count, labels: { check, le: '+Inf' }, metricName: `${name}_bucket` },
        { value: counts.sum, labels: { check }, metricName: `${name}_sum` },
        { value: counts.count, labels: { check }, metricName: `${name}_count` }
      )
    }
    return values
  }
  const collectors = [
    new Collector(`${prefix}check_status`, HELP.checkStatus, 'gauge', samples((emit) => { checkStatuses(engine, emit) }), keep),
    new Collector(`${prefix}probe_status`, HELP.probeStatus, 'gauge', samples((emit) => { probeStatuses(engine, emit) }), keep),
    new Collector(`${prefix}check_runs_total`, HELP.runs, 'counter', samples((emit) => { runCounts(engine, tally, emit) }), reset),
    new Collector(`${prefix}check_timeouts_total`, HELP.timeouts, 'counter', samples((emit) => { timeoutCounts(engine, tally, emit) }), reset),
    new Collector(`${prefix}check_duration_seconds`, HELP.duration, 'histogram', histogram, reset)
  ]
  // Names taken as registered: prom-client's OpenMetrics mode renames counters afterwards.
  const names = collectors.map((collector) => collector.name)
  for (const name of names) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new HealthzConfigError('FST_HEALTHZ_DUPLICATE_METRIC', `${PLUGIN}: the registry has a metric named "${name}" already: ${PLUGIN} registered twice, another app on this registry not closed yet, or a metric of the app's own. Pass another "prefix" or "registry"`)
    }
  }
  const stop = engine.changes.observeRuns((run) => { tally.add(run) })
  // From here on, whatever was registered goes when the app closes, also after a failure below.
  fastify.addHook('onClose', async () => {
    stop()
    for (let i = 0; i < names.length; i++) {
      if (registry.getSingleMetric(names[i]) === collectors[i]) registry.removeSingleMetric(names[i])
    }
  })
  for (const collector of collectors) registry.registerMetric(collector as never)
}

/**
 * Prometheus metrics of the checks and probes, registered in a prom-client
 * registry: `await app.register(healthzPrometheus, { registry })` after
 * `fastify-healthz`. A scrape reads the last results; it never runs a check.
 */
export const healthzPrometheus: FastifyPluginAsync<HealthzPrometheusOptions> = fp(prometheus, {
  fastify: '5.x',
  // No `dependencies: ['fastify-healthz']`: Fastify's own error would come first; engineFor() says what to do.
  name: 'fastify-healthz-prometheus'
})
