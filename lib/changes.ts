import type { CheckStatus } from './types.js'

/** What a check reports before its first result. */
export type CheckState = CheckStatus | 'pending'

/** A check's reported status changed. */
export interface CheckChange {
  readonly type: 'check'
  readonly check: string
  readonly probes: readonly string[]
  readonly from: CheckState
  readonly to: CheckStatus
  /** The public output of the result that made the change. */
  readonly output: string | undefined
  /** What the check threw, withheld from responses: for the app's own code and the log. */
  readonly error: unknown
  /** Milliseconds since the epoch. */
  readonly at: number
}

/** A probe's status, as its route would answer from the checks' last results and the lifecycle, changed. */
export interface ProbeChange {
  readonly type: 'probe'
  readonly probe: string
  readonly from: CheckStatus
  readonly to: CheckStatus
  readonly at: number
}

export type Change = CheckChange | ProbeChange
export type ChangeListener = (change: Change) => void

/**
 * The one place where changes of state are announced. Only changes are
 * emitted, never a repeat of the same status, so listeners cost nothing per
 * probe. A listener that throws is reported through `onListenerError` and
 * does not keep the others from hearing the change.
 */
export class Changes {
  readonly #listeners = new Set<ChangeListener>()
  readonly #onListenerError: (error: unknown, change: Change) => void

  constructor (onListenerError: (error: unknown, change: Change) => void) {
    this.#onListenerError = onListenerError
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe (listener: ChangeListener): () => void {
    // A wrapper per subscription, so that the same function subscribed twice is heard twice and removed once per call.
    const entry: ChangeListener = (change) => { listener(change) }
    this.#listeners.add(entry)
    return () => { this.#listeners.delete(entry) }
  }

  emit (change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch (error) {
        this.#onListenerError(error, change)
      }
    }
  }
}
