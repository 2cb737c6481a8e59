import type { FastifyBaseLogger } from 'fastify'
import { loggable, property } from './inspect.js'

/**
 * Calls a check's own `close()`, when it has one: the ready-made checks that
 * hold something between runs (a sampling histogram, a request that outlived
 * its run) release it there. Called once a check is removed, and once the app
 * has closed. What `close()` throws or rejects with is logged, never thrown.
 */
export function releaseCheck (check: unknown, log: FastifyBaseLogger): void {
  const close = property(check, 'close')
  if (typeof close !== 'function') return
  const failed = (error: unknown): void => {
    try {
      log.error({ err: loggable(error) }, 'fastify-healthz: the check\'s close() failed')
    } catch {}
  }
  try {
    const result: unknown = close.call(check)
    const then = property(result, 'then')
    if (typeof then === 'function') then.call(result, undefined, failed)
  } catch (error) {
    failed(error)
  }
}
