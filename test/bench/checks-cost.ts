// `npm run bench:checks`: the instructions a readiness probe costs with pgCheck / redisCheck
// against a hand-written check doing the same, counted by valgrind's callgrind in the app's process
// (test/bench/callgrind.ts): each process serves WARMUP probes uncounted, then WINDOWS windows of
// WINDOW probes, each counted on its own; a process's figure is the mean of its windows. V8 runs
// `--predictable` (single-threaded, so that compilation and GC are counted where they fall due; a GC
// schedule independent of time). The database servers' own work is not counted.
//   node --import tsx test/bench/checks-cost.ts             orchestrates (starts its own PostgreSQL and Redis)
//   node --import tsx test/bench/checks-cost.ts <mode>      one measured process, driven by SIGUSR2 (one
//                                                           window each) and answering with files in CONTROL
// Environment: WARMUP (default 20,000), WINDOW (default 5,000), WINDOWS (default 4), REPS (processes
// per mode; default 3), MODES (default: all), VALGRIND (default valgrind).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
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
  const serve = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const res = await app.inject('/healthz/ready')
      if (res.statusCode !== 200) throw new Error(res.body)
    }
  }
  // Driven by signals and answered through files, never through stdin or stdout: their streams
  // would deoptimize the stream code that the client's socket and inject() share, and every
  // window would count that code being compiled again.
  const control = process.env.CONTROL as string
  await serve(Number(process.env.WARMUP ?? 20000))
  writeFileSync(path.join(control, 'ready'), '')
  let windows = 0
  process.on('SIGUSR2', () => {
    serve(Number(process.env.WINDOW ?? 5000)).then(() => { writeFileSync(path.join(control, `done-${++windows}`), '') }, (error: unknown) => {
      writeFileSync(path.join(control, 'failed'), String((error as Error).stack ?? error))
    })
  })
  process.on('SIGTERM', () => { app.close().then(close).then(() => process.exit(0), () => process.exit(1)) })
}

/** Resolves once `file` exists; rejects when the process ended or wrote `failed` first. */
async function until (counted: Counted, control: string, file: string): Promise<void> {
  for (;;) {
    if (existsSync(path.join(control, file))) return
    if (existsSync(path.join(control, 'failed'))) throw new Error(readFileSync(path.join(control, 'failed'), 'utf8'))
    if (counted.child.exitCode !== null || counted.child.signalCode !== null) throw new Error(`the measured process ended:\n${counted.stderr().slice(-2000)}`)
    await sleep(20)
  }
}

/** Instructions per probe in each window of one fresh process. */
async function windows (mode: string, env: NodeJS.ProcessEnv): Promise<number[]> {
  const control = mkdtempSync(path.join(os.tmpdir(), 'healthz-checks-cost-'))
  const counted = startCounted([process.execPath, '--predictable', '--import', 'tsx', new URL(import.meta.url).pathname, mode], { valgrind: process.env.VALGRIND ?? 'valgrind', dryRun: false, env: { ...env, CONTROL: control } })
  try {
    await until(counted, control, 'ready')
    await counted.start()
    const window = Number(process.env.WINDOW ?? 5000)
    const figures: number[] = []
    for (let i = 1; i <= Number(process.env.WINDOWS ?? 4); i++) {
      figures.push(Math.round(await counted.window(async () => {
        counted.child.kill('SIGUSR2')
        await until(counted, control, `done-${i}`)
      }) / window))
    }
    return figures
  } finally {
    counted.child.kill('SIGTERM')
    await counted.stop()
    rmSync(control, { recursive: true, force: true })
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
    console.log(`${process.env.WARMUP ?? 20000} warm-up probes, then ${process.env.WINDOWS ?? 4} windows of ${process.env.WINDOW ?? 5000} probes counted in each of ${reps} processes per mode\n`)
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
