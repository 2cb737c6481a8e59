// The helpers shared by the ready-made checks: error codes and classes, and aborting.
import t from 'tap'
import { HealthError } from '../../lib/errors.js'
import { codeOf, DependencyError, failure } from '../../lib/checks/shared.js'

t.test('codeOf finds a code on the error, in its causes, or in the first of an AggregateError', async (t) => {
  t.equal(codeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED')
  t.equal(codeOf(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } })), 'ENOTFOUND')
  t.equal(codeOf(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed')), 'ECONNREFUSED')
  t.equal(codeOf(new AggregateError([], 'none')), undefined)
  t.equal(codeOf({ code: 'not a code: it has spaces' }), undefined, 'only code-like strings')
  t.equal(codeOf({ code: 23 }), undefined)
  t.equal(codeOf({ cause: { cause: { cause: { cause: { code: 'EDEEP' } } } } }), undefined, 'at most four levels')
  t.equal(codeOf('ECONNREFUSED'), undefined)
  t.equal(codeOf(null), undefined)
})

t.test('failure: a public class, a cause with the code only, and the real error under it', async (t) => {
  const real = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 for user admin'), { code: 'ECONNREFUSED' })
  const error = failure('PostgreSQL', real, {}, 'query failed')
  t.type(error, HealthError)
  t.equal(error.message, 'PostgreSQL: connection refused')
  t.type(error.cause, DependencyError)
  t.equal((error.cause as Error).message, 'Error ECONNREFUSED')
  t.equal((error.cause as Error).cause, real)
  t.equal(failure('X', Object.assign(new Error('x'), { code: 'EWHATEVER' }), {}, 'failed').message, 'X: failed', 'an unknown code falls back')
  t.equal(failure('X', Object.assign(new Error('x'), { code: 'E1' }), { E1: 'one' }, 'failed').message, 'X: one', "the client's own classes first")
  const odd = new Error('x')
  odd.name = 'a name with spaces'
  t.equal((failure('X', odd, {}, 'failed').cause as Error).message, 'object', 'a name that does not look like one is not shown')
  t.equal((failure('X', 'text', {}, 'failed').cause as Error).message, 'string')
})
