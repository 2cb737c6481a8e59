// `npm start`: an app with live, ready and startup checks that need no external service.
import Fastify from 'fastify'
import healthz, { HealthError } from 'fastify-healthz'
import { diskCheck, eventLoopCheck, memoryCheck } from 'fastify-healthz/checks'
import { tmpdir } from 'node:os'

const port = Number(process.env.PORT ?? 3000)
const app = Fastify({ logger: true })

await app.register(healthz, {
  checks: { live: () => {} } // the process answers: nothing else belongs in liveness
})

// Startup: pretend a cache warms for two seconds after boot.
const bootedAt = Date.now()
app.healthz.add('warm-cache', () => {
  if (Date.now() - bootedAt < 2000) throw new HealthError('cache still warming')
}, { probes: ['startup'] })

// Readiness: the event loop must not lag behind, and a dependency may be slow.
app.healthz.add('event-loop', eventLoopCheck({ warn: { delay: 100 }, fail: { delay: 1000 } }), { timeout: 200 })
// Liveness: restart before the heap runs out. Readiness only warns when the disk fills up.
app.healthz.add('memory', memoryCheck({ warn: { heapUsed: 0.8 }, fail: { heapUsed: 0.95 } }), { probes: ['live'], cacheTtl: 1000 })
app.healthz.add('disk', diskCheck({ path: tmpdir(), warn: { free: 0.05 } }), { cacheTtl: 10000, critical: false })
app.healthz.add('dependency', async () => {
  await new Promise((resolve) => setTimeout(resolve, 20))
}, { cacheTtl: 1000, critical: false })

app.get('/', async () => ({ hello: 'world' }))

await app.listen({ port, host: '127.0.0.1' })
const { port: actual } = app.server.address() as { port: number }
console.log(`
Try:
  curl -i http://127.0.0.1:${actual}/healthz/live
  curl -i http://127.0.0.1:${actual}/healthz/startup          # 503 for the first two seconds
  curl -i 'http://127.0.0.1:${actual}/healthz/ready?verbose'
  curl -i http://127.0.0.1:${actual}/healthz/ready/dependency
`)
