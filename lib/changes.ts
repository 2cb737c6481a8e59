import diagnosticsChannel from 'node:diagnostics_channel'
import type { CheckStatus } from './types.js'

/** What a check reports before its first result. */
export type CheckState = CheckStatus | 'pending'

/** A check's reported status changed. */
export interface CheckChange {
  readonly type: 'check'
  readonly check: string
  /** The probes that run the check. */
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

/** One run of a check settled (or timed out): its raw outcome, before any damping. For exporters. */
export interface SettledRun {
  readonly check: string
  readonly status: CheckStatus
  readonly durationMs: number
  readonly timedOut: boolean
}
export type RunListener = (run: SettledRun) => void
/** A listener may return a promise: its rejection is reported like a throw. */
export type ChangeListener = (change: Change) => unknown

/** The `node:diagnostics_channel` channel on which every change is also published. */
export const CHANGE_CHANNEL = 'fastify-healthz:change'
const channel = diagnosticsChannel.channel(CHANGE_CHANNEL)

/**
 * The one place where changes of state are announced. Only changes are
 * emitted, never a repeat of the same status, so listeners cost nothing per
 * probe. A listener that throws (or whose promise rejects) is reported
 * through `onListenerError` and does not keep the others from hearing the
 * change. A change emitted while listeners hear another (a probe's status
 * following its check's) is delivered after it, so every listener hears
 * changes in the order they happened.
 */
export class Changes {
  readonly #listeners = new Set<ChangeListener>()
  readonly #runListeners = new Set<RunListener>()
  readonly #onListenerError: (error: unknown, change: Change | SettledRun) => void
  #queue: Change[] | undefined = undefined

  constructor (onListenerError: (error: unknown, change: Change | SettledRun) => void) {
    this.#onListenerError = onListenerError
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe (listener: ChangeListener): () => void {
    // A wrapper per subscription, so that the same function subscribed twice is heard twice and removed once per call.
    const entry: ChangeListener = (change) => listener(change)
    this.#listeners.add(entry)
    return () => { this.#listeners.delete(entry) }
  }

  emit (change: Change): void {
    Object.freeze(change)
    if (this.#queue !== undefined) {
      this.#queue.push(change)
      return
    }
    const queue: Change[] = this.#queue = [change]
    try {
      for (let i = 0; i < queue.length; i++) this.#deliver(queue[i])
    } finally {
      this.#queue = undefined
    }
  }

  /** Hears every settled run: for exporters' counters, which must not run checks themselves. Returns the function that removes it. */
  observeRuns (listener: RunListener): () => void {
    const entry: RunListener = (run) => { listener(run) }
    this.#runListeners.add(entry)
    return () => { this.#runListeners.delete(entry) }
  }

  /** Whether anyone hears runs: when nobody does, a run costs no event. */
  get observed (): boolean {
    return this.#runListeners.size > 0
  }

  ran (run: SettledRun): void {
    for (const listener of this.#runListeners) {
      try {
        listener(run)
      } catch (error) {
        this.#onListenerError(error, run)
      }
    }
  }

  #deliver (change: Change): void {
    for (const listener of this.#listeners) {
      try {
        const returned = listener(change)
        // Through the intrinsic `then`: the promise's own `catch` could be anything.
        if (returned instanceof Promise) Promise.prototype.then.call(returned, undefined, (error: unknown) => { this.#onListenerError(error, change) })
      } catch (error) {
        this.#onListenerError(error, change)
      }
    }
    // Subscribers of the channel (APM agents) are outside the app: Node's own rules apply to them.
    if (channel.hasSubscribers) channel.publish(change)
  }
}
