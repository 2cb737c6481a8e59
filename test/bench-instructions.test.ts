// The instruction-count benchmark's code path, once, without valgrind: every scenario's
// server starts, answers the expected body, and the report lists every process. The
// counts themselves belong to `npm run bench:instructions`.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { dumpTotal } from './bench/callgrind.js'
import { checkValgrind, instructions, median, parseArgs, SCENARIOS } from './bench/instructions.js'

t.test('parseArgs', async (t) => {
  t.match(parseArgs([]), { processes: 8, warmup: 12_000, window: 5_000, windows: 3, out: undefined, valgrind: 'valgrind', dryRun: false })
  t.equal(parseArgs([]).scenarios, SCENARIOS)
  t.match(parseArgs(['--processes=3', '--warmup=10', '--window=20', '--windows=2', '--only=bare,live', '--dry-run']), { processes: 3, warmup: 10, window: 20, windows: 2, dryRun: true })
  t.same(parseArgs(['--only=bare,live']).scenarios.map((s) => s.name), ['bare', 'live'])
  t.throws(() => parseArgs(['--fast']), { message: /^unknown flag --fast/ })
  t.throws(() => parseArgs(['--warmup=abc']), { message: '--warmup takes a positive integer, got abc' })
  t.throws(() => parseArgs(['--windows=0']), { message: '--windows takes a positive integer, got 0' })
  t.throws(() => parseArgs(['--n1=12000']), { message: /^unknown flag --n1/ }, 'the pair method\'s flags are gone')
  t.throws(() => parseArgs(['--only=nope']), { message: /^unknown scenario nope/ })
})

t.test('V8 runs predictable (single-threaded, a GC schedule independent of time) unless told otherwise', async (t) => {
  t.same(parseArgs([]).nodeOptions, ['--predictable'])
  t.same(parseArgs(['--node-options=']).nodeOptions, [])
  t.same(parseArgs(['--node-options=--max-semi-space-size=16,--single-threaded']).nodeOptions, ['--max-semi-space-size=16', '--single-threaded'])
})

t.test('--compare adds a row per scenario that loads the plugin, run with each other build', async (t) => {
  const { scenarios } = parseArgs(['--only=bare,live,ready3', '--compare=other/dist/esm/index.js,old/index.js'])
  t.same(scenarios.map((s) => [s.name, s.base]), [
    ['bare', undefined], ['live', 'bare'], ['ready3', 'bare'],
    ['live@other/dist/esm/index.js', 'live'], ['ready3@other/dist/esm/index.js', 'ready3'], ['live@old/index.js', 'live'], ['ready3@old/index.js', 'ready3']
  ])
  t.same(scenarios[3].env, { HEALTHZ_MODULE: path.resolve('other/dist/esm/index.js') }, 'the other build is loaded from an absolute path')
  t.same(scenarios[5].env, { HEALTHZ_MODULE: path.resolve('old/index.js') })
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
  // One scenario per expected body, and the app-route baselines; one short process each, to keep `npm test` light.
  const only = ['app-without', 'app-emitters', 'app-emitters-with', 'live']
  const text = await instructions(parseArgs(['--dry-run', '--processes=1', '--warmup=4', '--window=3', '--windows=2', `--only=${only.join(',')}`, `--out=${out}`]), (line) => progress.push(line))
  t.equal(readFileSync(out, 'utf8'), text, 'the report is written where asked')
  for (const scenario of SCENARIOS.filter((s) => only.includes(s.name))) t.match(text, `| ${scenario.title} | `, scenario.name)
  t.equal(progress.length, only.length, 'one progress line per process')
  t.match(progress[0], /windows: 0, 0;/, 'every window is listed')
  t.match(text, /4 requests uncounted/)
  t.match(text, /then 2 windows of 3 requests/)
  t.match(text, /in an app that made a few EventEmitters first: .* of that median\./, 'a row with the plugin is judged against its own baseline')
  t.notMatch(text, /NaN|Infinity/)
})

t.test('a --compare row runs the other build (dry run)', async (t) => {
  process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const options = parseArgs(['--dry-run', '--processes=1', '--warmup=4', '--window=4', '--windows=1', '--only=live', `--compare=${path.resolve('dist/esm/index.js')}`])
  const text = await instructions(options)
  t.match(text, '| `GET /healthz/live`, no checks, the build at ')
  // The same row with a build that is not there: its server, not this build's, fails to start.
  const missing = parseArgs(['--dry-run', '--processes=1', '--warmup=4', '--window=4', '--windows=1', '--only=live', '--compare=/nonexistent/fastify-healthz/index.js'])
  await t.rejects(instructions(missing), { message: /^live@\/nonexistent\/fastify-healthz\/index\.js server exited \(1\):[^]*Cannot find module/ })
})

t.test('dumpTotal reads the totals line of a callgrind dump', async (t) => {
  t.equal(dumpTotal('events: Ir\nsummary: 123\ntotals: 4567\n'), 4567)
  t.equal(dumpTotal('events: Ir\nsummary: 890\n'), 890, 'older callgrinds write only summary')
  t.throws(() => dumpTotal('events: Ir\n'), { message: 'a callgrind dump without a totals line' })
})

t.test('under callgrind, each window counts the requests it served', async (t) => {
  process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const progress: string[] = []
  // Too short a warm-up for a steady figure: this proves the counting path, not a cost.
  const text = await instructions(parseArgs(['--processes=1', '--warmup=300', '--window=200', '--windows=2', '--only=bare', '--node-options=']), (line) => progress.push(line))
  const windows = /windows: ([\d,]+), ([\d,]+);/.exec(progress[0])
  t.ok(windows, progress[0])
  for (const figure of (windows ?? []).slice(1).map((w) => Number(w.replaceAll(',', '')))) {
    // A Fastify request takes tens of thousands of instructions; a few million would mean start-up was counted.
    t.ok(figure > 10_000 && figure < 3_000_000, `a window counted ${figure} instructions per request`)
  }
  t.match(text, /valgrind-\d/, 'the report names the valgrind that counted')
})
