import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { HealthzConfigError } from './errors.js'

/**
 * signal-exit (used by tap, nyc, write-file-atomic and others) listens to
 * signals but acts only when it is the last listener left: it never closes the
 * app in place of the plugin, so it is not another handler. Matched on the
 * comment of its v4 listener and on the test of its v3 listener.
 */
const SIGNAL_EXIT = /If there are no other listeners, an exit is coming|listeners\.length === emitter\.count/

/**
 * Throws when the plugin is registered where it cannot work: a second time on
 * the same instance or below one that has it (the `healthz` decorator is
 * there already), which Fastify would otherwise report as a duplicated route.
 */
export function checkRegistration (fastify: FastifyInstance): void {
  if (fastify.hasDecorator('healthz')) {
    throw new HealthzConfigError('FST_HEALTHZ_ALREADY_REGISTERED', 'registered twice: this Fastify instance, or a parent of it, already has "fastify.healthz". Register the plugin once, at the root, and add checks from other plugins with fastify.healthz.add() (declare dependencies: [\'fastify-healthz\'] in their fastify-plugin options)')
  }
}

/**
 * Says so when the plugin is registered inside a plugin with a route prefix:
 * its routes then take that prefix too, and `fastify.healthz` exists only in
 * that plugin, which is rarely what the probes' manifest expects.
 */
export function warnOnContextPrefix (fastify: FastifyInstance, log: FastifyBaseLogger, prefix: string): void {
  if (fastify.prefix === '') return
  log.warn({ probes: `${fastify.prefix}${prefix}` }, `fastify-healthz: registered inside a plugin with the prefix "${fastify.prefix}", so the probes are served under ${fastify.prefix}${prefix} and fastify.healthz exists only inside that plugin. Register it at the root (or from a plugin wrapped with fastify-plugin) to serve them under ${prefix}, or set the plugin's own "prefix" option`)
}

/**
 * With the `signals` option, another handler of the same signals (fastify-cli's
 * `fastify start` installs close-with-grace; an app may have its own) can
 * close the app before the plugin's drain, or exit the process under it. Warns
 * once, as the app becomes ready and before the plugin adds its own listeners.
 */
export function warnOnForeignSignalHandlers (log: FastifyBaseLogger, signals: readonly NodeJS.Signals[]): void {
  const taken = signals.filter((signal) => process.listeners(signal).some((listener) => !SIGNAL_EXIT.test(Function.prototype.toString.call(listener))))
  if (taken.length === 0) return
  log.warn({ signals: taken }, `fastify-healthz: another handler of ${taken.join(', ')} is installed (fastify-cli's "fastify start", close-with-grace, or the app's own), so the drain of the "signals" option may never happen. Keep one handler: remove "signals" and call app.healthz.drain() before app.close() in yours, or, under fastify-cli, delay SIGTERM with a Kubernetes preStop hook (docs/lifecycle.md)`)
}
