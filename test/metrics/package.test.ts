// The built subpath fastify-healthz/metrics, loaded by name from CommonJS and ES modules, and
// the package installed without its optional peers (prom-client, @opentelemetry/api).
import t from 'tap'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('../..', import.meta.url))
// Child processes run the compiled dist/: keep them out of the coverage of lib/.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = promisify(execFile)

const scrape = `
  app.healthz.add('db', async () => {})
  await app.inject('/healthz/ready')
  const text = await registry.metrics()
  console.log(JSON.stringify([typeof healthzPrometheus, typeof healthzOpenTelemetry, /healthz_check_status\\{check="db",status="pass"\\} 1/.test(text)]))
  await app.close()`
const expected = '["function","function",true]'

t.test('require() from CommonJS', async (t) => {
  const code = `(async () => {
    const Fastify = require('fastify')
    const healthz = require('fastify-healthz')
    const { healthzPrometheus, healthzOpenTelemetry } = require('fastify-healthz/metrics')
    const { Registry } = require('prom-client')
    const registry = new Registry()
    const app = Fastify()
    await app.register(healthz)
    await app.register(healthzPrometheus, { registry })
    ${scrape}
  })().catch((error) => { console.error(error); process.exit(1) })`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), expected)
})

t.test('import from ES modules', async (t) => {
  const code = `
    import Fastify from 'fastify'
    import healthz from 'fastify-healthz'
    import { healthzPrometheus, healthzOpenTelemetry } from 'fastify-healthz/metrics'
    import { register as registry } from 'prom-client'
    const app = Fastify()
    await app.register(healthz)
    await app.register(healthzPrometheus)
    ${scrape}`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env })
  t.equal(stdout.trim(), expected)
})

t.test('fastify-healthz alone loads nothing of the metrics, prom-client or OpenTelemetry', async (t) => {
  const code = `require('fastify-healthz')
    const loaded = Object.keys(require.cache)
    console.log(JSON.stringify(loaded.filter((file) => /[\\\\/]metrics[\\\\/]|node_modules[\\\\/](prom-client|@opentelemetry)[\\\\/]/.test(file))))`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), '[]')
})

t.test('fastify-healthz/metrics alone loads neither prom-client nor OpenTelemetry until a plugin needs one', async (t) => {
  const code = `(async () => {
    const Fastify = require('fastify')
    const { healthzPrometheus } = require('fastify-healthz/metrics')
    const peers = () => Object.keys(require.cache).filter((file) => /node_modules[\\\\/](prom-client|@opentelemetry)[\\\\/]/.test(file)).length > 0
    const before = peers()
    const app = Fastify()
    await app.register(require('fastify-healthz'))
    await app.register(healthzPrometheus, { registry: { registerMetric () {}, getSingleMetric () {}, removeSingleMetric () {} } })
    const withRegistry = peers()
    await app.register(healthzPrometheus, { prefix: 'other_' })
    console.log(JSON.stringify([before, withRegistry, peers()]))
  })().catch((error) => { console.error(error); process.exit(1) })`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), '[false,false,true]', 'prom-client is loaded only for its global registry')
})

t.test('fastify-healthz imported and fastify-healthz/metrics required work together: one instance of the package', async (t) => {
  const code = `
    import Fastify from 'fastify'
    import healthz from 'fastify-healthz'
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const { healthzPrometheus } = require('fastify-healthz/metrics')
    const { Registry } = require('prom-client')
    const registry = new Registry()
    const app = Fastify()
    await app.register(healthz)
    await app.register(healthzPrometheus, { registry })
    app.healthz.add('db', async () => {})
    await app.inject('/healthz/ready')
    console.log((await registry.metrics()).includes('healthz_check_status{check="db",status="pass"} 1'))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env })
  t.equal(stdout.trim(), 'true')
})

t.test('installed without prom-client and @opentelemetry/api', async (t) => {
  // Outside the repository, so that no node_modules above it has the peers.
  const dir = mkdtempSync(join(tmpdir(), 'fastify-healthz-no-peers-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const modules = join(dir, 'node_modules')
  mkdirSync(join(modules, 'fastify-healthz'), { recursive: true })
  cpSync(join(root, 'package.json'), join(modules, 'fastify-healthz', 'package.json'))
  cpSync(join(root, 'dist'), join(modules, 'fastify-healthz', 'dist'), { recursive: true })
  // The real dependencies, by link: they resolve their own from the repository.
  for (const name of ['fastify', 'fastify-plugin']) symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir')

  const esm = `
    import Fastify from 'fastify'
    import healthz from 'fastify-healthz'
    import { healthzPrometheus, healthzOpenTelemetry } from 'fastify-healthz/metrics'
    const app = Fastify()
    await app.register(healthz)
    const live = await app.inject('/healthz/live')
    const errors = []
    for (const plugin of [healthzPrometheus, healthzOpenTelemetry]) {
      const other = Fastify()
      await other.register(healthz)
      try { await other.register(plugin) } catch (error) { errors.push(error.code + ' ' + error.message) }
    }
    console.log(JSON.stringify([live.statusCode, ...errors]))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: dir, env })
  t.same(JSON.parse(stdout), [
    200,
    'FST_HEALTHZ_MISSING_DEPENDENCY fastify-healthz: healthzPrometheus: the optional peer dependency "prom-client" is not installed: npm install prom-client, or pass the "registry" option',
    'FST_HEALTHZ_MISSING_DEPENDENCY fastify-healthz: healthzOpenTelemetry: the optional peer dependency "@opentelemetry/api" is not installed: npm install @opentelemetry/api, or pass the "meterProvider" option'
  ], 'ES modules: the main entry works; each plugin says what to install')

  const cjs = `(async () => {
    const Fastify = require('fastify')
    const { healthzPrometheus } = require('fastify-healthz/metrics')
    const app = Fastify()
    await app.register(require('fastify-healthz'))
    try { await app.register(healthzPrometheus) } catch (error) { console.log(error.code) }
    const other = Fastify()
    await other.register(require('fastify-healthz'))
    await other.register(healthzPrometheus, { registry: { registerMetric () {}, getSingleMetric () {}, removeSingleMetric () {} } })
    console.log('a registry given: no prom-client needed')
  })().catch((error) => { console.error(error); process.exit(1) })`
  const cjsRun = await run(process.execPath, ['-e', cjs], { cwd: dir, env })
  t.equal(cjsRun.stdout, 'FST_HEALTHZ_MISSING_DEPENDENCY\na registry given: no prom-client needed\n', 'CommonJS too')
})
