// The instruction-count benchmark's code path, once, without valgrind: every scenario's
// server starts, answers the expected body, and the report lists every process. The
// counts themselves belong to `npm run bench:instructions`.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { checkValgrind, instructions, median, parseArgs, SCENARIOS } from './bench/instructions.js'

t.test('parseArgs', async (t) => {
  t.match(parseArgs([]), { processes: 8, n1: 12_000, n2: 22_000, connections: 1, out: undefined, valgrind: 'valgrind', dryRun: false })
  t.equal(parseArgs([]).scenarios, SCENARIOS)
  t.match(parseArgs(['--processes=3', '--n1=10', '--n2=20', '--only=bare,live', '--dry-run']), { processes: 3, n1: 10, n2: 20, dryRun: true })
  t.same(parseArgs(['--only=bare,live']).scenarios.map((s) => s.name), ['bare', 'live'])
  t.throws(() => parseArgs(['--fast']), { message: /^unknown flag --fast/ })
  t.throws(() => parseArgs(['--n1=abc']), { message: '--n1 takes a positive integer, got abc' })
  t.throws(() => parseArgs(['--n1=20', '--n2=10']), { message: '--n2 (10) must be greater than --n1 (20)' })
  t.throws(() => parseArgs(['--only=nope']), { message: /^unknown scenario nope/ })
})

t.test('V8 runs predictable (single-threaded, a GC schedule independent of time) unless told otherwise', async (t) => {
  t.same(parseArgs([]).nodeOptions, ['--predictable'])
  t.same(parseArgs(['--node-options=']).nodeOptions, [])
  t.same(parseArgs(['--node-options=--max-semi-space-size=16,--single-threaded']).nodeOptions, ['--max-semi-space-size=16', '--single-threaded'])
})

t.test('--compare adds a row per scenario that loads the plugin, run with the other build', async (t) => {
  const { scenarios } = parseArgs(['--only=bare,live,ready3', '--compare=other/dist/esm/index.js'])
  t.same(scenarios.map((s) => [s.name, s.base]), [['bare', undefined], ['live', 'bare'], ['ready3', 'bare'], ['live@compare', 'live'], ['ready3@compare', 'ready3']])
  t.same(scenarios[3].env, { HEALTHZ_MODULE: path.resolve('other/dist/esm/index.js') }, 'the other build is loaded from an absolute path')
  t.equal(scenarios[0].env, undefined, 'rows of this build load the package itself')
  t.throws(() => parseArgs(['--only=bare', '--compare=x.js']), { message: /^--compare needs a scenario that loads the plugin/ })
})

t.test('median', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 2, 3]), 2.5)
})

t.test('a missing valgrind is named, with what to install', async (t) => {
  t.throws(() => checkValgrind('/nonexistent/valgrind'), { message: /apt-get install valgrind/ })
  await t.rejects(instructions(parseArgs(['--valgrind=/nonexistent/valgrind', '--processes=1'])), { message: /valgrind is needed to count instructions/ })
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/bench/instructions.ts', '--valgrind=/nonexistent/valgrind'])
    .catch((error: { stderr: string, code: number }) => {
      t.equal(error.code, 1, 'the command fails')
      return error
    })
  t.match(stderr, /apt-get install valgrind/)
})

t.test('scenarios serve their bodies and are reported per process (dry run)', async (t) => {
  // The servers load the built package: keep them out of the coverage of lib/.
  process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const out = t.testdir() + '/instructions.md'
  const progress: string[] = []
  // Two scenarios (one per expected body), one pair each: 4 short processes, to keep `npm test` light.
  const only = ['app-with', 'live']
  const text = await instructions(parseArgs(['--dry-run', '--processes=1', '--n1=4', '--n2=8', `--only=${only.join(',')}`, `--out=${out}`]), (line) => progress.push(line))
  t.equal(readFileSync(out, 'utf8'), text, 'the report is written where asked')
  for (const scenario of SCENARIOS.filter((s) => only.includes(s.name))) t.match(text, `| ${scenario.title} | `, scenario.name)
  t.equal(progress.length, only.length, 'one progress line per process pair')
  t.match(text, /N1 = 4 requests and one N2 = 8/)
  t.notMatch(text, /NaN|Infinity/)
})

t.test('a --compare row runs the other build (dry run)', async (t) => {
  process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const options = parseArgs(['--dry-run', '--processes=1', '--n1=4', '--n2=8', '--only=live', `--compare=${path.resolve('dist/esm/index.js')}`])
  const text = await instructions(options)
  t.match(text, '| `GET /healthz/live`, no checks, the build at ')
  // The same row with a build that is not there: its server, not this build's, fails to start.
  const missing = parseArgs(['--dry-run', '--processes=1', '--n1=4', '--n2=8', '--only=live', '--compare=/nonexistent/fastify-healthz/index.js'])
  await t.rejects(instructions(missing), { message: /^live@compare server exited \(1\) before listening:[^]*\/nonexistent\/fastify-healthz\/index\.js/ })
})
