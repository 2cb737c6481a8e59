import type { CheckStatus, LifecycleReport } from './types.js'

/** What overrode a probe's checks: the app is shutting down, its own port does not listen yet, or it marked itself not ready. */
export type Gate =
  | { readonly kind: 'shutting-down' }
  | { readonly kind: 'not-listening' }
  | { readonly kind: 'not-ready', readonly reasons: readonly string[] }

/** One check in a probe result. */
export interface CheckResult {
  readonly name: string
  /** `pass` for an excluded check, which did not run. */
  readonly status: CheckStatus
  /** Public text: a `HealthError` message, a result's output, a timeout. */
  readonly output: string | undefined
  /** What the check threw: withheld from responses unless `details` allows its text. */
  readonly error: unknown
  /** Left out of this request (`?exclude=`): not run, not counted. */
  readonly excluded: boolean
  readonly durationMs: number
  /** Milliseconds since the epoch when the result settled; undefined before the first one and for excluded checks. */
  readonly settledAt: number | undefined
  /** Milliseconds since the epoch when the check's reported status last changed; undefined before its first result and for excluded checks. */
  readonly since: number | undefined
  /** The result settled before this request began. */
  readonly cached: boolean
  readonly critical: boolean
  /** The check runs on its own timer (`interval`). */
  readonly background: boolean
}

/**
 * A probe's answer, before any format: what renderers (JSON, and the formats
 * to come) and exporters read. A passing result that is not verbose lists no
 * checks; any other lists every check of the request.
 */
export interface ProbeResult {
  readonly probe: string
  /** `fail` answers 503; `pass` and `warn` answer 200. */
  readonly status: CheckStatus
  /** What overrode the checks, if anything did. */
  readonly gate: Gate | undefined
  /** The startup probe answered from its latch: it passed once, and passes for good. */
  readonly latched: boolean
  readonly verbose: boolean
  readonly checks: readonly CheckResult[]
  /** Verbose only. */
  readonly lifecycle: LifecycleReport | undefined
}
