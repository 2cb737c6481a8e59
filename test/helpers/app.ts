import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { pino } from 'pino'
import healthz, { type HealthzOptions } from '../../lib/index.js'

export interface LogLine {
  level: number
  msg?: string
  [key: string]: unknown
}

/** A pino logger writing parsed JSON lines into `lines`, synchronously. */
export function captureLog (level = 'trace'): { logger: pino.Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    }
  })
  return { logger: pino({ level }, stream), lines }
}

/** A Fastify app with the plugin registered and its log captured. */
export async function build (options: HealthzOptions = {}, server: FastifyServerOptions = {}): Promise<{ app: FastifyInstance, lines: LogLine[] }> {
  const { logger, lines } = captureLog()
  const app = Fastify({ ...server, loggerInstance: logger } as FastifyServerOptions) as unknown as FastifyInstance
  await app.register(healthz, options)
  return { app, lines }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A promise and the functions that settle it. */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

export function activeTimers (): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}
