import type { Server } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'

/** Milliseconds a probe client may take to send its headers, and its whole request. */
const PROBE_HEADERS_TIMEOUT = 5000
const PROBE_REQUEST_TIMEOUT = 10_000
/** Milliseconds a kept-alive probe connection may idle, and any socket may stay silent. */
const PROBE_KEEP_ALIVE = 5000
const PROBE_SOCKET_TIMEOUT = 30_000
import type { Engine } from './engine.js'
import { registerRoutes } from './routes.js'

/** The dedicated probe server of the `listen` option. */
export interface ProbeServer {
  /** Its `http.Server` while it listens; undefined before and after. */
  readonly server: Server | undefined
}

/**
 * The `listen` option: a separate, minimal Fastify server for the probe routes
 * only, outside the app's hook chain (no auth hooks, no rate limit, no body
 * parsing), sharing the app's engine. Its own content-type parsers are
 * removed: it has no route that takes a body. It listens when the app is ready, so
 * that a port clash fails `ready()` and `listen()` loudly, and closes when the
 * app has closed; until the app's own port listens, readiness fails.
 */
export function attachProbeServer (app: FastifyInstance, engine: Engine): ProbeServer {
  const listen = engine.settings.listen as NonNullable<Engine['settings']['listen']>
  const server: FastifyInstance = Fastify({
    loggerInstance: app.log.child({ healthzServer: true }),
    return503OnClosing: false,
    // Probes are tiny requests on short connections: a client that dawdles over its
    // headers, or idles on a kept-alive socket, is dropped in seconds, and closing
    // drops every connection, so that no client of this port can hold up the app's close.
    forceCloseConnections: true,
    connectionTimeout: PROBE_SOCKET_TIMEOUT,
    keepAliveTimeout: PROBE_KEEP_ALIVE,
    requestTimeout: PROBE_REQUEST_TIMEOUT,
    http: { headersTimeout: PROBE_HEADERS_TIMEOUT, connectionsCheckingInterval: 1000 }
  } as FastifyServerOptions)
  server.removeAllContentTypeParsers()
  registerRoutes(server, engine)
  engine.lifecycle.requireListening(app.server)
  let listening: Server | undefined

  // onReady, not onListen: an error thrown in an onListen hook is only logged.
  app.addHook('onReady', async () => {
    await server.listen({ port: listen.port, host: listen.host })
    listening = server.server
  })
  app.addHook('onClose', async () => {
    listening = undefined
    await server.close()
  })
  return { get server () { return listening } }
}
