import { describe, HealthzConfigError } from './errors.js'
import { guarded } from './inspect.js'
import { isCheckName, milliseconds } from './options.js'
import type { HealthCheck } from './types.js'

const ADD_OPTIONS = new Set(['probes', 'timeout', 'cacheTtl', 'critical', 'interval', 'failureThreshold', 'successThreshold'])
const MAX_THRESHOLD = 100

/** A check as `add()` accepted it: validated, defaults filled in, frozen. */
export interface CheckSpec {
  readonly name: string
  readonly check: HealthCheck
  /** The probes that run it, without duplicates. */
  readonly probes: readonly string[]
  readonly timeout: number
  readonly cacheTtl: number
  readonly critical: boolean
  /** Milliseconds between background runs; 0 when the check runs per probe. */
  readonly interval: number
  /** Consecutive failed runs before a check that did not fail reports `fail`; until then it reports `warn`. */
  readonly failureThreshold: number
  /** Consecutive runs that did not fail before a failing check reports their status. */
  readonly successThreshold: number
}

/** What `add()` options default to, and which probes may be named. */
export interface SpecDefaults {
  readonly timeout: number
  readonly cacheTtl: number
  readonly probes: readonly string[]
}

// The first parameter of a function's source: `(done) =>`, `done =>`, `function (done, …) {`, `async (done) =>`.
const FIRST_PARAMETER = /^(?:async\s*)?(?:function\b[^(]*)?\(?\s*([A-Za-z_$][\w$]*)\s*(?:,[^)]*)?\)?\s*(?:=>|\{)/

/**
 * A check written in the callback style (`(done) => { …; done() }`) would
 * call the context, which is no function: it would throw, or pass before it
 * ran. Such a check names its first parameter and calls it.
 */
function callbackStyle (check: (...args: never[]) => unknown): boolean {
  if (guarded(() => check.length > 1, false)) return true
  const source = guarded(() => Function.prototype.toString.call(check), '')
  const match = FIRST_PARAMETER.exec(source)
  if (match === null || match[1] === 'async' || match[1] === 'function') return false
  const parameter = match[1].replace(/\$/g, '\\$')
  return new RegExp(`(?<![\\w$.])${parameter}\\s*\\(`).test(source.slice(match[0].length))
}

function invalidOption (name: string, message: string): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_OPTION', `add("${name}"): ${message}`)
}

function threshold (name: string, key: string, value: unknown): number {
  if (value === undefined) return 1
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THRESHOLD) {
    throw invalidOption(name, `option "${key}" must be an integer from 1 to ${MAX_THRESHOLD}, got ${describe(value)}`)
  }
  return value
}

function probesOf (name: string, probes: unknown, served: readonly string[]): readonly string[] {
  if (probes === undefined) return ['ready']
  if (!Array.isArray(probes) || probes.length === 0) {
    throw invalidOption(name, `option "probes" must be a non-empty array of probe names, got ${describe(probes)}`)
  }
  for (const probe of probes) {
    if (!served.includes(probe)) {
      throw new HealthzConfigError('FST_HEALTHZ_UNKNOWN_PROBE', `add("${name}"): probe ${describe(probe)} is not served (probes: ${served.join(', ')}; declare others with the "customProbes" option)`)
    }
  }
  return Object.freeze([...new Set<string>(probes)])
}

/** Validates the arguments of `add()` at once and returns the frozen spec; throws a `HealthzConfigError` naming what is wrong. */
export function checkSpec (name: unknown, check: unknown, options: unknown, defaults: SpecDefaults): CheckSpec {
  if (!isCheckName(name)) {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_NAME', `check name must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter, digit or "_", got ${describe(name)}`)
  }
  if (typeof check !== 'function') {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK', `add("${name}"): the check must be a function, got ${describe(check)}`)
  }
  if (callbackStyle(check as (...args: never[]) => unknown)) {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK', `add("${name}"): the check looks written for a callback (${describe(check)}), but checks receive a context ({ signal, log }), never a callback: return a promise, or throw to fail`)
  }
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidOption(name, `options must be an object, got ${describe(options)}`)
  for (const key of Object.keys(options)) {
    if (!ADD_OPTIONS.has(key)) throw invalidOption(name, `unknown option "${key}" (known: ${[...ADD_OPTIONS].join(', ')})`)
  }
  const given = options as Record<string, unknown>
  const critical = given.critical ?? true
  if (typeof critical !== 'boolean') throw invalidOption(name, `option "critical" must be a boolean, got ${describe(critical)}`)
  const label = `add("${name}"): option`
  const interval = given.interval === undefined ? 0 : milliseconds(given.interval, `${label} "interval"`, 1, 'FST_HEALTHZ_INVALID_CHECK_OPTION')
  if (interval > 0 && given.cacheTtl !== undefined) {
    throw invalidOption(name, 'options "interval" and "cacheTtl" exclude each other: a background check is only ever read from its last result')
  }
  return Object.freeze({
    name,
    check: check as HealthCheck,
    probes: probesOf(name, given.probes, defaults.probes),
    timeout: milliseconds(given.timeout ?? defaults.timeout, `${label} "timeout"`, 1, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
    cacheTtl: milliseconds(given.cacheTtl ?? defaults.cacheTtl, `${label} "cacheTtl"`, 0, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
    critical,
    interval,
    failureThreshold: threshold(name, 'failureThreshold', given.failureThreshold),
    successThreshold: threshold(name, 'successThreshold', given.successThreshold)
  })
}
