import type { Server } from 'node:http'
import type { FastifyBaseLogger, FastifyRequest, LogLevel } from 'fastify'

/**
 * The probes a registry serves. Extend it by declaration merging to type the
 * custom probes declared with the `customProbes` option:
 *
 * ```ts
 * declare module 'fastify-healthz' {
 *   interface HealthzProbes { deep: true }
 * }
 * ```
 */
export interface HealthzProbes {
  live: true
  ready: true
  startup: true
}

/** `'live' | 'ready' | 'startup'` plus every custom probe declared in {@link HealthzProbes}. */
export type ProbeName = keyof HealthzProbes & string

/** The probe names the plugin always serves. */
export type BuiltinProbeName = 'live' | 'ready' | 'startup'

/** Probe names added by declaration merging; `never` until one is declared. */
export type CustomProbeName = Exclude<ProbeName, BuiltinProbeName>

/** What a check receives on every run. */
export interface HealthCheckContext {
  /** Aborted when the run times out or the server closes: pass it on to clients that take one. */
  signal: AbortSignal
  /** The app's logger, bound to the check's name. */
  log: FastifyBaseLogger
}

/**
 * What a check may return. Returning nothing, `true` (or any value that is not
 * one of these objects) passes; `{ status: 'warn' }` warns without failing the
 * probe; `{ status: 'fail' }` and `false` fail. Throwing fails too: a
 * `HealthError` message is public, the text of anything else is withheld.
 */
export interface HealthCheckResult {
  status: 'pass' | 'warn' | 'fail'
  /** Public text shown in the response: never put secrets here. */
  output?: string
}

/** A health check: resolve (or return) to pass, throw (or reject) to fail. It receives a context, never a callback. */
export type HealthCheck = (context: HealthCheckContext) => void | boolean | HealthCheckResult | PromiseLike<void | boolean | HealthCheckResult>

/** Options of `fastify.healthz.add()`. */
export interface AddCheckOptions {
  /** The probes that run this check. Default `['ready']`. */
  probes?: readonly ProbeName[]
  /** Milliseconds before the run fails with `timed out after N ms`. Default: the plugin's `timeout`. */
  timeout?: number
  /** Milliseconds to reuse the last result. Default: the plugin's `cacheTtl` (0, no caching). */
  cacheTtl?: number
  /** When false, a failure reports `warn` and the probe stays 200. Default true. */
  critical?: boolean
  /**
   * Milliseconds between background runs. The check then runs on its own timer
   * from when the app is ready until it closes, and probes only read its last
   * result (failing, shown as pending, until the first one). Default: none.
   */
  interval?: number
  /**
   * Consecutive failed runs before a check that did not fail reports `fail`
   * (an integer from 1 to 100). In between it reports `warn` with the newest
   * output, so the probe stays up but shows it. Default 1.
   */
  failureThreshold?: number
  /** Consecutive runs that did not fail before a failing check stops reporting `fail` (an integer from 1 to 100). Default 1. */
  successThreshold?: number
}

/** Checks declared at registration: per probe, a function, an array of functions or an object of named functions. */
export type ChecksOption = {
  [P in ProbeName]?: HealthCheck | readonly HealthCheck[] | Readonly<Record<string, HealthCheck>>
}

/** Registration options of the plugin. */
export interface HealthzOptions {
  /** Path under which the probes are served. Default `'/healthz'`. */
  prefix?: string
  /** Checks to add at registration, per probe (like flask-healthz's `HEALTHZ` setting). */
  checks?: ChecksOption
  /** Names of the custom probes to serve besides live, ready and startup. */
  customProbes?: readonly CustomProbeName[]
  /** Default per-check timeout in milliseconds. Default 500. */
  timeout?: number
  /** Default `cacheTtl` of checks in milliseconds. Default 0. */
  cacheTtl?: number
  /** Log level of the probe routes. Default `'silent'`: probes write no request logs. */
  logLevel?: LogLevel
  /** Milliseconds `drain()` keeps serving with readiness failing before it resolves. Default 0. */
  drainDelay?: number
  /** Signals on which the plugin drains and closes the app itself, such as `['SIGTERM', 'SIGINT']`. Default none. */
  signals?: readonly NodeJS.Signals[]
  /** With `signals`: milliseconds after the first signal at which the plugin stops waiting and closes at once. Default none. */
  closeTimeout?: number
  /** With `signals`: call `process.exit()` once closed (code 0, or 1 when the close was forced or failed). Default false. */
  forceExit?: boolean
  /**
   * Serve the probes from a separate minimal server on this port instead of
   * the app's, outside the app's hooks. `host` defaults to `'0.0.0.0'`, which
   * the kubelet can reach.
   */
  listen?: ProbeListenOptions
  /**
   * Whether a verbose report may show the text of errors that checks threw
   * (never their stacks): `'never'` (the default), `'always'`, or a function
   * of the request. Public outputs are always shown.
   */
  details?: DetailsOption
  /**
   * What the service says of itself, each a string of 1 to 256 characters:
   * the top-level fields of `application/health+json` answers, and `version`
   * also in verbose JSON and text answers.
   */
  info?: HealthzInfo
  /** How the probe routes appear in an OpenAPI document (`@fastify/swagger`, `healthzOpenApiPaths()`). */
  openapi?: HealthzOpenApiOptions
}

/** The service's own fields of `application/health+json` (draft-inadarei-api-health-check). */
export interface HealthzInfo {
  /** Public version of the service; also a `version` field in verbose JSON and a `version:` line in verbose text. */
  version?: string
  /** Release identifier, which changes more often than the public version. */
  releaseId?: string
  /** Unique identifier of the service, in the application's scope. */
  serviceId?: string
  /** Human-friendly description of the service. */
  description?: string
}

/** How the probe routes appear in an OpenAPI document. */
export interface HealthzOpenApiOptions {
  /** The tag of every probe route. Default `'health'`. */
  tag?: string
  /** Leave the probe routes out of the document (`schema.hide`). Default false. */
  hide?: boolean
}

/** Where the dedicated probe server listens. */
export interface ProbeListenOptions {
  port: number
  host?: string
}

/** Decides per request whether a verbose report may show error texts. */
export type DetailsOption = 'never' | 'always' | ((request: FastifyRequest) => boolean | Promise<boolean>)

export type CheckStatus = 'pass' | 'warn' | 'fail'

/** One check in a report. */
export interface CheckReport {
  status: CheckStatus
  /** Public output: a `HealthError` message, a warn output or a timeout. */
  output?: string
  /** Verbose only: how long the run that produced this result took. */
  durationMs?: number
  /** Verbose only: whether the result was reused rather than produced for this request. */
  cached?: boolean
  /** Verbose only: whether a failure of this check fails the probe. */
  critical?: boolean
  /** Verbose only: the check runs on its own timer (`interval`), not per probe. */
  background?: boolean
  /** Verbose only: when the check's reported status last changed (ISO 8601), so an operator sees how long it has been so. */
  since?: string
  /** Verbose only, and only where `details` allows it: the text (never the stack) of what the check threw. */
  error?: string
}

/** Where the app is in its life: before `ready`, serving, after `drain()`, after `close()` began. */
export type LifecyclePhase = 'starting' | 'serving' | 'draining' | 'closing'

/** The lifecycle state shown by verbose reports. */
export interface LifecycleReport {
  phase: LifecyclePhase
  /** The startup probe has passed once, and passes from then on. */
  started: boolean
  /** The reasons given to `markNotReady()` that still hold. */
  notReady?: string[]
}

/**
 * A probe's report: exactly the body the route serves. `checks` lists the
 * failing and warning checks, or every check when verbose.
 */
export interface HealthReport {
  status: 200 | 503
  title: string
  /** Why readiness fails regardless of its checks: shutting down, or the reasons given to `markNotReady()`. */
  detail?: string
  /** Verbose only: the `info` option's `version`. */
  version?: string
  checks?: Record<string, CheckReport>
  /** Verbose only. */
  lifecycle?: LifecycleReport
}

/** One check in an `application/health+json` answer: the last run of the check. */
export interface HealthJsonCheck {
  status: CheckStatus
  /** How long the run took, in `observedUnit`; absent for a check that has no result yet. */
  observedValue?: number
  observedUnit?: 'ms'
  /** When the result settled, as an ISO 8601 date-time. */
  time?: string
  /** Public output of a failing or warning check (omitted for passing ones, as the draft says). */
  output?: string
  /** Verbose only, and only where `details` allows it: the text of what the check threw. */
  error?: string
}

/**
 * An `application/health+json` answer (draft-inadarei-api-health-check):
 * `checks` are keyed `<check>:responseTime`, each a one-element array.
 */
export interface HealthJsonReport {
  status: CheckStatus
  version?: string
  releaseId?: string
  /** Why checks are left out, or why startup passes although a check fails. */
  notes?: string[]
  /** Why readiness fails regardless of its checks: shutting down, not listening, or the reasons given to `markNotReady()`. */
  output?: string
  serviceId?: string
  description?: string
  checks?: Record<string, HealthJsonCheck[]>
}

/** A JSON Schema as OpenAPI 3.0 reads it (`enum` for `const`, `additionalProperties` for `patternProperties`); valid in 3.1 too. */
export type OpenApiSchema = OpenApiArraySchema | OpenApiNonArraySchema

export interface OpenApiArraySchema {
  type: 'array'
  items: OpenApiSchema
  description?: string
}

export interface OpenApiNonArraySchema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean'
  description?: string
  enum?: Array<string | number>
  anyOf?: OpenApiSchema[]
  required?: string[]
  properties?: Record<string, OpenApiSchema>
  additionalProperties?: OpenApiSchema
}

/** An OpenAPI 3 parameter of a probe route: `verbose`, `exclude` or the `check` of a per-check route. */
export interface OpenApiParameter {
  name: string
  in: 'query' | 'path'
  required: boolean
  description: string
  schema: OpenApiSchema
  style?: 'form'
  explode?: boolean
}

/** An OpenAPI 3 response of a probe route: every content type it may answer in. */
export interface OpenApiResponse {
  description: string
  headers: Record<string, { description: string, schema: OpenApiSchema }>
  content: Record<string, { schema: OpenApiSchema }>
}

/** The OpenAPI 3 operation of a probe route. */
export interface OpenApiOperation {
  summary: string
  description: string
  tags: string[]
  parameters: OpenApiParameter[]
  responses: Record<string, OpenApiResponse>
}

/** Where probes served on the dedicated port (the `listen` option) are reached. */
export interface OpenApiServer {
  url: string
  description: string
  variables: Record<string, { default: string, description: string }>
}

/** An OpenAPI 3 path item of a probe route: `servers` only with the `listen` option. */
export interface OpenApiPathItem {
  servers?: OpenApiServer[]
  get: OpenApiOperation
}

/** What `healthzOpenApiPaths()` returns: OpenAPI 3 `paths`, keyed by path (`/healthz/ready/{check}`). */
export type HealthzOpenApiPaths = Record<string, OpenApiPathItem>

/** Options of `fastify.healthz.run()`. */
export interface RunOptions {
  /** List every check, as `?verbose` does. Default false. */
  verbose?: boolean
  /** A check name, or names, to skip, as `?exclude=` does. */
  exclude?: string | Iterable<string>
  /** With `verbose`: show the text of errors that checks threw. Default false. */
  details?: boolean
}

/** The check registry, decorated on the Fastify instance as `fastify.healthz`. */
/** A check's reported status changed: its first result (from `pending`), a failure, a recovery. */
export interface HealthzCheckChange {
  readonly type: 'check'
  readonly check: string
  /** The probes that run the check. */
  readonly probes: readonly ProbeName[]
  readonly from: CheckStatus | 'pending'
  readonly to: CheckStatus
  /** The public output of the result that made the change. */
  readonly output: string | undefined
  /** What the check threw: withheld from responses, given to the app's own code. */
  readonly error: unknown
  /** Milliseconds since the epoch. */
  readonly at: number
}

/** A probe's status changed: from its checks' last results, or from the lifecycle (drain, close, `markNotReady()`). */
export interface HealthzProbeChange {
  readonly type: 'probe'
  readonly probe: ProbeName
  readonly from: CheckStatus
  readonly to: CheckStatus
  /** Milliseconds since the epoch. */
  readonly at: number
}

export type HealthzChange = HealthzCheckChange | HealthzProbeChange

/** Hears changes; one that throws or rejects is logged and keeps no one else from hearing. */
export type HealthzChangeListener = (change: HealthzChange) => void | Promise<void>

export interface HealthzRegistry {
  /** Adds a check. Throws at once on a bad name, a duplicate, a probe not served or a bad option. */
  add(name: string, check: HealthCheck, options?: AddCheckOptions): HealthzRegistry
  /** Removes a check; false when there was none of that name. */
  remove(name: string): boolean
  /** Whether a check of that name is registered. */
  has(name: string): boolean
  /** Runs a probe as its route does and resolves to the same report. */
  run(probe: ProbeName, options?: RunOptions): Promise<HealthReport>
  /** The probes this registry serves. */
  readonly probes: readonly ProbeName[]
  /**
   * Starts the shutdown: readiness answers 503 at once while liveness, startup
   * and all other routes keep working; resolves after the `drainDelay` option.
   * Then call `fastify.close()`. Calling it again returns the same promise.
   */
  drain(): Promise<void>
  /** Marks the app not ready for this reason (shown in readiness) until `markReady(reason)`. */
  markNotReady(reason: string): void
  /** Withdraws one reason given to `markNotReady()`, or all of them when called without one. */
  markReady(reason?: string): void
  /** The dedicated probe server of the `listen` option, once it listens; undefined otherwise. */
  readonly server: Server | undefined
  /**
   * Calls `listener` on every change of a check's or a probe's reported
   * status, never per probe and never running a check. Returns the function
   * that unsubscribes. The same events are published on the
   * `node:diagnostics_channel` channel `fastify-healthz:change`.
   */
  subscribe(listener: HealthzChangeListener): () => void
}

declare module 'fastify' {
  interface FastifyInstance {
    healthz: HealthzRegistry
  }
  interface FastifyContextConfig {
    /** Set on every route of fastify-healthz: test it with `isProbeRequest(request)`. */
    healthz?: boolean
  }
}
