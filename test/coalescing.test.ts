import t from 'tap'
import { build, deferred, sleep } from './helpers/app.js'

t.test('concurrent probes share one in-flight run of each check', async (t) => {
  const { app } = await build()
  let calls = 0
  let running = 0
  let maxRunning = 0
  app.healthz.add('db', async () => {
    calls++
    maxRunning = Math.max(maxRunning, ++running)
    await sleep(50)
    running--
  }, { probes: ['ready', 'startup'] })
  const responses = await Promise.all([
    ...Array.from({ length: 20 }, () => app.inject('/healthz/ready')),
    ...Array.from({ length: 5 }, () => app.inject('/healthz/startup')),
    ...Array.from({ length: 5 }, () => app.inject('/healthz/ready/db')),
    app.healthz.run('ready')
  ])
  t.ok(responses.slice(0, -1).every((res) => 'statusCode' in res && res.statusCode === 200))
  t.equal(calls, 1)
  t.equal(maxRunning, 1)
  await app.inject('/healthz/ready')
  t.equal(calls, 2, 'without cacheTtl the next probe runs the check again')
})

t.test('a shared failing run fails every probe that waited on it', async (t) => {
  const { app } = await build()
  let calls = 0
  const gate = deferred()
  app.healthz.add('db', async () => { calls++; await gate.promise; throw new Error('boom') })
  const pending = Array.from({ length: 10 }, () => app.inject('/healthz/ready'))
  await sleep(10)
  gate.resolve()
  const responses = await Promise.all(pending)
  t.ok(responses.every((res) => res.statusCode === 503))
  t.equal(calls, 1)
})

t.test('cacheTtl reuses a result for that long', async (t) => {
  const { app } = await build()
  let calls = 0
  // A margin for busy machines: 20 requests must fit well inside the TTL.
  app.healthz.add('db', () => { calls++ }, { cacheTtl: 600 })
  const first = (await app.inject('/healthz/ready?verbose')).json()
  t.equal(first.checks.db.cached, false)
  for (let i = 0; i < 20; i++) {
    t.equal((await app.inject('/healthz/ready?verbose')).json().checks.db.cached, true)
  }
  t.equal(calls, 1)
  await sleep(650)
  t.equal((await app.inject('/healthz/ready?verbose')).json().checks.db.cached, false)
  t.equal(calls, 2)
})

t.test('a cached failure keeps failing until it expires', async (t) => {
  const { app } = await build({ cacheTtl: 100 })
  let fail = true
  let calls = 0
  app.healthz.add('db', () => { calls++; if (fail) throw new Error('down') })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  fail = false
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  await sleep(150)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal(calls, 2)
})

t.test('an async check under load runs once per cacheTtl', async (t) => {
  const { app } = await build()
  let calls = 0
  app.healthz.add('db', async () => { calls++; await sleep(20) }, { cacheTtl: 100 })
  const burst = (): Promise<unknown> => Promise.all(Array.from({ length: 10 }, () => app.inject('/healthz/ready')))
  const started = performance.now()
  // Measured from the end of the first burst: on a loaded machine that burst alone can outlast several TTLs.
  await burst()
  const firstDone = performance.now()
  while (performance.now() - firstDone < 350) await burst()
  const seconds = (performance.now() - started) / 100
  t.ok(calls <= Math.ceil(seconds) + 1, `${calls} runs in ${seconds} ttl periods`)
  t.ok(calls >= 2)
})
