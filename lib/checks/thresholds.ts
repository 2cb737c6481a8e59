import { describe, HealthError } from '../errors.js'
import type { HealthCheckResult } from '../types.js'
import { invalid, type Rule } from './shared.js'

/** Warn and fail thresholds of a process check: `{ warn?: {...}, fail?: {...} }`. */
export interface Thresholds<T> {
  /** Report `warn` (the probe stays 200) past these values. */
  warn?: T
  /** Fail past these values. */
  fail?: T
}

/** How one metric is read and judged. */
export interface Metric {
  readonly rule: Rule
  /** Free space is worse the lower it is; the other metrics the higher. Default false. */
  readonly lowerIsWorse?: boolean
  /** Whether two values can be ordered (bytes and fractions cannot). Default: always. */
  readonly comparable?: (a: number, b: number) => boolean
}

/** Whether two byte-or-fraction values are both fractions or both bytes. */
export const sameKind = (a: number, b: number): boolean => (a < 1) === (b < 1)

/** The fewest bytes a threshold may be: from 1 up to it, a value is more likely a mistaken fraction (`1` for 100%). */
const MIN_BYTES = 1048576

/** A fraction of the limit above 0 and below 1, or bytes from 1 MiB. */
export const bytesOrFraction: Rule = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 && (value < 1 || value >= MIN_BYTES)
    ? undefined
    : `a fraction of the limit above 0 and below 1, or bytes from ${MIN_BYTES} (1 MiB)`

type Levels = Record<'warn' | 'fail', Record<string, number>>

/** Validates the `warn` and `fail` objects against the metrics; at least one threshold must be set. */
export function checkThresholds (factory: string, options: { warn?: unknown, fail?: unknown }, metrics: Readonly<Record<string, Metric>>): Levels {
  const levels: Levels = { warn: {}, fail: {} }
  let count = 0
  for (const level of ['warn', 'fail'] as const) {
    const given = options[level]
    if (given === undefined) continue
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw invalid(factory, `option "${level}" must be an object of thresholds (${Object.keys(metrics).join(', ')}), got ${describe(given)}`)
    }
    for (const [key, value] of Object.entries(given)) {
      const metric = Object.hasOwn(metrics, key) ? metrics[key] : undefined
      if (metric === undefined) throw invalid(factory, `unknown threshold "${level}.${key}" (known: ${Object.keys(metrics).join(', ')})`)
      if (value === undefined) continue
      const wrong = metric.rule(value)
      if (wrong !== undefined) throw invalid(factory, `threshold "${level}.${key}" must be ${wrong}, got ${describe(value)}`)
      levels[level][key] = value as number
      count++
    }
  }
  if (count === 0) throw invalid(factory, `set at least one threshold in "warn" or "fail" (${Object.keys(metrics).join(', ')})`)
  for (const [key, metric] of Object.entries(metrics)) {
    const warn = levels.warn[key]
    const fail = levels.fail[key]
    if (warn === undefined || fail === undefined || !(metric.comparable?.(warn, fail) ?? true)) continue
    if (metric.lowerIsWorse === true ? warn <= fail : warn >= fail) {
      throw invalid(factory, `threshold "warn.${key}" (${warn}) must be ${metric.lowerIsWorse === true ? 'above' : 'below'} "fail.${key}" (${fail}): a warning comes before the failure`)
    }
  }
  return levels
}

/** One metric past a threshold: its text, or undefined when within. */
export type Judge = (key: string, limit: number) => string | undefined

/** Fails (throws) past a fail threshold, warns past a warn threshold, else passes. */
export function judge (levels: Levels, over: Judge): HealthCheckResult | undefined {
  for (const key in levels.fail) {
    const text = over(key, levels.fail[key])
    if (text !== undefined) throw new HealthError(text)
  }
  for (const key in levels.warn) {
    const text = over(key, levels.warn[key])
    if (text !== undefined) return { status: 'warn', output: text }
  }
  return undefined
}

/** A byte count for outputs: `812 MiB`, `4.2 GiB`. */
export function bytes (value: number): string {
  if (value >= 1073741824) return `${(value / 1073741824).toFixed(1)} GiB`
  return `${Math.round(value / 1048576)} MiB`
}

/** A fraction for outputs: `81%`. */
export function percent (fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`
}
