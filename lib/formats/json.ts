import type { CheckResult, Gate, ProbeResult } from '../result.js'
import { errorText } from '../run-check.js'
import type { CheckReport, HealthReport } from '../types.js'

/** The body of every passing, non-verbose probe: built once, never mutated. */
export const PASS: HealthReport = Object.freeze({ status: 200, title: 'OK' })

/** Why readiness fails regardless of its checks, in every format. */
export const SHUTTING_DOWN_TEXT = 'The service is shutting down.'
export const NOT_LISTENING_TEXT = 'The app is not listening yet.'

const FAIL: HealthReport = Object.freeze({ status: 503, title: 'Service Unavailable' })
const SHUTTING_DOWN: HealthReport = Object.freeze({ status: 503, title: 'Shutting Down', detail: SHUTTING_DOWN_TEXT })
const NOT_LISTENING: HealthReport = Object.freeze({ status: 503, title: 'Not Ready', detail: NOT_LISTENING_TEXT })

/**
 * What the non-verbose lists of checks and reasons may take of a body, in
 * characters of JSON, so that every non-verbose body stays well under the
 * 10 KiB the kubelet reads; the rest is counted, and `?verbose` lists it all.
 */
export const LIST_BUDGET = 8192

function gateReport (gate: Gate, verbose: boolean): HealthReport {
  switch (gate.kind) {
    case 'shutting-down': return SHUTTING_DOWN
    case 'not-listening': return NOT_LISTENING
    case 'not-ready': return { status: 503, title: 'Not Ready', detail: reasonsText(gate.reasons, verbose) }
  }
}

/** The reasons given to `markNotReady()`, all of them when verbose, else as many as the budget takes. */
export function reasonsText (reasons: readonly string[], verbose: boolean): string {
  if (verbose) return reasons.join('; ')
  let used = 0
  let shown = 0
  while (shown < reasons.length && used + JSON.stringify(reasons[shown]).length <= LIST_BUDGET) used += JSON.stringify(reasons[shown++]).length + 2
  const text = reasons.slice(0, shown).join('; ')
  return shown === reasons.length ? text : `${text}; and ${reasons.length - shown} more`
}

/**
 * Calls `each` for the checks a body lists: when verbose, every check but
 * the excluded ones; otherwise the failing and warning ones, in order, until
 * the next would take the list past the budget (`size` is a check's share of
 * it). Returns how many failing or warning checks were left out.
 */
export function eachListed (checks: readonly CheckResult[], verbose: boolean, size: (check: CheckResult) => number, each: (check: CheckResult) => void): number {
  let used = 0
  let left = 0
  for (const check of checks) {
    if (check.excluded || (!verbose && check.status === 'pass')) continue
    if (!verbose) {
      const share = size(check)
      if (left > 0 || used + share > LIST_BUDGET) {
        left++
        continue
      }
      used += share
    }
    each(check)
  }
  return left
}

/** What a body says of the checks `eachListed()` left out. */
export function notListed (left: number): string {
  return `${left} more failing or warning ${left === 1 ? 'check is' : 'checks are'} not listed: see ?verbose.`
}

/** Sets a key as an own property, even `__proto__`, which plain assignment would take as the prototype. */
function setOwn (record: Record<string, CheckReport>, key: string, value: CheckReport): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}

function checkReport (check: CheckResult, verbose: boolean, details: boolean): CheckReport {
  const report: CheckReport = { status: check.status }
  if (check.output !== undefined) report.output = check.output
  if (verbose) {
    report.durationMs = check.durationMs
    report.cached = check.cached
    report.critical = check.critical
    if (check.background) report.background = true
    if (check.since !== undefined) report.since = new Date(check.since).toISOString()
    if (details) {
      const text = errorText(check.error)
      if (text !== undefined) report.error = text
    }
  }
  return report
}

/**
 * The JSON body of a probe result, as flask-healthz users parse it:
 * `{"status":200,"title":"OK"}` when it passes, and otherwise its failing and
 * warning checks; verbose bodies list every check (excluded ones are left
 * out), the lifecycle and the `info` option's `version`. `details` adds, to
 * verbose bodies, the text of what failing checks threw.
 */
export function renderJson (result: ProbeResult, details: boolean, version?: string): HealthReport {
  const { gate, verbose } = result
  if (!verbose) {
    if (gate !== undefined) return gateReport(gate, false)
    if (result.status === 'pass') return PASS
  }
  const checks: Record<string, CheckReport> = {}
  const left = eachListed(result.checks, verbose, (check) => check.name.length + (check.output === undefined ? 0 : JSON.stringify(check.output).length) + 40,
    (check) => { setOwn(checks, check.name, checkReport(check, verbose, details)) })
  const head: HealthReport = gate !== undefined
    ? gateReport(gate, verbose)
    : result.status === 'fail' ? FAIL : PASS
  const report: HealthReport = { ...head }
  if (verbose && version !== undefined) report.version = version
  report.checks = checks
  if (left > 0) report.detail = notListed(left)
  if (verbose) report.lifecycle = result.lifecycle
  return report
}
