import type { FastifyBaseLogger } from 'fastify'
import { HealthError } from './errors.js'
import type { CheckStatus, HealthCheck, HealthCheckContext } from './types.js'

/** Public outputs longer than this are cut, so that a report stays small. */
export const MAX_OUTPUT = 256
/** What a failure shows when its text is withheld. */
export const WITHHELD = 'check failed'

/** The settled result of one run of a check. */
export interface Outcome {
  readonly status: CheckStatus
  /** Public text: a HealthError message, a result's output, a timeout. */
  readonly output: string | undefined
  /** What the check threw, for the log; never sent to clients by default. */
  readonly error: unknown
  readonly durationMs: number
  /** `performance.now()` when the outcome was reached. */
  readonly settledAt: number
}

/** A run whose check returned a promise: its outcome arrives later through `onOutcome`, at the latest when the timeout fires. */
export interface PendingRun {
  /** Ends the run now as a failure with this public output, aborting its signal. */
  cancel (output: string): void
}

class RunContext implements HealthCheckContext {
  readonly log: FastifyBaseLogger
  #controller: AbortController | undefined

  constructor (log: FastifyBaseLogger) {
    this.log = log
  }

  // Most checks never read the signal: create its controller only when one does.
  get signal (): AbortSignal {
    this.#controller ??= new AbortController()
    return this.#controller.signal
  }

  abort (reason: string): void {
    this.#controller?.abort(new DOMException(reason, 'TimeoutError'))
  }
}

/**
 * The text of what a check threw, for verbose reports where `details` allows
 * it: an error's name and message (a HealthError's cause), never a stack.
 */
export function errorText (error: unknown): string | undefined {
  const thrown = error instanceof HealthError ? error.cause : error
  if (thrown === undefined) return undefined
  if (thrown instanceof Error) return publicText(`${thrown.name}: ${thrown.message}`)
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as { message?: unknown }).message === 'string') {
    return publicText((thrown as { message: string }).message)
  }
  return publicText(typeof thrown === 'object' && thrown !== null ? Object.prototype.toString.call(thrown) : String(thrown))
}

function publicText (text: string): string {
  return text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT - 1)}…` : text
}

function outcome (status: CheckStatus, output: string | undefined, error: unknown, started: number): Outcome {
  const settledAt = performance.now()
  return { status, output, error, durationMs: Math.round((settledAt - started) * 100) / 100, settledAt }
}

function fromResult (result: unknown, started: number): Outcome {
  if (result === null || typeof result !== 'object') return outcome('pass', undefined, undefined, started)
  const { status, output } = result as { status?: unknown, output?: unknown }
  const text = (status === 'pass' || status === 'warn') && typeof output === 'string' ? publicText(output) : undefined
  return outcome(status === 'warn' ? 'warn' : 'pass', text, undefined, started)
}

function fromError (error: unknown, started: number, failStatus: CheckStatus): Outcome {
  const text = error instanceof HealthError ? publicText(error.message) : WITHHELD
  return outcome(failStatus, text, error, started)
}

function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/**
 * Runs a check once. A synchronous check settles at once and its outcome is
 * returned; an asynchronous one settles when it does or when `timeout` ms pass,
 * whichever is first, and `onOutcome` gets that outcome.
 * `onSettled` is called when the check itself finally settles, which after a
 * timeout may be much later (or never). A failure reports `failStatus`:
 * 'warn' for a check that is not critical.
 */
export function startRun (
  check: HealthCheck,
  log: FastifyBaseLogger,
  timeout: number,
  failStatus: CheckStatus,
  onOutcome: (outcome: Outcome) => void,
  onSettled: () => void
): Outcome | PendingRun {
  const started = performance.now()
  const context = new RunContext(log)
  let result: unknown
  try {
    result = check(context)
  } catch (error) {
    return fromError(error, started, failStatus)
  }
  if (!isPromiseLike(result)) return fromResult(result, started)

  let settled = false
  let timer: NodeJS.Timeout | undefined
  const end = (value: Outcome, abortReason?: string): void => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    if (abortReason !== undefined) context.abort(abortReason)
    onOutcome(value)
  }
  const fail = (output: string): void => end(outcome(failStatus, output, undefined, started), output)
  // Promise.resolve() adopts any thenable, and turns a `then` that throws into a rejection.
  Promise.resolve(result).then(
    (value) => { end(fromResult(value, started)); onSettled() },
    (error: unknown) => { end(fromError(error, started, failStatus)); onSettled() }
  )
  // Arm the timeout only for a check still pending once the queued microtasks
  // ran: most checks of a busy probe settle at once, and need no timer.
  queueMicrotask(() => {
    if (!settled) timer = setTimeout(fail, timeout, `timed out after ${timeout} ms`)
  })
  return { cancel: fail }
}
