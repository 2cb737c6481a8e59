import { describe, HealthError, HealthzConfigError } from '../errors.js'
import { guarded } from '../inspect.js'

/** Throws the registration error of a factory option. */
export function invalid (factory: string, message: string): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', `${factory}(): ${message}`)
}

/**
 * A wrong client argument, described without its contents: a string may be a
 * connection URL and an object a configuration, either with a password in it.
 */
export function describeClient (value: unknown): string {
  if (typeof value === 'string') return 'a string (pass the client itself, not its URL)'
  if (typeof value === 'function' || value === null || typeof value !== 'object') return describe(value)
  const name = guarded(() => (value as { constructor?: { name?: unknown } }).constructor?.name, undefined)
  return typeof name === 'string' && name !== '' ? `an object (${name})` : 'an object'
}

/** A validator of one option: returns nothing, or what is wrong with the value. */
export type Rule = (value: unknown) => string | undefined

/**
 * Validates a factory's options object at once: an object (or undefined), no
 * unknown key, and every present key passing its rule.
 */
export function checkOptions (factory: string, options: unknown, rules: Readonly<Record<string, Rule>>, secret: readonly string[] = []): Record<string, unknown> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    // A string here is likely a connection URL passed in the wrong place: named by its type only.
    throw invalid(factory, `options must be an object, got ${typeof options === 'string' ? 'a string' : describe(options)}`)
  }
  const known = Object.keys(rules)
  for (const [key, value] of Object.entries(options)) {
    const rule = rules[key]
    if (rule === undefined || !Object.hasOwn(rules, key)) throw invalid(factory, `unknown option "${key}" (known: ${known.join(', ')})`)
    if (value === undefined) continue
    const wrong = rule(value)
    if (wrong !== undefined) throw invalid(factory, `option "${key}" must be ${wrong}${secret.includes(key) ? '' : `, got ${describe(value)}`}`)
  }
  return options as Record<string, unknown>
}

/** Milliseconds: an integer from `min` to 2^31 - 1. */
export const ms = (min: number): Rule => (value) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= 2147483647 ? undefined : `an integer of milliseconds from ${min} to 2147483647`

/**
 * The cause of a ready-made check's failure. Its message is only the error's
 * class and code (safe to show where `details` allows error texts); the
 * client's own error, whose text may carry hosts and user names, is its
 * `cause`, which the log shows and responses never do.
 */
export class DependencyError extends Error {
  constructor (message: string, options: ErrorOptions) {
    super(message, options)
    this.name = 'DependencyError'
  }
}

const CODE = /^[A-Za-z0-9_.-]{1,48}$/

/** An error's code, when it looks like one (`ECONNREFUSED`, `28P01`, `ER_ACCESS_DENIED_ERROR`); a nested `cause` is searched too. */
export function codeOf (error: unknown): string | undefined {
  for (let depth = 0; depth < 4 && error !== null && typeof error === 'object'; depth++) {
    const { code, errors } = error as { code?: unknown, errors?: unknown }
    if (typeof code === 'string' && CODE.test(code)) return code
    // Node's net errors for a host with several addresses come as an AggregateError.
    if (Array.isArray(errors) && errors.length > 0) error = errors[0]
    else error = (error as { cause?: unknown }).cause
  }
  return undefined
}

/** The failure classes of the network errors all clients share. */
const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection reset',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out'
}

/**
 * The error to throw for a failed dependency: `<kind>: <class>` is public; its
 * cause names only the error's code; the client's error is the cause's cause.
 * `classes` maps the client's own codes to failure classes; `fallback` is the
 * class of everything else.
 */
export function failure (kind: string, error: unknown, classes: Readonly<Record<string, string>>, fallback: string, code = codeOf(error)): HealthError {
  const failureClass = code === undefined ? fallback : (own(classes, code) ?? own(NETWORK, code) ?? fallback)
  return new HealthError(`${kind}: ${failureClass}`, { cause: dependencyError(error, code) })
}

/** A table's own entry: a code such as `constructor` must not find the object's prototype. */
function own (table: Readonly<Record<string, string>>, code: string): string | undefined {
  return Object.hasOwn(table, code) ? table[code] : undefined
}

/** The `DependencyError` of a client's error: its class and code only, the error itself as its cause. */
export function dependencyError (error: unknown, code = codeOf(error)): DependencyError {
  const name = error instanceof Error && CODE.test(error.name) ? error.name : typeof error
  return new DependencyError(code === undefined ? name : `${name} ${code}`, { cause: error })
}

/**
 * The check, one call at a time: while a call has not settled, later calls get
 * its promise. The plugin never starts a run of a check whose last run still
 * hangs, but it knows checks by name: the same check added under two names, or
 * removed and added again while its dependency hangs, would otherwise send the
 * hung dependency a second command and hold a second connection.
 */
export function oneAtATime (run: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined
  const settled = (): void => { pending = undefined }
  return () => {
    if (pending !== undefined) return pending
    const started = run()
    pending = started
    started.then(settled, settled)
    return started
  }
}

/** Whether a value is an object (or a function) with a method of that name. */
export function hasMethod (value: unknown, name: string): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Record<string, unknown>)[name] === 'function'
}
