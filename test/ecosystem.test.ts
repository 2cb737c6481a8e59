// Where the plugin meets Fastify's tools: fastify-cli, @fastify/autoload, and
// the ways of registering it that cannot work. Tested with the real tools.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autoload from '@fastify/autoload'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import healthz, { HealthzConfigError, type HealthzOptions } from '../lib/index.js'
import { warnOnForeignSignalHandlers } from '../lib/ecosystem.js'
import { captureLog } from './helpers/app.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url))

t.test('fastify-cli: `fastify start -o` passes server options to the plugin, which ignores them, and its own signal handling is reported', async (t) => {
  // The built package, started the way users start it; the child's coverage is not lib/'s.
  const child = spawn(process.execPath, ['node_modules/fastify-cli/cli.js', 'start', '-o', '-l', 'info', '-a', '127.0.0.1', '-p', '0', 'test/fixtures/cli-app.cjs'], {
    cwd: root,
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) resolve(match[1] as string)
    })
    child.once('exit', (code) => { reject(new Error(`fastify start exited with ${code}: ${output}`)) })
  })
  t.equal((await fetch(`${url}/healthz/live`)).status, 200, 'the probes are served')
  const warnings = output.split('\n').filter((line) => line.includes('another handler of SIGTERM'))
  t.equal(warnings.length, 1, 'warned once')
  t.match(JSON.parse(warnings[0] as string), { level: 40, signals: ['SIGTERM'], msg: /preStop/ })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
})

t.test('@fastify/autoload: a folder does not move the probes; the options it passes on are accepted', async (t) => {
  const previous = process.env.FASTIFY_AUTOLOAD_TYPESCRIPT
  process.env.FASTIFY_AUTOLOAD_TYPESCRIPT = '1'
  t.teardown(() => {
    if (previous === undefined) delete process.env.FASTIFY_AUTOLOAD_TYPESCRIPT
    else process.env.FASTIFY_AUTOLOAD_TYPESCRIPT = previous
  })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(autoload, { dir: `${fixtures}autoload`, options: { trustProxy: true, logger: { level: 'info' }, skipOverride: true, timeout: 250 } })
  await app.ready()
  t.equal((await app.inject('/healthz/live')).statusCode, 200, 'served under the plugin\'s prefix, not the folder\'s')
  t.equal((await app.inject('/health/live')).statusCode, 404)
  t.equal((await app.inject('/health/healthz/live')).statusCode, 404)
  t.equal(app.healthz.probes.length, 3, 'decorates the root: autoload registers fastify-plugin plugins in place')
})

t.test('options Fastify and its tools pass through are ignored; unknown names are still rejected', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(healthz, { trustProxy: true, logger: true, bodyLimit: 10, https: null, skipOverride: true, prefix: '/probes' } as HealthzOptions)
  t.equal((await app.inject('/probes/live')).statusCode, 200)
  const typo = Fastify()
  t.teardown(() => typo.close())
  await t.rejects(async () => { await typo.register(healthz, { timout: 5 } as HealthzOptions) }, { code: 'FST_HEALTHZ_INVALID_OPTION', message: /unknown option "timout"/ })
})

t.test('registering twice throws with what to do, on the same instance or below it', async (t) => {
  const twice = Fastify()
  t.teardown(() => twice.close())
  twice.register(healthz)
  twice.register(healthz)
  const error = await twice.ready().then(() => undefined, (error: unknown) => error)
  t.ok(error instanceof HealthzConfigError)
  t.match(error, { code: 'FST_HEALTHZ_ALREADY_REGISTERED', message: /registered twice: .*Register the plugin once, at the root, .*fastify\.healthz\.add\(\).*dependencies: \['fastify-healthz'\]/ })

  const nested = Fastify()
  t.teardown(() => nested.close())
  await nested.register(healthz)
  await t.rejects(async () => { await nested.register(async (child) => { await child.register(healthz, { prefix: '/other' }) }) }, { message: /registered twice/ })
})

t.test('a plugin that uses fastify.healthz and declares the dependency gets Fastify\'s clear error when healthz is missing', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fp(async (fastify) => { fastify.healthz.add('db', () => {}) }, { name: 'db', dependencies: ['fastify-healthz'] }))
  await t.rejects(async () => { await app.ready() }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', message: /fastify-healthz/ })
})

t.test('registered inside a prefixed plugin: warns that the probes moved and where', async (t) => {
  const { logger, lines } = captureLog()
  const app = Fastify({ loggerInstance: logger })
  t.teardown(() => app.close())
  await app.register(async (api) => { await api.register(healthz) }, { prefix: '/api' })
  t.equal((await app.inject('/api/healthz/live')).statusCode, 200)
  const warning = lines.find((line) => /registered inside a plugin with the prefix/.test(line.msg ?? ''))
  t.match(warning, { level: 40, probes: '/api/healthz', msg: /served under \/api\/healthz .*Register it at the root/ })

  const { logger: rootLogger, lines: rootLines } = captureLog()
  const atRoot = Fastify({ loggerInstance: rootLogger })
  t.teardown(() => atRoot.close())
  await atRoot.register(healthz)
  t.notOk(rootLines.some((line) => line.level >= 40), 'no warning at the root')
})

t.test('signals: another handler of the same signal is reported once at ready; signal-exit and the plugin\'s own are not', async (t) => {
  const { logger, lines } = captureLog()
  const foreign = (): void => {}
  process.on('SIGUSR2', foreign)
  t.teardown(() => { process.removeListener('SIGUSR2', foreign) })
  const app = Fastify({ loggerInstance: logger })
  t.teardown(() => app.close())
  await app.register(healthz, { signals: ['SIGUSR2', 'SIGHUP'] })
  await app.ready()
  const warnings = lines.filter((line) => /another handler of/.test(line.msg ?? ''))
  t.equal(warnings.length, 1)
  t.match(warnings[0], { level: 40, signals: ['SIGUSR2'], msg: /another handler of SIGUSR2 is installed .*preStop/ })

  // tap's own signal-exit listeners are on SIGTERM in this process: not another handler.
  const quiet = captureLog()
  warnOnForeignSignalHandlers(quiet.logger, ['SIGTERM'])
  t.equal(quiet.lines.length, 0)
})
