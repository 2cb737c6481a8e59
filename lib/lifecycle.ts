import { describe, HealthzConfigError } from './errors.js'
import type { Gate } from './result.js'
import type { LifecyclePhase, LifecycleReport } from './types.js'

const MAX_REASON = 256

export const SHUTTING_DOWN: Gate = Object.freeze({ kind: 'shutting-down' })
const NOT_LISTENING: Gate = Object.freeze({ kind: 'not-listening' })

function checkReason (method: string, reason: unknown): string {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON) {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_REASON', `${method}: the reason must be a string of 1 to ${MAX_REASON} characters, got ${describe(reason)}`)
  }
  return reason
}

/**
 * The pod's life around the probes: starting until the app is ready, serving,
 * draining after `drain()`, closing once `close()` began. Also holds the
 * startup latch and the reasons the app gave for not being ready. It knows
 * nothing of HTTP: what it says is a `Gate`, which renderers turn into bodies.
 * `onChange` hears every change that may change a probe's status.
 */
export class Lifecycle {
  #phase: LifecyclePhase = 'starting'
  #started = false
  readonly #drainDelay: number
  readonly #onChange: () => void
  readonly #reasons = new Set<string>()
  #notReady: Gate | undefined
  #drain: Promise<void> | undefined
  #endDrain: (() => void) | undefined
  #drainTimer: NodeJS.Timeout | undefined
  #server: { readonly listening: boolean } | undefined

  constructor (drainDelay: number, onChange: () => void) {
    this.#drainDelay = drainDelay
    this.#onChange = onChange
  }

  get phase (): LifecyclePhase {
    return this.#phase
  }

  /** The startup probe has passed once: it passes for the life of the process. */
  get started (): boolean {
    return this.#started
  }

  /** The app is ready. A drain or close that began before stays in force. */
  serve (): void {
    if (this.#phase === 'starting') this.#setPhase('serving')
  }

  /** What stands for readiness instead of its checks, if anything. */
  gate (): Gate | undefined {
    if (this.#phase === 'draining' || this.#phase === 'closing') return SHUTTING_DOWN
    if (this.#server !== undefined && !this.#server.listening) return NOT_LISTENING
    return this.#notReady
  }

  /** With a dedicated probe port, readiness also waits for the app's own server to listen. */
  requireListening (server: { readonly listening: boolean }): void {
    this.#server = server
  }

  /** Latches the startup probe; only a full evaluation of its checks that passed may call this. */
  latchStartup (): void {
    if (this.#started) return
    this.#started = true
    this.#onChange()
  }

  markNotReady (reason: string): void {
    this.#reasons.add(checkReason('markNotReady()', reason))
    this.#updateNotReady()
  }

  markReady (reason?: string): void {
    if (reason === undefined) this.#reasons.clear()
    else this.#reasons.delete(checkReason('markReady()', reason))
    this.#updateNotReady()
  }

  /** Readiness fails from now on; resolves after the drain delay (at once when closing). Idempotent. */
  drain (): Promise<void> {
    if (this.#drain !== undefined) return this.#drain
    if (this.#phase === 'closing') return Promise.resolve()
    this.#drain = new Promise<void>((resolve) => {
      this.#endDrain = () => {
        clearTimeout(this.#drainTimer)
        resolve()
      }
      // Not unref'd: the caller awaits it, and close() clears it.
      this.#drainTimer = setTimeout(this.#endDrain, this.#drainDelay)
    })
    this.#setPhase('draining')
    return this.#drain
  }

  /** Ends a drain still waiting for its delay. */
  endDrain (): void {
    this.#endDrain?.()
  }

  /** Called as `close()` begins: readiness fails from this moment, drained or not. */
  beginClose (): void {
    this.endDrain()
    if (this.#phase !== 'closing') this.#setPhase('closing')
  }

  snapshot (): LifecycleReport {
    const report: LifecycleReport = { phase: this.#phase, started: this.#started }
    if (this.#reasons.size > 0) report.notReady = [...this.#reasons]
    return report
  }

  #setPhase (phase: LifecyclePhase): void {
    this.#phase = phase
    this.#onChange()
  }

  #updateNotReady (): void {
    this.#notReady = this.#reasons.size === 0
      ? undefined
      : Object.freeze({ kind: 'not-ready', reasons: Object.freeze([...this.#reasons]) })
    this.#onChange()
  }
}
