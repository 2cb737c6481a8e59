// The built subpath fastify-healthz/checks, loaded by name from CommonJS and ES
// modules; fastify-healthz alone loads none of it.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('../..', import.meta.url))
// Child processes run the compiled dist/: keep them out of the coverage of lib/.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = promisify(execFile)
const names = '["amqpCheck","diskCheck","eventLoopCheck","httpCheck","memoryCheck","mysqlCheck","pgCheck","redisCheck"]'

t.test('require() from CommonJS', async (t) => {
  const code = `const checks = require('fastify-healthz/checks')
    console.log(JSON.stringify(Object.keys(checks).filter((name) => name.endsWith('Check')).sort()))`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), names)
})

t.test('import from ES modules', async (t) => {
  const code = `import * as checks from 'fastify-healthz/checks'
    console.log(JSON.stringify(Object.keys(checks).filter((name) => name.endsWith('Check')).sort()))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env })
  t.equal(stdout.trim(), names)
})

t.test('fastify-healthz alone loads no check and no client library', async (t) => {
  const code = `require('fastify-healthz')
    const loaded = Object.keys(require.cache)
    console.log(JSON.stringify(loaded.filter((file) => /[\\\\/]checks[\\\\/]|node_modules[\\\\/](pg|mysql2|ioredis|redis|amqplib)[\\\\/]/.test(file))))`
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env })
  t.equal(stdout.trim(), '[]')
})

t.test('an eventLoopCheck never keeps the process alive, closed or not', async (t) => {
  const code = `const { eventLoopCheck } = require('fastify-healthz/checks')
    const check = eventLoopCheck({ fail: { delay: 1000 } })
    check()
    setTimeout(() => { check(); console.log('done') }, 50)`
  const started = Date.now()
  const { stdout } = await run(process.execPath, ['-e', code], { cwd: root, env, timeout: 10000 })
  t.equal(stdout.trim(), 'done')
  t.ok(Date.now() - started < 5000, 'exited on its own')
})
