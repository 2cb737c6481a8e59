import Fastify, { type FastifyInstance } from 'fastify'
import type { Lifecycle } from './lifecycle.js'
import type { Settings } from './options.js'
import type { Registry } from './registry.js'
import { registerRoutes } from './routes.js'

/**
 * The `listen` option: a separate, minimal Fastify server for the probe routes
 * only, outside the app's hook chain (no auth hooks, no rate limit, no body
 * parsing), sharing the app's registry. Its own content-type parsers are
 * removed: it has no route that takes a body. It listens when the app is ready, so
 * that a port clash fails `ready()` and `listen()` loudly, and closes when the
 * app has closed; until the app's own port listens, readiness fails.
 */
export function attachProbeServer (app: FastifyInstance, registry: Registry, lifecycle: Lifecycle, settings: Settings): void {
  const listen = settings.listen as NonNullable<Settings['listen']>
  const server: FastifyInstance = Fastify({ loggerInstance: app.log.child({ healthzServer: true }), return503OnClosing: false })
  server.removeAllContentTypeParsers()
  registerRoutes(server, registry, settings)
  lifecycle.requireListening(app.server)

  // onReady, not onListen: an error thrown in an onListen hook is only logged.
  app.addHook('onReady', async () => {
    await server.listen({ port: listen.port, host: listen.host })
    registry.server = server.server
  })
  app.addHook('onClose', async () => {
    registry.server = undefined
    await server.close()
  })
}
