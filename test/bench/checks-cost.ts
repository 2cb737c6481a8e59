// `npm run bench:checks`: the instructions a readiness probe costs with pgCheck / redisCheck
// against a hand-written check doing the same, counted by valgrind's callgrind in the app's process
// (test/bench/callgrind.ts): each process serves WARMUP probes uncounted, then WINDOWS windows of
// WINDOW probes, each counted on its own; a process's figure is the mean of its windows. V8 runs
// `--predictable` (single-threaded, so that compilation and GC are counted where they fall due; a GC
// schedule independent of time). The database servers' own work is not counted.
//   node --import tsx test/bench/checks-cost.ts             orchestrates (starts its own PostgreSQL and Redis)
//   node --import tsx test/bench/checks-cost.ts <mode>      one measured process, driven over stdin
// Environment: WARMUP (default 3,000), WINDOW (default 1,000), WINDOWS (default 3), REPS (processes
// per mode; default 3), MODES (default: all), VALGRIND (default valgrind).
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import Fastify from 'fastify'
import pg from 'pg'
import { Redis } from 'ioredis'
import healthz from '../../lib/index.js'
import { pgCheck, redisCheck } from '../../lib/checks/index.js'
import { startCounted, type Counted } from './callgrind.js'

// pg-hand-timeout: the hand-written check with pgCheck's own protection (the server-side statement timeout), the like-for-like comparison.
const MODES = ['pg-hand', 'pg-hand-timeout', 'pg-factory', 'redis-hand', 'redis-factory'] as const
const HANDS: Readonly<Record<string, string>> = { 'pg-hand': 'SELECT 1', 'pg-hand-timeout': 'SET LOCAL statement_timeout = 1000; SELECT 1' }

async function measured (mode: string): Promise<void> {
  const app = Fastify()
  await app.register(healthz)
  let close = async (): Promise<void> => {}
  if (mode.startsWith('pg')) {
    const pool = new pg.Pool(JSON.parse(process.env.PG as string))
    close = async () => { await pool.end() }
    const text = HANDS[mode]
    app.healthz.add('db', mode === 'pg-factory' ? pgCheck(pool) : async () => { await pool.query(text) }, { timeout: 60000 })
  } else {
    const redis = new Redis(JSON.parse(process.env.REDIS as string))
    close = async () => { redis.disconnect() }
    // Connected before the first probe: redisCheck fails at once while the client connects.
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
    app.healthz.add('cache', mode === 'redis-factory' ? redisCheck(redis) : async () => { await redis.ping() }, { timeout: 60000 })
  }
  await app.ready()
  process.stdout.write('ready\n')
  // Each line from the orchestrator is a number of probes to serve; "done" answers it.
  for await (const line of createInterface({ input: process.stdin })) {
    for (let i = 0; i < Number(line); i++) {
      const res = await app.inject('/healthz/ready')
      if (res.statusCode !== 200) throw new Error(res.body)
    }
    process.stdout.write('done\n')
  }
  await app.close()
  await close()
}

/** Serves `count` probes in the measured process and waits for its answer. */
async function serve (counted: Counted, lines: AsyncIterator<string>, count: number): Promise<void> {
  counted.child.stdin.write(`${count}\n`)
  const { value, done } = await lines.next()
  if (done === true || value !== 'done') throw new Error(`the measured process answered ${String(value)}:\n${counted.stderr().slice(-2000)}`)
}

/** Instructions per probe in each window of one fresh process. */
async function windows (mode: string, env: NodeJS.ProcessEnv): Promise<number[]> {
  const counted = startCounted([process.execPath, '--predictable', '--import', 'tsx', new URL(import.meta.url).pathname, mode], { valgrind: process.env.VALGRIND ?? 'valgrind', dryRun: false, env })
  try {
    const lines = createInterface({ input: counted.child.stdout })[Symbol.asyncIterator]()
    const first = await Promise.race([lines.next(), once(counted.child, 'exit').then(() => ({ value: undefined }))])
    if (first.value !== 'ready') throw new Error(`${mode}: the measured process did not start:\n${counted.stderr().slice(-2000)}`)
    await serve(counted, lines, Number(process.env.WARMUP ?? 3000))
    await counted.start()
    const window = Number(process.env.WINDOW ?? 1000)
    const figures: number[] = []
    for (let i = 0; i < Number(process.env.WINDOWS ?? 3); i++) figures.push(Math.round(await counted.window(() => serve(counted, lines, window)) / window))
    return figures
  } finally {
    await counted.stop()
  }
}

async function orchestrate (): Promise<void> {
  const { startPostgres, startRedis, secrets } = await import('../helpers/servers.js')
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const env = {
    ...process.env,
    PG: JSON.stringify({ ...postgres.config, max: 2 }),
    REDIS: JSON.stringify({ host: '127.0.0.1', port: redis.port, username: secrets.user, password: secrets.password })
  }
  const reps = Number(process.env.REPS ?? 3)
  const modes = process.env.MODES?.split(',') ?? MODES
  const perProbe = new Map(modes.map((mode) => [mode, [] as number[]]))
  try {
    // Modes interleaved, so that whatever drifts over the run reaches them alike; two processes at a time.
    const jobs = Array.from({ length: reps }, (_, rep) => modes.map((mode) => ({ mode, rep }))).flat()
    await Promise.all([0, 1].map(async () => {
      for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
        const figures = await windows(job.mode, env)
        const figure = Math.round(figures.reduce((a, b) => a + b, 0) / figures.length)
        perProbe.get(job.mode)?.push(figure)
        console.error(`${job.mode} #${job.rep + 1}: ${figure} instructions per probe (windows: ${figures.join(', ')})`)
      }
    }))
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
    console.log(`${process.env.WARMUP ?? 3000} warm-up probes, then ${process.env.WINDOWS ?? 3} windows of ${process.env.WINDOW ?? 1000} probes counted in each of ${reps} processes per mode\n`)
    console.log('| mode | instructions per probe, one figure per process | median | vs hand-written |')
    console.log('|---|---|---:|---:|')
    for (const [mode, values] of perProbe) {
      const hand = perProbe.get(mode === 'pg-factory' ? 'pg-hand-timeout' : mode === 'redis-factory' ? 'redis-hand' : '')
      const ratio = hand === undefined ? '' : `${((median(values) / median(hand) - 1) * 100).toFixed(1)}%`
      console.log(`| ${mode} | ${values.join(', ')} | ${median(values)} | ${ratio} |`)
    }
  } finally {
    await Promise.all([postgres.close(), redis.close()])
  }
}

if (process.argv[2] === undefined) await orchestrate()
else await measured(process.argv[2])
