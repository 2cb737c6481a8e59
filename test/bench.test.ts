// The benchmark's code path, once, with tiny durations: timings are not asserted
// here (they belong to `npm run bench`), only that every scenario runs and reports.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { bench, PAIRS, parseArgs } from './bench/run.js'

// A dozen server processes start one after another: slow on a busy 2-core machine.
t.setTimeout(180_000)

t.test('parseArgs', async (t) => {
  t.match(parseArgs([]), { duration: 1.5, warmup: 0.75, rounds: 10, heapProbes: 1_000_000, out: 'docs/benchmarks.md' })
  t.match(parseArgs([]), { quick: false })
  t.match(parseArgs(['--quick']), { quick: true, duration: 0.2, rounds: 3, heapProbes: 20_000, out: undefined })
  t.match(parseArgs(['--quick', '--rounds=1', '--out=x.md']), { rounds: 3, out: 'x.md' }, 'never fewer than 3 rounds')
  t.throws(() => parseArgs(['--fast']), { message: 'unknown flag --fast' })
  t.throws(() => parseArgs(['--duration=abc']), { message: '--duration takes a positive number, got abc' })
})

t.test('every scenario runs and reports', async (t) => {
  // The server processes load the built package: keep them out of the coverage of lib/.
  process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const out = t.testdir() + '/benchmarks.md'
  const text = await bench(parseArgs(['--quick', '--duration=0.1', '--heap-probes=2000', `--out=${out}`]))
  t.equal(readFileSync(out, 'utf8'), text, 'the report is written where asked')
  for (const pair of PAIRS) t.match(text, `| ${pair.title} | `, pair.subject)
  t.match(text, /\| \*bare route \(baseline\)\* \| [\d,]+ \|/)
  t.match(text, /Heap after 2,000 probes/)
  t.notMatch(text, /requests failed/, 'every request of every scenario answered 2xx')
  t.notMatch(text, /NaN|Infinity/)
  t.notMatch(text, /Missed|All targets met|✓|✗/, 'quick mode judges no target')
  t.match(text, /Quick mode: .* no target is judged/)
})
