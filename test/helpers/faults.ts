// Shared assertions of the real-server tests of fastify-healthz/checks.
import type { FastifyInstance } from 'fastify'
import type { Test as TapTest } from 'tap'
import type { LogLine } from './app.js'
import { secrets } from './servers.js'

type Test = TapTest

/** Every response mode: default, `?verbose`, per check, and `run()` with details. */
export async function allModes (app: FastifyInstance, check: string): Promise<string> {
  const bodies = [
    (await app.inject('/healthz/ready')).body,
    (await app.inject('/healthz/ready?verbose')).body,
    (await app.inject(`/healthz/ready/${check}`)).body,
    (await app.inject(`/healthz/ready/${check}?verbose`)).body,
    JSON.stringify(await app.healthz.run('ready', { verbose: true, details: true }))
  ]
  return bodies.join('\n')
}

/** No user, password, database, host or port anywhere in `text`. */
export function assertNoSecrets (t: Test, text: string, port: number): void {
  for (const secret of [secrets.user, secrets.password, secrets.database, '127.0.0.1', 'localhost', String(port)]) {
    t.notMatch(text, secret, `no ${JSON.stringify(secret)} in any response`)
  }
}

/** The failure log lines of one check. */
export function failures (lines: readonly LogLine[], check: string): LogLine[] {
  return lines.filter((line) => line.level === 40 && line.msg?.startsWith(`health check "${check}" failed`))
}

/** The text of a logged error, causes included. */
export function loggedError (line: LogLine | undefined): string {
  return JSON.stringify((line as { err?: unknown } | undefined)?.err ?? '')
}

/** Probes until the readiness probe answers 200; returns how many probes it took, or 0. */
export async function recovers (app: FastifyInstance, tries = 100, every = 100): Promise<number> {
  for (let i = 1; i <= tries; i++) {
    if ((await app.inject('/healthz/ready')).statusCode === 200) return i
    await new Promise((resolve) => setTimeout(resolve, every))
  }
  return 0
}
