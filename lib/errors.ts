import { inspect } from 'node:util'

// Brands shared by every copy of the package loaded in a process (its ESM and
// CommonJS builds, or two versions): `instanceof` alone fails across copies.
const HEALTH_ERROR = Symbol.for('fastify-healthz.HealthError')
const CONFIG_ERROR = Symbol.for('fastify-healthz.HealthzConfigError')

function hasBrand (value: unknown, brand: symbol): boolean {
  if (value === null || typeof value !== 'object') return false
  try {
    return (value as Record<symbol, unknown>)[brand] === true
  } catch {
    return false
  }
}

/**
 * `instanceof` for the base class recognises instances from any copy of the
 * package by their brand; subclasses keep the ordinary prototype test.
 */
function brandedInstanceOf (base: object, brand: symbol) {
  return function (this: object, value: unknown): boolean {
    if (this === base) return hasBrand(value, brand)
    try {
      return Function.prototype[Symbol.hasInstance].call(this, value)
    } catch {
      return false
    }
  }
}

/**
 * Thrown by a check to fail with a message that is safe to show: the message
 * appears in probe responses, while any other error's text is withheld.
 */
export class HealthError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HealthError'
  }
}
Object.defineProperty(HealthError.prototype, HEALTH_ERROR, { value: true })
Object.defineProperty(HealthError, Symbol.hasInstance, { value: brandedInstanceOf(HealthError, HEALTH_ERROR) })

/** Whether a value is a `HealthError` of any copy of the package; never throws. */
export function isHealthError (value: unknown): boolean {
  return hasBrand(value, HEALTH_ERROR)
}

/** The codes of the errors thrown at registration and by `fastify.healthz.add()`. */
export const errorCodes = {
  /** A registration option has a bad value. */
  FST_HEALTHZ_INVALID_OPTION: 'FST_HEALTHZ_INVALID_OPTION',
  /** A check name is not a string of 1 to 64 letters, digits, `.`, `_` or `-`. */
  FST_HEALTHZ_INVALID_CHECK_NAME: 'FST_HEALTHZ_INVALID_CHECK_NAME',
  /** A check is not a function. */
  FST_HEALTHZ_INVALID_CHECK: 'FST_HEALTHZ_INVALID_CHECK',
  /** An option of `add()` has a bad value. */
  FST_HEALTHZ_INVALID_CHECK_OPTION: 'FST_HEALTHZ_INVALID_CHECK_OPTION',
  /** A check of that name is already registered. */
  FST_HEALTHZ_DUPLICATE_CHECK: 'FST_HEALTHZ_DUPLICATE_CHECK',
  /** A probe that the plugin does not serve. */
  FST_HEALTHZ_UNKNOWN_PROBE: 'FST_HEALTHZ_UNKNOWN_PROBE',
  /** A reason given to `markNotReady()` or `markReady()` is not a string of 1 to 256 characters. */
  FST_HEALTHZ_INVALID_REASON: 'FST_HEALTHZ_INVALID_REASON',
  /** The plugin is registered a second time on an instance that has it already. */
  FST_HEALTHZ_ALREADY_REGISTERED: 'FST_HEALTHZ_ALREADY_REGISTERED',
  /** An argument or option of a ready-made check factory (`fastify-healthz/checks`) has a bad value. */
  FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION',
  /** A metrics plugin (`fastify-healthz/metrics`) is registered on an instance without `fastify-healthz`. */
  FST_HEALTHZ_NOT_REGISTERED: 'FST_HEALTHZ_NOT_REGISTERED',
  /** An optional peer dependency that a metrics plugin needs (`prom-client`, `@opentelemetry/api`) is not installed. */
  FST_HEALTHZ_MISSING_DEPENDENCY: 'FST_HEALTHZ_MISSING_DEPENDENCY',
  /** A metric name of `healthzPrometheus` is taken in its registry already. */
  FST_HEALTHZ_DUPLICATE_METRIC: 'FST_HEALTHZ_DUPLICATE_METRIC'
} as const

export type HealthzErrorCode = keyof typeof errorCodes

/** A configuration mistake, thrown at once so that it never becomes a broken probe later. */
export class HealthzConfigError extends TypeError {
  readonly code: HealthzErrorCode

  constructor (code: HealthzErrorCode, message: string) {
    super(`fastify-healthz: ${message}`)
    this.name = 'HealthzConfigError'
    this.code = code
  }
}
Object.defineProperty(HealthzConfigError.prototype, CONFIG_ERROR, { value: true })
Object.defineProperty(HealthzConfigError, Symbol.hasInstance, { value: brandedInstanceOf(HealthzConfigError, CONFIG_ERROR) })

/** A short, single-line rendering of a value for error messages. */
export function describe (value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`
  const text = inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 60 })
  return text.length > 100 ? `${text.slice(0, 99)}…` : text
}
