// pgCheck against a real PostgreSQL server started from the system's binaries:
// pg Pool and Client, and @fastify/postgres.
import t from 'tap'
import pg from 'pg'
import fastifyPostgres from '@fastify/postgres'
import { pgCheck } from '../../lib/checks/index.js'
import { build, sleep } from '../helpers/app.js'
import { allModes, assertNoSecrets, failures, loggedError, recovers } from '../helpers/faults.js'
import { established, secrets, startPostgres } from '../helpers/servers.js'

t.setTimeout(180000)
const server = await startPostgres()
t.teardown(() => server.close())
const APP = 'healthz-test-app'

function pool (options: pg.PoolConfig = {}): pg.Pool {
  const created = new pg.Pool({ ...server.config, application_name: APP, max: 5, ...options })
  created.on('error', () => {}) // idle clients error when the server goes away: an app must listen
  return created
}

/** The app's connections, counted by the server. */
async function serverConnections (): Promise<number> {
  const admin = new pg.Client({ ...server.config, database: 'postgres' })
  await admin.connect()
  try {
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [APP])
    return rows[0].n
  } finally {
    await admin.end()
  }
}

t.test('healthy: a Pool, a Client and @fastify/postgres pass; 500 probes add no connection', async (t) => {
  const appPool = pool()
  const client = new pg.Client({ ...server.config, application_name: APP })
  await client.connect()
  const { app } = await build()
  await app.register(fastifyPostgres, { ...server.config, application_name: APP, max: 2 })
  await app.after()
  app.healthz.add('pool', pgCheck(appPool), { timeout: 5000 })
  app.healthz.add('client', pgCheck(client), { timeout: 5000 })
  app.healthz.add('fastify-postgres', pgCheck(app.pg), { timeout: 5000 })
  t.teardown(async () => { await app.close(); await appPool.end(); await client.end() })
  await app.ready()
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const before = await serverConnections()
  for (let i = 0; i < 500; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) t.fail(`probe ${i}: ${res.body}`)
  }
  const after = await serverConnections()
  t.ok(before === 3 && after === before, `connections: ${before} before, ${after} after 500 probes`)
})

t.test('statementTimeout ends a slow query on the server', async (t) => {
  const appPool = pool()
  const { app } = await build()
  app.healthz.add('slow', pgCheck(appPool, { query: 'SELECT pg_sleep(5)', statementTimeout: 200 }), { timeout: 10000 })
  app.healthz.add('custom', pgCheck(appPool, { query: 'SELECT count(*) FROM pg_class' }))
  t.teardown(async () => { await app.close(); await appPool.end() })
  await Promise.all([appPool.query('SELECT 1'), appPool.query('SELECT 1')]) // connect first: only the query is timed
  const started = Date.now()
  const res = await app.inject('/healthz/ready?verbose')
  t.ok(Date.now() - started < 4000, `the server cancelled it long before pg_sleep(5) ended (${Date.now() - started} ms)`)
  t.match(res.json(), { checks: { slow: { status: 'fail', output: 'PostgreSQL: statement timeout' }, custom: { status: 'pass' } } })
  const { rows } = await appPool.query('SHOW statement_timeout')
  t.equal(rows[0].statement_timeout, '0', "the app's own queries keep their timeout")
})

t.test('killed: 503 at once with a safe output, logged once; restarted: recovers', async (t) => {
  const appPool = pool()
  const { app, lines } = await build()
  app.healthz.add('db', pgCheck(appPool), { timeout: 2000 })
  t.teardown(async () => { await app.close(); await appPool.end() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await server.kill()
  await sleep(50)
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 2000, 'within the timeout')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { db: { status: 'fail', output: 'PostgreSQL: connection refused' } } })
  for (let i = 0; i < 5; i++) await app.inject('/healthz/ready')
  const logged = failures(lines, 'db')
  t.equal(logged.length, 1, 'logged once')
  t.match(loggedError(logged[0]), 'ECONNREFUSED', 'the log has the real error')
  assertNoSecrets(t, await allModes(app, 'db'), server.port)

  await server.restart()
  t.ok(await recovers(app) > 0, 'recovers without restarting the app')
})

t.test('stopped (SIGSTOP): 503 at the timeout; 100 more probes take no connection; SIGCONT: recovers, the pool still works', async (t) => {
  const appPool = pool({ max: 5 })
  const { app } = await build()
  app.healthz.add('db', pgCheck(appPool), { timeout: 300 })
  t.teardown(async () => { server.cont(); await app.close(); await appPool.end() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const tcp = established(server.port)
  const clients = appPool.totalCount

  await server.stop()
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  const took = Date.now() - started
  t.ok(took >= 290 && took < 1500, `answered at the timeout (${took} ms)`)
  t.match(res.json(), { checks: { db: { status: 'fail', output: 'timed out after 300 ms' } } })
  const later = Date.now()
  for (let i = 0; i < 100; i++) {
    const probe = await app.inject('/healthz/ready')
    if (probe.statusCode !== 503) t.fail(probe.body)
  }
  t.ok(Date.now() - later < 10000, 'the 100 probes answered at once')
  t.equal(established(server.port), tcp, 'no connection opened while stopped')
  t.equal(appPool.totalCount, clients, 'the pool grew no client')
  t.equal(appPool.idleCount, clients - 1, 'the hung run holds one client, no more')

  server.cont()
  t.ok(await recovers(app, 20, 50) > 0, 'recovers within a few probes')
  t.same((await appPool.query('SELECT 2 AS two')).rows, [{ two: 2 }], "the app's pool still works")
  t.ok(await serverConnections() <= clients, 'the server sees no extra connection')
})

t.test('stopped: one check added under two names, and removed and added again, still holds one connection', async (t) => {
  // The plugin knows checks by name: each name, and each new add(), started its own hung query.
  const appPool = pool({ max: 5 })
  const check = pgCheck(appPool)
  const { app } = await build()
  app.healthz.add('db', check, { timeout: 200 })
  app.healthz.add('db-live', check, { timeout: 200, probes: ['live'] })
  t.teardown(async () => { server.cont(); await app.close(); await appPool.end() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const clients = appPool.totalCount
  await server.stop()
  for (let i = 0; i < 20; i++) {
    t.equal((await app.inject('/healthz/ready')).statusCode, 503)
    t.equal((await app.inject('/healthz/live')).statusCode, 503)
  }
  for (let i = 0; i < 3; i++) {
    app.healthz.remove('db')
    app.healthz.add('db', check, { timeout: 200 })
    t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  }
  t.equal(appPool.totalCount, clients, 'the pool grew no client')
  t.equal(appPool.totalCount - appPool.idleCount, 1, 'one client taken, by the one hung query')
  server.cont()
  t.ok(await recovers(app, 20, 50) > 0, 'recovers')
  t.equal((await app.inject('/healthz/live')).statusCode, 200)
})

t.test('stopped while the pool must connect: one connection attempt, however many probes', async (t) => {
  const appPool = pool({ max: 5 })
  const { app } = await build()
  app.healthz.add('db', pgCheck(appPool), { timeout: 200 })
  t.teardown(async () => { server.cont(); await app.close(); await appPool.end() })
  const tcp = established(server.port)
  await server.stop()
  for (let i = 0; i < 100; i++) t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.ok(established(server.port) <= tcp + 1, `at most one new connection (${tcp} before, ${established(server.port)} now)`)
  t.ok(appPool.totalCount <= 1)
  server.cont()
  t.ok(await recovers(app, 50, 50) > 0, 'recovers')
})

t.test('stopped while the pool connects with connectionTimeoutMillis: "connect timed out", not "connection lost"', async (t) => {
  const appPool = pool({ connectionTimeoutMillis: 300 })
  const { app, lines } = await build()
  app.healthz.add('db', pgCheck(appPool), { timeout: 2000 })
  t.teardown(async () => { server.cont(); await app.close(); await appPool.end() })
  await server.stop()
  t.match((await app.inject('/healthz/ready?verbose')).json(), { checks: { db: { status: 'fail', output: 'PostgreSQL: connect timed out' } } })
  t.match(loggedError(failures(lines, 'db')[0]), /connection timeout/)
  server.cont()
  t.ok(await recovers(app, 50, 50) > 0, 'recovers')
})

t.test('bad credentials and a missing database: 503, no secret in any response mode, the real error in the log', async (t) => {
  const wrongPassword = pool({ password: `wrong-${secrets.password}` })
  const wrongDatabase = pool({ database: `${secrets.database}_missing` })
  const { app, lines } = await build({ details: 'always' })
  app.healthz.add('db', pgCheck(wrongPassword))
  app.healthz.add('missing', pgCheck(wrongDatabase))
  t.teardown(async () => { await app.close(); await wrongPassword.end(); await wrongDatabase.end() })
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { db: { output: 'PostgreSQL: authentication failed' }, missing: { output: 'PostgreSQL: database not found' } } })
  const all = await allModes(app, 'db') + await allModes(app, 'missing')
  assertNoSecrets(t, all, server.port)
  t.match(all, '"error":"DependencyError: error 28P01"', 'details show the error code only')
  t.match(loggedError(failures(lines, 'db')[0]), secrets.user, 'the log has the real error')
  t.match(loggedError(failures(lines, 'missing')[0]), secrets.database)
})

t.test("pg's own errors are classified", async (t) => {
  const { app } = await build()
  const failing = (message: string) => pgCheck({ query: async () => { throw new Error(message) } })
  app.healthz.add('connect', failing('timeout exceeded when trying to connect'), { critical: false })
  app.healthz.add('lost', failing('Connection terminated unexpectedly'), { critical: false })
  app.healthz.add('connect-timeout', failing('Connection terminated due to connection timeout'), { critical: false })
  app.healthz.add('other', failing('boom'), { critical: false })
  app.healthz.add('thrown', pgCheck({ query: () => Promise.reject(42) }), { critical: false }) // eslint-disable-line prefer-promise-reject-errors
  t.teardown(() => app.close())
  t.match((await app.inject('/healthz/ready?verbose')).json().checks, {
    connect: { output: 'PostgreSQL: connect timed out' },
    lost: { output: 'PostgreSQL: connection lost' },
    'connect-timeout': { output: 'PostgreSQL: connect timed out' },
    other: { output: 'PostgreSQL: query failed' },
    thrown: { output: 'PostgreSQL: query failed' }
  })
})

t.test('arguments are validated at once', async (t) => {
  const client = { query: async () => {} }
  for (const [target, options, message] of [
    [null, undefined, /pgCheck\(\): the client must be a pg Pool or Client, or @fastify\/postgres's app.pg, got null/],
    [{ host: 'db.internal', password: 'Pa55-hunter2-secret' }, undefined, /got an object \(Object\)$/],
    [Object.create(null), undefined, /got an object$/],
    [client, { statementTimeout: 0 }, /option "statementTimeout" must be an integer of milliseconds from 1 to 2147483647, got 0/],
    [client, { query: 'SELECT 1; DROP TABLE x' }, /option "query" must be one SQL statement, without ";"/],
    [client, { query: ' ' }, /option "query"/],
    [client, { timeout: 1 }, /unknown option "timeout" \(known: statementTimeout, query\)/]
  ] as const) {
    t.throws(() => pgCheck(target as never, options as never), { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message })
  }
})
