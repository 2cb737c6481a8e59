import { describe, HealthzConfigError } from './errors.js'
import type { HealthReport, LifecyclePhase, LifecycleReport } from './types.js'

const MAX_REASON = 256

/** Readiness on the dedicated probe port while the app's own port does not listen. */
const NOT_LISTENING: HealthReport = Object.freeze({ status: 503, title: 'Not Ready', detail: 'The app is not listening yet.' })

/** Readiness while draining or closing: no check runs. */
export const SHUTTING_DOWN: HealthReport = Object.freeze({ status: 503, title: 'Shutting Down', detail: 'The service is shutting down.' })

function checkReason (method: string, reason: unknown): string {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON) {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_REASON', `${method}: the reason must be a string of 1 to ${MAX_REASON} characters, got ${describe(reason)}`)
  }
  return reason
}

/**
 * The pod's life around the probes: starting until the app is ready, serving,
 * draining after `drain()`, closing once `close()` began. Also holds the
 * startup latch and the reasons the app gave for not being ready.
 */
export class Lifecycle {
  phase: LifecyclePhase = 'starting'
  /** The startup probe has passed once: it passes for the life of the process. */
  started = false
  readonly #drainDelay: number
  readonly #reasons = new Set<string>()
  #notReady: HealthReport | undefined
  #drain: Promise<void> | undefined
  #endDrain: (() => void) | undefined
  #drainTimer: NodeJS.Timeout | undefined
  #server: { readonly listening: boolean } | undefined

  constructor (drainDelay: number) {
    this.#drainDelay = drainDelay
  }

  /** The report that stands for readiness instead of its checks, if any. */
  readinessGate (): HealthReport | undefined {
    if (this.phase === 'draining' || this.phase === 'closing') return SHUTTING_DOWN
    if (this.#server !== undefined && !this.#server.listening) return NOT_LISTENING
    return this.#notReady
  }

  /** With a dedicated probe port, readiness also waits for the app's own server to listen. */
  requireListening (server: { readonly listening: boolean }): void {
    this.#server = server
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
    if (this.phase === 'closing') return Promise.resolve()
    this.phase = 'draining'
    this.#drain = new Promise<void>((resolve) => {
      this.#endDrain = () => {
        clearTimeout(this.#drainTimer)
        resolve()
      }
      // Not unref'd: the caller awaits it, and close() clears it.
      this.#drainTimer = setTimeout(this.#endDrain, this.#drainDelay)
    })
    return this.#drain
  }

  /** Ends a drain still waiting for its delay. */
  endDrain (): void {
    this.#endDrain?.()
  }

  /** Called as `close()` begins: readiness fails from this moment, drained or not. */
  beginClose (): void {
    this.phase = 'closing'
    this.endDrain()
  }

  report (): LifecycleReport {
    const report: LifecycleReport = { phase: this.phase, started: this.started }
    if (this.#reasons.size > 0) report.notReady = [...this.#reasons]
    return report
  }

  #updateNotReady (): void {
    this.#notReady = this.#reasons.size === 0
      ? undefined
      : Object.freeze({ status: 503, title: 'Not Ready', detail: [...this.#reasons].join('; ') })
  }
}
