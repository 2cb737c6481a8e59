import t from 'tap'
import Fastify from 'fastify'
import healthz, { HealthError } from '../lib/index.js'
import { build, captureLog } from './helpers/app.js'

const WARN = 40
const INFO = 30

t.test('probe requests write no request log lines by default', async (t) => {
  const { app, lines } = await build()
  app.get('/app', async () => 'ok')
  app.healthz.add('db', () => {})
  for (const url of ['/healthz/live', '/healthz/ready?verbose', '/healthz/ready/db', '/healthz/nope', '/healthz']) {
    await app.inject(url)
  }
  t.same(lines, [], 'nothing at all was logged')
  await app.inject('/app')
  t.ok(lines.some((line) => line.msg === 'incoming request'), 'the app\'s own routes still log')
})

t.test('the logLevel option turns probe request logs back on', async (t) => {
  const { app, lines } = await build({ logLevel: 'info' })
  await app.inject('/healthz/live')
  t.same(lines.map((line) => line.msg), ['incoming request', 'request completed'])
})

t.test('a check\'s change of state is logged once, with the real error', async (t) => {
  const { app, lines } = await build()
  let state: 'pass' | 'fail' | 'warn' | 'health' = 'fail'
  app.healthz.add('db', () => {
    if (state === 'fail') throw new Error('connect ECONNREFUSED postgres://admin:hunter2@db:5432')
    if (state === 'health') throw new HealthError('replica lagging')
    if (state === 'warn') return { status: 'warn', output: 'slow' }
  })
  const probe = async (times: number): Promise<void> => { for (let i = 0; i < times; i++) await app.inject('/healthz/ready') }

  await probe(5)
  t.equal(lines.length, 1, 'a first result that fails counts as a change')
  t.match(lines[0], { level: WARN, healthCheck: 'db', msg: 'health check "db" failed: check failed', err: { message: /hunter2/, stack: String } })

  state = 'pass'
  await probe(5)
  t.equal(lines.length, 2)
  t.match(lines[1], { level: INFO, healthCheck: 'db', msg: 'health check "db" recovered' })

  state = 'warn'
  await probe(3)
  state = 'health'
  await probe(3)
  state = 'pass'
  await probe(3)
  t.same(lines.slice(2).map((line) => [line.level, line.msg]), [
    [WARN, 'health check "db" warns: slow'],
    [WARN, 'health check "db" failed: replica lagging'],
    [INFO, 'health check "db" recovered']
  ])
  t.notOk(JSON.stringify(lines.slice(2)).includes('hunter2'))
})

t.test('a first result that passes logs nothing; timeouts are logged once', async (t) => {
  const { app, lines } = await build()
  app.healthz.add('ok', () => {})
  app.healthz.add('hung', () => new Promise(() => {}), { timeout: 20 })
  for (let i = 0; i < 3; i++) await app.inject('/healthz/ready')
  t.same(lines.map((line) => line.msg), ['health check "hung" failed: timed out after 20 ms'])
  t.notOk('err' in lines[0])
})

t.test('a check logs through the app logger, bound to its name, even on silent routes', async (t) => {
  const { app, lines } = await build()
  app.healthz.add('db', ({ log }) => { log.info({ pool: 3 }, 'pool stats') })
  await app.inject('/healthz/ready')
  t.match(lines, [{ level: INFO, healthCheck: 'db', pool: 3, msg: 'pool stats' }])
})

t.test('state changes go through the app logger at its own level', async (t) => {
  const { logger, lines } = captureLog('warn')
  const app = Fastify({ loggerInstance: logger })
  await app.register(healthz)
  let fail = true
  app.healthz.add('db', () => { if (fail) throw new Error('x') })
  await app.inject('/healthz/ready')
  fail = false
  await app.inject('/healthz/ready')
  t.same(lines.map((line) => line.msg), ['health check "db" failed: check failed'], 'the info line of the recovery stays below the app\'s level')
})
