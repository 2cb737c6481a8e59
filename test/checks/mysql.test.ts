// mysqlCheck against a real MariaDB server started from the system's binaries:
// mysql2 pools and connections (callback and promise API) and @fastify/mysql.
import type { Socket } from 'node:net'
import t from 'tap'
import mysql from 'mysql2'
import mysqlPromise from 'mysql2/promise'
import fastifyMysql from '@fastify/mysql'
import { mysqlCheck, type MysqlTarget } from '../../lib/checks/index.js'
import { build, sleep } from '../helpers/app.js'
import { allModes, assertNoSecrets, failures, loggedError, recovers } from '../helpers/faults.js'
import { established, mariadbSql, mariadbSqlBlocking, secrets, startMariadb } from '../helpers/servers.js'

t.setTimeout(180000)
const server = await startMariadb()
t.teardown(() => server.close())

function pool (options: mysql.PoolOptions = {}): mysql.Pool {
  const created = mysql.createPool({ ...server.config, connectionLimit: 5, ...options })
  created.on('connection', (connection) => { connection.on('error', () => {}) })
  return created
}

/** The connections of the app's user, counted by the server. */
async function serverConnections (): Promise<number> {
  return Number((await mariadbSql(server, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '${secrets.user}'`)).trim())
}

t.test('healthy: pools and connections of both APIs and @fastify/mysql pass; 500 probes add no connection', async (t) => {
  const callbackPool = pool()
  const promisePool = mysqlPromise.createPool({ ...server.config, connectionLimit: 2 })
  const connection = mysql.createConnection(server.config)
  const promiseConnection = await mysqlPromise.createConnection(server.config)
  const { app } = await build()
  await app.register(fastifyMysql, { ...server.config, connectionLimit: 2, promise: true } as never)
  await app.after()
  app.healthz.add('pool', mysqlCheck(callbackPool), { timeout: 5000 })
  app.healthz.add('promise-pool', mysqlCheck(promisePool), { timeout: 5000 })
  app.healthz.add('connection', mysqlCheck(connection), { timeout: 5000 })
  app.healthz.add('promise-connection', mysqlCheck(promiseConnection), { timeout: 5000 })
  app.healthz.add('fastify-mysql', mysqlCheck((app as unknown as { mysql: MysqlTarget }).mysql), { timeout: 5000 })
  t.teardown(async () => { await app.close(); callbackPool.end(); await promisePool.end(); connection.end(); await promiseConnection.end() })
  await app.ready()
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const before = await serverConnections()
  for (let i = 0; i < 500; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) t.fail(`probe ${i}: ${res.body}`)
  }
  const after = await serverConnections()
  t.ok(before === 5 && after === before, `connections: ${before} before, ${after} after 500 probes`)
})

t.test('no spurious failure after the server closed idle pooled connections (wait_timeout)', async (t) => {
  const appPool = pool()
  appPool.on('connection', (connection) => { connection.query('SET SESSION wait_timeout = 1') })
  const { app, lines } = await build()
  app.healthz.add('db', mysqlCheck(appPool))
  t.teardown(async () => { await app.close(); appPool.end() })
  for (let round = 0; round < 3; round++) {
    t.equal((await app.inject('/healthz/ready')).statusCode, 200)
    await sleep(2200) // the server closes the idle connection
  }
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  // And a connection killed by the server right before the probe.
  const ids = (await mariadbSql(server, `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${secrets.user}'`)).trim().split('\n').filter(Boolean)
  await mariadbSql(server, ids.map((id) => `KILL ${id};`).join(' '))
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal(failures(lines, 'db').length, 0, 'never failed')
})

t.test('no spurious failure when the server closes several idle pooled connections at once', async (t) => {
  // Two idle connections; the check takes the one released last. The server kills it, then kills the
  // other as the first one's close arrives: the second close is already here, unread, when the check
  // retries, as when many idle connections reach wait_timeout together.
  // (Before the fix, the retry took the second dead connection: MySQL: connection lost.)
  const appPool = pool({ connectionLimit: 2 })
  const { app, lines } = await build()
  app.healthz.add('db', mysqlCheck(appPool))
  t.teardown(async () => { await app.close(); appPool.end() })
  for (let round = 0; round < 3; round++) {
    const [older, newer] = await Promise.all([appPool.promise().getConnection(), appPool.promise().getConnection()])
    older.release()
    newer.release()
    const killOlder = (): void => { mariadbSqlBlocking(server, `KILL ${older.threadId}`, 200) }
    const socket = (newer.connection as unknown as { stream: Socket }).stream
    socket.prependOnceListener('end', killOlder)
    mariadbSqlBlocking(server, `KILL ${newer.threadId}`, 200)
    const res = await app.inject('/healthz/ready?verbose')
    t.equal(res.statusCode, 200, `round ${round}: ${res.body}`)
    socket.off('end', killOlder)
  }
  t.equal(failures(lines, 'db').length, 0, 'never failed')
})

t.test('a ping that fails with a reset is retried on another connection, three pings in all; other failures are not', async (t) => {
  const fake = (failures: unknown[]): { getConnection: (cb: (error: unknown, connection: unknown) => void) => void, taken: number } => {
    const pool = {
      taken: 0,
      getConnection (cb: (error: unknown, connection: unknown) => void) {
        pool.taken++
        const failed = failures.shift()
        cb(null, { ping: (done: (error: unknown) => void) => { done(failed ?? null) }, release () {}, destroy () {} })
      }
    }
    return pool
  }
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
  const closed = new Error("Can't add new command when connection is in closed state")
  const denied = Object.assign(new Error('denied'), { code: 'ER_DBACCESS_DENIED_ERROR' })
  const cases = [
    { pool: fake([reset]), status: 'pass', taken: 2 },
    { pool: fake([closed]), status: 'pass', taken: 2 },
    { pool: fake([reset, closed]), status: 'pass', taken: 3 },
    { pool: fake([reset, reset, reset]), status: 'fail', output: 'MySQL: connection reset', taken: 3 },
    { pool: fake([denied]), status: 'fail', output: 'MySQL: permission denied', taken: 1 },
    { pool: fake([{}]), status: 'fail', output: 'MySQL: ping failed', taken: 1 }
  ]
  for (const { pool, status, output, taken } of cases) {
    const { app } = await build()
    app.healthz.add('db', mysqlCheck(pool))
    const res = await app.inject('/healthz/ready?verbose')
    t.match(res.json(), { checks: { db: { status, output } } })
    t.equal(pool.taken, taken, 'connections taken')
    await app.close()
  }
  const retryConnect = { n: 0, getConnection (cb: (error: unknown, connection: unknown) => void) { if (retryConnect.n++ === 0) cb(null, { ping: (done: (e: unknown) => void) => { done(reset) }, release () {}, destroy () {} }); else cb(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), undefined) } }
  const { app } = await build()
  app.healthz.add('db', mysqlCheck(retryConnect))
  t.match((await app.inject('/healthz/ready')).json(), { checks: { db: { output: 'MySQL: connection refused' } } })
  await app.close()
})

t.test('killed: 503 at once, logged once; restarted: recovers', async (t) => {
  const appPool = pool()
  const { app, lines } = await build()
  app.healthz.add('db', mysqlCheck(appPool), { timeout: 2000 })
  t.teardown(async () => { await app.close(); appPool.end() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await server.kill()
  await sleep(50)
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 2000, 'within the timeout')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { db: { status: 'fail', output: 'MySQL: connection refused' } } })
  for (let i = 0; i < 5; i++) await app.inject('/healthz/ready')
  const logged = failures(lines, 'db')
  t.equal(logged.length, 1, 'logged once')
  t.match(loggedError(logged[0]), 'ECONNREFUSED')
  assertNoSecrets(t, await allModes(app, 'db'), server.port)
  await server.restart()
  t.ok(await recovers(app) > 0, 'recovers without restarting the app')
})

t.test('stopped (SIGSTOP): 503 at the timeout; 100 more probes take no connection; SIGCONT: recovers, the pool still works', async (t) => {
  const appPool = pool()
  const { app } = await build()
  app.healthz.add('db', mysqlCheck(appPool), { timeout: 300 })
  t.teardown(async () => { server.cont(); await app.close(); appPool.end() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const tcp = established(server.port)
  await server.stop()
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  const took = Date.now() - started
  t.ok(took >= 290 && took < 1500, `answered at the timeout (${took} ms)`)
  t.match(res.json(), { checks: { db: { output: 'timed out after 300 ms' } } })
  const later = Date.now()
  for (let i = 0; i < 100; i++) {
    const probe = await app.inject('/healthz/ready')
    if (probe.statusCode !== 503) t.fail(probe.body)
  }
  t.ok(Date.now() - later < 10000, 'the 100 probes answered at once')
  t.equal(established(server.port), tcp, 'no connection opened while stopped')
  server.cont()
  t.ok(await recovers(app, 20, 50) > 0, 'recovers within a few probes')
  const [rows] = await appPool.promise().query('SELECT 2 AS two')
  t.same(rows, [{ two: 2 }], "the app's pool still works")
})

t.test('bad credentials and a missing database: 503, no secret in any response mode, the real error in the log', async (t) => {
  const wrongPassword = pool({ password: `wrong-${secrets.password}` })
  const wrongDatabase = pool({ database: `${secrets.database}_missing` })
  const { app, lines } = await build({ details: 'always' })
  app.healthz.add('db', mysqlCheck(wrongPassword))
  app.healthz.add('missing', mysqlCheck(wrongDatabase))
  t.teardown(async () => { await app.close(); wrongPassword.end(); wrongDatabase.end() })
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { db: { output: 'MySQL: authentication failed' }, missing: { output: 'MySQL: database not found' } } })
  assertNoSecrets(t, await allModes(app, 'db') + await allModes(app, 'missing'), server.port)
  t.match(loggedError(failures(lines, 'db')[0]), secrets.user, 'the log has the real error')
})

t.test('a single connection that failed is reported', async (t) => {
  const connection = mysql.createConnection(server.config)
  connection.on('error', () => {})
  const { app } = await build()
  app.healthz.add('db', mysqlCheck(connection))
  t.teardown(async () => { await app.close(); connection.destroy() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const id = connection.threadId
  await mariadbSql(server, `KILL ${id}`)
  await sleep(100)
  t.match((await app.inject('/healthz/ready')).json(), { checks: { db: { output: /^MySQL: (connection lost|ping failed)$/ } } })
})

t.test('arguments are validated at once', async (t) => {
  for (const [target, options, message] of [
    [undefined, undefined, /mysqlCheck\(\): the target must be a mysql2 pool or connection \(callback or promise API\), or @fastify\/mysql's decorator, got undefined/],
    [{ pool: {} }, undefined, /got an object \(Object\)$/],
    [{ ping () {} }, { retries: 2 }, /unknown option "retries"/]
  ] as const) {
    t.throws(() => mysqlCheck(target as never, options as never), { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message })
  }
})
