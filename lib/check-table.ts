import type { FastifyBaseLogger } from 'fastify'
import type { Changes, CheckState } from './changes.js'
import type { CheckSpec } from './check-spec.js'
import { HealthzConfigError } from './errors.js'
import type { AsyncRun, Outcome } from './run-check.js'

/** Waits for the outcome of a pending run. */
export interface Waiter {
  arrive (entry: CheckEntry, outcome: Outcome): void
}

/**
 * A registered check: its spec, its last result (written by the table only,
 * through `record()`), and the state of its runs (written by the evaluator
 * only).
 */
export class CheckEntry {
  readonly spec: CheckSpec
  /** The app's logger bound to the check's name, handed to every run. */
  readonly log: FastifyBaseLogger
  /** What a background check reports before its first result. */
  readonly pendingOutcome: Outcome
  /** The latest outcome reported: the latest reached, damped by the thresholds. */
  last: Outcome | undefined = undefined
  /** The status last reported, so that only changes are announced. */
  status: CheckState = 'pending'
  /** Milliseconds since the epoch when `status` last changed; undefined while pending. */
  since: number | undefined = undefined
  /** Consecutive failed runs, and consecutive runs that did not fail, for the thresholds. */
  failures = 0
  successes = 0
  /** The run whose outcome has not arrived yet: later callers share it. */
  pending: AsyncRun | undefined = undefined
  /** Who waits for the pending run's outcome. */
  waiters: Waiter[] = []
  /** The check itself has not settled; after a timeout this outlasts `pending`. */
  busy = false
  /** The check's function is being called: a sample now comes from inside it. */
  starting = false
  removed = false

  constructor (spec: CheckSpec, log: FastifyBaseLogger) {
    this.spec = spec
    this.log = log
    this.pendingOutcome = { status: spec.critical ? 'fail' : 'warn', output: 'pending: no result yet', error: undefined, durationMs: 0, settledAt: Infinity, timedOut: false }
  }
}

/**
 * The registered checks, which probes run them, and their last results. Each
 * probe's list is replaced, never mutated, so that a probe being evaluated
 * keeps a stable view while checks are added or removed.
 */
export class CheckTable {
  readonly #entries = new Map<string, CheckEntry>()
  readonly #byProbe = new Map<string, readonly CheckEntry[]>()
  readonly #changes: Changes

  constructor (probes: readonly string[], changes: Changes) {
    this.#changes = changes
    for (const probe of probes) this.#byProbe.set(probe, [])
  }

  add (spec: CheckSpec, log: FastifyBaseLogger): CheckEntry {
    if (this.#entries.has(spec.name)) {
      throw new HealthzConfigError('FST_HEALTHZ_DUPLICATE_CHECK', `a check named "${spec.name}" is already registered; remove() it first or pick another name`)
    }
    const entry = new CheckEntry(spec, log)
    this.#entries.set(spec.name, entry)
    for (const probe of spec.probes) this.#byProbe.set(probe, [...this.checksOf(probe), entry])
    return entry
  }

  remove (name: string): CheckEntry | undefined {
    const entry = this.#entries.get(name)
    if (entry === undefined) return undefined
    this.#entries.delete(name)
    entry.removed = true
    for (const probe of entry.spec.probes) this.#byProbe.set(probe, this.checksOf(probe).filter((other) => other !== entry))
    return entry
  }

  has (name: string): boolean {
    return this.#entries.has(name)
  }

  /** The checks of a served probe. */
  checksOf (probe: string): readonly CheckEntry[] {
    return this.#byProbe.get(probe) as readonly CheckEntry[]
  }

  entries (): IterableIterator<CheckEntry> {
    return this.#entries.values()
  }

  /**
   * Keeps a settled run's outcome, damped by the check's thresholds, as its
   * last result, and announces a change of the reported status. Returns what
   * the check reports.
   */
  record (entry: CheckEntry, raw: Outcome): Outcome {
    const changes = this.#changes
    if (changes.observed && !entry.removed) changes.ran({ check: entry.spec.name, status: raw.status, durationMs: raw.durationMs, timedOut: raw.timedOut })
    return this.#report(entry, damped(entry, raw))
  }

  /**
   * A run that could not start because the check's last run still hangs past
   * its timeout. For the failure threshold it counts as one more failed run,
   * as it would if the check had failed fast: a hung dependency must not
   * keep a damped check on `warn` for good.
   */
  refused (entry: CheckEntry, now: number): Outcome {
    const last = entry.last as Outcome
    if (entry.status !== 'warn' || entry.failures === 0) return last
    return this.#report(entry, damped(entry, { ...last, status: 'fail', durationMs: 0, settledAt: now, timedOut: false }))
  }

  #report (entry: CheckEntry, outcome: Outcome): Outcome {
    entry.last = outcome
    const from = entry.status
    if (outcome.status === from) return outcome
    entry.status = outcome.status
    const at = entry.since = Date.now()
    // A removed check's late result is kept for its own sake, but is no news to anyone.
    if (entry.removed) return outcome
    this.#changes.emit({
      type: 'check',
      check: entry.spec.name,
      probes: entry.spec.probes,
      from,
      to: outcome.status,
      output: outcome.output,
      error: outcome.error,
      at
    })
    return outcome
  }
}

/**
 * What a check reports after this raw outcome: with `failureThreshold` n, a
 * check that was not failing fails only at the n-th failed run in a row, and
 * warns with the newest output before; with `successThreshold` n, a failing
 * check keeps failing, with the failure it reported, until n runs in a row
 * did not fail. A check's first result is reported as it is.
 */
function damped (entry: CheckEntry, raw: Outcome): Outcome {
  const { failureThreshold, successThreshold } = entry.spec
  if (failureThreshold === 1 && successThreshold === 1) return raw
  if (raw.status === 'fail') {
    entry.successes = 0
    entry.failures++
    if (entry.status === 'fail' || entry.status === 'pending' || entry.failures >= failureThreshold) return raw
    return { ...raw, status: 'warn' }
  }
  entry.failures = 0
  entry.successes++
  if (entry.status !== 'fail' || entry.successes >= successThreshold) return raw
  const failed = entry.last as Outcome
  return { ...raw, status: 'fail', output: failed.output, error: failed.error }
}
