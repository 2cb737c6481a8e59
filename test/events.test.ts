// Public change events: app.healthz.subscribe() and the diagnostics channel.
import diagnosticsChannel from 'node:diagnostics_channel'
import t from 'tap'
import type { HealthzChange } from '../lib/index.js'
import { HealthError } from '../lib/index.js'
import { build, deferred, sleep } from './helpers/app.js'

/** A check whose outcome the test sets: pass when `healthy`, else a HealthError. */
function toggle (): { check: () => void, set: (healthy: boolean) => void, runs: () => number } {
  let healthy = true
  let runs = 0
  return {
    check: () => {
      runs++
      if (!healthy) throw new HealthError('db down')
    },
    set: (value) => { healthy = value },
    runs: () => runs
  }
}

const summary = (change: HealthzChange): string =>
  change.type === 'check' ? `check ${change.check} ${change.from}->${change.to}` : `probe ${change.probe} ${change.from}->${change.to}`

t.test('a check change fires once per change, never per probe, and its probe follows it', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const events: HealthzChange[] = []
  app.healthz.subscribe((change) => { events.push(change) })
  for (let i = 0; i < 20; i++) await app.inject('/healthz/ready')
  t.same(events.map(summary), ['check db pending->pass'], 'the first result is a change from pending; 19 more passing probes are none')
  db.set(false)
  for (let i = 0; i < 20; i++) await app.inject('/healthz/ready')
  db.set(true)
  for (let i = 0; i < 20; i++) await app.inject('/healthz/ready')
  t.same(events.map(summary), [
    'check db pending->pass',
    'check db pass->fail',
    'probe ready pass->fail',
    'check db fail->pass',
    'probe ready fail->pass'
  ])
  t.equal(db.runs(), 60)
  const failed = events[1]
  t.match(failed, { type: 'check', check: 'db', probes: ['ready'], output: 'db down' })
  t.ok(failed.type === 'check' && failed.error instanceof HealthError, 'the listener gets the error itself')
  t.ok(events.every((event) => typeof event.at === 'number' && Math.abs(event.at - Date.now()) < 60000), 'at: milliseconds since the epoch')
  t.ok(events.every((event) => Object.isFrozen(event)), 'events are frozen: one listener cannot change what the next hears')
})

t.test('the withheld error reaches listeners, never responses', async (t) => {
  const { app } = await build()
  const secret = new Error('password=hunter2')
  app.healthz.add('db', () => { throw secret })
  const events: HealthzChange[] = []
  app.healthz.subscribe((change) => { events.push(change) })
  const res = await app.inject('/healthz/ready?verbose')
  t.notOk(res.body.includes('hunter2'))
  t.match(events[0], { type: 'check', to: 'fail', output: 'check failed' })
  t.equal(events[0].type === 'check' && events[0].error, secret)
})

t.test('unsubscribe stops the listener; the same function subscribed twice hears twice until each is undone', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const heard: string[] = []
  const listener = (change: HealthzChange): void => { heard.push(summary(change)) }
  const first = app.healthz.subscribe(listener)
  const second = app.healthz.subscribe(listener)
  await app.inject('/healthz/ready')
  t.equal(heard.length, 2)
  first()
  first()
  db.set(false)
  await app.inject('/healthz/ready')
  t.same(heard.slice(2), ['check db pass->fail', 'probe ready pass->fail'])
  second()
  db.set(true)
  await app.inject('/healthz/ready')
  t.equal(heard.length, 4)
})

t.test('a listener that throws or rejects is logged and isolated; the probe answers', async (t) => {
  const { app, lines } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const heard: string[] = []
  app.healthz.subscribe(() => { throw new Error('sync listener bug') })
  app.healthz.subscribe(async () => { throw new Error('async listener bug') })
  app.healthz.subscribe((change) => { heard.push(summary(change)) })
  let unhandled: unknown
  const onUnhandled = (reason: unknown): void => { unhandled = reason }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })
  db.set(false)
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  await sleep(20)
  t.same(heard, ['check db pending->fail', 'probe ready pass->fail'], 'the listener after them heard everything')
  const logged = lines.filter((line) => line.msg === 'fastify-healthz: a change listener threw').map((line) => (line.err as { message: string }).message)
  t.same(logged.sort(), ['async listener bug', 'async listener bug', 'sync listener bug', 'sync listener bug'])
  t.equal(unhandled, undefined, 'no unhandled rejection')
})

t.test('a listener may use the registry: what it causes is heard after the change it is hearing', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const heard: string[] = []
  app.healthz.subscribe((change) => {
    heard.push(summary(change))
    if (change.type === 'check' && change.to === 'fail') app.healthz.markNotReady('db is down')
  })
  db.set(false)
  await app.inject('/healthz/ready')
  t.same(heard, ['check db pending->fail', 'probe ready pass->fail'])
  db.set(true)
  const res = await app.inject('/healthz/ready?verbose')
  t.equal(res.statusCode, 503, 'markNotReady from the listener holds')
  t.same(heard, ['check db pending->fail', 'probe ready pass->fail', 'check db fail->pass'])
})

t.test('drain, markNotReady and close change the ready probe at once, without running a check', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check, { probes: ['ready', 'live'] })
  await app.ready()
  const heard: string[] = []
  app.healthz.subscribe((change) => { heard.push(summary(change)) })
  app.healthz.markNotReady('warming caches')
  app.healthz.markNotReady('another reason')
  app.healthz.markReady('warming caches')
  app.healthz.markReady()
  t.same(heard, ['probe ready pass->fail', 'probe ready fail->pass'])
  const drained = app.healthz.drain()
  t.same(heard.slice(2), ['probe ready pass->fail'], 'at once, before any probe')
  await drained
  await app.close()
  t.equal(heard.length, 3, 'close: ready already fails, live is not gated')
  t.equal(db.runs(), 0, 'no check ran')
})

t.test('a background check: its first result is a change from pending, and probes only read it', async (t) => {
  const { app } = await build()
  const gate = deferred()
  let runs = 0
  app.healthz.add('queue', async () => { runs++; await gate.promise }, { interval: 60000 })
  const heard: string[] = []
  app.healthz.subscribe((change) => { heard.push(summary(change)) })
  t.same(heard, [])
  t.equal((await app.inject('/healthz/ready')).statusCode, 503, 'pending')
  await app.ready()
  gate.resolve()
  await sleep(20)
  t.same(heard, ['check queue pending->pass', 'probe ready fail->pass'])
  for (let i = 0; i < 10; i++) await app.inject('/healthz/ready')
  t.equal(runs, 1)
  await app.close()
})

t.test('removing a check is announced through its probe; its late result is not', async (t) => {
  const { app } = await build()
  const late = deferred()
  app.healthz.add('slow', async () => { await late.promise; throw new Error('x') }, { timeout: 5000 })
  app.healthz.add('bad', () => { throw new Error('y') })
  const heard: string[] = []
  app.healthz.subscribe((change) => { heard.push(summary(change)) })
  const pending = app.inject('/healthz/ready')
  await sleep(10)
  t.same(heard, ['check bad pending->fail', 'probe ready pass->fail'])
  app.healthz.remove('bad')
  app.healthz.remove('slow')
  t.same(heard.slice(2), ['probe ready fail->pass'])
  late.resolve()
  await pending
  t.equal(heard.length, 3)
})

t.test('the diagnostics channel fastify-healthz:change receives the same events', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const viaChannel: unknown[] = []
  const viaSubscribe: unknown[] = []
  const onMessage = (message: unknown): void => { viaChannel.push(message) }
  diagnosticsChannel.subscribe('fastify-healthz:change', onMessage)
  t.teardown(() => { diagnosticsChannel.unsubscribe('fastify-healthz:change', onMessage) })
  app.healthz.subscribe((change) => { viaSubscribe.push(change) })
  db.set(false)
  await app.inject('/healthz/ready')
  db.set(true)
  await app.inject('/healthz/ready')
  t.equal(viaChannel.length, 4)
  t.same(viaChannel, viaSubscribe)
  t.ok(viaChannel.every((event, i) => event === viaSubscribe[i]), 'the very same objects')
})

t.test('subscribe() takes a function, checked at once', async (t) => {
  const { app } = await build()
  for (const bad of [undefined, null, 'listener', {}]) {
    t.throws(() => app.healthz.subscribe(bad as never), { code: 'FST_HEALTHZ_INVALID_OPTION', message: /subscribe\(\): the listener must be a function, got/ })
  }
  const { subscribe } = app.healthz
  t.type(subscribe(() => {}), 'function', 'works taken off the facade')
})

t.test('verbose reports say since when each check has had its status', async (t) => {
  const { app } = await build()
  const db = toggle()
  app.healthz.add('db', db.check)
  const since = async (): Promise<string> => (await app.inject('/healthz/ready?verbose')).json().checks.db.since
  const before = Date.now()
  const first = await since()
  t.match(first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.ok(Date.parse(first) >= before && Date.parse(first) <= Date.now())
  await sleep(15)
  t.equal(await since(), first, 'unchanged while the status is')
  db.set(false)
  const failedSince = await since()
  t.ok(Date.parse(failedSince) > Date.parse(first), 'moves when the status changes')
  t.notOk('since' in ((await app.inject('/healthz/ready')).json().checks.db), 'not in non-verbose bodies')
  t.equal((await app.inject('/healthz/ready?verbose&exclude=db')).json().checks.db, undefined)
})
