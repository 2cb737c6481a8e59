// One benchmark server per process: `node --expose-gc --import tsx test/bench/server.ts <scenario>`.
// Prints {"port","path","statsPort"} once listening. GET /__stats answers { runs, heapUsed };
// with ?gc, after a forced GC (whose background threads would skew CPU figures measured right after).
import underPressure from '@fastify/under-pressure'
import { createTerminus } from '@godaddy/terminus'
import Fastify, { type FastifyInstance } from 'fastify'
import healthz from 'fastify-healthz'
import { healthzPrometheus } from 'fastify-healthz/metrics'
import fastifyHealthcheck from 'fastify-healthcheck'
import { createLightship } from 'lightship'
import { setTimeout as sleep } from 'node:timers/promises'
import { Registry } from 'prom-client'

const BODY = { status: 200, title: 'OK' }
const trivial = async (): Promise<void> => {}
let runs = 0

type Scenario = (app: FastifyInstance) => Promise<string | { port: number, path: string }>

export const scenarios: Record<string, Scenario> = {
  bare: async (app) => {
    app.get('/healthz/live', async () => BODY)
    return '/healthz/live'
  },
  live: async (app) => {
    await app.register(healthz)
    return '/healthz/live'
  },
  ready3: async (app) => {
    await app.register(healthz)
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    return '/healthz/ready'
  },
  // ready3 with the Prometheus exporter: every run of the three checks is counted.
  'ready3-prometheus': async (app) => {
    await app.register(healthz)
    await app.register(healthzPrometheus, { registry: new Registry() })
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    return '/healthz/ready'
  },
  cached: async (app) => {
    await app.register(healthz)
    app.healthz.add('slow', async () => { runs++; await sleep(20) }, { cacheTtl: 1000 })
    return '/healthz/ready'
  },
  'app-without': async (app) => {
    app.get('/app', async () => ({ hello: 'world' }))
    return '/app'
  },
  'app-with': async (app) => {
    await app.register(healthz)
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    app.get('/app', async () => ({ hello: 'world' }))
    return '/app'
  },
  'under-pressure': async (app) => {
    await app.register(underPressure, { exposeStatusRoute: '/status', healthCheck: async () => { await trivial(); return true } })
    return '/status'
  },
  'fastify-healthcheck': async (app) => {
    await app.register(fastifyHealthcheck, { healthcheckUrl: '/health' })
    return '/health'
  },
  terminus: async (app) => {
    await app.ready()
    createTerminus(app.server, { healthChecks: { '/healthz': trivial }, signals: [] })
    return '/healthz'
  },
  lightship: async () => {
    // lightship serves its own Fastify server with fixed /live and /ready routes; it takes no check functions.
    const lightship = await createLightship({ detectKubernetes: false, port: 0, signals: [], terminate: () => {} })
    lightship.signalReady()
    await sleep(50)
    const address = lightship.server.address() as { port: number }
    return { port: address.port, path: '/ready' }
  }
}

const name = process.argv[2] as string
const scenario = scenarios[name]
if (scenario === undefined) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`)

const app = Fastify({ logger: false })
app.get('/__stats', async (request) => {
  if ('gc' in (request.query as object)) globalThis.gc?.()
  return { runs, heapUsed: process.memoryUsage().heapUsed }
})
const served = await scenario(app)
await app.listen({ port: 0, host: '127.0.0.1' })
const own = (app.server.address() as { port: number }).port
const target = typeof served === 'string' ? { port: own, path: served } : served
process.stdout.write(`${JSON.stringify({ ...target, statsPort: own })}\n`)
// A clean exit on SIGINT, so that `node --cpu-prof` writes its profile.
process.once('SIGINT', () => { process.exit(0) })
