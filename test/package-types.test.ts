// The built package's CommonJS types, as CommonJS TypeScript and @ts-check JavaScript see them.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
// Child processes run the compiled dist/: keep them out of the coverage of lib/.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = promisify(execFile)

t.test('CommonJS types: import x = require() in TypeScript and require() in @ts-check JavaScript type-check', async (t) => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const result = await run(process.execPath, [tsc, '-p', 'test/fixtures/cjs-types/tsconfig.json'], { cwd: root, env }).then(() => '', (error: { stdout: string }) => error.stdout)
  t.equal(result, '', 'no type errors')
})
