import type { Engine } from './engine.js'
import { bindEngine } from './handle.js'
import type { AddCheckOptions, HealthCheck, HealthzChangeListener, HealthzRegistry, ProbeName, RunOptions } from './types.js'

/**
 * The `fastify.healthz` facade: closures over the engine, frozen, with exactly
 * the documented members. `server` is the dedicated probe server once it
 * listens.
 */
export function createApi (engine: Engine, server: () => HealthzRegistry['server']): HealthzRegistry {
  const lifecycle = engine.lifecycle
  const api: HealthzRegistry = Object.freeze({
    add (name: string, check: HealthCheck, options?: AddCheckOptions): HealthzRegistry {
      engine.add(name, check, options)
      return api
    },
    remove (name: string): boolean {
      return engine.remove(name)
    },
    has (name: string): boolean {
      return engine.table.has(name)
    },
    run (probe: ProbeName, options?: RunOptions) {
      return engine.run(probe, options)
    },
    probes: Object.freeze([...engine.settings.probes]) as readonly ProbeName[],
    drain (): Promise<void> {
      return lifecycle.drain()
    },
    markNotReady (reason: string): void {
      lifecycle.markNotReady(reason)
    },
    markReady (reason?: string): void {
      lifecycle.markReady(reason)
    },
    get server () {
      return server()
    },
    subscribe (listener: HealthzChangeListener): () => void {
      return engine.subscribe(listener)
    }
  })
  bindEngine(api, engine)
  return api
}
