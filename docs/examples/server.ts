// `npm start`: an app with live, ready and startup checks that need no external service.
import Fastify from 'fastify'
import healthz, { HealthError } from 'fastify-healthz'

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
app.healthz.add('event-loop', async ({ signal }) => {
  const started = performance.now()
  await new Promise((resolve) => setImmediate(resolve))
  if (signal.aborted) return
  const lag = performance.now() - started
  if (lag > 100) return { status: 'warn', output: `event loop lag ${Math.round(lag)} ms` }
}, { timeout: 200 })
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
