// What the documentation's TypeScript snippets use without declaring it:
// scripts/check-doc-snippets.mjs compiles every snippet with these in scope.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import type healthzPlugin from 'fastify-healthz'
import type { HealthCheck, HealthError as HealthErrorClass, isProbeRequest as isProbeRequestFn } from 'fastify-healthz'
import type bearerAuthPlugin from '@fastify/bearer-auth'
// The decorators of the ecosystem's client plugins (app.pg, app.redis), as apps that register them have them.
import type {} from '@fastify/postgres'
import type {} from '@fastify/redis'

declare module 'fastify' {
  interface FastifyInstance {
    /** An app's own JWT check, as @fastify/jwt users write it. */
    verifyJWT: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void
  }
}

declare global {
  const app: FastifyInstance
  const healthz: typeof healthzPlugin
  const HealthError: typeof HealthErrorClass
  const isProbeRequest: typeof isProbeRequestFn
  const bearerAuth: typeof bearerAuthPlugin
  const pool: { query: (sql: string) => Promise<unknown>, idleCount: number }
  const redis: { ping: () => Promise<string> }
  const queue: { ping: () => Promise<void> }
  const keys: Set<string>
  function authenticate (request: FastifyRequest, reply: FastifyReply): Promise<void>
  function validate (username: string, password: string, request: FastifyRequest, reply: FastifyReply): Promise<void>
  function warmCaches (): Promise<void>
  const listOrders: RouteHandlerMethod
  const check: HealthCheck
  const checkDb: HealthCheck
  const checkCache: HealthCheck
  const checkLag: HealthCheck
  const checkMigrations: HealthCheck
  const checkReplication: HealthCheck
}
