import t from 'tap'
import Fastify from 'fastify'
import healthz, { errorCodes, HealthzConfigError, type HealthzOptions } from '../lib/index.js'

async function registerWith (options: unknown): Promise<unknown> {
  const app = Fastify()
  try {
    await app.register(healthz, options as HealthzOptions)
    await app.ready()
    return undefined
  } catch (error) {
    return error
  } finally {
    await app.close()
  }
}

t.test('bad registration options fail registration with a code and a message naming the option and value', async (t) => {
  const cases: Array<[unknown, keyof typeof errorCodes, RegExp]> = [
    [{ prefix: 'healthz' }, 'FST_HEALTHZ_INVALID_OPTION', /option "prefix" must be a path .* got 'healthz'/],
    [{ prefix: '/healthz/' }, 'FST_HEALTHZ_INVALID_OPTION', /"prefix".*got '\/healthz\/'/],
    [{ prefix: '/' }, 'FST_HEALTHZ_INVALID_OPTION', /"prefix"/],
    [{ prefix: '/:probe' }, 'FST_HEALTHZ_INVALID_OPTION', /"prefix"/],
    [{ prefix: 42 }, 'FST_HEALTHZ_INVALID_OPTION', /"prefix".*got 42/],
    [{ prefix: '/a/../b' }, 'FST_HEALTHZ_INVALID_OPTION', /option "prefix" must be a path without "\." or "\.\." segments.*got '\/a\/\.\.\/b'/],
    [{ prefix: '/.' }, 'FST_HEALTHZ_INVALID_OPTION', /without "\." or "\.\." segments/],
    [{ prefix: '/..' }, 'FST_HEALTHZ_INVALID_OPTION', /without "\." or "\.\." segments/],
    [{ prefix: '/healthz/.' }, 'FST_HEALTHZ_INVALID_OPTION', /without "\." or "\.\." segments/],
    [{ prefix: '/./healthz' }, 'FST_HEALTHZ_INVALID_OPTION', /without "\." or "\.\." segments/],
    [{ prefix: `/${'a'.repeat(256)}` }, 'FST_HEALTHZ_INVALID_OPTION', /option "prefix" must be at most 256 characters long/],
    [{ prefix: `/${'a'.repeat(20000)}` }, 'FST_HEALTHZ_INVALID_OPTION', /option "prefix" must be at most 256 characters long/],
    [{ timeout: 0 }, 'FST_HEALTHZ_INVALID_OPTION', /option "timeout" must be an integer number of milliseconds from 1 to 2147483647, got 0/],
    [{ timeout: '500' }, 'FST_HEALTHZ_INVALID_OPTION', /"timeout".*got '500'/],
    [{ timeout: 1.5 }, 'FST_HEALTHZ_INVALID_OPTION', /"timeout".*got 1\.5/],
    [{ timeout: Infinity }, 'FST_HEALTHZ_INVALID_OPTION', /"timeout".*got Infinity/],
    [{ timeout: 2 ** 31 }, 'FST_HEALTHZ_INVALID_OPTION', /"timeout"/],
    [{ cacheTtl: -1 }, 'FST_HEALTHZ_INVALID_OPTION', /option "cacheTtl" must be .* from 0 .* got -1/],
    [{ logLevel: 'loud' }, 'FST_HEALTHZ_INVALID_OPTION', /option "logLevel" must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/],
    [{ customProbes: 'deep' }, 'FST_HEALTHZ_INVALID_OPTION', /option "customProbes" must be an array/],
    [{ customProbes: ['Deep'] }, 'FST_HEALTHZ_INVALID_OPTION', /"customProbes".*got 'Deep'/],
    [{ customProbes: ['deep', 'deep'] }, 'FST_HEALTHZ_INVALID_OPTION', /"customProbes" must be new, distinct .* got 'deep'/],
    [{ customProbes: ['live'] }, 'FST_HEALTHZ_INVALID_OPTION', /"customProbes".*got 'live'/],
    [{ checks: [() => {}] }, 'FST_HEALTHZ_INVALID_OPTION', /option "checks" must be an object of checks per probe/],
    [{ checks: { deep: () => {} } }, 'FST_HEALTHZ_UNKNOWN_PROBE', /option "checks" names probe "deep", which is not served/],
    [{ checks: { ready: 'SELECT 1' } }, 'FST_HEALTHZ_INVALID_OPTION', /option "checks.ready" must be a function, an array of functions or an object of named functions, got 'SELECT 1'/],
    [{ checks: { ready: [42] } }, 'FST_HEALTHZ_INVALID_CHECK', /add\("ready-1"\): the check must be a function, got 42/],
    [{ checks: { ready: { 'bad name': () => {} } } }, 'FST_HEALTHZ_INVALID_CHECK_NAME', /got 'bad name'/],
    [{ checks: { ready: { live: () => {} }, live: () => {} } }, 'FST_HEALTHZ_DUPLICATE_CHECK', /"live" is already registered/],
    [{ drainDelay: -1 }, 'FST_HEALTHZ_INVALID_OPTION', /option "drainDelay" must be an integer number of milliseconds from 0/],
    [{ signals: 'SIGTERM' }, 'FST_HEALTHZ_INVALID_OPTION', /option "signals" must be an array of signal names/],
    [{ signals: ['SIGTERM', 'TERM'] }, 'FST_HEALTHZ_INVALID_OPTION', /option "signals" must be signal names that a process can handle, such as "SIGTERM", got 'TERM'/],
    [{ signals: ['SIGKILL'] }, 'FST_HEALTHZ_INVALID_OPTION', /"signals".*got 'SIGKILL'/],
    [{ signals: ['SIGTERM'], closeTimeout: 0 }, 'FST_HEALTHZ_INVALID_OPTION', /option "closeTimeout" must be an integer number of milliseconds from 1/],
    [{ closeTimeout: 1000 }, 'FST_HEALTHZ_INVALID_OPTION', /option "closeTimeout" must be used with the "signals" option, which it applies to; set "signals" too, got 1000/],
    [{ forceExit: true }, 'FST_HEALTHZ_INVALID_OPTION', /option "forceExit" must be used with the "signals" option/],
    [{ signals: [], forceExit: false }, 'FST_HEALTHZ_INVALID_OPTION', /option "forceExit" must be used with the "signals" option/],
    [{ signals: ['SIGTERM'], forceExit: 'yes' }, 'FST_HEALTHZ_INVALID_OPTION', /option "forceExit" must be a boolean, got 'yes'/],
    [{ listen: 9000 }, 'FST_HEALTHZ_INVALID_OPTION', /option "listen" must be an object such as \{ port: 9000, host: "0.0.0.0" \}, got 9000/],
    [{ listen: { port: 9000, hots: 'x' } }, 'FST_HEALTHZ_INVALID_OPTION', /option "listen" must be an object with "port" and optionally "host"/],
    [{ listen: {} }, 'FST_HEALTHZ_INVALID_OPTION', /option "listen.port" must be an integer from 0 to 65535, got undefined/],
    [{ listen: { port: 70000 } }, 'FST_HEALTHZ_INVALID_OPTION', /"listen.port".*got 70000/],
    [{ listen: { port: '9000' } }, 'FST_HEALTHZ_INVALID_OPTION', /"listen.port".*got '9000'/],
    [{ listen: { port: 9000, host: '' } }, 'FST_HEALTHZ_INVALID_OPTION', /option "listen.host" must be a host name or address, got ''/],
    [{ details: true }, 'FST_HEALTHZ_INVALID_OPTION', /option "details" must be "never", "always" or a function of the request, got true/],
    [{ timout: 100 }, 'FST_HEALTHZ_INVALID_OPTION', /unknown option "timout" \(known: prefix, checks, customProbes, timeout, cacheTtl, logLevel, drainDelay, signals, closeTimeout, forceExit, listen, details, info, openapi\)/]
  ]
  for (const [options, code, message] of cases) {
    const error = await registerWith(options)
    t.type(error, HealthzConfigError, JSON.stringify(options))
    t.match(error, { code, message }, JSON.stringify(options))
  }
})

t.test('error messages render odd values briefly', async (t) => {
  t.match(await registerWith({ timeout: () => {} }), { message: /got a function \(timeout\)/ })
  const anonymous = [() => {}][0]
  t.match(await registerWith({ timeout: anonymous }), { message: /got a function \(anonymous\)/ })
  const long = await registerWith({ timeout: { a: 'x'.repeat(500), b: 'y'.repeat(500) } }) as Error
  t.ok(long.message.length < 300, long.message)
  t.match(long.message, /…$/)
})

t.test('the error class and codes', async (t) => {
  const error = await registerWith({ timeout: -5 }) as HealthzConfigError
  t.equal(error.name, 'HealthzConfigError')
  t.ok(error instanceof TypeError)
  t.match(error.message, /^fastify-healthz: /)
  t.equal(errorCodes[error.code], error.code)
})

t.test('good options register, including Fastify\'s own register options', async (t) => {
  for (const options of [undefined, {}, { prefix: '/a/b-c_d.e~f' }, { prefix: '/.well-known/health' }, { prefix: '/.../a..b/.x' }, { prefix: `/${'a'.repeat(255)}` }, { timeout: 1, cacheTtl: 0, logLevel: 'silent' }, { logSerializers: {} }, { drainDelay: 0 }, { signals: ['SIGTERM', 'SIGINT'], closeTimeout: 5000, forceExit: false }, { details: 'never' }, { details: 'always' }, { details: () => true }]) {
    t.equal(await registerWith(options), undefined, JSON.stringify(options))
  }
  t.equal(await registerWith(() => ({ timeout: 5 })), undefined, 'options from a function of the parent')
  for (const options of ['x', 42, [], new Map()]) {
    t.match(await registerWith(options), { code: 'FST_HEALTHZ_INVALID_OPTION', message: /fastify-healthz: options must be an object, got / }, String(options))
  }
})

t.test('options objects without a prototype are accepted', async (t) => {
  const options = Object.assign(Object.create(null), { timeout: 100, checks: Object.assign(Object.create(null), { live: () => {} }) })
  t.equal(await registerWith(options), undefined)
})

t.test('prefix: the longest accepted prefix still serves its probes', async (t) => {
  const prefix = `/${'a'.repeat(255)}`
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(healthz, { prefix })
  t.equal((await app.inject(`${prefix}/live`)).statusCode, 200)
})
