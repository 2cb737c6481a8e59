import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { version } from '../cli-probe.js'
import { bucketsRule, checkStatuses, DEFAULT_BUCKETS, engineFor, HELP, loadPeer, methodsRule, pluginOptions, probeStatuses, runCounts, RunTally, timeoutCounts, type Emit } from './shared.js'

/** Attributes of a measurement: `check` or `probe`, and `status`. */
export type MetricAttributesLike = Record<string, string>

/** What an observable instrument's callback is given. */
export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributesLike): void
}

/** An observable instrument of `@opentelemetry/api`. */
export interface ObservableLike {
  addCallback(callback: (result: ObservableResultLike) => void): void
  removeCallback(callback: (result: ObservableResultLike) => void): void
}

/** A histogram of `@opentelemetry/api`. */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void
}

/** Options of an instrument, as `@opentelemetry/api` takes them. */
export interface InstrumentOptionsLike {
  description?: string
  unit?: string
  advice?: { explicitBucketBoundaries?: number[] }
}

/** What the plugin needs of an `@opentelemetry/api` `Meter`. */
export interface MeterLike {
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableLike
  createObservableCounter(name: string, options?: InstrumentOptionsLike): ObservableLike
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike
}

/**
 * What the plugin needs of an `@opentelemetry/api` `MeterProvider` (the SDK's
 * `MeterProvider`, or the global one), typed structurally so that the
 * package's types do not need `@opentelemetry/api` installed.
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike
}

/** Options of `healthzOpenTelemetry`. */
export interface HealthzOpenTelemetryOptions {
  /** Where the meter comes from. Default: the global meter provider of `@opentelemetry/api`, as it is at registration. */
  meterProvider?: MeterProviderLike
  /** Bucket boundaries, in seconds, advised for `healthz.check.duration`. Default 0.001 to 5. */
  buckets?: readonly number[]
}

const PLUGIN = 'healthzOpenTelemetry'
const RULES = {
  meterProvider: methodsRule('an OpenTelemetry MeterProvider', ['getMeter']),
  buckets: bucketsRule
}

/** An observable instrument with the callback that reads it, so that both can part on close. */
interface Observed {
  readonly instrument: ObservableLike
  readonly callback: (result: ObservableResultLike) => void
}

function observe (instrument: ObservableLike, read: (emit: Emit) => void): Observed {
  const callback = (result: ObservableResultLike): void => {
    read((value, attributes) => { result.observe(value, attributes) })
  }
  instrument.addCallback(callback)
  return { instrument, callback }
}

async function openTelemetry (fastify: FastifyInstance, options: HealthzOpenTelemetryOptions): Promise<void> {
  const engine = engineFor(fastify, PLUGIN)
  const { meterProvider: given, buckets = DEFAULT_BUCKETS } = pluginOptions(PLUGIN, options, RULES) as HealthzOpenTelemetryOptions
  const provider = given ?? (await loadPeer(async () => await import('@opentelemetry/api'), '@opentelemetry/api', PLUGIN, 'pass the "meterProvider" option')).metrics.getMeterProvider()
  const meter = provider.getMeter('fastify-healthz', version)

  const tally = new RunTally([...buckets])
  const duration = meter.createHistogram('healthz.check.duration', {
    description: HELP.duration,
    unit: 's',
    advice: { explicitBucketBoundaries: [...buckets] }
  })
  const observed = [
    observe(meter.createObservableGauge('healthz.check.status', {
      description: HELP.checkStatus
    }), (emit) => { checkStatuses(engine, emit) }),
    observe(meter.createObservableGauge('healthz.probe.status', {
      description: HELP.probeStatus
    }), (emit) => { probeStatuses(engine, emit) }),
    observe(meter.createObservableCounter('healthz.check.runs', {
      description: HELP.runs,
      unit: '{run}'
    }), (emit) => { runCounts(engine, tally, emit) }),
    observe(meter.createObservableCounter('healthz.check.timeouts', {
      description: HELP.timeouts,
      unit: '{run}'
    }), (emit) => { timeoutCounts(engine, tally, emit) })
  ]
  const stop = engine.changes.observeRuns((run) => {
    tally.add(run)
    duration.record(run.durationMs / 1000, { check: run.check })
  })
  fastify.addHook('onClose', async () => {
    stop()
    for (const { instrument, callback } of observed) instrument.removeCallback(callback)
  })
}

/**
 * OpenTelemetry metrics of the checks and probes, from a `MeterProvider`:
 * `await app.register(healthzOpenTelemetry, { meterProvider })` after
 * `fastify-healthz`. Collecting reads the last results; it never runs a check.
 */
export const healthzOpenTelemetry: FastifyPluginAsync<HealthzOpenTelemetryOptions> = fp(openTelemetry, {
  fastify: '5.x',
  name: 'fastify-healthz-opentelemetry'
})
