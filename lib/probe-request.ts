import type { FastifyRequest } from 'fastify'

/**
 * Whether a request was routed to one of fastify-healthz's routes: one line in
 * an app's auth hook exempts the probes, which must answer without credentials.
 *
 * ```ts
 * app.addHook('onRequest', async (request) => {
 *   if (isProbeRequest(request)) return
 *   await authenticate(request)
 * })
 * ```
 */
export function isProbeRequest (request: FastifyRequest): boolean {
  return request.routeOptions.config.healthz === true
}
