// The helpers shared by the ready-made checks: error codes and classes, and aborting.
import t from 'tap'
import { HealthError } from '../../lib/errors.js'
import { codeOf, DependencyError, failure } from '../../lib/checks/shared.js'
import { amqpCheck, httpCheck, mysqlCheck, pgCheck, redisCheck } from '../../lib/checks/index.js'

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
  t.equal(failure('X', Object.assign(new Error('x'), { code: 'constructor' }), {}, 'failed').message, 'X: failed', 'a code named like a property of every object is unknown')
  t.equal(failure('X', Object.assign(new Error('x'), { code: 'toString' }), { E1: 'one' }, 'failed').message, 'X: failed')
  const odd = new Error('x')
  odd.name = 'a name with spaces'
  t.equal((failure('X', odd, {}, 'failed').cause as Error).message, 'object', 'a name that does not look like one is not shown')
  t.equal((failure('X', 'text', {}, 'failed').cause as Error).message, 'string')
})

t.test('options that are a string (a URL passed in the wrong place) are named by their type only', async (t) => {
  const url = 'postgres://app:S3cretPw@db.internal/prod'
  for (const factory of [() => pgCheck({ query: async () => {} }, url as never), () => mysqlCheck({ ping () {} }, url as never), () => redisCheck({ isReady: true, ping: async () => 'PONG' }, url as never), () => amqpCheck(() => undefined, url as never), () => httpCheck('http://127.0.0.1/', url as never)]) {
    t.throws(factory, { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message: /options must be an object, got a string$/ })
  }
  t.throws(() => pgCheck({ query: async () => {} }, 5 as never), { message: /options must be an object, got 5$/ }, 'other values are shown')
})
