// `npm run bench:instructions`: instructions per request, counted by valgrind, one figure per pair of fresh processes.
//
// Wall-clock req/s and /proc CPU time on a shared VM swing by 20-50% between runs; instruction
// counts do not. Each server runs under
//   valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --fair-sched=yes node test/bench/instructions-server.mjs <scenario>
// once serving N1 requests and once N2 (4 keep-alive connections from this process), and
// (I(N2) - I(N1)) / (N2 - N1) is the instructions per request, start-up and warm-up cancelled out.
//
// N1 must lie past V8's tier-up of the request path. Natively, about 80 functions of Node's and
// Fastify's request path are still being compiled by TurboFan between the 2,000th and the
// 8,000th request, on V8's background threads, whose instructions cachegrind counts too. With
// N1 = 2,000 that compilation falls into the difference, and how much of it does depends on how
// valgrind interleaves the compiler threads with the main thread: figures then jump between
// ~75k and ~140k per request from one process to the next. Hence N1 = 12,000 by default. On a
// heavily loaded machine compilation can lag past that too, for every scenario alike: the
// scenarios are interleaved so that each is measured under the same load as its base; compare a
// row with its base from the same run, never with another run's figures.
// --fair-sched=yes: without it, valgrind's thread lock leaves the server idle ~70% of the time.
//
// Flags:
//   --processes=N     fresh process pairs per scenario (default 8)
//   --n1=N --n2=N     requests served by the short and the long run (default 12,000 and 22,000)
//   --connections=N   keep-alive connections of the load (default 1: one request per turn of the
//                     event loop, whatever the timing; with more, how many requests one read
//                     takes in depends on timing, and so does the count)
//   --parallel=N      servers under valgrind at once (default: the number of CPUs, at most 2)
//   --only=A,B        these scenarios only (default: all; see SCENARIOS)
//   --out=PATH        also write the markdown report there (for docs/benchmarks.md)
//   --timeout=S       seconds one server may run before it is killed (default 600)
//   --valgrind=PATH   the valgrind binary (default: valgrind on the PATH)
//   --node-options=A,B  options for node before the server script (default: --predictable, which
//                     implies --single-threaded and a GC schedule that does not depend on time;
//                     --node-options= runs V8 with its background threads)
//   --compare=PATH    also run every scenario that loads the plugin with another build of it
//                     (the path to its dist/esm/index.js), as a row compared with this build's
//   --dry-run         run the servers without valgrind: exercises everything but the counting
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { load, type LoadResult } from './load.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const SERVER = 'test/bench/instructions-server.mjs'

export interface Scenario {
  name: string
  title: string
  /** What every response's body must be. */
  body: string
  /** The scenario whose median this one is compared with. */
  base?: string
  /** Loads the plugin's main entry only, so `--compare` can run it with another build. */
  comparable?: boolean
  /** Environment for the server (`HEALTHZ_MODULE` for a `--compare` row). */
  env?: Readonly<Record<string, string>>
}

const APP = '{"ok":true}'
const PASS = '{"status":200,"title":"OK"}'

export const SCENARIOS: readonly Scenario[] = [
  { name: 'app-without', title: '`GET /work`, an app route, without the plugin', body: APP },
  { name: 'app-with', comparable: true, title: '`GET /work` with `app.register(healthz)`', body: APP, base: 'app-without' },
  { name: 'app-with-checks', comparable: true, title: '`GET /work` with the plugin and three trivial checks', body: APP, base: 'app-without' },
  { name: 'app-with-listen', comparable: true, title: '`GET /work` with the plugin, `listen: { port: 0 }`', body: APP, base: 'app-without' },
  { name: 'bare', title: '`GET /healthz/live` as a bare route returning the same body', body: PASS },
  { name: 'live', comparable: true, title: '`GET /healthz/live`, no checks', body: PASS, base: 'bare' },
  { name: 'ready3', comparable: true, title: '`GET /healthz/ready`, three trivial async checks', body: PASS, base: 'bare' },
  { name: 'ready3-prometheus', title: '`GET /healthz/ready`, three trivial checks, with `healthzPrometheus`', body: PASS, base: 'ready3' }
]

export interface InstructionOptions {
  processes: number
  n1: number
  n2: number
  connections: number
  parallel: number
  scenarios: readonly Scenario[]
  out: string | undefined
  timeout: number
  valgrind: string
  nodeOptions: readonly string[]
  compare: string | undefined
  dryRun: boolean
}

export function parseArgs (argv: readonly string[]): InstructionOptions {
  const flags = new Map(argv.map((arg) => {
    const [key, ...rest] = arg.replace(/^--/, '').split('=')
    return [key, rest.length > 0 ? rest.join('=') : 'true'] as const
  }))
  const known = new Set(['processes', 'n1', 'n2', 'connections', 'parallel', 'only', 'out', 'timeout', 'valgrind', 'node-options', 'compare', 'dry-run'])
  for (const key of flags.keys()) if (!known.has(key)) throw new Error(`unknown flag --${key} (known: ${[...known].map((k) => `--${k}`).join(', ')})`)
  const integer = (key: string, fallback: number): number => {
    const value = flags.get(key)
    if (value === undefined) return fallback
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${key} takes a positive integer, got ${value}`)
    return parsed
  }
  const n1 = integer('n1', 12_000)
  const n2 = integer('n2', 22_000)
  if (n2 <= n1) throw new Error(`--n2 (${n2}) must be greater than --n1 (${n1})`)
  const only = flags.get('only')?.split(',')
  for (const name of only ?? []) {
    if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`)
  }
  const compare = flags.get('compare')
  const selected = only === undefined ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.name))
  const twins = compare === undefined
    ? []
    : selected.filter((s) => s.comparable === true).map((s) => ({
      name: `${s.name}@compare`,
      title: `${s.title}, the build at ${compare}`,
      body: s.body,
      base: s.name,
      env: { HEALTHZ_MODULE: path.resolve(compare) }
    }))
  if (compare !== undefined && twins.length === 0) throw new Error('--compare needs a scenario that loads the plugin (app-with, app-with-checks, app-with-listen, live, ready3)')
  return {
    processes: integer('processes', 8),
    n1,
    n2,
    connections: integer('connections', 1),
    parallel: integer('parallel', Math.max(1, Math.min(2, os.availableParallelism()))),
    scenarios: twins.length === 0 ? selected : [...selected, ...twins],
    out: flags.get('out'),
    timeout: integer('timeout', 600),
    valgrind: flags.get('valgrind') ?? 'valgrind',
    nodeOptions: flags.get('node-options')?.split(',').filter((o) => o !== '') ?? ['--predictable'],
    compare,
    dryRun: flags.has('dry-run')
  }
}

/** Throws a message that says what to install when valgrind cannot be run. */
export function checkValgrind (valgrind: string): string {
  const result = spawnSync(valgrind, ['--version'], { encoding: 'utf8' })
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `valgrind is needed to count instructions, and "${valgrind} --version" failed` +
      `${result.error !== undefined ? ` (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})` : ''}.\n` +
      'Install it (Debian/Ubuntu: apt-get install valgrind), or point --valgrind=PATH at it; ' +
      '`npm run bench` measures wall-clock throughput without it.'
    )
  }
  return result.stdout.trim()
}

interface Run {
  instructions: number
  load: LoadResult
  seconds: number
}

/** One fresh server process serving `requests` requests; its instruction count from cachegrind's summary. */
async function runServer (scenario: Scenario, requests: number, options: InstructionOptions): Promise<Run> {
  const started = performance.now()
  const node = [process.execPath, ...options.nodeOptions, SERVER, scenario.name.replace(/@.*$/, '')]
  const [command, ...args] = options.dryRun
    ? node
    : [options.valgrind, '--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null', '--fair-sched=yes', ...node]
  const child = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...scenario.env } })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeout * 1000)
  try {
    const line = await Promise.race([
      new Promise<string>((resolve) => {
        let stdout = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
        })
      }),
      exited.then(([code, signal]) => { throw new Error(`${scenario.name} server exited (${signal ?? code}) before listening:\n${stderr}`) })
    ])
    const { port, path: url } = JSON.parse(line) as { port: number, path: string }
    const result = await load(port, url, requests, options.connections).catch((error: Error) => {
      throw new Error(`${scenario.name}: the load failed after the server started (${error.message})${stderr === '' ? '' : `:\n${stderr.slice(-2000)}`}`)
    })
    if (result.other > 0) throw new Error(`${scenario.name}: ${result.other} of ${requests} responses were not 200`)
    child.stdin.end()
    const [code, signal] = await exited
    if (code !== 0) throw new Error(`${scenario.name} server ended with ${signal ?? code}:\n${stderr.slice(-2000)}`)
    const match = /I\s+refs:\s+([\d,]+)/.exec(stderr)
    if (!options.dryRun && match === null) throw new Error(`${scenario.name}: no instruction count in valgrind's output:\n${stderr.slice(-2000)}`)
    return { instructions: match === null ? 0 : Number(match[1].replaceAll(',', '')), load: result, seconds: (performance.now() - started) / 1000 }
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

export interface ProcessFigure {
  /** Instructions per request: (I(N2) - I(N1)) / (N2 - N1), the counts after N1 and N2 requests. */
  perRequest: number
  i1: number
  i2: number
}

export interface ScenarioResult {
  scenario: Scenario
  figures: ProcessFigure[]
  body: string
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Runs `jobs` with at most `parallel` at once, in order. */
async function pool<T> (jobs: ReadonlyArray<() => Promise<T>>, parallel: number): Promise<T[]> {
  const results = new Array<T>(jobs.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    while (next < jobs.length) {
      const index = next++
      results[index] = await jobs[index]()
    }
  }))
  return results
}

/** I(N1) and I(N2) from two fresh processes; a pair whose server failed (a reset connection on a loaded machine) is run once more. */
async function counted (scenario: Scenario, i: number, options: InstructionOptions, progress: (line: string) => void): Promise<{ i1: number, i2: number, body: string, seconds: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const short = await runServer(scenario, options.n1, options)
      const long = await runServer(scenario, options.n2, options)
      return { i1: short.instructions, i2: long.instructions, body: long.load.firstBody, seconds: short.seconds + long.seconds }
    } catch (error) {
      if (attempt === 2) throw error
      progress(`${scenario.name} #${i + 1}: ${(error as Error).message.split('\n')[0]}; running the pair again`)
    }
  }
}

export async function measure (options: InstructionOptions, progress: (line: string) => void = () => {}): Promise<ScenarioResult[]> {
  let failed: Error | undefined
  // Interleave the scenarios, so that whatever drifts over the run (the machine, other load)
  // reaches all of them alike; each process pair runs its two servers back to back.
  const jobs: Array<() => Promise<ProcessFigure & { name: string, body: string }>> = []
  for (let i = 0; i < options.processes; i++) {
    for (const scenario of options.scenarios) {
      const { name } = scenario
      jobs.push(async () => {
        if (failed !== undefined) throw failed
        const { i1, i2, body, seconds } = await counted(scenario, i, options, progress).catch((error: Error) => { failed = error; throw error })
        const figure = { name, body, i1, i2, perRequest: (i2 - i1) / (options.n2 - options.n1) }
        progress(`${name} #${i + 1}: ${fmt(figure.perRequest)} instructions/request (I(N1) ${fmt(i1)}, I(N2) ${fmt(i2)}; ${fmt(seconds)} s)`)
        return figure
      })
    }
  }
  const figures = await pool(jobs, options.parallel)
  return options.scenarios.map((scenario) => {
    const own = figures.filter((f) => f.name === scenario.name)
    return { scenario, body: own[0]?.body ?? '', figures: own.map(({ perRequest, i1, i2 }) => ({ perRequest, i1, i2 })) }
  })
}

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const thousands = (value: number): string => `${fmt(value / 1000, 1)}k`
// A dry run counts nothing: its ratios are 0 / 0.
const percent = (value: number): string => Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${fmt(value * 100, 1)}%` : 'n/a'

export function report (results: readonly ScenarioResult[], options: InstructionOptions, version: string, seconds: number): string {
  const cpus = os.cpus()
  const byName = new Map(results.map((r) => [r.scenario.name, r]))
  const lines = [
    '## Instructions per request',
    '',
    `Measured with \`npm run bench:instructions\` on ${new Date().toISOString().slice(0, 10)}: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.type()} ${os.release()}, Node ${process.version}, ${options.dryRun ? 'no valgrind (dry run: no counts)' : version}. Total time ${fmt(seconds)} s.`,
    '',
    `Every server is a fresh \`Fastify({ logger: false })\` process (\`${SERVER}\`), loaded by ${options.connections} keep-alive connection${options.connections === 1 ? '' : 's'} from another process. It runs as \`valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --fair-sched=yes node${options.nodeOptions.map((o) => ` ${o}`).join('')}\`, which counts the instructions the whole process executes, on every thread, whatever else the machine is doing. Each figure comes from a pair of fresh processes, one serving N1 = ${fmt(options.n1)} requests and one N2 = ${fmt(options.n2)}: (I(N2) - I(N1)) / (N2 - N1) is the cost of one request once warm, with start-up cancelled out, provided start-up costs the same in both processes (the progress lines give I(N1) of every pair to check it). ${options.nodeOptions.includes('--predictable') || options.nodeOptions.includes('--single-threaded') ? `V8 runs with \`${options.nodeOptions.includes('--predictable') ? '--predictable' : '--single-threaded'}\`: TurboFan and the garbage collector do their work on the main thread, at the request where it falls due, rather than on background threads whose share of the window depends on how valgrind schedules them (which made figures of the same server jump by up to 50% between processes)${options.nodeOptions.includes('--predictable') ? ', and the garbage collector\'s schedule does not depend on time' : ''}. N1 lies past V8's tier-up of the request path (about the 8,000th request).` : 'V8 runs its background threads (no `--single-threaded`): how much of their compilation lands between N1 and N2 varies from process to process with valgrind\'s thread scheduling, so figures of the same server can differ by up to 50%.'}${options.connections === 1 ? ' One connection sends one request at a time, so the server takes in one request per turn of its event loop whatever the timing.' : ''} The scenarios are interleaved so that each is measured under the same conditions as its base; compare a row with its base from the same run. Every figure is listed, not only the median; ${options.processes} per row. "vs base" is the row's median against its base row's median, and "worst" the figure furthest from the base row's median.`,
    '',
    '| Scenario | instructions per request, one figure per pair of fresh processes | median | vs base | worst vs base |',
    '|---|---|---:|---:|---:|'
  ]
  for (const { scenario, figures } of results) {
    const values = figures.map((f) => f.perRequest)
    const own = median(values)
    const base = scenario.base === undefined ? undefined : byName.get(scenario.base)
    const baseMedian = base === undefined ? undefined : median(base.figures.map((f) => f.perRequest))
    const worst = baseMedian === undefined ? undefined : values.reduce((a, b) => Math.abs(b - baseMedian) > Math.abs(a - baseMedian) ? b : a)
    lines.push(`| ${scenario.title} | ${values.map(thousands).join(', ')} | ${thousands(own)} | ${baseMedian === undefined ? '' : percent(own / baseMedian - 1)} | ${worst === undefined || baseMedian === undefined ? '' : percent(worst / baseMedian - 1)} |`)
  }
  const without = byName.get('app-without')
  if (without !== undefined) {
    const baseMedian = median(without.figures.map((f) => f.perRequest))
    const spread = Math.max(...without.figures.map((f) => Math.abs(f.perRequest / baseMedian - 1)))
    lines.push('', `Without the plugin, every figure lies within ${Number.isFinite(spread) ? fmt(spread * 100, 1) : 'n/a '}% of its median.`)
    for (const result of results.filter((r) => r.scenario.base === 'app-without')) {
      const outside = result.figures.filter((f) => !(Math.abs(f.perRequest / baseMedian - 1) <= 0.05)).length
      lines.push(`${result.scenario.title}: ${outside === 0 ? `every one of ${result.figures.length} figures within 5%` : `${outside} of ${result.figures.length} figures more than 5%`} of the median without the plugin.`)
    }
  }
  lines.push('', `Reproduce with \`npm run bench:instructions\` (needs valgrind; about ${fmt(Math.max(1, seconds / 60))} minutes on 2 cores), or \`-- --processes=3 --only=app-without,app-with\` for a shorter look.`, '')
  return lines.join('\n')
}

export async function instructions (options: InstructionOptions, progress?: (line: string) => void): Promise<string> {
  const version = options.dryRun ? '' : checkValgrind(options.valgrind)
  const started = performance.now()
  const results = await measure(options, progress)
  for (const { scenario, body } of results) {
    if (body !== scenario.body) throw new Error(`${scenario.name} answered ${body}, expected ${scenario.body}`)
  }
  const text = report(results, options, version, (performance.now() - started) / 1000)
  if (options.out !== undefined) writeFileSync(options.out, text)
  return text
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2))
    process.stdout.write(await instructions(options, (line) => process.stderr.write(`${line}\n`)))
  } catch (error) {
    process.stderr.write(`bench:instructions: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
