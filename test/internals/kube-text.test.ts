import t from 'tap'
import { HealthError } from '../../lib/errors.js'
import { LIST_BUDGET } from '../../lib/formats/json.js'
import { OK, renderKubeText } from '../../lib/formats/kube-text.js'
import type { CheckResult, ProbeResult } from '../../lib/result.js'

const check = (name: string, fields: Partial<CheckResult> = {}): CheckResult => ({
  name, status: 'pass', output: undefined, error: undefined, excluded: false, durationMs: 1.5, settledAt: 1_700_000_000_000, since: undefined, cached: false, critical: true, background: false, ...fields
})
const result = (fields: Partial<ProbeResult>): ProbeResult => ({
  probe: 'ready', status: 'pass', gate: undefined, latched: false, verbose: false, checks: [], lifecycle: undefined, ...fields
})
const serving = { phase: 'serving' as const, started: false }
const withheld = { status: 'fail' as const, output: 'check failed', error: new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2') }

// Golden bodies: kube-apiserver's `[+]name ok` lines (k8s.io/apiserver/pkg/server/healthz, handleRootHealth).
const golden: Array<[string, ProbeResult, boolean, string | undefined, string]> = [
  ['pass', result({}), false, undefined, 'ok'],
  ['pass, with a version: only verbose shows it', result({ checks: [check('db')] }), false, '1.4.2', 'ok'],
  ['verbose pass', result({ verbose: true, lifecycle: serving, checks: [check('db'), check('cache', { output: '3 replicas' })] }), false, undefined,
    '[+]db ok\n[+]cache ok\nready check passed\n'],
  ['verbose pass, no checks, a version', result({ probe: 'live', verbose: true, lifecycle: serving }), false, '1.4.2',
    'version: 1.4.2\nlive check passed\n'],
  ['warn', result({ status: 'warn', checks: [check('db'), check('cache', { status: 'warn', output: 'cold' }), check('disk', { status: 'warn' })] }), false, undefined,
    '[+]db ok\n[+]cache warn: cold\n[+]disk warn\nready check passed\n'],
  ['a non-critical check failing with its text withheld', result({ status: 'warn', checks: [check('cache', { ...withheld, status: 'warn', critical: false })] }), false, undefined,
    '[+]cache warn: reason withheld\nready check passed\n'],
  ['fail: every check is listed, as kube-apiserver does', result({ status: 'fail', checks: [check('db', withheld), check('cache'), check('search', { status: 'fail', output: 'Search is down' })] }), false, undefined,
    '[-]db failed: reason withheld\n[+]cache ok\n[-]search failed: Search is down\nready check failed\n'],
  ['fail without any output', result({ status: 'fail', checks: [check('db', { status: 'fail' })] }), false, undefined,
    '[-]db failed: reason withheld\nready check failed\n'],
  ['fail with a timeout', result({ status: 'fail', checks: [check('db', { status: 'fail', output: 'timed out after 500 ms' })] }), false, undefined,
    '[-]db failed: timed out after 500 ms\nready check failed\n'],
  ['fail, excluded', result({ status: 'fail', checks: [check('db', withheld), check('cache', { excluded: true, settledAt: undefined, durationMs: 0 })] }), false, undefined,
    '[-]db failed: reason withheld\n[+]cache excluded: ok\nready check failed\n'],
  ['verbose, excluded', result({ verbose: true, lifecycle: serving, checks: [check('db'), check('cache', { excluded: true, settledAt: undefined, durationMs: 0 })] }), false, undefined,
    '[+]db ok\n[+]cache excluded: ok\nready check passed\n'],
  ['verbose fail, details not allowed', result({ status: 'fail', verbose: true, lifecycle: serving, checks: [check('db', withheld)] }), false, '1.4.2',
    'version: 1.4.2\n[-]db failed: reason withheld\nready check failed\n'],
  ['verbose fail, details allowed', result({ status: 'fail', verbose: true, lifecycle: serving, checks: [check('db', withheld), check('search', { status: 'fail', output: 'Search is down', error: new HealthError('Search is down', { cause: new Error('503 from search:9200') }) }), check('queue', { status: 'fail', output: 'Queue is down', error: new HealthError('Queue is down') })] }), true, undefined,
    '[-]db failed: Error: connect ECONNREFUSED 10.0.0.5:5432 password=hunter2\n[-]search failed: Search is down (Error: 503 from search:9200)\n[-]queue failed: Queue is down\nready check failed\n'],
  ['a pending background check', result({ status: 'fail', checks: [check('bg', { status: 'fail', output: 'pending: no result yet', settledAt: undefined, durationMs: 0, background: true })] }), false, undefined,
    '[-]bg failed: pending: no result yet\nready check failed\n'],
  ['line breaks in an output cannot forge lines', result({ status: 'fail', checks: [check('db', { status: 'fail', output: 'down\n[+]fake ok\r\tend' })] }), false, undefined,
    '[-]db failed: down [+]fake ok  end\nready check failed\n'],
  ['draining', result({ status: 'fail', gate: { kind: 'shutting-down' } }), false, undefined,
    '[-]shutdown failed: The service is shutting down.\nready check failed\n'],
  ['draining, verbose', result({ status: 'fail', gate: { kind: 'shutting-down' }, verbose: true, lifecycle: { phase: 'draining', started: true }, checks: [check('db')] }), false, undefined,
    '[-]shutdown failed: The service is shutting down.\n[+]db ok\nready check failed\n'],
  ['not listening', result({ status: 'fail', gate: { kind: 'not-listening' } }), false, undefined,
    '[-]listening failed: The app is not listening yet.\nready check failed\n'],
  ['not ready, with reasons', result({ status: 'fail', gate: { kind: 'not-ready', reasons: ['warming caches', 'lost leader\nlock'] } }), false, undefined,
    '[-]marked-not-ready failed: warming caches\n[-]marked-not-ready failed: lost leader lock\nready check failed\n'],
  ['startup not latched', result({ probe: 'startup', status: 'fail', checks: [check('migrations', { status: 'fail', output: 'pending migrations' }), check('db')] }), false, undefined,
    '[-]migrations failed: pending migrations\n[+]db ok\nstartup check failed\n'],
  ['startup latched', result({ probe: 'startup', latched: true }), false, undefined, 'ok'],
  ['startup latched, verbose', result({ probe: 'startup', latched: true, verbose: true, lifecycle: { phase: 'serving', started: true }, checks: [check('db', { status: 'fail', output: 'down' })] }), false, undefined,
    '[-]db failed: down\nlatched: startup passed once and passes from now on\nstartup check passed\n'],
  ['custom probe', result({ probe: 'deep', status: 'fail', checks: [check('s3', { status: 'fail', output: 'S3 down' })] }), false, undefined,
    '[-]s3 failed: S3 down\ndeep check failed\n']
]

for (const [state, probeResult, details, version, body] of golden) {
  t.test(`kube text: ${state}`, async (t) => {
    t.equal(renderKubeText(probeResult, details, version), body)
  })
}

t.test('a passing, non-verbose probe answers "ok" without a line break, as kube-apiserver does', async (t) => {
  t.equal(renderKubeText(result({}), false), OK)
  t.equal(OK, 'ok')
})

t.test('a non-verbose body stays within the budget: failing lines first, the rest counted', async (t) => {
  const checks = [
    ...Array.from({ length: 200 }, (_, i) => check(`ok-${i}`)),
    ...Array.from({ length: 40 }, (_, i) => check(`down-${i}`, { status: 'fail', output: `é${'x'.repeat(250)}` }))
  ]
  const body = renderKubeText(result({ status: 'fail', checks }), false)
  t.ok(Buffer.byteLength(body) < 10 * 1024, `${Buffer.byteLength(body)} bytes, under the 10 KiB the kubelet reads`)
  const lines = body.split('\n')
  t.match(lines[0], /^\[-\]down-0 failed: é/)
  t.notOk(lines.some((line) => line.startsWith('[+]')), 'passing lines make way for failing ones')
  const listed = lines.filter((line) => line.startsWith('[-]')).length
  t.ok(listed > 20 && listed < 40)
  t.equal(lines.at(-3), `warn: ${240 - listed} more lines are not listed: see ?verbose`)
  t.equal(lines.at(-2), 'ready check failed')

  const verbose = renderKubeText(result({ status: 'fail', verbose: true, lifecycle: serving, checks }), false)
  t.equal(verbose.split('\n').length, 242, '?verbose lists them all')

  const fits = Array.from({ length: 100 }, (_, i) => check(`check-${i}`))
  fits.push(check('db', { status: 'fail', output: 'down' }))
  t.equal(renderKubeText(result({ status: 'fail', checks: fits }), false).split('\n').length, 103, 'every line while they fit')

  const reasons = Array.from({ length: 100 }, (_, i) => `reason ${i} ${'r'.repeat(200)}`)
  const gated = renderKubeText(result({ status: 'fail', gate: { kind: 'not-ready', reasons } }), false)
  t.ok(Buffer.byteLength(gated) <= LIST_BUDGET + 200)
  t.match(gated, /\nwarn: \d+ more lines are not listed: see \?verbose\nready check failed\n$/)

  const one = renderKubeText(result({ status: 'fail', checks: [check('a', { status: 'fail', output: 'a'.repeat(4000) }), check('b', { status: 'fail', output: 'b'.repeat(4000) }), check('c', { status: 'fail', output: 'c'.repeat(400) })] }), false)
  t.match(one, /\nwarn: 1 more line is not listed: see \?verbose\nready check failed\n$/)
})
