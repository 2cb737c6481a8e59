// `npm run bench:checks`: the instructions a readiness probe costs with pgCheck / redisCheck
// against a hand-written check doing the same, counted by valgrind (cachegrind) in the app's
// process: one process serving N1 probes and one serving N2, (I(N2) - I(N1)) / (N2 - N1), with
// V8 `--predictable` (single-threaded, so that compilation and GC are counted where they fall
// due, not where valgrind schedules V8's background threads; a GC schedule independent of time). The database servers' own work is not counted.
//   node --import tsx test/bench/checks-cost.ts             orchestrates (starts its own PostgreSQL and Redis)
//   node --import tsx test/bench/checks-cost.ts <mode> <n>  one measured process
// Environment: N1, N2 (probes; default 500 and 2,500), WARMUP (probes before counting starts to
// matter; default 3,000), REPS (process pairs per mode; default 4), MODES (default: all).
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import pg from 'pg'
import { Redis } from 'ioredis'
import healthz from '../../lib/index.js'
import { pgCheck, redisCheck } from '../../lib/checks/index.js'

// pg-hand-timeout: the hand-written check with pgCheck's own protection (the server-side statement timeout), the like-for-like comparison.
const MODES = ['pg-hand', 'pg-hand-timeout', 'pg-factory', 'redis-hand', 'redis-factory'] as const
const HANDS: Readonly<Record<string, string>> = { 'pg-hand': 'SELECT 1', 'pg-hand-timeout': 'SET LOCAL statement_timeout = 1000; SELECT 1' }

async function measured (mode: string, n: number): Promise<void> {
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
  // Warm up (connections, JIT) the same way in every process, then serve n probes.
  for (let i = 0; i < Number(process.env.WARMUP ?? 3000); i++) await app.inject('/healthz/ready')
  for (let i = 0; i < n; i++) {
    const res = await app.inject('/healthz/ready')
    if (res.statusCode !== 200) throw new Error(res.body)
  }
  await app.close()
  await close()
}

async function instructions (mode: string, n: number, env: NodeJS.ProcessEnv): Promise<number> {
  const out = `/tmp/healthz-cg-${process.pid}-${mode}-${n}-${Math.random().toString(36).slice(2)}`
  await promisify(execFile)('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--fair-sched=yes', `--cachegrind-out-file=${out}`,
    process.execPath, '--predictable', '--import', 'tsx', new URL(import.meta.url).pathname, mode, String(n)], { env, maxBuffer: 1 << 26 })
  const summary = /^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))
  rmSync(out, { force: true })
  return Number(summary?.[1])
}

async function orchestrate (): Promise<void> {
  const { startPostgres, startRedis, secrets } = await import('../helpers/servers.js')
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  const env = {
    ...process.env,
    PG: JSON.stringify({ ...postgres.config, max: 2 }),
    REDIS: JSON.stringify({ host: '127.0.0.1', port: redis.port, username: secrets.user, password: secrets.password })
  }
  const n1 = Number(process.env.N1 ?? 500)
  const n2 = Number(process.env.N2 ?? 2500)
  const reps = Number(process.env.REPS ?? 4)
  const modes = process.env.MODES?.split(',') ?? MODES
  const perProbe = new Map(modes.map((mode) => [mode, [] as number[]]))
  try {
    // Modes interleaved, so that whatever drifts over the run reaches them alike.
    for (let rep = 0; rep < reps; rep++) {
      for (const mode of modes) {
        const [i1, i2] = await Promise.all([instructions(mode, n1, env), instructions(mode, n2, env)])
        const figure = Math.round((i2 - i1) / (n2 - n1))
        perProbe.get(mode)?.push(figure)
        console.error(`${mode} #${rep + 1}: ${figure} instructions per probe`)
      }
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
    console.log(`N1 = ${n1}, N2 = ${n2} probes after ${process.env.WARMUP ?? 3000} warm-up probes, ${reps} pairs of processes per mode\n`)
    console.log('| mode | instructions per probe, one figure per pair of processes | median | vs hand-written |')
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
else await measured(process.argv[2], Number(process.argv[3]))
