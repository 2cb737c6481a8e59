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
  /** The latest outcome reached. */
  last: Outcome | undefined = undefined
  /** The status last reported, so that only changes are announced. */
  status: CheckState = 'pending'
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
    this.pendingOutcome = { status: spec.critical ? 'fail' : 'warn', output: 'pending: no result yet', error: undefined, durationMs: 0, settledAt: Infinity }
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

  /** Keeps a settled outcome as the check's last result, and announces a change of status. */
  record (entry: CheckEntry, outcome: Outcome): void {
    entry.last = outcome
    const from = entry.status
    if (outcome.status === from) return
    entry.status = outcome.status
    // A removed check's late result is kept for its own sake, but is no news to anyone.
    if (entry.removed) return
    this.#changes.emit({
      type: 'check',
      check: entry.spec.name,
      probes: entry.spec.probes,
      from,
      to: outcome.status,
      output: outcome.output,
      error: outcome.error,
      at: Date.now()
    })
  }
}
