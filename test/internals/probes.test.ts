import t from 'tap'
import { HealthError } from '../../lib/errors.js'
import { deferred, sleep } from '../helpers/app.js'
import { parts } from './engine-parts.js'

t.test('a passing, non-verbose probe gets its shared result', async (t) => {
  const { probes, add, probe } = parts()
  add('a', () => {}, { probes: ['live'] })
  add('b', () => {}, { probes: ['live'] })
  const live = probe('live')
  t.equal(probes.evaluate(live, false), live.passed)
  t.equal(probes.evaluate(live, false), live.passed)
  t.ok(Object.isFrozen(live.passed))
})

t.test('results list every check of the request, excluded ones flagged', async (t) => {
  const { probes, add, probe } = parts()
  add('db', () => { throw new HealthError('down') })
  add('cache', () => ({ status: 'warn', output: 'cold' }), { critical: false })
  add('bg', () => {}, { interval: 1000 })
  const result = await probes.evaluate(probe('ready'), true, new Set(['cache']))
  t.equal(result.status, 'fail')
  t.match(result.checks, [
    { name: 'db', status: 'fail', output: 'down', excluded: false, cached: false, critical: true, background: false, settledAt: Number },
    { name: 'cache', excluded: true, settledAt: undefined },
    { name: 'bg', status: 'fail', output: 'pending: no result yet', background: true, settledAt: undefined }
  ])
  t.ok(Math.abs((result.checks[0].settledAt as number) - Date.now()) < 1000, 'settledAt is a time since the epoch')
  t.match(result.lifecycle, { phase: 'starting', started: false })
})

t.test('policy: ready is gated, startup latches on a full evaluation only, other probes are like live', async (t) => {
  const { probes, lifecycle, add, probe } = parts()
  let failing = true
  add('db', () => { if (failing) throw new Error('down') }, { probes: ['startup', 'ready', 'deep'] })
  add('ok', () => {}, { probes: ['startup'] })
  const startup = probe('startup')
  const only = (await probes.evaluate(startup, false, new Set(['db'])))
  t.equal(only.status, 'pass')
  t.notOk(lifecycle.started, 'a probe that left a check out does not latch')
  failing = false
  t.equal(probes.evaluate(startup, false), startup.passed)
  t.ok(lifecycle.started, 'a full pass latches')
  failing = true
  t.equal(probes.evaluate(startup, false), startup.latchedPass)
  t.match(await probes.evaluate(startup, true), { status: 'pass', latched: true, checks: [{ name: 'db', status: 'fail' }, { name: 'ok', status: 'pass' }] })

  lifecycle.drain().catch(() => {})
  t.match(probes.evaluate(probe('ready'), false), { status: 'fail', gate: { kind: 'shutting-down' }, checks: [] })
  t.match(probes.evaluate(probe('deep'), false), { status: 'fail', gate: undefined }, 'a custom probe ignores the lifecycle')
})

t.test('a probe waits for its pending checks with one promise', async (t) => {
  const { probes, add, probe } = parts()
  const gate = deferred()
  add('slow', async () => { await gate.promise })
  add('fast', () => {})
  const pending = probes.evaluate(probe('ready'), true)
  t.ok(pending instanceof Promise)
  gate.resolve()
  t.match(await pending, { status: 'pass', checks: [{ name: 'slow' }, { name: 'fast' }] })
})

t.test('a passing answer that is not verbose is the shared result, whether it waited or not', async (t) => {
  const { probes, add, probe } = parts()
  const gate = deferred()
  add('slow', async () => { await gate.promise })
  const waited = probes.evaluate(probe('ready'), false)
  gate.resolve()
  t.equal(await waited, probe('ready').passed, 'no list of checks built for a body that shows none')
  t.equal(await probes.evaluate(probe('ready'), false), probe('ready').passed, 'and again')
  add('warns', async () => ({ status: 'warn', output: 'slow' }))
  t.match(await probes.evaluate(probe('ready'), false), { status: 'warn', checks: [{ name: 'slow' }, { name: 'warns', output: 'slow' }] }, 'a warning lists its checks')
})

t.test('changes of a check and of its probes are announced once each', async (t) => {
  const { probes, changes, add, probe, lifecycle } = parts()
  let failing = true
  add('db', () => { if (failing) throw new Error('secret') }, { probes: ['ready', 'deep'] })
  for (let i = 0; i < 3; i++) probes.evaluate(probe('ready'), false)
  failing = false
  for (let i = 0; i < 3; i++) probes.evaluate(probe('deep'), false)
  lifecycle.markNotReady('maintenance')
  lifecycle.markReady()
  t.match(changes.map((change) => change.type === 'check' ? `${change.check}:${change.from}>${change.to}` : `${change.probe}:${change.from}>${change.to}`), [
    'db:pending>fail', 'ready:pass>fail', 'deep:pass>fail',
    'db:fail>pass', 'ready:fail>pass', 'deep:fail>pass',
    'ready:pass>fail', 'ready:fail>pass'
  ])
  t.match(changes[0], { type: 'check', probes: ['ready', 'deep'], output: 'check failed', error: { message: 'secret' }, at: Number })
})

t.test('a listener that throws does not keep the others from hearing', async (t) => {
  const { bus, listenerErrors, changes, add, probes, probe } = parts()
  const unsubscribe = bus.subscribe(() => { throw new Error('listener bug') })
  add('db', () => { throw new Error('x') })
  probes.evaluate(probe('ready'), false)
  t.equal(listenerErrors.length, 2)
  t.equal(changes.length, 2)
  unsubscribe()
  await sleep(0)
})

t.test('an exclusion after passing checks keeps their outcomes', async (t) => {
  const { probes, add, probe } = parts()
  add('a', () => {})
  add('b', () => { throw new Error('x') })
  const result = await probes.evaluate(probe('ready'), true, new Set(['b']))
  t.match(result, { status: 'pass', checks: [{ name: 'a', status: 'pass', excluded: false }, { name: 'b', excluded: true }] })
})
