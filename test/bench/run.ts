// `npm run bench`: probe throughput against a bare Fastify route, in one run on this machine.
// Each server runs in its own process; autocannon loads it from this one. Flags:
//   --quick            0.2 s measurements and 20,000 heap probes: under 30 s; a smoke run that
//                      prints the figures but judges no target (too short to tell a miss from noise)
//   --duration=S       seconds per measurement (default 1.5; fractions work)
//   --rounds=N         alternating rounds per pair (default 10; quick 3; at least 3)
//   --heap-probes=N    probes sent before the second heap reading (default 1,000,000)
//   --out=PATH         where to write the report (default docs/benchmarks.md; --quick: none)
//   --only=A,B         measure only these scenarios against their baselines (prints, never writes)
import autocannon from 'autocannon'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface BenchOptions {
  /** Too short to judge: the report shows figures, never verdicts. */
  quick: boolean
  duration: number
  warmup: number
  rounds: number
  heapProbes: number
  out: string | undefined
  only: string[] | undefined
}

export function parseArgs (argv: readonly string[]): BenchOptions {
  const flags = new Map(argv.map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=')
    return [key, value ?? 'true'] as const
  }))
  const known = new Set(['quick', 'duration', 'rounds', 'heap-probes', 'out', 'only'])
  for (const key of flags.keys()) if (!known.has(key)) throw new Error(`unknown flag --${key}`)
  const quick = flags.has('quick')
  const number = (key: string, fallback: number | undefined): number | undefined => {
    const value = flags.get(key)
    if (value === undefined) return fallback
    const parsed = Number(value)
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${key} takes a positive number, got ${value}`)
    return parsed
  }
  const duration = number('duration', quick ? 0.2 : 1.5) as number
  return {
    quick,
    duration,
    warmup: duration / 2,
    rounds: Math.max(3, number('rounds', quick ? 3 : 10) as number),
    heapProbes: number('heap-probes', quick ? 20_000 : 1_000_000) as number,
    out: flags.has('only') ? undefined : flags.get('out') ?? (quick ? undefined : 'docs/benchmarks.md'),
    only: flags.get('only')?.split(',')
  }
}

interface Server {
  name: string
  child: ChildProcess
  url: string
  statsUrl: string
}

interface Sample {
  rps: number
  p50: number
  p99: number
  cpuUsPerRequest: number
  failed: number
}

interface Pair {
  title: string
  base: string
  subject: string
  /** Minimal ratio of subject to base req/s. */
  target?: number
  /** Maximal ratio of subject to base server CPU per request. */
  cpuTarget?: number
  peer?: boolean
}

export const PAIRS: readonly Pair[] = [
  { title: '`GET /healthz/live`, no checks', base: 'bare', subject: 'live', target: 0.95 },
  { title: '`GET /healthz/ready`, three trivial async checks', base: 'bare', subject: 'ready3', target: 0.85 },
  { title: '`GET /healthz/ready`, a 20 ms check with `cacheTtl: 1000`', base: 'bare', subject: 'cached' },
  { title: 'an app route, plugin registered vs not', base: 'app-without', subject: 'app-with', target: 0.99 },
  { title: '@fastify/under-pressure status route', base: 'bare', subject: 'under-pressure', peer: true },
  { title: 'fastify-healthcheck', base: 'bare', subject: 'fastify-healthcheck', peer: true },
  { title: '@godaddy/terminus', base: 'bare', subject: 'terminus', peer: true },
  { title: 'lightship `/ready` (own server, no check functions)', base: 'bare', subject: 'lightship', peer: true },
  { title: '`GET /healthz/ready`, three trivial checks, with `healthzPrometheus` vs without', base: 'ready3', subject: 'ready3-prometheus', cpuTarget: 1.1 }
]

const TICKS = Number(safe(() => execFileSync('getconf', ['CLK_TCK']).toString().trim()) ?? 100)
const HAS_TASKSET = safe(() => execFileSync('taskset', ['-V'])) !== undefined
const TASKSET = os.availableParallelism() >= 2 && HAS_TASKSET

function safe<T> (fn: () => T): T | undefined {
  try {
    return fn()
  } catch {
    return undefined
  }
}

/** CPU time (user + system) of a process so far, in microseconds, from /proc. */
function cpuMicros (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / TICKS
}

async function startServer (name: string): Promise<Server> {
  const args = ['--expose-gc', '--import', 'tsx', 'test/bench/server.ts', name]
  const child = TASKSET
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout as NodeJS.ReadableStream, 'data') as [Buffer]
  const { port, path, statsPort } = JSON.parse(line.toString())
  return { name, child, url: `http://127.0.0.1:${port}${path}`, statsUrl: `http://127.0.0.1:${statsPort}/__stats` }
}

async function stats (server: Server, gc = false): Promise<{ runs: number, heapUsed: number }> {
  return await (await fetch(gc ? `${server.statsUrl}?gc` : server.statsUrl)).json() as { runs: number, heapUsed: number }
}

async function load (server: Server, duration: number): Promise<Sample> {
  const pid = server.child.pid as number
  const cpuBefore = cpuMicros(pid)
  const started = performance.now()
  // sampleInt: autocannon otherwise ends runs on whole seconds only.
  const result = await autocannon({ url: server.url, connections: 50, duration, sampleInt: 50 })
  const seconds = (performance.now() - started) / 1000
  const completed = result['2xx'] + result.non2xx
  return {
    rps: completed / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: (cpuMicros(pid) - cpuBefore) / Math.max(1, completed),
    failed: result.non2xx + result.errors + result.timeouts
  }
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

interface PairResult {
  pair: Pair
  base: Sample[]
  subject: Sample[]
  /** Median over rounds of subject req/s ÷ base req/s, each pair measured back to back. */
  ratio: number
  /** Median over rounds of subject CPU per request ÷ base CPU per request. */
  cpuRatio: number
  runs?: { max: number, allowed: number }
}

async function measurePair (pair: Pair, servers: Map<string, Server>, options: BenchOptions): Promise<PairResult> {
  const base = servers.get(pair.base) as Server
  const subject = servers.get(pair.subject) as Server
  const result: PairResult = { pair, base: [], subject: [], ratio: 0, cpuRatio: 0 }
  for (let round = 0; round < options.rounds; round++) {
    // Alternate the order so that drift (thermal, other load) cancels out.
    for (const side of round % 2 === 0 ? ['base', 'subject'] as const : ['subject', 'base'] as const) {
      const server = side === 'base' ? base : subject
      const before = pair.subject === 'cached' && side === 'subject' ? await stats(server) : undefined
      const started = performance.now()
      const sample = await load(server, options.duration)
      if (before !== undefined) {
        const runs = (await stats(server)).runs - before.runs
        const allowed = Math.ceil((performance.now() - started) / 1000) + 1
        result.runs = { max: Math.max(result.runs?.max ?? 0, runs), allowed }
      }
      result[side].push(sample)
    }
  }
  // Per-round ratios cancel the drift of a shared machine better than ratios of totals.
  result.ratio = median(result.subject.map((sample, i) => sample.rps / result.base[i].rps))
  result.cpuRatio = median(result.subject.map((sample, i) => sample.cpuUsPerRequest / result.base[i].cpuUsPerRequest))
  return result
}

async function heapGrowth (server: Server, probes: number): Promise<{ first: number, last: number }> {
  await autocannon({ url: server.url, connections: 50, amount: 10_000, sampleInt: 50 })
  const first = (await stats(server, true)).heapUsed
  await autocannon({ url: server.url, connections: 50, amount: probes, sampleInt: 50 })
  const last = (await stats(server, true)).heapUsed
  return { first, last }
}

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function report (results: PairResult[], heap: { first: number, last: number }, options: BenchOptions, seconds: number): string {
  const cpus = os.cpus()
  const fastifyVersion = JSON.parse(readFileSync(`${root}/node_modules/fastify/package.json`, 'utf8')).version
  const lines = [
    '# Benchmarks',
    '',
    `Measured with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, Fastify ${fastifyVersion}.`,
    `autocannon with 50 connections, ${options.duration} s per measurement after a discarded ${options.warmup} s warm-up of every server, ${options.rounds} alternating rounds per pair; ${TASKSET ? 'servers pinned to CPU 1 with taskset, and the load generator to CPU 0 when run from the command line' : HAS_TASKSET ? `no CPU pinning: only ${os.availableParallelism()} CPU available to this process, which the servers and the load generator share` : 'no CPU pinning (taskset not available)'}; every server its own process with \`logger: false\`. Total time ${fmt(seconds)} s.`,
    '',
    'Each ratio is the median, over the rounds, of the scenario against its baseline measured right before or after it: a bare Fastify route returning the same `{"status":200,"title":"OK"}` body, or, for the app route, the same app without the plugin. req/s and latencies are medians over the rounds. Server CPU is the server process\'s user + system time per request, from `/proc`; its ratio (lower is cheaper) is the steadier figure, because one load generator on one core nearly saturates before any of these servers does. The app route row runs the same code per request with and without the plugin, which adds no request hook: its spread around 1.0 shows the noise of the run.',
    '',
    '| Scenario | req/s | baseline req/s | ratio | target | p50 ms | p99 ms | server CPU µs/req | CPU ratio |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|'
  ]
  const missed: string[] = []
  for (const { pair, base, subject, ratio, cpuRatio } of results) {
    let met = pair.target === undefined ? '' : options.quick ? `≥ ${pair.target}` : ratio >= pair.target ? `≥ ${pair.target} ✓` : `≥ ${pair.target} ✗`
    if (pair.target !== undefined && ratio < pair.target) missed.push(`${pair.subject}: ratio ${fmt(ratio, 3)} < ${pair.target}`)
    if (pair.cpuTarget !== undefined) {
      met = options.quick ? `CPU ≤ ${pair.cpuTarget}` : `CPU ≤ ${pair.cpuTarget} ${cpuRatio <= pair.cpuTarget ? '✓' : '✗'}`
      if (cpuRatio > pair.cpuTarget) missed.push(`${pair.subject}: CPU ratio ${fmt(cpuRatio, 2)} > ${pair.cpuTarget}`)
    }
    lines.push(`| ${pair.title} | ${fmt(median(subject.map((s) => s.rps)))} | ${fmt(median(base.map((s) => s.rps)))} | ${fmt(ratio, 3)} | ${met} | ${fmt(median(subject.map((s) => s.p50)), 1)} | ${fmt(median(subject.map((s) => s.p99)), 1)} | ${fmt(median(subject.map((s) => s.cpuUsPerRequest)), 1)} | ${fmt(cpuRatio, 2)} |`)
  }
  const bare = results[0].base
  lines.push(`| *bare route (baseline)* | ${fmt(median(bare.map((s) => s.rps)))} | | 1.000 | | ${fmt(median(bare.map((s) => s.p50)), 1)} | ${fmt(median(bare.map((s) => s.p99)), 1)} | ${fmt(median(bare.map((s) => s.cpuUsPerRequest)), 1)} | 1.00 |`)

  // "Faster" is judged by server CPU per request, the figure that the load generator's own limit does not flatten.
  const cpu = (r: PairResult): number => median(r.subject.map((s) => s.cpuUsPerRequest))
  const live = results.find((r) => r.pair.subject === 'live') as PairResult
  const peers = results.filter((r) => r.pair.peer === true)
  const cheaper = peers.filter((peer) => cpu(peer) <= cpu(live)).map((peer) => peer.pair.subject)
  if (cheaper.length > 0) missed.push(`not cheaper per request than ${cheaper.join(', ')}`)
  const tied = peers.filter((peer) => peer.ratio >= live.ratio).map((peer) => peer.pair.subject)
  const cached = results.find((r) => r.pair.subject === 'cached')?.runs ?? { max: 0, allowed: 0 }
  if (cached.max > cached.allowed) missed.push(`cached check ran ${cached.max} times, allowed ${cached.allowed}`)
  const growth = heap.last - heap.first
  if (growth > 5 * 2 ** 20) missed.push(`heap grew ${fmt(growth / 2 ** 20, 2)} MB`)
  const failed = results.flatMap((r) => [...r.base, ...r.subject]).reduce((sum, s) => sum + s.failed, 0)
  if (failed > 0) missed.push(`${failed} requests failed or answered non-2xx`)

  lines.push(
    '',
    '## Targets',
    '',
    `- \`live\` with no checks at least 0.95 of the bare route: ${fmt(live.ratio, 3)}.`,
    `- \`ready\` with three checks at least 0.85: ${fmt(results[1].ratio, 3)}.`,
    `- An app route with the plugin registered at least 0.99 of without: ${fmt(results[3].ratio, 3)} (the plugin adds no request hook).`,
    ...results.filter((r) => r.pair.subject === 'ready3-prometheus').map((r) => `- \`ready\` with three checks and \`healthzPrometheus\` at most 1.10 of the server CPU per request without it: ${fmt(r.cpuRatio, 2)}.`),
    `- With \`cacheTtl: 1000\` the 20 ms check ran at most ${cached.max} times in a measurement, where once per second plus one allows ${cached.allowed}.`,
    `- Faster than every peer, by server CPU per request: \`live\` ${fmt(cpu(live), 1)} µs against ${peers.map((p) => `${p.pair.subject} ${fmt(cpu(p), 1)} µs`).join(', ')}. By req/s ratio: \`live\` ${fmt(live.ratio, 3)} against ${peers.map((p) => `${p.pair.subject} ${fmt(p.ratio, 3)}`).join(', ')}${tied.length > 0 ? ` (${tied.join(', ')} within the noise of the bare route, as \`live\` is: a probe that does next to nothing cannot beat the bare route it is measured against)` : ''}.`,
    `- Heap after ${fmt(options.heapProbes)} probes (\`ready\`, three checks) and a forced GC: ${fmt(heap.last / 2 ** 20, 2)} MB, against ${fmt(heap.first / 2 ** 20, 2)} MB after the first 10,000: ${growth >= 0 ? '+' : ''}${fmt(growth / 2 ** 20, 2)} MB (target: within 5 MB).`,
    '',
    options.quick
      ? 'Quick mode: measurements this short cannot tell a miss from noise, so no target is judged; run `npm run bench` for verdicts.'
      : missed.length === 0 ? 'All targets met.' : `Missed: ${missed.join('; ')}.`,
    '',
    'One run on a shared 2-core virtual machine, where the same route can measure 25% apart from one minute to the next: read the ratios, not the absolute figures, and expect a few percent of noise in them. Reproduce with `npm run bench` (about five minutes) or `npm run bench -- --quick`.',
    ''
  )
  return lines.join('\n')
}

export async function bench (options: BenchOptions): Promise<string> {
  const started = performance.now()
  const pairs = options.only === undefined ? PAIRS : PAIRS.filter((pair) => options.only?.includes(pair.subject))
  if (options.only !== undefined) {
    const results = []
    const servers = await Promise.all([...new Set(pairs.flatMap((pair) => [pair.base, pair.subject]))].map(startServer))
    try {
      for (const pair of pairs) results.push(await measurePair(pair, new Map(servers.map((server) => [server.name, server])), options))
    } finally {
      for (const { child } of servers) child.kill('SIGKILL')
    }
    return results.map((r) => `${r.pair.subject}: req/s ratio ${fmt(r.ratio, 3)}, CPU ratio ${fmt(r.cpuRatio, 2)}\n`).join('')
  }
  const names = [...new Set(PAIRS.flatMap((pair) => [pair.base, pair.subject]))]
  const servers = new Map<string, Server>()
  try {
    for (const server of await Promise.all(names.map(startServer))) servers.set(server.name, server)
    // All servers share one core: warm every one of them, then let their start-up tails
    // (compilation, GC) end, so that the first pair is not measured against them.
    for (const server of servers.values()) await load(server, options.warmup)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const results: PairResult[] = []
    for (const pair of PAIRS) {
      results.push(await measurePair(pair, servers, options))
      process.stderr.write(`${pair.subject}: ${fmt(results.at(-1)?.ratio ?? 0, 3)}\n`)
    }
    const heap = await heapGrowth(servers.get('ready3') as Server, options.heapProbes)
    const text = report(results, heap, options, (performance.now() - started) / 1000)
    if (options.out !== undefined) writeFileSync(options.out, text)
    return text
  } finally {
    for (const { child } of servers.values()) child.kill('SIGKILL')
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The load generator on CPU 0, the servers on CPU 1.
  if (TASKSET) safe(() => execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' }))
  process.stdout.write(await bench(parseArgs(process.argv.slice(2))))
}
