import type { Server } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import { describe, HealthzConfigError } from './errors.js'
import type { Lifecycle } from './lifecycle.js'
import { isCheckName, milliseconds, type Settings } from './options.js'
import { buildReport, PASS } from './report.js'
import { Deadlines } from './deadlines.js'
import { startRun, type AsyncRun, type Outcome } from './run-check.js'
import type { AddCheckOptions, CheckStatus, HealthCheck, HealthReport, HealthzRegistry, ProbeName, RunOptions } from './types.js'

const ADD_OPTIONS = new Set(['probes', 'timeout', 'cacheTtl', 'critical', 'interval'])

/** A registered check and the state of its runs. */
export interface CheckEntry {
  readonly name: string
  readonly check: HealthCheck
  readonly probes: readonly string[]
  readonly timeout: number
  readonly cacheTtl: number
  readonly critical: boolean
  /** Milliseconds between background runs; 0 when the check runs per probe. */
  readonly interval: number
  readonly log: FastifyBaseLogger
  /** What a background check reports before its first result. */
  readonly pendingOutcome: Outcome
  /** The latest outcome reached. */
  last: Outcome | undefined
  /** The run whose outcome has not arrived yet: later callers share it. */
  pending: AsyncRun | undefined
  /** Who waits for the pending run's outcome. */
  waiters: Waiter[]
  /** The check itself has not settled; after a timeout this outlasts `pending`. */
  busy: boolean
  /** The status last logged, so that only changes are logged. */
  logged: CheckStatus
  /** The unref'd timer of the next background run. */
  timer: NodeJS.Timeout | undefined
  removed: boolean
}

/** The checks of one probe; the array is replaced, never mutated, so running probes keep a stable view. */
export interface ProbeState {
  readonly name: string
  checks: readonly CheckEntry[]
}

type Report = HealthReport | Promise<HealthReport>

/** Waits for the outcome of a pending run. */
interface Waiter {
  arrive (entry: CheckEntry, outcome: Outcome): void
}

/**
 * One probe waiting for the outcomes of its pending checks: one object and one
 * promise per probe, however many checks it waits for.
 */
class Gather implements Waiter {
  readonly promise: Promise<HealthReport>
  #resolve!: (report: HealthReport) => void
  #remaining: number

  constructor (
    readonly checks: readonly CheckEntry[],
    readonly outcomes: Outcome[],
    remaining: number,
    readonly since: number,
    readonly verbose: boolean,
    readonly details: boolean
  ) {
    this.#remaining = remaining
    this.promise = new Promise((resolve) => { this.#resolve = resolve })
  }

  arrive (entry: CheckEntry, outcome: Outcome): void {
    this.outcomes[this.checks.indexOf(entry)] = outcome
    if (--this.#remaining === 0) this.#resolve(buildReport(this.checks, this.outcomes, this.since, this.verbose, this.details))
  }
}

function invalidOption (name: string, message: string): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_OPTION', `add("${name}"): ${message}`)
}

function then (report: Report, next: (report: HealthReport) => HealthReport): Report {
  return report instanceof Promise ? report.then(next) : next(report)
}

export class Registry implements HealthzRegistry {
  readonly probes: readonly ProbeName[]
  server: Server | undefined
  readonly #settings: Settings
  readonly #log: FastifyBaseLogger
  readonly #lifecycle: Lifecycle
  readonly #entries = new Map<string, CheckEntry>()
  readonly #states = new Map<string, ProbeState>()
  /** The deadlines of all pending runs, on one timer. */
  readonly #deadlines = new Deadlines()
  /** Background checks run between start() and close(). */
  #active = false

  constructor (settings: Settings, log: FastifyBaseLogger, lifecycle: Lifecycle) {
    this.#settings = settings
    this.#log = log
    this.#lifecycle = lifecycle
    this.probes = Object.freeze([...settings.probes]) as readonly ProbeName[]
    for (const name of settings.probes) this.#states.set(name, { name, checks: [] })
  }

  add (name: string, check: HealthCheck, options: AddCheckOptions = {}): this {
    if (!isCheckName(name)) {
      throw new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_NAME', `check name must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter, digit or "_", got ${describe(name)}`)
    }
    if (this.#entries.has(name)) {
      throw new HealthzConfigError('FST_HEALTHZ_DUPLICATE_CHECK', `a check named "${name}" is already registered; remove() it first or pick another name`)
    }
    if (typeof check !== 'function') {
      throw new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK', `add("${name}"): the check must be a function, got ${describe(check)}`)
    }
    if (options === null || typeof options !== 'object') throw invalidOption(name, `options must be an object, got ${describe(options)}`)
    for (const key of Object.keys(options)) {
      if (!ADD_OPTIONS.has(key)) throw invalidOption(name, `unknown option "${key}" (known: ${[...ADD_OPTIONS].join(', ')})`)
    }
    const critical = options.critical ?? true
    if (typeof critical !== 'boolean') throw invalidOption(name, `option "critical" must be a boolean, got ${describe(critical)}`)
    const label = `add("${name}"): option`
    const interval = options.interval === undefined ? 0 : milliseconds(options.interval, `${label} "interval"`, 1, 'FST_HEALTHZ_INVALID_CHECK_OPTION')
    if (interval > 0 && options.cacheTtl !== undefined) {
      throw invalidOption(name, 'options "interval" and "cacheTtl" exclude each other: a background check is only ever read from its last result')
    }

    const entry: CheckEntry = {
      name,
      check,
      probes: this.#probesOf(name, options.probes),
      timeout: milliseconds(options.timeout ?? this.#settings.timeout, `${label} "timeout"`, 1, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
      cacheTtl: milliseconds(options.cacheTtl ?? this.#settings.cacheTtl, `${label} "cacheTtl"`, 0, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
      critical,
      interval,
      log: this.#log.child({ healthCheck: name }),
      pendingOutcome: { status: critical ? 'fail' : 'warn', output: 'pending: no result yet', error: undefined, durationMs: 0, settledAt: Infinity },
      last: undefined,
      pending: undefined,
      waiters: [],
      busy: false,
      logged: 'pass',
      timer: undefined,
      removed: false
    }
    this.#entries.set(name, entry)
    for (const probe of entry.probes) {
      const state = this.#states.get(probe) as ProbeState
      state.checks = [...state.checks, entry]
    }
    if (interval > 0 && this.#active) this.#tick(entry)
    return this
  }

  remove (name: string): boolean {
    const entry = this.#entries.get(name)
    if (entry === undefined) return false
    this.#entries.delete(name)
    entry.removed = true
    clearTimeout(entry.timer)
    for (const probe of entry.probes) {
      const state = this.#states.get(probe) as ProbeState
      state.checks = state.checks.filter((other) => other !== entry)
    }
    return true
  }

  has (name: string): boolean {
    return this.#entries.has(name)
  }

  async run (probe: ProbeName, options: RunOptions = {}): Promise<HealthReport> {
    const state = this.state(probe)
    if (state === undefined) {
      throw new HealthzConfigError('FST_HEALTHZ_UNKNOWN_PROBE', `run(): probe ${describe(probe)} is not served (probes: ${this.probes.join(', ')})`)
    }
    const checks = this.checksOf(state, options.exclude === undefined ? undefined : new Set(options.exclude))
    const verbose = options.verbose === true
    const report = await this.report(state, checks, verbose, verbose && options.details === true)
    return Object.isFrozen(report) ? { ...report } : report
  }

  drain (): Promise<void> {
    return this.#lifecycle.drain()
  }

  markNotReady (reason: string): void {
    this.#lifecycle.markNotReady(reason)
  }

  markReady (reason?: string): void {
    this.#lifecycle.markReady(reason)
  }

  /** The live state of a probe, for its route. */
  state (probe: string): ProbeState | undefined {
    return this.#states.get(probe)
  }

  /** A probe's checks, less the excluded names. */
  checksOf (state: ProbeState, exclude: ReadonlySet<string> | undefined): readonly CheckEntry[] {
    return exclude === undefined ? state.checks : state.checks.filter((entry) => !exclude.has(entry.name))
  }

  /**
   * A probe's report over the given checks (all of the probe's, or a subset):
   * readiness gives way to draining, closing and `markNotReady()`; startup
   * latches after its first pass; verbose reports carry the lifecycle, and
   * with `details` the text of errors.
   */
  report (state: ProbeState, checks: readonly CheckEntry[], verbose: boolean, details = false): Report {
    const lifecycle = this.#lifecycle
    let override: HealthReport | undefined
    if (state.name === 'ready') {
      override = lifecycle.readinessGate()
      // While closing, no check starts: the runs would outlive the server.
      if (override !== undefined && (!verbose || lifecycle.phase === 'closing')) {
        return verbose ? { ...override, checks: {}, lifecycle: lifecycle.report() } : override
      }
    } else if (state.name === 'startup' && lifecycle.started) {
      if (!verbose) return PASS
      override = PASS
    }
    const latching = state.name === 'startup' && !lifecycle.started
    const report = this.evaluate(checks, verbose, details)
    if (!verbose && !latching) return report
    return then(report, (result) => {
      if (latching && result.status === 200) lifecycle.started = true
      return verbose ? { ...(override ?? result), checks: result.checks, lifecycle: lifecycle.report() } : result
    })
  }

  /** Runs (or reuses) the given checks in parallel and builds the report; synchronous when no check has to be awaited. */
  evaluate (checks: readonly CheckEntry[], verbose: boolean, details: boolean): Report {
    const count = checks.length
    if (count === 0) return verbose ? { status: 200, title: 'OK', checks: {} } : PASS
    const since = performance.now()
    const outcomes = new Array<Outcome>(count)
    let waiting = 0
    for (let i = 0; i < count; i++) {
      const outcome = this.#sample(checks[i], since)
      if (outcome === undefined) waiting++
      else outcomes[i] = outcome
    }
    if (waiting === 0) return buildReport(checks, outcomes, since, verbose, details)
    const gather = new Gather(checks, outcomes, waiting, since, verbose, details)
    for (let i = 0; i < count; i++) if (outcomes[i] === undefined) checks[i].waiters.push(gather)
    return gather.promise
  }

  /** Starts the background checks: called when the app is ready. */
  start (): void {
    this.#active = true
    for (const entry of this.#entries.values()) if (entry.interval > 0) this.#tick(entry)
  }

  /** Stops background timers and ends every run still waiting for its check, so no timer outlives the server. */
  close (): void {
    this.#active = false
    for (const entry of this.#entries.values()) clearTimeout(entry.timer)
    this.#deadlines.clear('the server is closing')
  }

  #probesOf (name: string, probes: unknown): readonly string[] {
    if (probes === undefined) return ['ready']
    if (!Array.isArray(probes) || probes.length === 0) {
      throw invalidOption(name, `option "probes" must be a non-empty array of probe names, got ${describe(probes)}`)
    }
    for (const probe of probes) {
      if (!this.#states.has(probe)) {
        throw new HealthzConfigError('FST_HEALTHZ_UNKNOWN_PROBE', `add("${name}"): probe ${describe(probe)} is not served (probes: ${this.probes.join(', ')}; declare others with the "customProbes" option)`)
      }
    }
    return [...new Set<string>(probes)]
  }

  /** The outcome to report for a check, or undefined when it is pending: then wait on `entry.waiters`. */
  #sample (entry: CheckEntry, now: number): Outcome | undefined {
    // Probes never run a background check: they read its last result.
    if (entry.interval > 0) return entry.last ?? entry.pendingOutcome
    if (entry.pending !== undefined) return undefined
    const last = entry.last
    // A timed-out run that has still not settled keeps reporting its timeout: no second run piles up.
    if (last !== undefined && (entry.busy || now - last.settledAt < entry.cacheTtl)) return last
    return this.#start(entry, now)
  }

  #start (entry: CheckEntry, now: number): Outcome | undefined {
    entry.busy = true
    const run = startRun(entry, now, this.#deadlines, (outcome) => { this.#arrive(entry, outcome) }, () => { entry.busy = false })
    if (!('deadline' in run)) {
      entry.busy = false
      this.#record(entry, run)
      return run
    }
    entry.pending = run
    entry.waiters = []
    return undefined
  }

  #arrive (entry: CheckEntry, outcome: Outcome): void {
    entry.pending = undefined
    this.#record(entry, outcome)
    for (const waiter of entry.waiters) waiter.arrive(entry, outcome)
  }

  /** One background run, then the next one `interval` ms after it ended; a run still hung from a timeout is not doubled. */
  #tick (entry: CheckEntry): void {
    const next = (): void => {
      if (entry.removed || !this.#active) return
      entry.timer = setTimeout(() => { this.#tick(entry) }, entry.interval).unref()
    }
    if (entry.busy) return next()
    if (this.#start(entry, performance.now()) === undefined) entry.waiters.push({ arrive: next })
    else next()
  }

  #record (entry: CheckEntry, outcome: Outcome): void {
    entry.last = outcome
    if (outcome.status === entry.logged) return
    entry.logged = outcome.status
    if (outcome.status === 'pass') {
      entry.log.info(`health check "${entry.name}" recovered`)
    } else {
      const verb = outcome.status === 'fail' ? 'failed' : 'warns'
      entry.log.warn({ err: outcome.error }, `health check "${entry.name}" ${verb}: ${outcome.output}`)
    }
  }
}
