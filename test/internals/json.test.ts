import t from 'tap'
import { renderJson, PASS } from '../../lib/formats/json.js'
import type { CheckResult, ProbeResult } from '../../lib/result.js'

const check = (name: string, fields: Partial<CheckResult> = {}): CheckResult => ({
  name, status: 'pass', output: undefined, error: undefined, excluded: false, durationMs: 1.5, settledAt: 1_700_000_000_000, since: undefined, cached: false, critical: true, background: false, ...fields
})
const result = (fields: Partial<ProbeResult>): ProbeResult => ({
  probe: 'ready', status: 'pass', gate: undefined, latched: false, verbose: false, checks: [], lifecycle: undefined, ...fields
})
const serving = { phase: 'serving' as const, started: false }

// Golden bodies: the exact JSON of every state, in the key order the response schema serializes.
const golden: Array<[string, ProbeResult, boolean, string]> = [
  ['pass', result({}), false, '{"status":200,"title":"OK"}'],
  ['pass with checks', result({ checks: [check('db')] }), false, '{"status":200,"title":"OK"}'],
  ['warn', result({ status: 'warn', checks: [check('db'), check('cache', { status: 'warn', output: 'cold' })] }), false,
    '{"status":200,"title":"OK","checks":{"cache":{"status":"warn","output":"cold"}}}'],
  ['fail, withheld', result({ status: 'fail', checks: [check('db', { status: 'fail', output: 'check failed', error: new Error('password=hunter2') })] }), false,
    '{"status":503,"title":"Service Unavailable","checks":{"db":{"status":"fail","output":"check failed"}}}'],
  ['fail, details', result({ status: 'fail', verbose: true, lifecycle: serving, checks: [check('db', { status: 'fail', output: 'check failed', error: new Error('refused') })] }), true,
    '{"status":503,"title":"Service Unavailable","checks":{"db":{"status":"fail","output":"check failed","durationMs":1.5,"cached":false,"critical":true,"error":"Error: refused"}},"lifecycle":{"phase":"serving","started":false}}'],
  ['verbose pass, excluded and background', result({ verbose: true, lifecycle: serving, checks: [check('db', { cached: true }), check('cache', { excluded: true }), check('bg', { background: true })] }), false,
    '{"status":200,"title":"OK","checks":{"db":{"status":"pass","durationMs":1.5,"cached":true,"critical":true},"bg":{"status":"pass","durationMs":1.5,"cached":false,"critical":true,"background":true}},"lifecycle":{"phase":"serving","started":false}}'],
  ['warn without output', result({ status: 'warn', checks: [check('cache', { status: 'warn' })] }), false,
    '{"status":200,"title":"OK","checks":{"cache":{"status":"warn"}}}'],
  ['one check over the budget', result({ status: 'fail', checks: ['a', 'b', 'c'].map((name) => check(name, { status: 'fail', output: name.repeat(3500) })) }), false,
    `{"status":503,"title":"Service Unavailable","checks":{"a":{"status":"fail","output":"${'a'.repeat(3500)}"},"b":{"status":"fail","output":"${'b'.repeat(3500)}"}},"detail":"1 more failing or warning check is not listed: see ?verbose."}`],
  ['draining', result({ status: 'fail', gate: { kind: 'shutting-down' } }), false,
    '{"status":503,"title":"Shutting Down","detail":"The service is shutting down."}'],
  ['draining, verbose', result({ status: 'fail', gate: { kind: 'shutting-down' }, verbose: true, lifecycle: { phase: 'draining', started: true }, checks: [check('db')] }), false,
    '{"status":503,"title":"Shutting Down","detail":"The service is shutting down.","checks":{"db":{"status":"pass","durationMs":1.5,"cached":false,"critical":true}},"lifecycle":{"phase":"draining","started":true}}'],
  ['not ready', result({ status: 'fail', gate: { kind: 'not-ready', reasons: ['warming', 'lock'] } }), false,
    '{"status":503,"title":"Not Ready","detail":"warming; lock"}'],
  ['not listening', result({ status: 'fail', gate: { kind: 'not-listening' } }), false,
    '{"status":503,"title":"Not Ready","detail":"The app is not listening yet."}'],
  ['startup not latched', result({ probe: 'startup', status: 'fail', checks: [check('db', { status: 'fail', output: 'timed out after 500 ms' })] }), false,
    '{"status":503,"title":"Service Unavailable","checks":{"db":{"status":"fail","output":"timed out after 500 ms"}}}'],
  ['startup latched, verbose', result({ probe: 'startup', latched: true, verbose: true, lifecycle: { phase: 'serving', started: true }, checks: [check('db', { status: 'fail', output: 'down' })] }), false,
    '{"status":200,"title":"OK","checks":{"db":{"status":"fail","output":"down","durationMs":1.5,"cached":false,"critical":true}},"lifecycle":{"phase":"serving","started":true}}'],
  ['custom probe', result({ probe: 'deep', status: 'fail', checks: [check('s3', { status: 'fail', output: 'S3 down', critical: true })] }), false,
    '{"status":503,"title":"Service Unavailable","checks":{"s3":{"status":"fail","output":"S3 down"}}}']
]

for (const [state, probeResult, details, body] of golden) {
  t.test(`JSON body: ${state}`, async (t) => {
    t.equal(JSON.stringify(renderJson(probeResult, details)), body)
  })
}

t.test('JSON body: the info option\'s version, in verbose bodies only', async (t) => {
  t.equal(renderJson(result({}), false, '1.4.2'), PASS)
  t.equal(JSON.stringify(renderJson(result({ status: 'fail', checks: [check('db', { status: 'fail', output: 'down' })] }), false, '1.4.2')),
    '{"status":503,"title":"Service Unavailable","checks":{"db":{"status":"fail","output":"down"}}}')
  t.equal(JSON.stringify(renderJson(result({ verbose: true, lifecycle: serving, checks: [check('db')] }), false, '1.4.2')),
    '{"status":200,"title":"OK","version":"1.4.2","checks":{"db":{"status":"pass","durationMs":1.5,"cached":false,"critical":true}},"lifecycle":{"phase":"serving","started":false}}')
  t.equal(JSON.stringify(renderJson(result({ status: 'fail', gate: { kind: 'shutting-down' }, verbose: true, lifecycle: { phase: 'draining', started: true } }), false, '1.4.2')),
    '{"status":503,"title":"Shutting Down","detail":"The service is shutting down.","version":"1.4.2","checks":{},"lifecycle":{"phase":"draining","started":true}}')
})

t.test('a passing, non-verbose probe is answered with the shared frozen body', async (t) => {
  t.equal(renderJson(result({}), false), PASS)
  t.ok(Object.isFrozen(PASS))
})
