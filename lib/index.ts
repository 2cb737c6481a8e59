import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Lifecycle } from './lifecycle.js'
import { resolveOptions } from './options.js'
import { attachProbeServer } from './probe-server.js'
import { Registry } from './registry.js'
import { registerRoutes } from './routes.js'
import { handleSignals } from './signals.js'
import type { HealthzOptions, ProbeName } from './types.js'

async function plugin (fastify: FastifyInstance, options: HealthzOptions): Promise<void> {
  const settings = resolveOptions(options)
  const lifecycle = new Lifecycle(settings.drainDelay)
  const registry = new Registry(settings, fastify.log, lifecycle)
  for (const { name, probe, check } of settings.checks) registry.add(name, check, { probes: [probe as ProbeName] })

  fastify.decorate('healthz', registry)
  if (settings.listen === undefined) registerRoutes(fastify, registry, settings)
  else attachProbeServer(fastify, registry, lifecycle, settings)

  let stopSignals: (() => void) | undefined
  fastify.addHook('onReady', async () => {
    lifecycle.phase = 'serving'
    registry.start()
    if (settings.signals.length > 0) stopSignals = handleSignals(fastify, lifecycle, settings)
  })
  // preClose runs as close() begins, before Fastify waits for in-flight requests.
  fastify.addHook('preClose', async () => { lifecycle.beginClose() })
  fastify.addHook('onClose', async () => {
    stopSignals?.()
    // Again here: an app closed before it was ever ready runs no preClose hook.
    lifecycle.beginClose()
    registry.close()
  })
}

/** The fastify-healthz plugin: `app.register(healthz, options)`. */
export const healthz: FastifyPluginAsync<HealthzOptions> = fp(plugin, {
  fastify: '5.x',
  name: 'fastify-healthz'
})

export default healthz
export { HealthError, HealthzConfigError, errorCodes, type HealthzErrorCode } from './errors.js'
export { isProbeRequest } from './probe-request.js'
export type * from './types.js'
