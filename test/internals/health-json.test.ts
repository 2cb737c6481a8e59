import t from 'tap'
import { HealthError } from '../../lib/errors.js'
import { checkKey, renderHealthJson } from '../../lib/formats/health-json.js'
import type { CheckResult, ProbeResult } from '../../lib/result.js'
import type { HealthzInfo } from '../../lib/types.js'

const check = (name: string, fields: Partial<CheckResult> = {}): CheckResult => ({
  name, status: 'pass', output: undefined, error: undefined, excluded: false, durationMs: 1.5, settledAt: 1_700_000_000_000, since: undefined, cached: false, critical: true, background: false, ...fields
})
const result = (fields: Partial<ProbeResult>): ProbeResult => ({
  probe: 'ready', status: 'pass', gate: undefined, latched: false, verbose: false, checks: [], lifecycle: undefined, ...fields
})
const serving = { phase: 'serving' as const, started: false }
const info: HealthzInfo = { version: '1.4.2', releaseId: '2024.06.1-a1b2c3', serviceId: 'orders-api', description: 'Orders API' }
const withheld = { status: 'fail' as const, output: 'check failed', error: new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2') }
const at = '"observedValue":1.5,"observedUnit":"ms","time":"2023-11-14T22:13:20.000Z"'

// Golden bodies of draft-inadarei-api-health-check-06, in the key order the response schema serializes.
const golden: Array<[string, ProbeResult, boolean, HealthzInfo | undefined, string]> = [
  ['pass', result({}), false, undefined, '{"status":"pass"}'],
  ['pass, with info', result({ checks: [check('db')] }), false, info,
    '{"status":"pass","version":"1.4.2","releaseId":"2024.06.1-a1b2c3","serviceId":"orders-api","description":"Orders API"}'],
  ['pass, with part of the info', result({}), false, { serviceId: 'orders-api' }, '{"status":"pass","serviceId":"orders-api"}'],
  ['verbose pass: output is omitted for passing checks, as the draft says', result({ verbose: true, lifecycle: serving, checks: [check('db', { cached: true }), check('cache', { output: '3 replicas' })] }), false, undefined,
    `{"status":"pass","checks":{"db:responseTime":[{"status":"pass",${at}}],"cache:responseTime":[{"status":"pass",${at}}]}}`],
  ['warn', result({ status: 'warn', checks: [check('db'), check('cache', { status: 'warn', output: 'cold' }), check('disk', { status: 'warn' })] }), false, undefined,
    `{"status":"warn","checks":{"cache:responseTime":[{"status":"warn",${at},"output":"cold"}],"disk:responseTime":[{"status":"warn",${at}}]}}`],
  ['fail, withheld', result({ status: 'fail', checks: [check('db', withheld), check('search', { status: 'fail', output: 'Search is down' })] }), false, info,
    `{"status":"fail","version":"1.4.2","releaseId":"2024.06.1-a1b2c3","serviceId":"orders-api","description":"Orders API","checks":{"db:responseTime":[{"status":"fail",${at},"output":"check failed"}],"search:responseTime":[{"status":"fail",${at},"output":"Search is down"}]}}`],
  ['verbose fail, details not allowed', result({ status: 'fail', verbose: true, lifecycle: serving, checks: [check('db', withheld)] }), false, undefined,
    `{"status":"fail","checks":{"db:responseTime":[{"status":"fail",${at},"output":"check failed"}]}}`],
  ['verbose fail, details allowed', result({ status: 'fail', verbose: true, lifecycle: serving, checks: [check('db', withheld), check('search', { status: 'fail', output: 'Search is down', error: new HealthError('Search is down', { cause: new Error('503 from search:9200') }) }), check('queue', { status: 'fail', output: 'Queue is down', error: new HealthError('Queue is down') })] }), true, undefined,
    `{"status":"fail","checks":{"db:responseTime":[{"status":"fail",${at},"output":"check failed","error":"Error: connect ECONNREFUSED 10.0.0.5:5432 password=hunter2"}],"search:responseTime":[{"status":"fail",${at},"output":"Search is down","error":"Error: 503 from search:9200"}],"queue:responseTime":[{"status":"fail",${at},"output":"Queue is down"}]}}`],
  ['verbose, excluded checks are left out', result({ verbose: true, lifecycle: serving, checks: [check('db'), check('cache', { excluded: true, settledAt: undefined, durationMs: 0 })] }), false, undefined,
    `{"status":"pass","checks":{"db:responseTime":[{"status":"pass",${at}}]}}`],
  ['a pending background check was observed at no time', result({ status: 'fail', checks: [check('bg', { status: 'fail', output: 'pending: no result yet', settledAt: undefined, durationMs: 0, background: true })] }), false, undefined,
    '{"status":"fail","checks":{"bg:responseTime":[{"status":"fail","output":"pending: no result yet"}]}}'],
  ['draining', result({ status: 'fail', gate: { kind: 'shutting-down' } }), false, info,
    '{"status":"fail","version":"1.4.2","releaseId":"2024.06.1-a1b2c3","output":"The service is shutting down.","serviceId":"orders-api","description":"Orders API"}'],
  ['draining, verbose', result({ status: 'fail', gate: { kind: 'shutting-down' }, verbose: true, lifecycle: { phase: 'draining', started: true }, checks: [check('db')] }), false, undefined,
    `{"status":"fail","output":"The service is shutting down.","checks":{"db:responseTime":[{"status":"pass",${at}}]}}`],
  ['not listening', result({ status: 'fail', gate: { kind: 'not-listening' } }), false, undefined,
    '{"status":"fail","output":"The app is not listening yet."}'],
  ['not ready, with reasons', result({ status: 'fail', gate: { kind: 'not-ready', reasons: ['warming caches', 'lost leader lock'] } }), false, undefined,
    '{"status":"fail","output":"warming caches; lost leader lock"}'],
  ['startup not latched', result({ probe: 'startup', status: 'fail', checks: [check('migrations', { status: 'fail', output: 'pending migrations' }), check('db')] }), false, undefined,
    `{"status":"fail","checks":{"migrations:responseTime":[{"status":"fail",${at},"output":"pending migrations"}]}}`],
  ['startup latched', result({ probe: 'startup', latched: true }), false, undefined, '{"status":"pass"}'],
  ['startup latched, verbose', result({ probe: 'startup', latched: true, verbose: true, lifecycle: { phase: 'serving', started: true }, checks: [check('db', { status: 'fail', output: 'down' })] }), false, undefined,
    `{"status":"pass","notes":["The startup probe passed once and passes from now on."],"checks":{"db:responseTime":[{"status":"fail",${at},"output":"down"}]}}`],
  ['custom probe', result({ probe: 'deep', status: 'fail', checks: [check('s3', { status: 'fail', output: 'S3 down' })] }), false, undefined,
    `{"status":"fail","checks":{"s3:responseTime":[{"status":"fail",${at},"output":"S3 down"}]}}`],
  ['one check over the budget', result({ status: 'fail', checks: ['a', 'b', 'c'].map((name) => check(name, { status: 'fail', output: name.repeat(3500) })) }), false, undefined,
    `{"status":"fail","notes":["1 more failing or warning check is not listed: see ?verbose."],"checks":{"a:responseTime":[{"status":"fail",${at},"output":"${'a'.repeat(3500)}"}],"b:responseTime":[{"status":"fail",${at},"output":"${'b'.repeat(3500)}"}]}}`]
]

for (const [state, probeResult, details, serviceInfo, body] of golden) {
  t.test(`health+json body: ${state}`, async (t) => {
    t.equal(JSON.stringify(renderHealthJson(probeResult, details, serviceInfo)), body)
  })
}

t.test('checks are keyed by the draft\'s {componentName}:{measurementName}, the measurement being the run\'s duration', async (t) => {
  t.equal(checkKey('db'), 'db:responseTime')
})

t.test('non-verbose bodies stay within the budget; reasons too', async (t) => {
  const checks = Array.from({ length: 100 }, (_, i) => check(`down-${i}`, { status: 'fail', output: 'x'.repeat(256) }))
  const body = JSON.stringify(renderHealthJson(result({ status: 'fail', checks }), false))
  t.ok(body.length < 10 * 1024, `${body.length} characters`)
  t.match(body, /"notes":\["\d+ more failing or warning checks are not listed: see \?verbose\."\]/)
  const reasons = Array.from({ length: 100 }, (_, i) => `reason ${i} ${'r'.repeat(200)}`)
  const gated = renderHealthJson(result({ status: 'fail', gate: { kind: 'not-ready', reasons } }), false)
  t.match(gated.output, /; and \d+ more$/)
  t.equal(renderHealthJson(result({ status: 'fail', gate: { kind: 'not-ready', reasons }, verbose: true, lifecycle: serving }), false).output, reasons.join('; '), '?verbose gives them all')
})
