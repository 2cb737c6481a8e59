import type { FastifyBaseLogger } from 'fastify'
import type { Deadlines, Expiring } from './deadlines.js'
import { isHealthError } from './errors.js'
import { guarded, property, publicText } from './inspect.js'
import type { CheckSpec } from './check-spec.js'
import type { CheckStatus, HealthCheckContext } from './types.js'

/** What a failure shows when its text is withheld: formats may say so in their own words. */
export const WITHHELD = 'check failed'
const RETURNED_FALSE = 'the check returned false'

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
  /** The run reached its deadline before the check settled. */
  readonly timedOut: boolean
}

/** What a run needs of a check. */
export type RunSpec = Pick<CheckSpec, 'check' | 'timeout' | 'critical'>

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
  const thrown = isHealthError(error) ? property(error, 'cause') : error
  if (thrown === undefined) return undefined
  if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) return publicText(String(thrown))
  const message = property(thrown, 'message')
  if (typeof message !== 'string') return guarded(() => Object.prototype.toString.call(thrown), '[unreadable]')
  const name = property(thrown, 'name')
  const isError = guarded(() => thrown instanceof Error, false)
  return publicText(isError && typeof name === 'string' ? `${name}: ${message}` : message)
}

function outcome (status: CheckStatus, output: string | undefined, error: unknown, started: number, timedOut = false): Outcome {
  const settledAt = performance.now()
  return { status, output, error, durationMs: Math.round((settledAt - started) * 100) / 100, settledAt, timedOut }
}

/**
 * What a check's value means. Nothing, or any value other than these, passes;
 * `false` and `{ status: 'fail' }` fail, so that the natural ways of saying
 * "unhealthy" in JavaScript never pass; `{ status: 'warn' }` warns.
 */
function fromResult (result: unknown, started: number, critical: boolean): Outcome {
  if (result === false) return outcome(critical ? 'fail' : 'warn', RETURNED_FALSE, undefined, started)
  if (result === null || typeof result !== 'object') return outcome('pass', undefined, undefined, started)
  let status: unknown
  let output: unknown
  try {
    ({ status, output } = result as { status?: unknown, output?: unknown })
  } catch (error) {
    return fromError(error, started, critical)
  }
  const text = typeof output === 'string' ? publicText(output) : undefined
  if (status === 'fail') return outcome(critical ? 'fail' : 'warn', text ?? WITHHELD, undefined, started)
  if (status === 'warn') return outcome('warn', text, undefined, started)
  return outcome('pass', status === 'pass' ? text : undefined, undefined, started)
}

function fromError (error: unknown, started: number, critical: boolean): Outcome {
  const message = isHealthError(error) ? property(error, 'message') : undefined
  return outcome(critical ? 'fail' : 'warn', typeof message === 'string' ? publicText(message) : WITHHELD, error, started)
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
    this.#end(failed ? fromError(value, this.#started, this.#spec.critical) : fromResult(value, this.#started, this.#spec.critical))
  }

  /** Fails the run now: at its deadline, or with `reason` when the server closes. Only pending runs are in `Deadlines`. */
  expire (reason?: string): void {
    const output = reason ?? `timed out after ${this.#spec.timeout} ms`
    this.#context.abort(output, reason === undefined ? 'TimeoutError' : 'AbortError')
    this.#end(outcome(this.#spec.critical ? 'fail' : 'warn', output, undefined, this.#started, reason === undefined))
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
  log: FastifyBaseLogger,
  started: number,
  deadlines: Deadlines,
  onOutcome: (outcome: Outcome) => void,
  onSettled: () => void
): Outcome | AsyncRun {
  const context = new RunContext(log)
  let result: unknown
  let then: unknown
  try {
    result = spec.check(context)
    // Reading `then` runs a getter of the check's value: it may throw too.
    if (result !== null && (typeof result === 'object' || typeof result === 'function')) then = (result as { then?: unknown }).then
  } catch (error) {
    return fromError(error, started, spec.critical)
  }
  if (typeof then !== 'function') return fromResult(result, started, spec.critical)
  const run = new AsyncRun(spec, context, started, deadlines, onOutcome)
  const settle = (value: unknown, failed: boolean): void => { run.settle(value, failed); onSettled() }
  try {
    // Promise.resolve() adopts any thenable, and turns a `then` that throws into a rejection.
    Promise.resolve(result).then((value) => { settle(value, false) }, (error: unknown) => { settle(error, true) })
  } catch (error) {
    // A native promise whose `constructor` getter throws still throws here.
    // Settle later all the same: the caller has not seen the run yet.
    queueMicrotask(() => { settle(error, true) })
  }
  return run
}
