import { constants } from 'node:os'
import type { LogLevel } from 'fastify'
import { describe, HealthzConfigError, type HealthzErrorCode } from './errors.js'
import type { DetailsOption, HealthCheck, HealthzInfo, HealthzOpenApiOptions, HealthzOptions, ProbeListenOptions, ProbeName } from './types.js'

const BUILTIN_PROBES: readonly ProbeName[] = ['live', 'ready', 'startup']

/** Probe names at run time: validated strings, typed as `ProbeName` only at the public API. */
type Probe = string
const DEFAULT_PREFIX = '/healthz'
/** Leaves room for the network and the response inside the kubelet's default `timeoutSeconds: 1`. */
const DEFAULT_TIMEOUT = 500
/** setTimeout's largest delay. */
const MAX_MS = 2 ** 31 - 1

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
/**
 * Names that Fastify and its tools put into a plugin's options, ignored rather
 * than rejected as unknown: Fastify's server options, which fastify-cli's
 * `-o` passes to the app and apps pass on (often through @fastify/autoload's
 * `options`), and fastify-cli's `skipOverride`. Fastify's own register options
 * (`prefix`, `logLevel`, `logSerializers`) are known options of the plugin.
 */
const PASSED_THROUGH = new Set([
  'skipOverride', 'http', 'http2', 'https', 'http2SessionTimeout', 'connectionTimeout', 'keepAliveTimeout', 'maxRequestsPerSocket',
  'forceCloseConnections', 'requestTimeout', 'handlerTimeout', 'pluginTimeout', 'bodyLimit', 'maxParamLength', 'disableRequestLogging',
  'logController', 'exposeHeadRoutes', 'onProtoPoisoning', 'onConstructorPoisoning', 'logger', 'loggerInstance', 'serializerOpts',
  'serverFactory', 'caseSensitive', 'allowUnsafeRegex', 'requestIdHeader', 'requestIdLogLabel', 'useSemicolonDelimiter', 'genReqId',
  'trustProxy', 'querystringParser', 'constraints', 'schemaController', 'return503OnClosing', 'ajv', 'frameworkErrors', 'rewriteUrl',
  'schemaErrorFormatter', 'clientErrorHandler', 'childLoggerFactory', 'allowErrorHandlerOverride', 'routerOptions', 'ignoreTrailingSlash',
  'ignoreDuplicateSlashes'
])
/** Whether a key of a plugin's options is one that Fastify or its tools put there (see `PASSED_THROUGH`), to be ignored. */
export function isPassedThrough (key: string): boolean {
  return PASSED_THROUGH.has(key)
}
const KNOWN_OPTIONS = new Set(['prefix', 'checks', 'customProbes', 'timeout', 'cacheTtl', 'logLevel', 'drainDelay', 'signals', 'closeTimeout', 'forceExit', 'listen', 'details', 'info', 'openapi', 'logSerializers'])
// SIGKILL and SIGSTOP cannot be handled.
const SIGNALS = new Set(Object.keys(constants.signals).filter((name) => name !== 'SIGKILL' && name !== 'SIGSTOP'))
const PREFIX = /^(?:\/[\w.~-]+)+$/
/** A `.` or `..` segment: URL-normalising clients resolve it away and never reach the probes. */
const DOT_SEGMENT = /\/\.{1,2}(?=\/|$)/
/** Far below any server's header limit: a longer prefix is a mistake, and at ~16 KiB every probe answers 431. */
const MAX_PREFIX = 256
const PROBE_NAME = /^[a-z][a-z0-9_-]{0,31}$/
const INFO_KEYS = ['version', 'releaseId', 'serviceId', 'description'] as const
/** The longest `info` field and OpenAPI tag: a version, an id, a sentence. */
const MAX_INFO = 256
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/
const OPENAPI_DEFAULTS = Object.freeze({ tag: 'health', hide: false })
const CHECK_NAME = /^[\w][\w.-]{0,63}$/

/** A check declared in the `checks` option, ready for `add()`. */
export interface DeclaredCheck {
  name: string
  probe: Probe
  check: HealthCheck
}

/** Registration options after validation and defaults. */
export interface Settings {
  prefix: string
  probes: readonly Probe[]
  timeout: number
  cacheTtl: number
  logLevel: LogLevel
  checks: readonly DeclaredCheck[]
  drainDelay: number
  signals: readonly NodeJS.Signals[]
  /** 0: no timeout. */
  closeTimeout: number
  forceExit: boolean
  listen: Required<ProbeListenOptions> | undefined
  details: DetailsOption
  /** Only the fields that were given. */
  info: Readonly<HealthzInfo> | undefined
  openapi: Readonly<Required<HealthzOpenApiOptions>>
}

function invalid (option: string, expected: string, value: unknown): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `option "${option}" must be ${expected}, got ${describe(value)}`)
}

/** Validates a duration in milliseconds, for registration options and `add()` options alike. */
export function milliseconds (value: unknown, label: string, min: number, code: HealthzErrorCode): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_MS) {
    throw new HealthzConfigError(code, `${label} must be an integer number of milliseconds from ${min} to ${MAX_MS}, got ${describe(value)}`)
  }
  return value
}

export function isCheckName (name: unknown): name is string {
  return typeof name === 'string' && CHECK_NAME.test(name)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function customProbes (value: unknown): Probe[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalid('customProbes', 'an array of probe names', value)
  const seen = new Set<string>(BUILTIN_PROBES)
  for (const name of value) {
    if (typeof name !== 'string' || !PROBE_NAME.test(name)) {
      throw invalid('customProbes', 'names of 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter', name)
    }
    if (seen.has(name)) throw invalid('customProbes', 'new, distinct probe names (live, ready and startup are always served)', name)
    seen.add(name)
  }
  return value
}

function signals (value: unknown): NodeJS.Signals[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalid('signals', 'an array of signal names such as ["SIGTERM", "SIGINT"]', value)
  for (const name of value) {
    if (typeof name !== 'string' || !SIGNALS.has(name)) throw invalid('signals', 'signal names that a process can handle, such as "SIGTERM"', name)
  }
  return [...new Set(value as NodeJS.Signals[])]
}

function listenOption (value: unknown): Required<ProbeListenOptions> | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw invalid('listen', 'an object such as { port: 9000, host: "0.0.0.0" }', value)
  for (const key of Object.keys(value)) {
    if (key !== 'port' && key !== 'host') throw invalid('listen', 'an object with "port" and optionally "host"', value)
  }
  const { port, host = '0.0.0.0' } = value
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw invalid('listen.port', 'an integer from 0 to 65535', port)
  if (typeof host !== 'string' || host === '') throw invalid('listen.host', 'a host name or address', host)
  return { port, host }
}

function detailsOption (value: unknown): DetailsOption {
  if (value === undefined) return 'never'
  if (value === 'never' || value === 'always' || typeof value === 'function') return value as DetailsOption
  throw invalid('details', '"never", "always" or a function of the request', value)
}

/** A one-line string of 1 to 256 characters: it is written into text answers as one line. */
function shortText (value: unknown, option: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_INFO || CONTROL.test(value)) {
    throw invalid(option, `a string of 1 to ${MAX_INFO} characters without control characters (line breaks, tabs)`, value)
  }
  return value
}

function infoOption (value: unknown): Readonly<HealthzInfo> | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw invalid('info', 'an object such as { version: "1.4.2", serviceId: "orders" }', value)
  const info: HealthzInfo = {}
  for (const key of Object.keys(value)) {
    if (!(INFO_KEYS as readonly string[]).includes(key)) throw invalid('info', `an object with any of ${INFO_KEYS.join(', ')} (unknown key "${key}")`, value)
  }
  for (const key of INFO_KEYS) {
    if (value[key] !== undefined) info[key] = shortText(value[key], `info.${key}`)
  }
  return Object.freeze(info)
}

function openapiOption (value: unknown): Readonly<Required<HealthzOpenApiOptions>> {
  if (value === undefined) return OPENAPI_DEFAULTS
  if (!isPlainObject(value)) throw invalid('openapi', 'an object such as { tag: "health", hide: false }', value)
  for (const key of Object.keys(value)) {
    if (key !== 'tag' && key !== 'hide') throw invalid('openapi', `an object with "tag" and "hide" (unknown key "${key}")`, value)
  }
  const { tag = OPENAPI_DEFAULTS.tag, hide = false } = value
  if (typeof hide !== 'boolean') throw invalid('openapi.hide', 'a boolean', hide)
  return Object.freeze({ tag: shortText(tag, 'openapi.tag'), hide })
}

function declaredChecks (value: unknown, probes: readonly Probe[]): DeclaredCheck[] {
  if (value === undefined) return []
  if (!isPlainObject(value)) throw invalid('checks', 'an object of checks per probe', value)
  const out: DeclaredCheck[] = []
  for (const [probe, entry] of Object.entries(value)) {
    if (!probes.includes(probe)) {
      throw new HealthzConfigError('FST_HEALTHZ_UNKNOWN_PROBE', `option "checks" names probe "${probe}", which is not served (probes: ${probes.join(', ')}; declare others with "customProbes")`)
    }
    const where = `checks.${probe}`
    if (typeof entry === 'function') {
      out.push({ name: probe, probe, check: entry as HealthCheck })
    } else if (Array.isArray(entry)) {
      entry.forEach((check, i) => out.push({ name: `${probe}-${i + 1}`, probe, check }))
    } else if (isPlainObject(entry)) {
      for (const [name, check] of Object.entries(entry)) out.push({ name, probe, check: check as HealthCheck })
    } else {
      throw invalid(where, 'a function, an array of functions or an object of named functions', entry)
    }
  }
  return out
}

/** Validates the registration options once and fills in the defaults. */
export function resolveOptions (options: HealthzOptions): Settings {
  if (!isPlainObject(options)) throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `options must be an object, got ${describe(options)}`)
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key) && !isPassedThrough(key)) {
      throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `unknown option "${key}" (known: ${[...KNOWN_OPTIONS].slice(0, -1).join(', ')})`)
    }
  }

  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalid('prefix', 'a path such as "/healthz": one or more "/segment" of letters, digits, ".", "_", "~" or "-", with no trailing slash', prefix)
  }
  if (DOT_SEGMENT.test(prefix)) {
    throw invalid('prefix', 'a path without "." or ".." segments, which clients resolve away before sending (so they would never reach the probes)', prefix)
  }
  if (prefix.length > MAX_PREFIX) {
    throw invalid('prefix', `at most ${MAX_PREFIX} characters long`, prefix)
  }

  const logLevel: unknown = options.logLevel ?? 'silent'
  if (typeof logLevel !== 'string' || !LOG_LEVELS.has(logLevel)) {
    throw invalid('logLevel', `one of ${[...LOG_LEVELS].join(', ')}`, logLevel)
  }

  const probes: Probe[] = [...BUILTIN_PROBES, ...customProbes(options.customProbes)]
  const forceExit = options.forceExit ?? false
  if (typeof forceExit !== 'boolean') throw invalid('forceExit', 'a boolean', forceExit)
  const handled = signals(options.signals)
  if (handled.length === 0 && (options.closeTimeout !== undefined || options.forceExit !== undefined)) {
    throw invalid(options.closeTimeout !== undefined ? 'closeTimeout' : 'forceExit', 'used with the "signals" option, which it applies to; set "signals" too', options.closeTimeout ?? options.forceExit)
  }
  return {
    prefix,
    probes,
    timeout: milliseconds(options.timeout ?? DEFAULT_TIMEOUT, 'option "timeout"', 1, 'FST_HEALTHZ_INVALID_OPTION'),
    cacheTtl: milliseconds(options.cacheTtl ?? 0, 'option "cacheTtl"', 0, 'FST_HEALTHZ_INVALID_OPTION'),
    logLevel: logLevel as LogLevel,
    checks: declaredChecks(options.checks, probes),
    drainDelay: milliseconds(options.drainDelay ?? 0, 'option "drainDelay"', 0, 'FST_HEALTHZ_INVALID_OPTION'),
    signals: handled,
    closeTimeout: options.closeTimeout === undefined ? 0 : milliseconds(options.closeTimeout, 'option "closeTimeout"', 1, 'FST_HEALTHZ_INVALID_OPTION'),
    forceExit,
    listen: listenOption(options.listen),
    details: detailsOption(options.details),
    info: infoOption(options.info),
    openapi: openapiOption(options.openapi)
  }
}
