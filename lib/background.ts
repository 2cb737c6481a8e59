import type { CheckEntry, CheckTable } from './check-table.js'
import type { Evaluator } from './evaluate.js'

/**
 * Runs the checks added with `interval` on their own unref'd timers, from
 * `start()` (when the app is ready) until `stop()`: each run starts
 * `interval` ms after the previous one ended, and a run still hung from a
 * timeout is not doubled.
 */
export class Background {
  readonly #table: CheckTable
  readonly #evaluator: Evaluator
  readonly #timers = new Map<CheckEntry, NodeJS.Timeout>()
  #active = false

  constructor (table: CheckTable, evaluator: Evaluator) {
    this.#table = table
    this.#evaluator = evaluator
  }

  /** Starts every background check; calling it again changes nothing. */
  start (): void {
    if (this.#active) return
    this.#active = true
    for (const entry of this.#table.entries()) this.#tick(entry)
  }

  /** A check added while active starts at once. */
  added (entry: CheckEntry): void {
    if (this.#active) this.#tick(entry)
  }

  removed (entry: CheckEntry): void {
    clearTimeout(this.#timers.get(entry))
    this.#timers.delete(entry)
  }

  stop (): void {
    this.#active = false
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #tick (entry: CheckEntry): void {
    const interval = entry.spec.interval
    if (interval === 0) return
    this.#evaluator.runInBackground(entry, () => {
      if (entry.removed || !this.#active) return
      this.#timers.set(entry, setTimeout(() => { this.#tick(entry) }, interval).unref())
    })
  }
}
