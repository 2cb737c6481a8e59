import { checkOptions, describeClient, failure, hasMethod, invalid, ms, oneAtATime } from './shared.js'

/** A `pg` `Pool` or `Client`, or `@fastify/postgres`'s `app.pg`: typed by what the check uses. */
export interface PgQueryable {
  query: (text: string) => Promise<unknown>
}

export interface PgCheckOptions {
  /** Milliseconds after which the server itself cancels the query (`SET LOCAL statement_timeout`). Default 1000. */
  statementTimeout?: number
  /** One SQL statement without parameters, run instead of `SELECT 1`. */
  query?: string
}

const FACTORY = 'pgCheck'
const KIND = 'PostgreSQL'
const CLASSES: Readonly<Record<string, string>> = {
  '28P01': 'authentication failed',
  28000: 'authentication failed',
  '3D000': 'database not found',
  42501: 'permission denied',
  53300: 'too many connections',
  '57P01': 'server shutting down',
  '57P02': 'server shutting down',
  '57P03': 'server starting up',
  57014: 'statement timeout',
  25006: 'read-only transaction'
}

/**
 * Checks PostgreSQL with one round trip on the app's own pool or client:
 * `SET LOCAL statement_timeout = N; SELECT 1` in one simple query, so that a
 * query stuck on the server ends there too. pg takes no `AbortSignal`: after a
 * timeout the run keeps its one connection until the server answers, and no
 * second run starts meanwhile (the plugin never doubles a hung run), so a hung
 * server holds at most one of the pool's connections for the check.
 */
export function pgCheck (client: PgQueryable, options?: PgCheckOptions): () => Promise<void> {
  if (!hasMethod(client, 'query')) throw invalid(FACTORY, `the client must be a pg Pool or Client, or @fastify/postgres's app.pg, got ${describeClient(client)}`)
  const given = checkOptions(FACTORY, options, {
    statementTimeout: ms(1),
    query: (value) => typeof value === 'string' && value.trim() !== '' && !value.includes(';') ? undefined : 'one SQL statement, without ";"'
  }) as PgCheckOptions
  const text = `SET LOCAL statement_timeout = ${given.statementTimeout ?? 1000}; ${given.query ?? 'SELECT 1'}`
  return oneAtATime(async () => {
    try {
      await client.query(text)
    } catch (error) {
      throw failure(KIND, error, CLASSES, classOf(error))
    }
  })
}

/** The failure class of pg's own errors, which have no code. */
function classOf (error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  // "Connection terminated due to connection timeout": connectionTimeoutMillis, before "Connection terminated".
  if (/timeout exceeded when trying to connect|due to connection timeout/i.test(message)) return 'connect timed out'
  if (/Connection terminated|not queryable|ended/i.test(message)) return 'connection lost'
  return 'query failed'
}
