import type { FastifyBaseLogger } from 'fastify'
import type { Deadlines, Expiring } from './deadlines.js'
import { HealthError } from './errors.js'
import type { CheckStatus, HealthCheck, HealthCheckContext } from './types.js'

/** Public outputs longer than this are cut, so that a report stays small. */
const MAX_OUTPUT = 256
/** What a failure shows when its text is withheld. */
const WITHHELD = 'check failed'

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

/** What a run needs of a check. */
export interface RunSpec {
  readonly check: HealthCheck
  readonly log: FastifyBaseLogger
  readonly timeout: number
  readonly critical: boolean
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

  abort (reason: string, name: 'TimeoutError' | 'AbortError'): void {
    this.#controller?.abort(new DOMException(reason, name))
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
  if (typeof thrown === 'object' && thrown !== null) {
    const { message } = thrown as { message?: unknown }
    return publicText(typeof message === 'string' ? message : Object.prototype.toString.call(thrown))
  }
  return publicText(String(thrown))
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

function fromError (error: unknown, started: number, critical: boolean): Outcome {
  const text = error instanceof HealthError ? publicText(error.message) : WITHHELD
  return outcome(critical ? 'fail' : 'warn', text, error, started)
}

function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/**
 * A run whose check returned a promise. Its outcome arrives through
 * `onOutcome` when the check settles, or when its deadline passes (then its
 * signal is aborted), or when the server closes, whichever is first.
 */
export class AsyncRun implements Expiring {
  readonly deadline: number
  #settled = false
  readonly #spec: RunSpec
  readonly #context: RunContext
  readonly #started: number
  readonly #deadlines: Deadlines
  readonly #onOutcome: (outcome: Outcome) => void

  constructor (spec: RunSpec, context: RunContext, started: number, deadlines: Deadlines, onOutcome: (outcome: Outcome) => void) {
    this.#spec = spec
    this.#context = context
    this.#started = started
    this.#deadlines = deadlines
    this.#onOutcome = onOutcome
    this.deadline = started + spec.timeout
    deadlines.add(this)
  }

  /** The check itself settled: with a result, or with what it threw. */
  settle (value: unknown, failed: boolean): void {
    this.#end(failed ? fromError(value, this.#started, this.#spec.critical) : fromResult(value, this.#started))
  }

  /** Fails the run now: at its deadline, or with `reason` when the server closes. Only pending runs are in `Deadlines`. */
  expire (reason?: string): void {
    const output = reason ?? `timed out after ${this.#spec.timeout} ms`
    this.#context.abort(output, reason === undefined ? 'TimeoutError' : 'AbortError')
    this.#end(outcome(this.#spec.critical ? 'fail' : 'warn', output, undefined, this.#started))
  }

  #end (value: Outcome): void {
    if (this.#settled) return
    this.#settled = true
    this.#deadlines.delete(this)
    this.#onOutcome(value)
  }
}

/**
 * Runs a check once, from `started` (a `performance.now()` time). A
 * synchronous check settles at once and its outcome is returned; for an
 * asynchronous one an `AsyncRun` is returned, and `onSettled` is called when
 * the check itself finally settles, which after a timeout may be much later
 * (or never). A failure of a check that is not critical reports 'warn'.
 */
export function startRun (
  spec: RunSpec,
  started: number,
  deadlines: Deadlines,
  onOutcome: (outcome: Outcome) => void,
  onSettled: () => void
): Outcome | AsyncRun {
  const context = new RunContext(spec.log)
  let result: unknown
  try {
    result = spec.check(context)
  } catch (error) {
    return fromError(error, started, spec.critical)
  }
  if (!isPromiseLike(result)) return fromResult(result, started)
  const run = new AsyncRun(spec, context, started, deadlines, onOutcome)
  // Promise.resolve() adopts any thenable, and turns a `then` that throws into a rejection.
  Promise.resolve(result).then(
    (value) => { run.settle(value, false); onSettled() },
    (error: unknown) => { run.settle(error, true); onSettled() }
  )
  return run
}
