import type { CheckResult, Gate, ProbeResult } from '../result.js'
import { errorText, WITHHELD } from '../run-check.js'
import { LIST_BUDGET, NOT_LISTENING_TEXT, SHUTTING_DOWN_TEXT } from './json.js'

/** The body of every passing, non-verbose probe, as kube-apiserver answers it: no line break. */
export const OK = 'ok'

// eslint-disable-next-line no-control-regex -- control characters are what it replaces
const CONTROL = /[\u0000-\u001f\u007f]/g

/** One line of text: a line break in an output must not forge a line of its own (`\n[+]db ok`). */
function oneLine (text: string): string {
  return text.replace(CONTROL, ' ')
}

/** The lifecycle's overrides, as lines of checks, the way kube-apiserver reports its own `shutdown` check. */
function gateLines (gate: Gate): string[] {
  switch (gate.kind) {
    case 'shutting-down': return [`[-]shutdown failed: ${SHUTTING_DOWN_TEXT}`]
    case 'not-listening': return [`[-]listening failed: ${NOT_LISTENING_TEXT}`]
    case 'not-ready': return gate.reasons.map((reason) => `[-]marked-not-ready failed: ${oneLine(reason)}`)
  }
}

const REASON_WITHHELD = 'reason withheld'

/**
 * What a failing or warning check says: its public output, or `reason
 * withheld` in place of the text of an error; with `details`, the text of
 * what it threw too, as kube-apiserver writes it to its log. Undefined for a
 * warning without output.
 */
function reason (check: CheckResult, details: boolean): string | undefined {
  const { output } = check
  const error = details ? errorText(check.error) : undefined
  if (output === WITHHELD) return error === undefined ? REASON_WITHHELD : oneLine(error)
  if (error !== undefined) return oneLine(`${output as string} (${error})`)
  return output === undefined ? undefined : oneLine(output)
}

function checkLine (check: CheckResult, details: boolean): string {
  if (check.excluded) return `[+]${check.name} excluded: ok`
  if (check.status === 'pass') return `[+]${check.name} ok`
  const text = reason(check, details)
  // A warning does not fail the probe: it keeps the `[+]` of the lines that pass.
  if (check.status === 'warn') return text === undefined ? `[+]${check.name} warn` : `[+]${check.name} warn: ${text}`
  return `[-]${check.name} failed: ${text ?? REASON_WITHHELD}`
}

function bytes (lines: readonly string[]): number {
  let size = 0
  for (const line of lines) size += Buffer.byteLength(line) + 1
  return size
}

/**
 * The lines of a non-verbose answer: every check, as kube-apiserver lists
 * them, while they fit the budget (counted in bytes); past it, the
 * lifecycle's lines and the failing and warning checks as far as they fit,
 * and a line that counts the rest.
 */
function boundedLines (gate: string[], checks: readonly CheckResult[]): string[] {
  const all = [...gate, ...checks.map((check) => checkLine(check, false))]
  if (bytes(all) <= LIST_BUDGET) return all
  const kept: string[] = []
  let used = 0
  for (const line of [...gate, ...checks.filter((check) => !check.excluded && check.status !== 'pass').map((check) => checkLine(check, false))]) {
    used += Buffer.byteLength(line) + 1
    if (used > LIST_BUDGET) break
    kept.push(line)
  }
  const left = all.length - kept.length
  kept.push(`warn: ${left} more ${left === 1 ? 'line is' : 'lines are'} not listed: see ?verbose`)
  return kept
}

/**
 * A probe result in kube-apiserver's text format (k8s.io/apiserver
 * `healthz.handleRootHealth`): `ok` when it passes; otherwise, and always
 * with `?verbose`, a line per check (`[+]db ok`, `[-]db failed: <public
 * output>` or `reason withheld`, `[+]db excluded: ok`), then `<probe> check
 * passed` or `<probe> check failed`. Warnings read `[+]db warn: <output>`;
 * readiness overridden by the lifecycle adds a failing line first
 * (`[-]shutdown failed: …`). Verbose answers begin with the `info` option's
 * `version`; a latched startup probe says so before its verdict. A
 * non-verbose answer stays within the budget of the JSON format.
 */
export function renderKubeText (result: ProbeResult, details: boolean, version?: string): string {
  const { gate, verbose } = result
  if (!verbose && gate === undefined && result.status === 'pass') return OK
  const gated = gate === undefined ? [] : gateLines(gate)
  const lines = verbose ? [...gated, ...result.checks.map((check) => checkLine(check, details))] : boundedLines(gated, result.checks)
  if (verbose && version !== undefined) lines.unshift(`version: ${version}`)
  if (verbose && result.latched) lines.push(`latched: ${result.probe} passed once and passes from now on`)
  lines.push(`${result.probe} check ${result.status === 'fail' ? 'failed' : 'passed'}`)
  return `${lines.join('\n')}\n`
}
