import type { Changes } from './changes.js'
import type { CheckEntry, CheckTable, Waiter } from './check-table.js'
import type { Evaluator } from './evaluate.js'
import { SHUTTING_DOWN, type Lifecycle } from './lifecycle.js'
import type { CheckResult, Gate, ProbeResult } from './result.js'
import type { Outcome } from './run-check.js'
import type { CheckStatus } from './types.js'

/** How the lifecycle bears on a probe. */
interface Policy {
  /** Shutting down, a port not listening and `markNotReady()` fail it, whatever its checks say. */
  readonly gated: boolean
  /** Once a full evaluation of its checks passed, it passes for good. */
  readonly latches: boolean
}

/** Probes not listed behave like `live`: only their checks count. */
const POLICIES: Readonly<Record<string, Policy>> = {
  ready: { gated: true, latches: false },
  startup: { gated: false, latches: true }
}
const LIKE_LIVE: Policy = { gated: false, latches: false }
const NO_CHECKS: readonly CheckResult[] = Object.freeze([])

/** A served probe: its policy, its status as last derived, and the results that need no work. */
export class Probe {
  readonly name: string
  readonly policy: Policy
  /** The status its route would answer from the checks' last results and the lifecycle, without running anything. */
  status: CheckStatus = 'pass'
  /** The result of every passing, non-verbose evaluation: built once. */
  readonly passed: ProbeResult
  readonly latchedPass: ProbeResult

  constructor (name: string) {
    this.name = name
    this.policy = POLICIES[name] ?? LIKE_LIVE
    this.passed = Object.freeze({ probe: name, status: 'pass', gate: undefined, latched: false, verbose: false, checks: NO_CHECKS, lifecycle: undefined })
    this.latchedPass = Object.freeze({ ...this.passed, latched: true })
  }
}

/** What a probe needs to finish once the outcomes it waits for have arrived. */
interface Evaluation {
  readonly probe: Probe
  readonly latched: boolean
  readonly verbose: boolean
  /** Every check of the request, the excluded ones included. */
  readonly checks: readonly CheckEntry[]
  /** Whether every check of the probe was evaluated: only then may startup latch. */
  readonly full: boolean
  readonly since: number
}

function aggregate (outcomes: ReadonlyArray<Outcome | undefined>): CheckStatus {
  let status: CheckStatus = 'pass'
  for (const outcome of outcomes) {
    if (outcome === undefined) continue
    if (outcome.status === 'fail') return 'fail'
    if (outcome.status === 'warn') status = 'warn'
  }
  return status
}

function checkResult (entry: CheckEntry, outcome: Outcome | undefined, since: number): CheckResult {
  const { name, critical, interval } = entry.spec
  if (outcome === undefined) {
    return { name, status: 'pass', output: undefined, error: undefined, excluded: true, durationMs: 0, settledAt: undefined, since: undefined, cached: false, critical, background: interval > 0 }
  }
  const { settledAt } = outcome
  return {
    name,
    status: outcome.status,
    output: outcome.output,
    error: outcome.error,
    excluded: false,
    durationMs: outcome.durationMs,
    settledAt: settledAt === Infinity ? undefined : performance.timeOrigin + settledAt,
    since: entry.since,
    cached: settledAt < since,
    critical,
    background: interval > 0
  }
}

/**
 * One probe waiting for the outcomes of its pending checks: one object and
 * one promise per probe, however many checks it waits for.
 */
class Gather implements Waiter {
  readonly promise: Promise<ProbeResult>
  #resolve!: (result: ProbeResult) => void
  #remaining: number
  readonly #probes: Probes
  readonly #evaluation: Evaluation
  readonly #outcomes: Array<Outcome | undefined>

  constructor (probes: Probes, evaluation: Evaluation, outcomes: Array<Outcome | undefined>, remaining: number) {
    this.#probes = probes
    this.#evaluation = evaluation
    this.#outcomes = outcomes
    this.#remaining = remaining
    this.promise = new Promise((resolve) => { this.#resolve = resolve })
  }

  arrive (entry: CheckEntry, outcome: Outcome): void {
    this.#outcomes[this.#evaluation.checks.indexOf(entry)] = outcome
    if (--this.#remaining === 0) this.#resolve(this.#probes.finish(this.#evaluation, this.#outcomes))
  }
}

/**
 * Probe policy: which checks a probe runs, how the lifecycle overrides them
 * (readiness is gated, startup latches, other probes behave like live), and
 * the format-neutral result. Also keeps each probe's status as derived from
 * the checks' last results, and announces its changes.
 */
export class Probes {
  readonly #byName = new Map<string, Probe>()
  readonly #table: CheckTable
  readonly #evaluator: Evaluator
  readonly #lifecycle: Lifecycle
  readonly #changes: Changes

  constructor (names: readonly string[], table: CheckTable, evaluator: Evaluator, lifecycle: Lifecycle, changes: Changes) {
    for (const name of names) this.#byName.set(name, new Probe(name))
    this.#table = table
    this.#evaluator = evaluator
    this.#lifecycle = lifecycle
    this.#changes = changes
    changes.subscribe((change) => { if (change.type === 'check') this.refresh(change.probes) })
  }

  get (name: string): Probe | undefined {
    return this.#byName.get(name)
  }

  /**
   * Evaluates a probe: all its checks, less `exclude`, or only `only`. Returns
   * at once when no check has to be awaited.
   */
  evaluate (probe: Probe, verbose: boolean, exclude?: ReadonlySet<string>, only?: CheckEntry): ProbeResult | Promise<ProbeResult> {
    const lifecycle = this.#lifecycle
    let gate: Gate | undefined
    if (probe.policy.gated) {
      gate = lifecycle.gate()
      // While closing, no check starts: the runs would outlive the server.
      if (gate !== undefined && (!verbose || lifecycle.phase === 'closing')) return this.#gated(probe, gate, verbose)
    }
    const latched = probe.policy.latches && lifecycle.started
    if (latched && !verbose) return probe.latchedPass

    const checks = only === undefined ? this.#table.checksOf(probe.name) : [only]
    const since = performance.now()
    const count = checks.length
    let outcomes: Array<Outcome | undefined> | undefined
    let waiting = 0
    for (let i = 0; i < count; i++) {
      const entry = checks[i]
      if (exclude?.has(entry.spec.name) === true) {
        outcomes ??= this.#outcomesBefore(checks, i)
        continue
      }
      const outcome = this.#evaluator.sample(entry, since)
      if (outcomes === undefined) {
        // Passing probes keep no array: a passing outcome is the check's last one, to be read again if needed.
        if (!verbose && outcome !== undefined && outcome.status === 'pass') continue
        outcomes = this.#outcomesBefore(checks, i)
      }
      if (outcome === undefined) waiting++
      else outcomes[i] = outcome
    }
    const full = only === undefined && exclude === undefined
    if (outcomes === undefined) {
      if (!verbose) {
        if (probe.policy.latches && full) lifecycle.latchStartup()
        return probe.passed
      }
      outcomes = []
    }
    const evaluation: Evaluation = { probe, latched, verbose, checks, full, since }
    if (waiting === 0) return this.finish(evaluation, outcomes)
    const gather = new Gather(this, evaluation, outcomes, waiting)
    for (let i = 0; i < count; i++) {
      if (outcomes[i] === undefined && exclude?.has(checks[i].spec.name) !== true) this.#evaluator.wait(checks[i], gather)
    }
    return gather.promise
  }

  /** The result once every outcome is in; excluded checks have none. */
  finish (evaluation: Evaluation, outcomes: ReadonlyArray<Outcome | undefined>): ProbeResult {
    const { probe, latched, verbose, checks, since } = evaluation
    let status = aggregate(outcomes)
    if (probe.policy.latches && evaluation.full && status !== 'fail') this.#lifecycle.latchStartup()
    // Read the gate again: a drain that began while the checks ran fails this answer too.
    const gate = probe.policy.gated ? this.#lifecycle.gate() : undefined
    if (gate !== undefined) status = 'fail'
    else if (latched) status = 'pass'
    // A passing answer that is not verbose lists no checks: the shared result, as on the synchronous path.
    if (!verbose && status === 'pass') return probe.passed
    const results = new Array<CheckResult>(checks.length)
    for (let i = 0; i < checks.length; i++) results[i] = checkResult(checks[i], outcomes[i], since)
    return { probe: probe.name, status, gate, latched, verbose, checks: results, lifecycle: verbose ? this.#lifecycle.snapshot() : undefined }
  }

  /** Derives the status of these probes (all by default) from the last results and the lifecycle, and announces changes. */
  refresh (names: Iterable<string> = this.#byName.keys()): void {
    for (const name of names) {
      const probe = this.#byName.get(name) as Probe
      const to = this.#derive(probe)
      const from = probe.status
      if (to === from) continue
      probe.status = to
      this.#changes.emit({ type: 'probe', probe: name, from, to, at: Date.now() })
    }
  }

  #derive (probe: Probe): CheckStatus {
    if (probe.policy.gated && this.#lifecycle.gate() !== undefined) return 'fail'
    if (probe.policy.latches && this.#lifecycle.started) return 'pass'
    let status: CheckStatus = 'pass'
    for (const entry of this.#table.checksOf(probe.name)) {
      // A check that runs per probe and has not run yet would be run by the route: it counts for nothing yet.
      const reported = entry.last?.status ?? (entry.spec.interval > 0 ? entry.pendingOutcome.status : 'pass')
      if (reported === 'fail') return 'fail'
      if (reported === 'warn') status = 'warn'
    }
    return status
  }

  /** The result of any probe once the app has closed: shutting down, no check run. */
  closed (probe: Probe, verbose: boolean): ProbeResult {
    return this.#gated(probe, SHUTTING_DOWN, verbose)
  }

  #gated (probe: Probe, gate: Gate, verbose: boolean): ProbeResult {
    const lifecycle = verbose ? this.#lifecycle.snapshot() : undefined
    return { probe: probe.name, status: 'fail', gate, latched: false, verbose, checks: NO_CHECKS, lifecycle }
  }

  /** The outcomes array, once it is needed, with the passing outcomes of the checks sampled before `end` (none of them excluded: an exclusion allocates it at once). */
  #outcomesBefore (checks: readonly CheckEntry[], end: number): Array<Outcome | undefined> {
    const outcomes = new Array<Outcome | undefined>(checks.length)
    for (let i = 0; i < end; i++) outcomes[i] = checks[i].last
    return outcomes
  }
}
