import type { FastifyInstance } from 'fastify'
import type { Lifecycle } from './lifecycle.js'
import type { Settings } from './options.js'

/**
 * With the `signals` option: on the first signal, drain, then close the app;
 * on a second signal, or when `closeTimeout` runs out, end the drain and drop
 * open connections so that the close completes at once. The process then
 * exits by itself once nothing else is pending, or through `process.exit()`
 * when `forceExit` asks for it. Returns a function that stops listening.
 */
export function handleSignals (fastify: FastifyInstance, lifecycle: Lifecycle, settings: Settings): () => void {
  const log = fastify.log
  let shuttingDown = false
  let forced = false
  let timer: NodeJS.Timeout | undefined

  const exit = (code: number): void => {
    if (settings.forceExit) process.exit(code)
  }

  const force = (why: string): void => {
    if (forced) return
    forced = true
    log.warn(`fastify-healthz: ${why}: closing at once`)
    lifecycle.endDrain()
    fastify.server.closeAllConnections()
    exit(1)
  }

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    log.info({ signal }, `fastify-healthz: ${signal} received: draining, then closing`)
    if (settings.closeTimeout > 0) {
      // unref'd: it must not keep alive a process that has nothing else left to do.
      timer = setTimeout(force, settings.closeTimeout, `close did not end within closeTimeout (${settings.closeTimeout} ms)`).unref()
    }
    let failed = false
    try {
      await lifecycle.drain()
      await fastify.close()
    } catch (error) {
      failed = true
      log.error({ err: error }, 'fastify-healthz: close failed')
      process.exitCode = 1
    }
    clearTimeout(timer)
    stop()
    exit(failed || forced ? 1 : 0)
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return force(`${signal} received again`)
    shuttingDown = true
    shutdown(signal) // never rejects: it logs its own failures
  }

  const stop = (): void => {
    for (const signal of settings.signals) process.removeListener(signal, onSignal)
  }
  for (const signal of settings.signals) process.on(signal, onSignal)
  return stop
}
