// amqpCheck against a real RabbitMQ broker started from the system's binaries,
// on its own node name, ports and directories.
import t from 'tap'
import amqp from 'amqplib'
import amqpCallbackApi from 'amqplib/callback_api'
import { amqpCheck } from '../../lib/checks/index.js'
import { build, sleep } from '../helpers/app.js'
import { allModes, assertNoSecrets, failures, loggedError, recovers } from '../helpers/faults.js'
import { established, secrets, startRabbitmq } from '../helpers/servers.js'

t.setTimeout(240000)
const server = await startRabbitmq()
t.teardown(() => server.close())

/** What an app does: one connection, reconnected after it closes. The check reads the current one. */
class Rabbit {
  current!: Promise<amqp.ChannelModel>
  #closed = false
  constructor (readonly url: string) { this.#connect() }
  #connect (): void {
    if (this.#closed) return
    this.current = amqp.connect(this.url).then((connection) => {
      connection.on('error', () => {})
      connection.on('close', () => { setTimeout(() => { this.#connect() }, 200) })
      return connection
    })
    this.current.catch(() => { setTimeout(() => { this.#connect() }, 300) })
  }

  async close (): Promise<void> {
    this.#closed = true
    await this.current.then((connection) => connection.close(), () => {}).catch(() => {})
  }
}

async function count (what: 'connections' | 'channels'): Promise<number> {
  return (await server.ctl([`list_${what}`, 'pid'])).split('\n').filter((line) => line.includes('<')).length
}

t.test('healthy: 200 on the app connection; 500 probes add no connection and leave no channel', async (t) => {
  const connection = await amqp.connect(server.url)
  const { app } = await build()
  app.healthz.add('broker', amqpCheck(connection), { timeout: 5000 })
  t.teardown(async () => { await app.close(); await connection.close() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const before = await count('connections')
  for (let i = 0; i < 500; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) t.fail(`probe ${i}: ${res.body}`)
  }
  t.equal(await count('connections'), before, `${before} connection(s) before and after`)
  t.equal(await count('channels'), 0, 'every channel was closed')
})

t.test('killed: 503 at once, logged once; restarted: recovers through the app reconnecting', async (t) => {
  const rabbit = new Rabbit(server.url)
  await rabbit.current
  const { app, lines } = await build()
  app.healthz.add('broker', amqpCheck(() => rabbit.current), { timeout: 2000 })
  t.teardown(async () => { await app.close(); await rabbit.close() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await server.kill()
  await sleep(100)
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  t.ok(Date.now() - started < 2000, 'within the timeout')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { broker: { status: 'fail', output: /^RabbitMQ: (connection refused|connection closed)$/ } } })
  for (let i = 0; i < 5; i++) { await app.inject('/healthz/ready'); await sleep(100) }
  t.equal(failures(lines, 'broker').length, 1, 'logged once')
  assertNoSecrets(t, await allModes(app, 'broker'), server.port)
  await server.restart()
  t.ok(await recovers(app, 100, 200) > 0, 'recovers without restarting the app')
})

t.test('stopped (SIGSTOP): 503 at the timeout; 100 more probes open nothing; SIGCONT: recovers, the connection still works', async (t) => {
  const connection = await amqp.connect(server.url)
  connection.on('error', () => {})
  const { app } = await build()
  app.healthz.add('broker', amqpCheck(connection), { timeout: 300 })
  t.teardown(async () => { server.cont(); await app.close(); await connection.close().catch(() => {}) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  const tcp = established(server.port)
  await server.stop()
  const started = Date.now()
  const res = await app.inject('/healthz/ready')
  const took = Date.now() - started
  t.ok(took >= 290 && took < 1500, `answered at the timeout (${took} ms)`)
  t.match(res.json(), { checks: { broker: { output: 'timed out after 300 ms' } } })
  const later = Date.now()
  for (let i = 0; i < 100; i++) {
    const probe = await app.inject('/healthz/ready')
    if (probe.statusCode !== 503) t.fail(probe.body)
  }
  t.ok(Date.now() - later < 10000, 'the 100 probes answered at once')
  t.equal(established(server.port), tcp, 'no connection opened while stopped')
  server.cont()
  t.ok(await recovers(app, 40, 100) > 0, 'recovers within a few probes')
  const channel = await connection.createChannel()
  t.ok(await channel.checkExchange('amq.direct'), "the app's connection still works")
  await channel.close()
  t.equal(await count('channels'), 0, 'the hung channel was closed too')
})

t.test("amqplib's recovering connection: 'not connected' at once while it reconnects, the real error logged once; it passes once reconnected", async (t) => {
  const connection = await amqp.connect(server.url, { recovery: { initialDelay: 100, maxDelay: 500 } })
  connection.on('error', () => {})
  const listeners = (): number => connection.listenerCount('connect') + connection.listenerCount('disconnect') + connection.listenerCount('connect-failed')
  const { app, lines } = await build()
  app.healthz.add('broker', amqpCheck(connection), { timeout: 1000 })
  t.teardown(async () => { await app.close(); await connection.close() })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  await server.kill()
  await sleep(300)
  const started = Date.now()
  const res = await app.inject('/healthz/ready?verbose')
  t.ok(Date.now() - started < 500, 'at once, not at the timeout')
  t.match(res.json(), { checks: { broker: { status: 'fail', output: 'RabbitMQ: not connected' } } })
  for (let i = 0; i < 20; i++) t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.equal(failures(lines, 'broker').length, 1, 'logged once')
  t.match(loggedError(failures(lines, 'broker')[0]), /ECONNREFUSED|ECONNRESET|closed/i)
  assertNoSecrets(t, await allModes(app, 'broker'), server.port)
  await server.restart()
  t.ok(await recovers(app, 100, 200) > 0, 'passes once the connection recovered')
  t.equal(await count('channels'), 0, 'no channel left open')
  t.equal(listeners(), 3, 'the check follows the connection')
  app.healthz.remove('broker')
  t.equal(listeners(), 0, 'and lets go of it when removed')
})

t.test("the connection closing while the check closes its channel ends the run: the check goes on with the app's new connection", async (t) => {
  const rabbit = new Rabbit(server.url)
  let cut = true
  // The first run's connection closes right after the check sent channel.close. A closing amqplib
  // connection ignores the broker's close-ok, so close() never settles: only the channel's 'close'
  // event ends that run. (Before the fix, the run hung for good and every probe timed out.)
  const getter = async (): Promise<Pick<amqp.ChannelModel, 'createChannel'>> => {
    const connection = await rabbit.current
    if (!cut) return connection
    cut = false
    return {
      createChannel: async () => {
        const channel = await connection.createChannel()
        const close = channel.close.bind(channel)
        channel.close = async () => {
          const closing = close()
          connection.close().catch(() => {})
          await closing
        }
        return channel
      }
    }
  }
  const { app } = await build()
  app.healthz.add('broker', amqpCheck(getter), { timeout: 1000 })
  t.teardown(async () => { await app.close(); await rabbit.close() })
  const first = await app.inject('/healthz/ready?verbose')
  t.equal(first.statusCode, 200, first.body)
  t.equal(cut, false, 'the connection was closed during the run')
  t.ok(await recovers(app, 50, 100) > 0, "passes on the app's new connection")
  t.equal(await count('channels'), 0, 'no channel left open')
})

t.test("a connection of amqplib's callback API is refused; a getter returning one fails without opening a channel", async (t) => {
  const connection = await new Promise<amqpCallbackApi.Connection>((resolve, reject) => {
    amqpCallbackApi.connect(server.url, (error: unknown, opened: amqpCallbackApi.Connection) => { if (error === null) resolve(opened); else reject(error) })
  })
  t.teardown(() => { connection.close() })
  t.throws(() => amqpCheck(connection as never), {
    code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION',
    message: "amqpCheck(): the connection is of amqplib's callback API (amqplib/callback_api): pass a connection of its promise API (amqplib)"
  })
  const { app, lines } = await build()
  app.healthz.add('broker', amqpCheck(() => connection as never))
  t.teardown(() => app.close())
  for (let i = 0; i < 10; i++) t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.match(loggedError(failures(lines, 'broker')[0]), /the getter returned a connection of amqplib's callback API/)
  t.equal(await count('channels'), 0, 'no channel opened')
})

t.test('bad credentials: 503, no secret in any response mode, the real error in the log', async (t) => {
  const rabbit = new Rabbit(server.url.replace(secrets.password, `wrong-${secrets.password}`))
  const { app, lines } = await build({ details: 'always' })
  app.healthz.add('broker', amqpCheck(() => rabbit.current))
  t.teardown(async () => { await app.close(); await rabbit.close() })
  await rabbit.current.catch(() => {})
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { checks: { broker: { output: 'RabbitMQ: access refused' } } })
  assertNoSecrets(t, await allModes(app, 'broker'), server.port)
  t.match(loggedError(failures(lines, 'broker')[0]), /ACCESS.REFUSED/)
})

t.test('a getter with no connection, and failures by class', async (t) => {
  const { app } = await build()
  const failing = (message: string) => amqpCheck({ createChannel: async () => { throw new Error(message) } })
  app.healthz.add('none', amqpCheck(() => undefined), { critical: false })
  app.healthz.add('vhost', failing('Handshake terminated by server: 530 (NOT-ALLOWED)'), { critical: false })
  app.healthz.add('closed', failing('Connection closed (by client)'), { critical: false })
  app.healthz.add('other', failing('boom'), { critical: false })
  app.healthz.add('thrown', amqpCheck({ createChannel: () => Promise.reject(null) }), { critical: false }) // eslint-disable-line prefer-promise-reject-errors
  t.teardown(() => app.close())
  t.match((await app.inject('/healthz/ready?verbose')).json().checks, {
    none: { output: 'RabbitMQ: not connected' },
    vhost: { output: 'RabbitMQ: vhost not allowed' },
    closed: { output: 'RabbitMQ: connection closed' },
    other: { output: 'RabbitMQ: channel failed' },
    thrown: { output: 'RabbitMQ: channel failed' }
  })
})

t.test('arguments are validated at once', async (t) => {
  for (const [target, options, message] of [
    ['amqp://guest:guest@localhost', undefined, /amqpCheck\(\): the connection must be an amqplib connection \(promise API\) or a function returning the current one, got a string \(pass the client itself, not its URL\)$/],
    [() => undefined, { heartbeat: 1 }, /unknown option "heartbeat"/]
  ] as const) {
    t.throws(() => amqpCheck(target as never, options as never), { code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message })
  }
})
