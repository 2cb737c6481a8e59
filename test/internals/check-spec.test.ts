import t from 'tap'
import { checkSpec } from '../../lib/check-spec.js'

const defaults = { timeout: 500, cacheTtl: 0, probes: ['live', 'ready', 'startup'] }

t.test('a spec is validated, completed with the defaults and frozen', async (t) => {
  const check = (): void => {}
  const spec = checkSpec('db', check, { probes: ['ready', 'startup', 'ready'] }, defaults)
  t.same(spec, { name: 'db', check, probes: ['ready', 'startup'], timeout: 500, cacheTtl: 0, critical: true, interval: 0, failureThreshold: 1, successThreshold: 1 })
  t.ok(Object.isFrozen(spec))
  t.ok(Object.isFrozen(spec.probes))
  t.same(checkSpec('bg', check, { interval: 1000, critical: false, timeout: 50 }, defaults), { name: 'bg', check, probes: ['ready'], timeout: 50, cacheTtl: 0, critical: false, interval: 1000, failureThreshold: 1, successThreshold: 1 })
  t.match(checkSpec('damped', check, { failureThreshold: 3, successThreshold: 100 }, defaults), { failureThreshold: 3, successThreshold: 100 })
  t.same(checkSpec('x', check, undefined, defaults).probes, ['ready'])
})

t.test('each bad argument is named in the error', async (t) => {
  const check = (): void => {}
  t.throws(() => checkSpec('a b', check, {}, defaults), { code: 'FST_HEALTHZ_INVALID_CHECK_NAME' })
  t.throws(() => checkSpec('x', 1, {}, defaults), { code: 'FST_HEALTHZ_INVALID_CHECK' })
  t.throws(() => checkSpec('x', check, 'fast', defaults), { code: 'FST_HEALTHZ_INVALID_CHECK_OPTION', message: /options must be an object, got 'fast'/ })
  t.throws(() => checkSpec('x', check, { interval: 10, cacheTtl: 10 }, defaults), { code: 'FST_HEALTHZ_INVALID_CHECK_OPTION', message: /exclude each other/ })
  t.throws(() => checkSpec('x', check, { probes: ['deep'] }, defaults), { code: 'FST_HEALTHZ_UNKNOWN_PROBE', message: /probe 'deep' is not served/ })
})
