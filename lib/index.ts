import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createApi } from './api.js'
import { checkRegistration, warnOnContextPrefix, warnOnForeignSignalHandlers } from './ecosystem.js'
import { Engine } from './engine.js'
import { resolveOptions } from './options.js'
import { attachProbeServer } from './probe-server.js'
import { registerRoutes } from './routes.js'
import { handleSignals } from './signals.js'
import type { HealthzOptions } from './types.js'

async function plugin (fastify: FastifyInstance, options: HealthzOptions): Promise<void> {
  checkRegistration(fastify)
  const settings = resolveOptions(options)
  warnOnContextPrefix(fastify, fastify.log, settings.prefix)
  const engine = new Engine(settings, fastify.log)
  for (const { name, probe, check } of settings.checks) engine.add(name, check, { probes: [probe] })

  const probeServer = settings.listen === undefined ? undefined : attachProbeServer(fastify, engine)
  if (probeServer === undefined) registerRoutes(fastify, engine)
  fastify.decorate('healthz', createApi(engine, () => probeServer?.server))

  let stopSignals: (() => void) | undefined
  fastify.addHook('onReady', async () => {
    engine.start()
    if (settings.signals.length > 0) {
      warnOnForeignSignalHandlers(fastify.log, settings.signals)
      stopSignals = handleSignals(fastify, engine.lifecycle, settings)
    }
  })
  // preClose runs as close() begins, before Fastify waits for in-flight requests:
  // readiness fails from here, and probes waiting on a hung check answer now.
  fastify.addHook('preClose', async () => { engine.close() })
  fastify.addHook('onClose', async () => {
    stopSignals?.()
    // The whole close here too: an app closed before it was ever ready runs no preClose hook.
    engine.close()
    engine.release()
  })
}

/** The fastify-healthz plugin: `app.register(healthz, options)`. */
export const healthz: FastifyPluginAsync<HealthzOptions> = fp(plugin, {
  fastify: '5.x',
  name: 'fastify-healthz'
})

// @fastify/autoload prefixes a plugin with its folder's name unless the plugin
// sets `autoPrefix`: the probes' paths come from the `prefix` option alone.
Object.defineProperty(healthz, 'autoPrefix', { value: '', writable: true, configurable: true })

export default healthz
export { HealthError, HealthzConfigError, errorCodes, type HealthzErrorCode } from './errors.js'
export { healthzOpenApiPaths } from './openapi.js'
export { isProbeRequest } from './probe-request.js'
export type * from './types.js'
