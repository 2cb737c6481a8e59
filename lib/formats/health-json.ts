import type { CheckResult, Gate, ProbeResult } from '../result.js'
import { errorText } from '../run-check.js'
import type { HealthJsonCheck, HealthJsonReport, HealthzInfo } from '../types.js'
import { eachListed, NOT_LISTENING_TEXT, notListed, reasonsText, SHUTTING_DOWN_TEXT } from './json.js'

/**
 * The draft's `{componentName}:{measurementName}` key of a check: what is
 * observed of it is the duration of its run, the draft's predefined
 * `responseTime`. Check names never contain a colon.
 */
export function checkKey (name: string): string {
  return `${name}:responseTime`
}

function gateOutput (gate: Gate, verbose: boolean): string {
  switch (gate.kind) {
    case 'shutting-down': return SHUTTING_DOWN_TEXT
    case 'not-listening': return NOT_LISTENING_TEXT
    case 'not-ready': return reasonsText(gate.reasons, verbose)
  }
}

function checkEntry (check: CheckResult, details: boolean): HealthJsonCheck {
  const entry: HealthJsonCheck = { status: check.status }
  // A check that has no result yet (a background check before its first run) was observed at no time.
  if (check.settledAt !== undefined) {
    entry.observedValue = check.durationMs
    entry.observedUnit = 'ms'
    entry.time = new Date(check.settledAt).toISOString()
  }
  // The draft: output SHOULD be omitted for a passing check.
  if (check.status !== 'pass' && check.output !== undefined) entry.output = check.output
  if (details) {
    const text = errorText(check.error)
    if (text !== undefined) entry.error = text
  }
  return entry
}

/**
 * A probe result as `application/health+json` (draft-inadarei-api-health-check-06):
 * `status` (`pass`, `warn` or `fail`), the `info` option's `version`,
 * `releaseId`, `serviceId` and `description`, and `checks` keyed
 * `<check>:responseTime`, each a one-element array with the check's status,
 * the duration of its run (`observedValue` in `observedUnit` `ms`), when it
 * settled (`time`) and its public `output`. The checks listed are those of
 * the JSON format: failing and warning ones, every one (but those excluded)
 * with `?verbose`. Readiness overridden by the lifecycle says why in
 * `output`. The draft's `output` is raw error output: here it is the public
 * output only, and `details` adds, to verbose answers, an `error` with the
 * text of what the check threw.
 */
export function renderHealthJson (result: ProbeResult, details: boolean, info?: Readonly<HealthzInfo>): HealthJsonReport {
  const { gate, verbose } = result
  const notes: string[] = []
  if (verbose && result.latched) notes.push(`The ${result.probe} probe passed once and passes from now on.`)
  let checks: Record<string, HealthJsonCheck[]> | undefined
  if (verbose || (gate === undefined && result.status !== 'pass')) {
    const listed: Record<string, HealthJsonCheck[]> = {}
    const left = eachListed(result.checks, verbose, (check) => check.name.length + (check.output === undefined ? 0 : JSON.stringify(check.output).length) + 120,
      (check) => { listed[checkKey(check.name)] = [checkEntry(check, details)] })
    if (left > 0) notes.push(notListed(left))
    checks = listed
  }
  // In the order of the draft's example, which is also the response schema's.
  const report: HealthJsonReport = { status: result.status }
  if (info?.version !== undefined) report.version = info.version
  if (info?.releaseId !== undefined) report.releaseId = info.releaseId
  if (notes.length > 0) report.notes = notes
  if (gate !== undefined) report.output = gateOutput(gate, verbose)
  if (info?.serviceId !== undefined) report.serviceId = info.serviceId
  if (info?.description !== undefined) report.description = info.description
  if (checks !== undefined) report.checks = checks
  return report
}
