// The built package, loaded by name the way users load it, from CommonJS and from ES modules.
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
// Child processes run the compiled dist/: keep them out of the coverage of lib/.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = promisify(execFile)

const probe = `
  app.healthz.add('db', () => { throw new HealthError('down') })
  const live = await app.inject('/healthz/live')
  const ready = await app.inject('/healthz/ready')
  console.log(JSON.stringify([typeof healthz, live.statusCode, live.body, ready.statusCode, ready.json().checks.db.output]))
`
const expected = '["function",200,"{\\"status\\":200,\\"title\\":\\"OK\\"}",503,"down"]'

t.test('require() from CommonJS', async (t) => {
  const code = `(async () => {
    const Fastify = require('fastify')
    const mod = require('fastify-healthz')
    const { healthz, HealthError } = mod
    if (mod.default !== healthz) throw new Error('default and named export differ')
    if (typeof mod !== 'function' || healthz !== mod) throw new Error('the module is not the plugin function')
    for (const name of ['HealthError', 'HealthzConfigError', 'errorCodes', 'isProbeRequest', 'healthzOpenApiPaths']) {
      if (mod[name] === undefined) throw new Error('missing named export ' + name)
    }
    if (mod[Symbol.for('skip-override')] !== true) throw new Error('not a fastify-plugin plugin')
    const app = Fastify()
    await app.register(mod)
    ${probe}
  })().catch((error) => { console.error(error); process.exit(1) })`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), expected)
})

t.test('CommonJS shape: app.register(require()) registers the plugin, with Fastify\'s name check', async (t) => {
  const code = `(async () => {
    const Fastify = require('fastify')
    const app = Fastify()
    await app.register(require('fastify-healthz'), { prefix: '/probes' })
    const live = await app.inject('/probes/live')
    console.log(JSON.stringify([live.statusCode, typeof app.healthz.add]))
  })().catch((error) => { console.error(error); process.exit(1) })`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), '[200,"function"]')
})

t.test('import from ES modules', async (t) => {
  const code = `
    import Fastify from 'fastify'
    import healthz, { healthz as named, HealthError } from 'fastify-healthz'
    if (named !== healthz) throw new Error('default and named export differ')
    const app = Fastify()
    await app.register(healthz)
    ${probe}`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env })
  t.equal(stdout.trim(), expected)
})

t.test('ES modules and CommonJS get one instance of the package, every entry with the same exports', async (t) => {
  const code = `
    import { createRequire } from 'node:module'
    import * as main from 'fastify-healthz'
    import * as checks from 'fastify-healthz/checks'
    import * as metrics from 'fastify-healthz/metrics'
    const require = createRequire(import.meta.url)
    const same = (esm, cjs) => Object.keys(esm).filter((name) => name !== 'default').every((name) => esm[name] === cjs[name])
    console.log(JSON.stringify({
      plugin: main.default === require('fastify-healthz'),
      main: same(main, require('fastify-healthz')),
      checks: same(checks, require('fastify-healthz/checks')),
      metrics: same(metrics, require('fastify-healthz/metrics')),
      names: [Object.keys(main).length, Object.keys(checks).length, Object.keys(metrics).length]
    }))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env })
  t.same(JSON.parse(stdout), { plugin: true, main: true, checks: true, metrics: true, names: [7, 9, 2] })
})

t.test('npm start serves the example app and prints the curl commands', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'docs/examples/server.ts'], { cwd: root, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill() })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /curl -i http:\/\/127\.0\.0\.1:(\d+)\/healthz\/live/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    })
    child.once('exit', (code) => { reject(new Error(`exited with ${code}: ${output}`)) })
  })
  const get = async (path: string): Promise<Response> => await fetch(`http://127.0.0.1:${port}${path}`)
  t.equal((await get('/healthz/live')).status, 200)
  t.equal((await get('/healthz/startup')).status, 503, 'the cache is still warming')
  const ready = await get('/healthz/ready?verbose')
  t.equal(ready.status, 200)
  t.match(await ready.json(), { checks: { 'event-loop': { status: 'pass' }, dependency: { status: 'pass' } } })
  t.notMatch(output, '"url":"/healthz', 'probes write no request logs')
})
