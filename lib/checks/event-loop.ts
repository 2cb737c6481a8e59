import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import type { HealthCheckResult } from '../types.js'
import { checkOptions, ms } from './shared.js'
import { checkThresholds, judge, percent, type Thresholds } from './thresholds.js'

/** Thresholds of `eventLoopCheck()`. */
export interface EventLoopThresholds {
  /** p99 event-loop delay in milliseconds. */
  delay?: number
  /** Event-loop utilization, from 0 to 1, over the last stretch of at least `window` ms between runs. */
  utilization?: number
}

export interface EventLoopCheckOptions extends Thresholds<EventLoopThresholds> {
  /** Milliseconds the p99 delay is measured over (the last one to two windows), and the shortest stretch utilization is measured over. Default 5000. */
  window?: number
  /** Sampling resolution of the delay histogram in milliseconds. Default 10. */
  resolution?: number
}

/** The check `eventLoopCheck()` returns; the plugin calls `close()` when the check is removed and when the app closes. */
export interface EventLoopCheck {
  (): HealthCheckResult | undefined
  /** Stops sampling the event loop (the next run starts it again). Idempotent. */
  close: () => void
}

const FACTORY = 'eventLoopCheck'
const fraction = (value: unknown): string | undefined =>
  typeof value === 'number' && value > 0 && value <= 1 ? undefined : 'a fraction above 0 and at most 1'
const delay = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : 'a positive number of milliseconds'

/**
 * Warns or fails when the event loop lags: its p99 delay (sampled by
 * `perf_hooks.monitorEventLoopDelay`, over the last one to two `window`s)
 * or its utilization (over the last stretch of at least a `window`) passes a
 * threshold.
 *
 * The histogram is created with the check and sampled from its first run;
 * its sampling timer never keeps the process alive. The plugin stops it
 * (`close()`) when the check is removed and when the app closes.
 */
export function eventLoopCheck (options: EventLoopCheckOptions): EventLoopCheck {
  const given = checkOptions(FACTORY, options, { warn: () => undefined, fail: () => undefined, window: ms(100), resolution: ms(1) })
  const levels = checkThresholds(FACTORY, given, { delay: { rule: delay }, utilization: { rule: fraction } })
  const window = options.window ?? 5000
  const resolution = options.resolution ?? 10
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution })
  let enabled = false
  let windowStart = 0
  let previousP99 = 0
  let elu: EventLoopUtilization | undefined
  let eluStart = 0
  let utilization: number | undefined

  const check = (() => {
    const now = performance.now()
    if (!enabled) {
      histogram.enable()
      enabled = true
      windowStart = now
      previousP99 = 0
      elu = performance.eventLoopUtilization()
      eluStart = now
      utilization = undefined
      return undefined // nothing measured yet
    }
    // The p99 of the current window, or of the previous one while the current one is young. The
    // histogram records the whole interval between its timer's runs: the resolution itself is no delay.
    const current = Math.max(0, histogram.percentile(99) / 1e6 - resolution)
    const young = now - windowStart < window
    const p99 = young ? Math.max(current, previousP99) : current
    if (!young) {
      previousP99 = current
      histogram.reset()
      windowStart = now
    }
    // Measured over a stretch of at least a window: between two runs a moment apart (the kubelet
    // sends its live and ready probes together) the loop was busy only with those runs: 100%.
    if (now - eluStart >= window) {
      const since = elu as EventLoopUtilization
      elu = performance.eventLoopUtilization()
      eluStart = now
      utilization = performance.eventLoopUtilization(elu, since).utilization
    }
    const measured = utilization
    return judge(levels, (key, limit) => key === 'delay'
      ? (p99 > limit ? `event loop delay p99 ${Math.round(p99)} ms over ${limit} ms` : undefined)
      : (measured !== undefined && measured > limit ? `event loop utilization ${percent(measured)} over ${percent(limit)}` : undefined))
  }) as EventLoopCheck
  check.close = () => {
    if (enabled) histogram.disable()
    enabled = false
  }
  return check
}
