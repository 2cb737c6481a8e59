// One server per process for `npm run bench:instructions`, run under valgrind:
//   node test/bench/instructions-server.mjs <scenario>
// Plain JavaScript, so that no TypeScript loader runs (and is counted) under valgrind.
// Prints {"port","path"} once listening, and exits when its stdin closes; the
// counting is done from outside, with callgrind_control (test/bench/callgrind.ts).
import Fastify from 'fastify'
import { EventEmitter } from 'node:events'

// Loaded only by the scenarios that use it, so that the baselines run without the module.
// HEALTHZ_MODULE: another build of the plugin (a path to its ESM entry), to compare versions in one run.
const plugin = async () => (await import(process.env.HEALTHZ_MODULE ?? 'fastify-healthz')).default

const BODY = { status: 200, title: 'OK' }
const trivial = async () => {}
const work = async () => ({ ok: true })

// What any real app does before its first request (a database client, a pino destination, a
// stream): objects of a few EventEmitter classes. Once Node's shared EventEmitter code has seen
// more than four shapes, its inline caches are megamorphic, and every request pays for that.
function emitters () {
  for (let i = 0; i < 6; i++) {
    const Emitter = class extends EventEmitter {}
    for (let j = 0; j < 20; j++) {
      const emitter = new Emitter()
      emitter.on('x', () => {})
      emitter.once('y', () => {})
      emitter.emit('x')
      emitter.removeAllListeners()
    }
  }
}

export const scenarios = {
  // The app's own route, without and with the plugin.
  'app-without': async (app) => {
    app.get('/work', work)
    return '/work'
  },
  'app-with': async (app) => {
    await app.register(await plugin())
    app.get('/work', work)
    return '/work'
  },
  'app-with-checks': async (app) => {
    await app.register(await plugin())
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    app.get('/work', work)
    return '/work'
  },
  'app-with-listen': async (app) => {
    await app.register(await plugin(), { listen: { port: 0, host: '127.0.0.1' } })
    app.get('/work', work)
    return '/work'
  },
  // The same two, in an app with five routes of its own: from about five routes on, Fastify's
  // start-up (avvio's queue) has made Node's EventEmitter code megamorphic, whatever else it does.
  'app-routes': async (app) => {
    for (let i = 0; i < 5; i++) app.get(`/other/${i}`, work)
    app.get('/work', work)
    return '/work'
  },
  'app-routes-with': async (app) => {
    for (let i = 0; i < 5; i++) app.get(`/other/${i}`, work)
    await app.register(await plugin())
    app.get('/work', work)
    return '/work'
  },
  // The same two, in an app that has made a few EventEmitters first, as every real app has.
  'app-emitters': async (app) => {
    emitters()
    app.get('/work', work)
    return '/work'
  },
  'app-emitters-with': async (app) => {
    emitters()
    await app.register(await plugin())
    app.get('/work', work)
    return '/work'
  },
  // The probes against a bare route with the same body.
  bare: async (app) => {
    app.get('/healthz/live', async () => BODY)
    return '/healthz/live'
  },
  live: async (app) => {
    await app.register(await plugin())
    return '/healthz/live'
  },
  ready3: async (app) => {
    await app.register(await plugin())
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    return '/healthz/ready'
  },
  // ready3 with the Prometheus exporter: every run of the three checks is counted.
  'ready3-prometheus': async (app) => {
    await app.register(await plugin())
    // Loaded here, so that the other scenarios run with builds that have no metrics entry (HEALTHZ_MODULE).
    const { healthzPrometheus } = await import('fastify-healthz/metrics')
    const { Registry } = await import('prom-client')
    await app.register(healthzPrometheus, { registry: new Registry() })
    for (const name of ['a', 'b', 'c']) app.healthz.add(name, trivial)
    return '/healthz/ready'
  }
}

const name = process.argv[2]
const scenario = scenarios[name]
if (scenario === undefined) {
  process.stderr.write(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}\n`)
  process.exit(2)
}

const app = Fastify({ logger: false })
const path = await scenario(app)
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`${JSON.stringify({ port: app.server.address().port, path })}\n`)
process.stdin.on('data', () => {})
process.stdin.once('end', () => { process.exit(0) })
