import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import net from 'node:net'
import Fastify from 'fastify'
import { engineOf } from '../lib/handle.js'
import healthz, { HealthError } from '../lib/index.js'
import { build, captureLog, sleep } from './helpers/app.js'

const SECRET = 'postgres://admin:hunter2@db:5432'
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const execFileAsync = promisify(execFile)

function revoked (): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

function throwingGetters (...keys: string[]): object {
  const value = {}
  for (const key of keys) Object.defineProperty(value, key, { get () { throw new Error(SECRET) } })
  return value
}

function frozenError (): Error {
  return Object.freeze(new Error(SECRET))
}

class SneakyHealthError extends HealthError {
  override get message (): string { throw new Error(SECRET) }
}

/** Values a check can return or throw whose mere inspection throws. */
const HOSTILE: Array<[string, () => unknown]> = [
  ['a result whose status getter throws', () => throwingGetters('status')],
  ['a result whose output getter throws', () => throwingGetters('output')],
  ['a revoked Proxy result', revoked],
  ['a thenable whose then getter throws', () => throwingGetters('then')],
  ['a promise resolving to a revoked Proxy', () => Promise.resolve(revoked())],
  ['a rejection with a revoked Proxy', () => Promise.reject(revoked())],
  ['a thrown revoked Proxy', () => { throw revoked() }],
  ['a thrown frozen Error', () => { throw frozenError() }],
  ['a rejection with a frozen Error', () => Promise.reject(frozenError())],
  ['an error whose message getter throws', () => { throw Object.assign(throwingGetters('message', 'stack', 'name', 'cause')) }],
  ['an Error whose stack getter throws', () => { const error = new Error('x'); Object.defineProperty(error, 'stack', { get () { throw new Error(SECRET) } }); throw error }],
  ['a HealthError subclass whose message getter throws', () => { throw new SneakyHealthError('x') }],
  ['a promise whose constructor getter throws', () => Object.defineProperty(Promise.resolve(), 'constructor', { get () { throw new Error(SECRET) } })],
  ['a thrown function', () => { throw Object.assign(() => {}, { message: SECRET }) }],
  ['an error with a cyclic cause and a numeric code', () => { const error = Object.assign(new Error(SECRET), { code: 42 }); error.cause = error; throw error }],
  ['a Proxy that throws on every trap', () => { throw new Proxy({}, { get () { throw new Error(SECRET) }, getPrototypeOf () { throw new Error(SECRET) }, has () { throw new Error(SECRET) } }) }]
]

t.test('no value a check returns or throws can crash a probe, answer 500 or leak its text', async (t) => {
  for (const details of ['never', 'always'] as const) {
    for (const [what, produce] of HOSTILE) {
      const { app, lines } = await build({ details })
      let hostile = true
      app.healthz.add('db', () => hostile ? produce() as never : undefined)
      for (const url of ['/healthz/ready', '/healthz/ready?verbose', '/healthz/ready/db']) {
        const response = await app.inject(url)
        t.not(response.statusCode, 500, `${what}, ${url}, details ${details}`)
        // details: 'always' shows the text of what was thrown, by design; the default never does.
        if (details === 'never') t.notOk(response.body.includes('hunter2'), `${what}: nothing secret in ${url}`)
      }
      const status = (await app.inject('/healthz/ready')).statusCode
      t.ok(status === 503 || status === 200, `${what}: a well-defined outcome (${status})`)
      hostile = false
      t.equal((await app.inject('/healthz/ready')).statusCode, 200, `${what}: the check recovers`)
      t.ok(lines.every((line) => typeof line.msg === 'string'), `${what}: every log line was written`)
      await app.close()
    }
  }
})

t.test('inspecting a result that cannot be read fails it, withheld', async (t) => {
  const { app, lines } = await build()
  app.healthz.add('db', () => throwingGetters('status') as never)
  t.same((await app.inject('/healthz/ready')).json(), { status: 503, title: 'Service Unavailable', checks: { db: { status: 'fail', output: 'check failed' } } })
  t.match(lines, [{ msg: 'health check "db" failed: check failed', err: { message: /hunter2/ } }], 'the log has what was thrown')
})

t.test('a frozen error in a background check neither rejects ready() nor escapes a timer', async (t) => {
  const { app, lines } = await build()
  let runs = 0
  app.healthz.add('db', () => { runs++; throw frozenError() }, { interval: 20 })
  await app.ready()
  await sleep(100)
  t.ok(runs >= 2, 'it keeps running')
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.match(lines, [{ msg: 'health check "db" failed: check failed', err: { message: SECRET } }])
  await app.close()
})

t.test('a logger that throws never breaks a probe', async (t) => {
  const { logger } = captureLog()
  const app = Fastify({ loggerInstance: logger })
  await app.register(healthz)
  const broken = (): never => { throw new Error('log stream broke') }
  const child = logger.child.bind(logger)
  // The loggers bound to a check break; the app's own request logging keeps working.
  logger.child = ((bindings: Record<string, unknown>, ...rest: unknown[]) => {
    const made = (child as unknown as (...args: unknown[]) => typeof logger)(bindings, ...rest)
    return 'healthCheck' in bindings ? Object.assign(made, { warn: broken, info: broken }) : made
  }) as unknown as typeof logger.child
  let failing = true
  app.healthz.add('db', () => { if (failing) throw new Error('x') })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  failing = false
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
})

t.test('a check that runs its own probe joins the run in flight instead of recursing', async (t) => {
  const { app } = await build()
  let calls = 0
  app.healthz.add('sync', () => { calls++; app.healthz.run('ready').catch(() => {}) })
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.equal(calls, 1)
  app.healthz.remove('sync')

  let asyncCalls = 0
  app.healthz.add('async', async () => { asyncCalls++; await app.healthz.run('ready') }, { timeout: 50 })
  t.same((await app.inject('/healthz/ready')).json(), { status: 503, title: 'Service Unavailable', checks: { async: { status: 'fail', output: 'timed out after 50 ms' } } })
  t.equal(asyncCalls, 1, 'it waited on itself until its timeout, once')
})

t.test('a details function that never answers is bounded by the probe timeout', async (t) => {
  const { app, lines } = await build({ details: () => new Promise(() => {}), timeout: 50 })
  app.healthz.add('db', () => { throw new Error(SECRET) })
  const response = await app.inject('/healthz/ready?verbose')
  t.equal(response.statusCode, 503)
  t.notOk(response.body.includes('hunter2'), 'details withheld')
  t.match(lines, [{ msg: /the details function did not answer within 50 ms: details withheld/ }])
})

t.test('false and { status: "fail" } fail; a callback-style check is refused at add()', async (t) => {
  const { app } = await build()
  app.healthz.add('false', (() => false) as never)
  app.healthz.add('async-false', (async () => false) as never)
  app.healthz.add('status', (() => ({ status: 'fail', output: 'replica lag 30 s' })) as never)
  app.healthz.add('bare', (() => ({ status: 'fail' })) as never)
  app.healthz.add('soft', (() => false) as never, { critical: false })
  app.healthz.add('soft-status', (() => ({ status: 'fail', output: 'lagging' })) as never, { critical: false })
  app.healthz.add('true', (() => true) as never)
  t.same((await app.inject('/healthz/ready')).json(), {
    status: 503,
    title: 'Service Unavailable',
    checks: {
      false: { status: 'fail', output: 'the check returned false' },
      'async-false': { status: 'fail', output: 'the check returned false' },
      status: { status: 'fail', output: 'replica lag 30 s' },
      bare: { status: 'fail', output: 'check failed' },
      soft: { status: 'warn', output: 'the check returned false' },
      'soft-status': { status: 'warn', output: 'lagging' }
    }
  })
  const callbackStyle = [(done: () => void) => { done() }, function (cb: (error?: Error) => void) { setTimeout(() => cb(), 1) }, (_context: unknown, _done: unknown) => {}]
  for (const check of callbackStyle) {
    t.throws(() => app.healthz.add('cb', check as never), { code: 'FST_HEALTHZ_INVALID_CHECK', message: /checks receive a context \(\{ signal, log \}\), never a callback/ })
  }
  for (const check of [({ signal }: { signal: AbortSignal }) => { signal.throwIfAborted() }, (context: { log: { info: (msg: string) => void } }) => { context.log.info('x') }, async () => {}]) {
    t.doesNotThrow(() => app.healthz.add(`ok-${check.length}-${String(Math.random()).slice(2, 8)}`, check as never))
  }
})

t.test('non-verbose bodies stay under the 10 KiB the kubelet reads', async (t) => {
  const { app } = await build()
  for (let i = 0; i < 200; i++) app.healthz.add(`check-${i}`, () => { throw new HealthError(`\u0001"${'x'.repeat(300)}`) })
  const response = await app.inject('/healthz/ready')
  t.ok(response.rawPayload.length < 10 * 1024, `${response.rawPayload.length} bytes`)
  t.match(response.json(), { status: 503, detail: /^\d+ more failing or warning checks are not listed: see \?verbose\.$/ })
  const verbose = await app.inject('/healthz/ready?verbose')
  t.equal(Object.keys(verbose.json().checks).length, 200, 'verbose lists them all')

  const reasons = await build()
  for (let i = 0; i < 50; i++) reasons.app.healthz.markNotReady(`reason ${i} ${'y'.repeat(240)}`)
  const notReady = await reasons.app.inject('/healthz/ready')
  t.ok(notReady.rawPayload.length < 10 * 1024, `${notReady.rawPayload.length} bytes`)
  t.match(notReady.json().detail, /; and \d+ more$/)
})

t.test('cutting a public output never splits a surrogate pair', async (t) => {
  const { app } = await build()
  app.healthz.add('emoji', () => { throw new HealthError(`${'a'.repeat(254)}😀😀`) })
  const output: string = (await app.inject('/healthz/ready')).json().checks.emoji.output
  t.notOk(/[\ud800-\udbff](?![\udc00-\udfff])/.test(output), 'no lone high surrogate')
  t.ok(output.endsWith('…'))
})

t.test('a check named __proto__ is listed like any other', async (t) => {
  const { app } = await build()
  app.healthz.add('__proto__', () => { throw new HealthError('down') })
  t.same(JSON.parse((await app.inject('/healthz/ready')).body).checks, JSON.parse('{"__proto__":{"status":"fail","output":"down"}}'))
  t.ok(Object.hasOwn((await app.healthz.run('ready', { verbose: true })).checks ?? {}, '__proto__'))
})

t.test('run() takes one name for exclude, and refuses what is not names', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => { throw new Error('x') })
  app.healthz.add('d', () => {})
  t.same(await app.healthz.run('ready', { exclude: 'db' }), { status: 200, title: 'OK' })
  await t.rejects(app.healthz.run('ready', { exclude: 42 as never }), { code: 'FST_HEALTHZ_INVALID_OPTION', message: /option "exclude" must be a check name or an iterable of check names, got 42/ })
  await t.rejects(app.healthz.run('ready', { exclude: [1] as never }), { code: 'FST_HEALTHZ_INVALID_OPTION' })
})

t.test('the classes of both builds are recognised across the dual package hazard', async (t) => {
  // Both built copies in one process, as an ESM app with a CommonJS dependency loads them.
  const script = `
    import { createRequire } from 'node:module'
    import Fastify from 'fastify'
    import esm, { HealthError, HealthzConfigError } from './dist/esm/index.js'
    const cjs = createRequire(import.meta.url)('./dist/cjs/index.js')
    const app = Fastify()
    await app.register(esm)
    app.healthz.add('db', () => { throw new cjs.HealthError('from the other copy') })
    const body = (await app.inject('/healthz/ready')).json()
    const error = await cjs.healthz(Fastify(), { prefix: 'nope' }).catch((thrown) => thrown)
    console.log(JSON.stringify({
      output: body.checks.db.output,
      code: error.code,
      configAcross: error instanceof HealthzConfigError,
      healthAcross: new HealthError('x') instanceof cjs.HealthError,
      plainError: new Error('x') instanceof HealthzConfigError
    }))
  `
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' } })
  t.same(JSON.parse(stdout), { output: 'from the other copy', code: 'FST_HEALTHZ_INVALID_OPTION', configAcross: true, healthAcross: true, plainError: false })
})

t.test('subclasses keep the prototype test, and a revoked Proxy is no instance', async (t) => {
  t.notOk(new HealthError('x') instanceof SneakyHealthError)
  t.ok(new SneakyHealthError('x') instanceof HealthError)
  t.notOk(revoked() instanceof HealthError)
  t.notOk(revoked() instanceof SneakyHealthError)
})

t.test('the errors of a details function and of the log are contained', async (t) => {
  const { logger } = captureLog()
  logger.error = (() => { throw new Error('log stream broke') }) as typeof logger.error
  const app = Fastify({ loggerInstance: logger })
  await app.register(healthz, { details: () => { throw new Error('details bug') } })
  app.healthz.add('db', () => { throw new Error(SECRET) })
  const response = await app.inject('/healthz/ready?verbose')
  t.equal(response.statusCode, 503)
  t.notOk(response.body.includes('hunter2'))
  engineOf(app.healthz)?.changes.subscribe(() => { throw new Error('listener bug') })
  app.healthz.add('other', () => { throw new Error('x') })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503, 'a throwing listener, logged by a throwing logger, breaks nothing')
})

t.test('a throwing change listener is logged and isolated', async (t) => {
  const { app, lines } = await build()
  engineOf(app.healthz)?.changes.subscribe(() => { throw new Error('listener bug') })
  app.healthz.add('db', () => { throw new Error('x') })
  t.equal((await app.inject('/healthz/ready')).statusCode, 503)
  t.match(lines.filter((line) => line.msg === 'fastify-healthz: a change listener threw'), [{ err: { message: 'listener bug' } }, { err: { message: 'listener bug' } }], 'once for the check, once for its probe')
  t.ok(lines.some((line) => line.msg === 'health check "db" failed: check failed'), 'the other listeners still heard the change')
})

t.test('a client that never finishes its headers cannot hold up close() on the probe port', async (t) => {
  const { app } = await build({ listen: { port: 0, host: '127.0.0.1' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.healthz.server?.address() as net.AddressInfo
  const socket = net.connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write('GET /healthz/live HTTP/1.1\r\nHost: x\r\n')
  socket.on('error', () => {})
  await sleep(50)
  const started = performance.now()
  await app.close()
  t.ok(performance.now() - started < 2000, `closed in ${Math.round(performance.now() - started)} ms`)
  socket.destroy()
})

t.test('a throwing run observer (an exporter) is logged and isolated', async (t) => {
  const { app, lines } = await build()
  engineOf(app.healthz)?.changes.observeRuns(() => { throw new Error('exporter bug') })
  app.healthz.add('db', () => {})
  t.equal((await app.inject('/healthz/ready')).statusCode, 200)
  t.match(lines.filter((line) => line.msg === 'fastify-healthz: a run listener threw'), [{ err: { message: 'exporter bug' } }])
})
