import type { FastifyBaseLogger } from 'fastify'
import type { Change } from './changes.js'
import { loggable } from './inspect.js'

/**
 * Logs a check's changes of state through the app's logger, bound to the
 * check's name: a failure or warning with the real error, a recovery. A first
 * result that passes is no news. The logger sees a plain copy of the error,
 * and nothing a logger throws leaves here: logging never breaks a probe.
 */
export function logChanges (log: FastifyBaseLogger): (change: Change) => void {
  return (change) => {
    if (change.type !== 'check') return
    const { check, to } = change
    try {
      if (to === 'pass') {
        if (change.from !== 'pending') log.child({ healthCheck: check }).info(`health check "${check}" recovered`)
        return
      }
      const verb = to === 'fail' ? 'failed' : 'warns'
      log.child({ healthCheck: check }).warn({ err: loggable(change.error) }, `health check "${check}" ${verb}: ${change.output}`)
    } catch {
      // The logger itself failed (a broken stream or serializer): there is nowhere left to say so.
    }
  }
}
