import type { CheckEntry, CheckTable, Waiter } from './check-table.js'
import { Deadlines } from './deadlines.js'
import { AsyncRun, startRun, type Outcome } from './run-check.js'

/**
 * Runs checks or reuses their results. Concurrent callers share one in-flight
 * run of a check; a result is reused for `cacheTtl`; a run that timed out but
 * whose check has not settled keeps reporting its timeout, so that a hung
 * dependency never holds more than one run; background checks are only read.
 */
export class Evaluator {
  readonly #table: CheckTable
  /** The deadlines of all pending runs, on one timer. */
  readonly #deadlines = new Deadlines()

  constructor (table: CheckTable) {
    this.#table = table
  }

  /** The outcome to report for a check at `now`, or undefined when a run is pending: then `wait()` for it. */
  sample (entry: CheckEntry, now: number): Outcome | undefined {
    // Probes never run a background check: they read its last result.
    if (entry.spec.interval > 0) return entry.last ?? entry.pendingOutcome
    // A check that runs its own probe again, from inside its run, joins that run instead of recursing.
    if (entry.pending !== undefined || entry.starting) return undefined
    const last = entry.last
    if (last !== undefined) {
      if (now - last.settledAt < entry.spec.cacheTtl) return last
      // A timed-out run that has still not settled keeps reporting its timeout: no second run piles up.
      if (entry.busy) return this.#table.refused(entry, now)
    }
    return this.#start(entry, now)
  }

  /** Hands the outcome of the pending run to `waiter` when it arrives. */
  wait (entry: CheckEntry, waiter: Waiter): void {
    entry.waiters.push(waiter)
  }

  /** One background run, unless the last one is still busy; `done` is called when its outcome is in (or at once). */
  runInBackground (entry: CheckEntry, done: () => void): void {
    if (entry.busy) {
      this.#table.refused(entry, performance.now())
      return done()
    }
    if (this.#start(entry, performance.now()) === undefined) entry.waiters.push({ arrive: done })
    else done()
  }

  /** Ends every run still waiting for its check, with this reason, so that no timer outlives the server. */
  endPending (reason: string): void {
    this.#deadlines.clear(reason)
  }

  #start (entry: CheckEntry, now: number): Outcome | undefined {
    entry.busy = true
    entry.starting = true
    entry.waiters = []
    const run = startRun(entry.spec, entry.log, now, this.#deadlines, (outcome) => { this.#arrive(entry, outcome) }, () => { entry.busy = false })
    entry.starting = false
    if (run instanceof AsyncRun) {
      entry.pending = run
      return undefined
    }
    entry.busy = false
    const reported = this.#table.record(entry, run)
    // Whoever joined while the check ran (the check itself, probing again) hears its outcome too.
    for (const waiter of entry.waiters) waiter.arrive(entry, reported)
    return reported
  }

  #arrive (entry: CheckEntry, outcome: Outcome): void {
    entry.pending = undefined
    const reported = this.#table.record(entry, outcome)
    for (const waiter of entry.waiters) waiter.arrive(entry, reported)
  }
}
