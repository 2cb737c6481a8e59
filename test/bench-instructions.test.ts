// The instruction-count benchmark's code path, once, without valgrind: every scenario's
// server starts, answers the expected body, and the report lists every process. The
// counts themselves belong to `npm run bench:instructions`.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { checkValgrind, instructions, median, parseArgs, SCENARIOS } from './bench/instructions.js'

t.test('parseArgs', async (t) => {
  t.match(parseArgs([]), { processes: 8, n1: 12_000, n2: 22_000, connections: 4, out: undefined, valgrind: 'valgrind', dryRun: false })
  t.equal(parseArgs([]).scenarios, SCENARIOS)
  t.match(parseArgs(['--processes=3', '--n1=10', '--n2=20', '--only=bare,live', '--dry-run']), { processes: 3, n1: 10, n2: 20, dryRun: true })
  t.same(parseArgs(['--only=bare,live']).scenarios.map((s) => s.name), ['bare', 'live'])
  t.throws(() => parseArgs(['--fast']), { message: /^unknown flag --fast/ })
  t.throws(() => parseArgs(['--n1=abc']), { message: '--n1 takes a positive integer, got abc' })
  t.throws(() => parseArgs(['--n1=20', '--n2=10']), { message: '--n2 (10) must be greater than --n1 (20)' })
  t.throws(() => parseArgs(['--only=nope']), { message: /^unknown scenario nope/ })
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
