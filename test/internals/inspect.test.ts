import t from 'tap'
import { loggable, property, publicText } from '../../lib/inspect.js'

t.test('property() reads nothing from what has no properties', async (t) => {
  t.equal(property(42, 'x'), undefined)
  t.equal(property(null, 'x'), undefined)
  t.equal(property(undefined, 'x'), undefined)
  t.equal(property(Object.assign(() => {}, { x: 1 }), 'x'), 1)
})

t.test('publicText() cuts at 256 code units, never inside a pair', async (t) => {
  t.equal(publicText('short'), 'short')
  t.equal(publicText('a'.repeat(300)), `${'a'.repeat(255)}…`)
  t.equal(publicText(`${'a'.repeat(254)}😀😀`), `${'a'.repeat(254)}…`)
})

t.test('loggable() copies what it can read, and cuts cause chains', async (t) => {
  t.equal(loggable('text'), 'text')
  const error = Object.assign(new Error('outer', { cause: new Error('inner') }), { code: 'E_X' })
  t.match(loggable(error), { name: 'Error', message: 'outer', code: 'E_X', stack: /outer/, cause: { message: 'inner' } })
  const cyclic = new Error('loop')
  cyclic.cause = cyclic
  let depth = 0
  for (let copy = loggable(cyclic) as { cause?: unknown }; typeof copy === 'object'; copy = copy.cause as { cause?: unknown }) depth++
  t.equal(depth, 5, 'a cyclic cause is followed a few levels, then cut')
})
