// `npm run bench:instructions`: instructions per request, counted by valgrind, one figure per fresh process.
//
// Wall-clock req/s and /proc CPU time on a shared VM swing by 20-50% between runs; instruction
// counts do not. Each server runs as
//   valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file --fair-sched=yes node --predictable test/bench/instructions-server.mjs <scenario>
// and gets its requests from one keep-alive connection: a warm-up of W requests, uncounted (V8
// tiers the request path up during the first ~8,000), then K windows of M requests, each
// counted on its own (`callgrind_control -z` before, `-d` after). A window's instructions divided
// by M is the cost of one request once warm; the process's figure is the mean of its windows.
//
// Why one process per figure: the earlier method took (I(N2) - I(N1)) / (N2 - N1) from two fresh
// processes, which assumes start-up costs the same in both; for some builds it varied by up to
// 230 million instructions between processes, and the figure measured that instead.
// Why one connection for the whole process: a new connection after the warm-up makes V8
// re-optimise the request path, about 750 million instructions over the next 10,000 requests.
// Why --predictable: TurboFan and the garbage collector then work on the main thread, where the
// count does not depend on valgrind's thread scheduling, and the GC's schedule does not depend on time.
// --fair-sched=yes: without it, valgrind's thread lock leaves the server idle ~70% of the time.
//
// Flags:
//   --processes=N     fresh processes per scenario (default 8)
//   --warmup=N        uncounted requests before the first window (default 12,000)
//   --window=N        requests per counted window (default 5,000)
//   --windows=N       counted windows per process (default 3)
//   --parallel=N      servers under valgrind at once (default: the number of CPUs, at most 2)
//   --only=A,B        these scenarios only (default: all; see SCENARIOS)
//   --out=PATH        also write the markdown report there (for docs/benchmarks.md)
//   --timeout=S       seconds one server may run before it is killed (default 600)
//   --valgrind=PATH   the valgrind binary (default: valgrind on the PATH; callgrind_control beside it)
//   --node-options=A,B  options for node before the server script (default: --predictable;
//                     --node-options= runs V8 with its background threads)
//   --compare=A,B     also run every scenario that loads the plugin with other builds of it
//                     (paths to their dist/esm/index.js), each as a row compared with this build's
//   --dry-run         run the servers without valgrind: exercises everything but the counting
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCounted } from './callgrind.js'
import { openConnection } from './load.js'

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
  { name: 'app-routes', title: '`GET /work` without the plugin, in an app with five other routes', body: APP },
  { name: 'app-routes-with', comparable: true, title: '`GET /work` with `app.register(healthz)`, in an app with five other routes', body: APP, base: 'app-routes' },
  { name: 'app-emitters', title: '`GET /work` without the plugin, in an app that made a few EventEmitters first', body: APP },
  { name: 'app-emitters-with', comparable: true, title: '`GET /work` with `app.register(healthz)`, in an app that made a few EventEmitters first', body: APP, base: 'app-emitters' },
  { name: 'bare', title: '`GET /healthz/live` as a bare route returning the same body', body: PASS },
  { name: 'live', comparable: true, title: '`GET /healthz/live`, no checks', body: PASS, base: 'bare' },
  { name: 'ready3', comparable: true, title: '`GET /healthz/ready`, three trivial async checks', body: PASS, base: 'bare' },
  { name: 'ready3-prometheus', title: '`GET /healthz/ready`, three trivial checks, with `healthzPrometheus`', body: PASS, base: 'ready3' }
]

export interface InstructionOptions {
  processes: number
  warmup: number
  window: number
  windows: number
  parallel: number
  scenarios: readonly Scenario[]
  out: string | undefined
  timeout: number
  valgrind: string
  nodeOptions: readonly string[]
  compare: readonly string[]
  dryRun: boolean
}

export function parseArgs (argv: readonly string[]): InstructionOptions {
  const flags = new Map(argv.map((arg) => {
    const [key, ...rest] = arg.replace(/^--/, '').split('=')
    return [key, rest.length > 0 ? rest.join('=') : 'true'] as const
  }))
  const known = new Set(['processes', 'warmup', 'window', 'windows', 'parallel', 'only', 'out', 'timeout', 'valgrind', 'node-options', 'compare', 'dry-run'])
  for (const key of flags.keys()) if (!known.has(key)) throw new Error(`unknown flag --${key} (known: ${[...known].map((k) => `--${k}`).join(', ')})`)
  const integer = (key: string, fallback: number): number => {
    const value = flags.get(key)
    if (value === undefined) return fallback
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${key} takes a positive integer, got ${value}`)
    return parsed
  }
  const only = flags.get('only')?.split(',')
  for (const name of only ?? []) {
    if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`)
  }
  const compare = flags.get('compare')?.split(',').filter((p) => p !== '') ?? []
  const selected = only === undefined ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.name))
  const twins = compare.flatMap((build) => selected.filter((s) => s.comparable === true).map((s) => ({
    name: `${s.name}@${build}`,
    title: `${s.title}, the build at ${build}`,
    body: s.body,
    base: s.name,
    env: { HEALTHZ_MODULE: path.resolve(build) }
  })))
  if (compare.length > 0 && twins.length === 0) throw new Error('--compare needs a scenario that loads the plugin (app-with, app-with-checks, app-with-listen, live, ready3)')
  return {
    processes: integer('processes', 8),
    warmup: integer('warmup', 12_000),
    window: integer('window', 5_000),
    windows: integer('windows', 3),
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

export interface ProcessFigure {
  /** Instructions per request: the mean over the process's windows. */
  perRequest: number
  /** Instructions per request in each window, in order. */
  windows: number[]
}

/** One fresh server process: warmed up uncounted, then counted window by window on one connection. */
async function runServer (scenario: Scenario, options: InstructionOptions): Promise<ProcessFigure & { body: string, seconds: number }> {
  const started = performance.now()
  const server = startCounted([process.execPath, ...options.nodeOptions, SERVER, scenario.name.replace(/@.*$/, '')], {
    valgrind: options.valgrind, dryRun: options.dryRun, cwd: root, env: { ...process.env, ...scenario.env }
  })
  const { child } = server
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) => { reject(new Error(`${scenario.name} server exited (${signal ?? code}):\n${server.stderr().slice(-2000)}`)) })
  })
  exited.catch(() => {})
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
      exited
    ])
    const { port, path: url } = JSON.parse(line) as { port: number, path: string }
    const connection = await openConnection(port, url)
    let body = ''
    const serve = async (count: number): Promise<void> => {
      const result = await Promise.race([connection.send(count), exited])
      if (result.other > 0) throw new Error(`${scenario.name}: ${result.other} of ${count} responses were not 200`)
      body ||= result.firstBody
    }
    await serve(options.warmup)
    await server.start()
    const windows: number[] = []
    for (let i = 0; i < options.windows; i++) windows.push(await server.window(() => serve(options.window)) / options.window)
    connection.close()
    return { perRequest: windows.reduce((a, b) => a + b, 0) / windows.length, windows, body, seconds: (performance.now() - started) / 1000 }
  } finally {
    clearTimeout(timer)
    await server.stop()
  }
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

/** One figure; a process that failed (a reset connection on a loaded machine) is run once more. */
async function counted (scenario: Scenario, i: number, options: InstructionOptions, progress: (line: string) => void): ReturnType<typeof runServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runServer(scenario, options)
    } catch (error) {
      if (attempt === 2) throw error
      progress(`${scenario.name} #${i + 1}: ${(error as Error).message.split('\n')[0]}; running it again`)
    }
  }
}

export async function measure (options: InstructionOptions, progress: (line: string) => void = () => {}): Promise<ScenarioResult[]> {
  let failed: Error | undefined
  // Interleave the scenarios, so that whatever drifts over the run (the machine, other load)
  // reaches all of them alike.
  const jobs: Array<() => Promise<ProcessFigure & { name: string, body: string }>> = []
  for (let i = 0; i < options.processes; i++) {
    for (const scenario of options.scenarios) {
      const { name } = scenario
      jobs.push(async () => {
        if (failed !== undefined) throw failed
        const { perRequest, windows, body, seconds } = await counted(scenario, i, options, progress).catch((error: Error) => { failed = error; throw error })
        progress(`${name} #${i + 1}: ${fmt(perRequest)} instructions/request (windows: ${windows.map((w) => fmt(w)).join(', ')}; ${fmt(seconds)} s)`)
        return { name, body, perRequest, windows }
      })
    }
  }
  const figures = await pool(jobs, options.parallel)
  return options.scenarios.map((scenario) => {
    const own = figures.filter((f) => f.name === scenario.name)
    return { scenario, body: own[0]?.body ?? '', figures: own.map(({ perRequest, windows }) => ({ perRequest, windows })) }
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
    `Every server is a fresh \`Fastify({ logger: false })\` process (\`${SERVER}\`) running as \`valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file --fair-sched=yes node${options.nodeOptions.map((o) => ` ${o}`).join('')}\`, and gets its requests one at a time over one keep-alive connection from another process: ${fmt(options.warmup)} requests uncounted (past V8's tier-up of the request path, about the 8,000th request), then ${options.windows} window${options.windows === 1 ? '' : 's'} of ${fmt(options.window)} requests, each counted on its own with \`callgrind_control\` (zeroed before, dumped after). A window's instructions, on every thread, divided by its requests is the cost of one request once warm; a process's figure is the mean of its windows, and the progress lines list every window. Start-up never enters a figure, because each figure comes from one process.${options.nodeOptions.includes('--predictable') ? ' V8 runs with `--predictable`: TurboFan and the garbage collector work on the main thread, at the request where the work falls due, and the garbage collector\'s schedule does not depend on time.' : ' V8 runs its background threads (no `--predictable`): how much of their work lands in a window depends on valgrind\'s thread scheduling.'} The scenarios are interleaved so that each is measured under the same conditions as its base; compare a row with its base from the same run. Every figure is listed, not only the median; ${options.processes} per row. "vs base" is the row's median against its base row's median, and "worst" the figure furthest from the base row's median.`,
    '',
    '| Scenario | instructions per request, one figure per fresh process | median | vs base | worst vs base |',
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
  // The app's own route: every process with the plugin against the median of the same app without it.
  for (const baseName of ['app-without', 'app-routes', 'app-emitters']) {
    const without = byName.get(baseName)
    if (without === undefined) continue
    const baseMedian = median(without.figures.map((f) => f.perRequest))
    const spread = Math.max(...without.figures.map((f) => Math.abs(f.perRequest / baseMedian - 1)))
    lines.push('', `${without.scenario.title}: every figure lies within ${Number.isFinite(spread) ? fmt(spread * 100, 1) : 'n/a '}% of its median.`)
    for (const result of results.filter((r) => r.scenario.base === baseName)) {
      const outside = result.figures.filter((f) => !(Math.abs(f.perRequest / baseMedian - 1) <= 0.05)).length
      lines.push(`${result.scenario.title}: ${outside === 0 ? `every one of ${result.figures.length} figures within 5%` : `${outside} of ${result.figures.length} figures more than 5%`} of that median.`)
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
