import t from 'tap'
import { build } from './helpers/app.js'

const DOCUMENTED = ['add', 'drain', 'has', 'markNotReady', 'markReady', 'probes', 'remove', 'run', 'server', 'subscribe']

/** Every key reachable on a value by property access: own and inherited, enumerable or not, symbols too, up to Object.prototype. */
function reachable (value: object): string[] {
  const keys = new Set<string>()
  for (let proto: object | null = value; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Reflect.ownKeys(proto)) keys.add(String(key))
  }
  return [...keys].sort()
}

t.test('fastify.healthz exposes exactly the documented members', async (t) => {
  for (const options of [{}, { listen: { port: 0, host: '127.0.0.1' } }]) {
    const { app } = await build(options)
    t.same(reachable(app.healthz), DOCUMENTED)
    t.same(Object.keys(app.healthz).sort(), DOCUMENTED, 'all of them enumerable')
    t.equal(Object.getPrototypeOf(app.healthz), Object.prototype)
    await app.close()
  }
})

t.test('the facade cannot be changed: internals stay out of reach', async (t) => {
  const { app } = await build()
  const facade = app.healthz as unknown as Record<string, unknown>
  t.ok(Object.isFrozen(facade))
  t.throws(() => { facade.server = {} }, TypeError, 'server is read-only')
  t.throws(() => { facade.start = () => {} }, TypeError, 'nothing can be added')
  t.throws(() => { (app.healthz.probes as string[]).push('x') }, TypeError, 'probes is frozen')
  t.equal(app.healthz.server, undefined)
})

t.test('members work when taken off the facade, and add() still chains', async (t) => {
  const { app } = await build()
  const { add, has, remove, run } = app.healthz
  t.equal(add('a', () => {}), app.healthz)
  t.ok(has('a'))
  t.same(await run('ready'), { status: 200, title: 'OK' })
  t.ok(remove('a'))
})

t.test('other entry points of the package reach the engine through the facade, not its properties', async (t) => {
  const { engineOf } = await import('../lib/handle.js')
  const { app } = await build()
  app.healthz.add('db', () => {})
  t.ok(engineOf(app.healthz)?.table.has('db'))
  t.equal(engineOf({}), undefined)
})

t.test('run() names the probes served when given one that is not', async (t) => {
  const { app } = await build()
  await t.rejects(app.healthz.run(42 as never), { code: 'FST_HEALTHZ_UNKNOWN_PROBE', message: /run\(\): probe 42 is not served \(probes: live, ready, startup\)/ })
})
