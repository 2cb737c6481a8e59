// Graceful shutdown with close-with-grace: on SIGTERM, fail readiness and keep
// serving for `drainDelay`, then close (finishing in-flight requests), then exit.
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import healthz from 'fastify-healthz'

const port = Number(process.env.PORT ?? 3000)
const app = Fastify({ logger: true })

await app.register(healthz, {
  drainDelay: Number(process.env.DRAIN_DELAY ?? 5000) // let endpoints and load balancers forget the pod first
})
app.healthz.add('db', async () => { /* await pool.query('SELECT 1') */ })
app.get('/', async () => ({ hello: 'world' }))
app.get('/slow', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1000))
  return { slow: true }
})

// `delay` must outlast drainDelay plus the close, and stay below terminationGracePeriodSeconds.
closeWithGrace({ delay: 20_000 }, async ({ err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an error')
  await app.healthz.drain()
  await app.close()
})

await app.listen({ port, host: '127.0.0.1' })
const { port: actual } = app.server.address() as { port: number }
process.stdout.write(`${JSON.stringify({ port: actual })}\n`)
