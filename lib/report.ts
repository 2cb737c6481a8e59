import { errorText, type Outcome } from './run-check.js'
import type { CheckReport, HealthReport } from './types.js'

/** The body of every passing, non-verbose probe: built once, never mutated. */
export const PASS: HealthReport = Object.freeze({ status: 200, title: 'OK' })

/** The part of a check that a report needs besides its outcome. */
export interface ReportedCheck {
  readonly name: string
  readonly critical: boolean
  /** Milliseconds between background runs; 0 for a check that runs per probe. */
  readonly interval: number
}

/**
 * Turns outcomes into the body a probe serves. Outcomes settled before `since`
 * (when the request began) are reported as cached. Without `verbose`, a probe
 * whose checks all pass gets the shared `PASS` body, and otherwise only its
 * failing and warning checks are listed. `details` adds, to verbose reports,
 * the text of what failing checks threw.
 */
export function buildReport (checks: readonly ReportedCheck[], outcomes: readonly Outcome[], since: number, verbose: boolean, details: boolean): HealthReport {
  let failed = false
  let clean = true
  for (const outcome of outcomes) {
    if (outcome.status === 'fail') failed = true
    if (outcome.status !== 'pass') clean = false
  }
  if (clean && !verbose) return PASS

  const reports: Record<string, CheckReport> = {}
  for (let i = 0; i < outcomes.length; i++) {
    const { status, output, durationMs, settledAt, error } = outcomes[i]
    if (!verbose && status === 'pass') continue
    const report: CheckReport = { status }
    if (output !== undefined) report.output = output
    if (verbose) {
      report.durationMs = durationMs
      report.cached = settledAt < since
      report.critical = checks[i].critical
      if (checks[i].interval > 0) report.background = true
      if (details) {
        const text = errorText(error)
        if (text !== undefined) report.error = text
      }
    }
    reports[checks[i].name] = report
  }
  return failed
    ? { status: 503, title: 'Service Unavailable', checks: reports }
    : { status: 200, title: 'OK', checks: reports }
}
