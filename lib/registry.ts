import type { FastifyBaseLogger } from 'fastify'
import { describe, HealthzConfigError } from './errors.js'
import { isCheckName, milliseconds, type Settings } from './options.js'
import { buildReport, PASS } from './report.js'
import { startRun, type Outcome, type PendingRun } from './run-check.js'
import type { AddCheckOptions, CheckStatus, HealthCheck, HealthReport, HealthzRegistry, ProbeName, RunOptions } from './types.js'

const ADD_OPTIONS = new Set(['probes', 'timeout', 'cacheTtl', 'critical'])

/** A registered check and the state of its runs. */
export interface CheckEntry {
  readonly name: string
  readonly check: HealthCheck
  readonly probes: readonly string[]
  readonly timeout: number
  readonly cacheTtl: number
  readonly critical: boolean
  readonly log: FastifyBaseLogger
  /** The latest outcome reached. */
  last: Outcome | undefined
  /** The run whose outcome has not arrived yet: later callers share it. */
  pending: PendingRun | undefined
  /** The check itself has not settled; after a timeout this outlasts `pending`. */
  busy: boolean
  /** The status last logged, so that only changes are logged. */
  logged: CheckStatus
}

/** The checks of one probe; the array is replaced, never mutated, so running probes keep a stable view. */
export interface ProbeState {
  readonly name: string
  checks: readonly CheckEntry[]
}

function invalidOption (name: string, message: string): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_CHECK_OPTION', `add("${name}"): ${message}`)
}

export class Registry implements HealthzRegistry {
  readonly probes: readonly ProbeName[]
  readonly #settings: Settings
  readonly #log: FastifyBaseLogger
  readonly #entries = new Map<string, CheckEntry>()
  readonly #states = new Map<string, ProbeState>()
  readonly #running = new Set<PendingRun>()

  constructor (settings: Settings, log: FastifyBaseLogger) {
    this.#settings = settings
    this.#log = log
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

    const entry: CheckEntry = {
      name,
      check,
      probes: this.#probesOf(name, options.probes),
      timeout: milliseconds(options.timeout ?? this.#settings.timeout, `add("${name}"): option "timeout"`, 1, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
      cacheTtl: milliseconds(options.cacheTtl ?? this.#settings.cacheTtl, `add("${name}"): option "cacheTtl"`, 0, 'FST_HEALTHZ_INVALID_CHECK_OPTION'),
      critical,
      log: this.#log.child({ healthCheck: name }),
      last: undefined,
      pending: undefined,
      busy: false,
      logged: 'pass'
    }
    this.#entries.set(name, entry)
    for (const probe of entry.probes) {
      const state = this.#states.get(probe) as ProbeState
      state.checks = [...state.checks, entry]
    }
    return this
  }

  remove (name: string): boolean {
    const entry = this.#entries.get(name)
    if (entry === undefined) return false
    this.#entries.delete(name)
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
    const exclude = options.exclude === undefined ? undefined : new Set(options.exclude)
    const checks = exclude === undefined ? state.checks : state.checks.filter((entry) => !exclude.has(entry.name))
    const report = await this.evaluate(checks, options.verbose === true)
    return report === PASS ? { ...PASS } : report
  }

  /** The live state of a probe, for its route. */
  state (probe: string): ProbeState | undefined {
    return this.#states.get(probe)
  }

  /** Runs (or reuses) the given checks in parallel and builds the report; synchronous when no check has to be awaited. */
  evaluate (checks: readonly CheckEntry[], verbose: boolean): HealthReport | Promise<HealthReport> {
    const count = checks.length
    if (count === 0) return verbose ? { status: 200, title: 'OK', checks: {} } : PASS
    const since = performance.now()
    const samples = new Array<Outcome | Promise<Outcome>>(count)
    let waiting = false
    for (let i = 0; i < count; i++) {
      const sample = this.#sample(checks[i], since)
      if (sample instanceof Promise) waiting = true
      samples[i] = sample
    }
    if (!waiting) return buildReport(checks, samples as Outcome[], since, verbose)
    return Promise.all(samples).then((outcomes) => buildReport(checks, outcomes, since, verbose))
  }

  /** Ends every run still waiting for its check, so no timer outlives the server. */
  close (): void {
    for (const run of this.#running) run.cancel('the server is closing')
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

  #sample (entry: CheckEntry, now: number): Outcome | Promise<Outcome> {
    if (entry.pending !== undefined) return entry.pending.outcome
    const last = entry.last
    // A timed-out run that has still not settled keeps reporting its timeout: no second run piles up.
    if (last !== undefined && (entry.busy || now - last.settledAt < entry.cacheTtl)) return last
    return this.#start(entry)
  }

  #start (entry: CheckEntry): Outcome | Promise<Outcome> {
    entry.busy = true
    const run = startRun(entry.check, entry.log, entry.timeout, entry.critical ? 'fail' : 'warn', () => { entry.busy = false })
    if (!('cancel' in run)) {
      entry.busy = false
      this.#record(entry, run)
      return run
    }
    entry.pending = run
    this.#running.add(run)
    return run.outcome.then((outcome) => {
      entry.pending = undefined
      this.#running.delete(run)
      this.#record(entry, outcome)
      return outcome
    })
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
