import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { resolveOptions } from './options.js'
import { Registry } from './registry.js'
import { registerRoutes } from './routes.js'
import type { HealthzOptions, ProbeName } from './types.js'

async function plugin (fastify: FastifyInstance, options: HealthzOptions): Promise<void> {
  const settings = resolveOptions(options)
  const registry = new Registry(settings, fastify.log)
  for (const { name, probe, check } of settings.checks) registry.add(name, check, { probes: [probe as ProbeName] })

  fastify.decorate('healthz', registry)
  registerRoutes(fastify, registry, settings)
  fastify.addHook('onClose', async () => { registry.close() })
}

/** The fastify-healthz plugin: `app.register(healthz, options)`. */
export const healthz: FastifyPluginAsync<HealthzOptions> = fp(plugin, {
  fastify: '5.x',
  name: 'fastify-healthz'
})

export default healthz
export { HealthError, HealthzConfigError, errorCodes, type HealthzErrorCode } from './errors.js'
export type * from './types.js'
