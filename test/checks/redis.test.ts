// redisCheck against a real Redis server started from the system's binary:
// ioredis (also Cluster), node-redis v4 and v5, and @fastify/redis.
import t from 'tap'
import { Redis as IORedis, Cluster } from 'ioredis'
import { createClient } from 'redis'
import { createClient as createClientV4 } from 'redis4'
import fastifyRedis from '@fastify/redis'
import { redisCheck } from '../../lib/checks/index.js'
import { build, sleep } from '../helpers/app.js'
import { allModes, assertNoSecrets, failures, loggedError, recovers } from '../helpers/faults.js'
import { established, redisCli, secrets, startRedis, waitFor } from '../helpers/servers.js'

t.setTimeout(180000)
const server = await startRedis()
t.teardown(() => server.close())
const auth = { host: '127.0.0.1', port: server.port, username: secrets.user, password: secrets.password }

/** Clients connected to the server, from CLIENT LIST, less redis-cli's own. */
async function clients (): Promise<number> {
  return (await redisCli(server, ['CLIENT', 'LIST'])).split('\n').filter((line) => line.includes('id=') && !line.includes('cmd=client|list')).length
}

/** Calls of PING the server has executed. */
async function pings (): Promise<number> {
  const match = /cmdstat_ping:calls=(\d+)/.exec(await redisCli(server, ['INFO', 'commandstats']))
  return Number(match?.[1] ?? 0)
}

function ioredis (options = {}): IORedis {
  const client = new IORedis({ ...auth, ...options })
  client.on('error', () => {})
  return client
}

t.test('healthy: ioredis, node-redis v5 and v4, and @fastify/redis pass; 500 probes add no client', async (t) => {
  const io = ioredis()
  const v5 = createClient({ url: `redis://${secrets.user}:${secrets.password}@127.0.0.1:${server.port}` })
  const v4 = createClientV4({ url: `redis://${secrets.user}:${secrets.password}@127.0.0.1:${server.port}` })
  v5.on('error', () => {})
  v4.on('error', () => {})
  await Promise.all([v5.connect(), v4.connect()])
  const { app } = await build()
  await app.register(fastifyRedis, { ...auth, closeClient: true })
  await app.after()
  // A generous timeout: this test is about connections, not speed, and CI machines stall.
  app.healthz.add('ioredis', redisCheck(io), { timeout: 5000 })
  app.healthz.add('node-redis-v5', redisCheck(v5), { timeout: 5000 })
  app.healthz.add('node-redis-v4', redisCheck(v4), { timeout: 5000 })
  app.healthz.add('fastify-redis', redisCheck(app.redis), { timeout: 5000 })
  t.teardown(async () => { await app.close(); io.disconnect(); await v5.quit(); await v4.quit() })
  await app.ready()
  await waitFor(async () => { if (io.status !== 'ready') throw new Error(io.status) })

  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const before = await clients()
  const pingsBefore = await pings()
  for (let i = 0; i < 500; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) t.fail(`probe ${i}: ${res.body}`)
  }
  t.equal(await clients(), before, `still ${before} clients after 500 probes`)
  t.equal(await pings() - pingsBefore, 2000, 'one PING per check and probe')
})

t.test('killed: "not connected" at once, logged once; restarted: recovers without restarting the app', async (t) => {
  const io = ioredis()
  const v5 = createClient({ url: `redis://${secrets.user}:${secrets.password}@127.0.0.1:${server.port}`, socket: { reconnectStrategy: () => 100 } })
  v5.on('error', () => {})
  await v5.connect()
  const { app, lines } = await build()
  app.healthz.add('redis', redisCheck(io), { timeout: 2000 })
  app.healthz.add('node-redis', redisCheck(v5), { timeout: 2000 })
  t.teardown(async () => { await app.close(); io.disconnect(); v5.destroy() })
  await waitFor(async () => { if (io.status !== 'ready') throw new Error(io.status) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)

  await server.kill()
  // Long enough for both clients to try to reconnect once: their refusal is the error the log shows.
  await sleep(300)
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 2000, `answered within the timeout (${Date.now() - started} ms)`)
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { redis: { status: 'fail', output: 'Redis: not connected' }, 'node-redis': { output: 'Redis: not connected' } } })
  for (let i = 0; i < 10; i++) await app.inject('/healthz/ready')
  t.equal(failures(lines, 'redis').length, 1, 'logged once')
  t.match(loggedError(failures(lines, 'redis')[0]), 'ECONNREFUSED', 'the log has the real error (ioredis)')
  t.match(loggedError(failures(lines, 'node-redis')[0]), 'ECONNREFUSED', 'the log has the real error (node-redis)')
  assertNoSecrets(t, await allModes(app, 'redis'), server.port)

  await server.restart()
  t.ok(await recovers(app, 100, 100) > 0, 'recovers')
})

t.test('a PING sent as the connection drops does not hang the check', async (t) => {
  const io = ioredis()
  const { app } = await build()
  app.healthz.add('redis', redisCheck(io), { timeout: 300 })
  t.teardown(async () => { await app.close(); io.disconnect() })
  await waitFor(async () => { if (io.status !== 'ready') throw new Error(io.status) })
  // Kill without letting the client notice first: the PING goes to the offline queue.
  const killing = server.kill()
  const res = await app.inject('/healthz/ready')
  await killing
  t.equal(res.statusCode, 503)
  await sleep(400)
  const started = Date.now()
  const next = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 250, `later probes answer at once (${Date.now() - started} ms), without a second PING`)
  t.equal(next.statusCode, 503)
  await server.restart()
  t.ok(await recovers(app) > 0)
})

t.test('stopped (SIGSTOP): 503 at the timeout, 100 more probes send nothing; SIGCONT: recovers, the client still works', async (t) => {
  const io = ioredis()
  const { app } = await build()
  app.healthz.add('redis', redisCheck(io), { timeout: 300 })
  t.teardown(async () => { server.cont(); await app.close(); io.disconnect() })
  await waitFor(async () => { if (io.status !== 'ready') throw new Error(io.status) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const connections = established(server.port)
  const pingsBefore = await pings()

  await server.stop()
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  const took = Date.now() - started
  t.ok(took >= 290 && took < 1500, `answered at the timeout (${took} ms)`)
  t.match(res.json(), { checks: { redis: { status: 'fail', output: 'timed out after 300 ms' } } })
  const later = Date.now()
  for (let i = 0; i < 100; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 503) t.fail(res.body)
    // The plugin starts no run of a check whose last run still hangs: the probes repeat its outcome.
    if (i === 99) t.match(res.json(), { checks: { redis: { output: 'timed out after 300 ms' } } })
  }
  t.ok(Date.now() - later < 10000, `the 100 probes answered at once (${Date.now() - later} ms)`)
  t.equal(established(server.port), connections, 'no connection added while stopped')

  server.cont()
  await sleep(200)
  t.equal(await pings() - pingsBefore, 1, 'the server got exactly one PING from all those probes')
  t.ok(await recovers(app, 20, 50) > 0, 'recovers within a few probes')
  t.equal(await io.set('key', 'value'), 'OK', "the app's client still works")
})

t.test('stopped: one check added under two names, and removed and added again, still sends one PING', async (t) => {
  const io = ioredis()
  const check = redisCheck(io)
  const { app } = await build()
  app.healthz.add('redis', check, { timeout: 200 })
  app.healthz.add('redis-live', check, { timeout: 200, probes: ['live'] })
  t.teardown(async () => { server.cont(); await app.close(); io.disconnect() })
  await waitFor(async () => { if (io.status !== 'ready') throw new Error(io.status) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const pingsBefore = await pings()
  await server.stop()
  for (let i = 0; i < 20; i++) {
    t.equal((await app.inject('/healthz/ready')).statusCode, 503)
    t.equal((await app.inject('/healthz/live')).statusCode, 503)
  }
  for (let i = 0; i < 3; i++) {
    app.healthz.remove('redis')
    app.healthz.add('redis', check, { timeout: 200 })
    t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  }
  server.cont()
  await sleep(200)
  t.equal(await pings() - pingsBefore, 1, 'the server got exactly one PING')
  t.ok(await recovers(app, 20, 50) > 0, 'recovers')
})

t.test('bad credentials: 503, no secret in any response mode, the failure logged once', async (t) => {
  const io = ioredis({ password: `wrong-${secrets.password}`, maxRetriesPerRequest: 1 })
  const { app, lines } = await build({ details: 'always' })
  app.healthz.add('redis', redisCheck(io))
  t.teardown(async () => { await app.close(); io.disconnect() })
  await sleep(300)
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { redis: { status: 'fail', output: /^Redis: (not connected|authentication failed)$/ } } })
  assertNoSecrets(t, await allModes(app, 'redis'), server.port)
  // ioredis keeps reconnecting after WRONGPASS: the check sees a client that is not connected,
  // and the log has the client's own error, which the app listens for.
  t.equal(failures(lines, 'redis').length, 1)
  t.match(failures(lines, 'redis')[0].msg, /health check "redis" failed: Redis: (not connected|authentication failed)/)
  t.match(loggedError(failures(lines, 'redis')[0]), 'WRONGPASS', 'the log has the real error')
})

t.test('the check listens for the client\'s errors only beside the app, and stops when the app closes', async (t) => {
  const lonely = new IORedis({ lazyConnect: true })
  const watched = new IORedis({ lazyConnect: true })
  const appListener = (): void => {}
  watched.on('error', appListener)
  const { app, lines } = await build()
  app.healthz.add('lonely', redisCheck(lonely))
  app.healthz.add('watched', redisCheck(watched))
  app.healthz.add('node-redis-like', redisCheck({ isReady: false, ping: async () => 'PONG' }))
  t.equal(lonely.listenerCount('error'), 0, 'no listener of the check\'s alone: ioredis still reports unhandled errors itself')
  t.equal(watched.listenerCount('error'), 2, 'beside the app\'s listener, one of the check\'s')
  watched.emit('error', Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379'), { code: 'ECONNREFUSED' }))
  t.match((await app.inject('/healthz/ready?verbose')).json(), { checks: { lonely: { output: 'Redis: not connected' }, watched: { output: 'Redis: not connected' } } })
  t.match(loggedError(failures(lines, 'watched')[0]), /DependencyError.*Error ECONNREFUSED.*10\.1\.2\.3/, 'the client\'s last error is the cause in the log')
  t.match(loggedError(failures(lines, 'lonely')[0]), 'client status wait', 'without it, the client\'s state')
  t.match(loggedError(failures(lines, 'node-redis-like')[0]), 'client not ready', 'or, for node-redis, that it is not ready')
  watched.emit('ready')
  t.equal(failures(lines, 'watched').length, 1)
  await app.close()
  t.equal(watched.listenerCount('error'), 1, 'closing the app removes the check\'s listener')
  t.same(watched.listeners('error'), [appListener])
  t.equal(watched.listenerCount('ready'), 0)
})

t.test('error replies are classified by their code: authentication, and others', async (t) => {
  const { app } = await build({ details: 'always' })
  const reply = (message: string) => redisCheck({ isReady: true, ping: async () => { throw new Error(message) } })
  app.healthz.add('noauth', reply('NOAUTH Authentication required.'), { critical: false })
  app.healthz.add('other', reply('something odd'), { critical: false })
  app.healthz.add('odd', redisCheck({ isReady: true, ping: async () => 'PANG' }), { critical: false })
  app.healthz.add('thrown', redisCheck({ isReady: true, ping: () => Promise.reject(null) }), { critical: false }) // eslint-disable-line prefer-promise-reject-errors
  t.teardown(() => app.close())
  const { checks } = (await app.inject('/healthz/ready?verbose')).json()
  t.match(checks, {
    noauth: { output: 'Redis: authentication failed', error: 'DependencyError: Error NOAUTH' },
    other: { output: 'Redis: command failed', error: 'DependencyError: Error' },
    odd: { output: 'Redis: unexpected reply to PING' },
    thrown: { output: 'Redis: command failed' }
  })
})

t.test('ioredis Cluster: the cluster state', async (t) => {
  const node = await startRedis({ cluster: true })
  t.teardown(() => node.close())
  const cluster = new Cluster([{ host: '127.0.0.1', port: node.port }], { redisOptions: { username: secrets.user, password: secrets.password } })
  cluster.on('error', () => {})
  const { app } = await build()
  app.healthz.add('cluster', redisCheck(cluster))
  t.teardown(async () => { await app.close(); cluster.disconnect() })
  t.match((await app.inject('/healthz/ready')).json(), { checks: { cluster: { output: 'Redis: not connected' } } }, 'fails at once before it is ready')
  await waitFor(async () => { if (cluster.status !== 'ready') throw new Error(cluster.status) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await redisCli(node, ['CLUSTER', 'DELSLOTS', '0'])
  await waitFor(async () => {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 503) throw new Error('still ok')
    t.match(res.json(), { checks: { cluster: { output: 'Redis: cluster state not ok' } } })
  }, 10000, 200)
})

t.test('arguments are validated at once', async (t) => {
  for (const [client, options, message] of [
    [undefined, undefined, /the client must be an ioredis client or cluster, or a node-redis client, got undefined/],
    [{}, undefined, /got an object \(Object\)/],
    [{ isReady: true, ping: async () => 'PONG' }, { timeout: 1 }, /unknown option "timeout"/],
    [{ isReady: true, ping: async () => 'PONG' }, 'fast', /options must be an object, got a string$/]
  ] as const) {
    t.throws(() => redisCheck(client as never, options as never), { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message })
  }
})
