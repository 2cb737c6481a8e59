import { checkOptions, codeOf, describeClient, failure, hasMethod, invalid, oneAtATime } from './shared.js'

/** A connection of the callback API (`mysql2`'s `Connection` or a pooled one). */
export interface MysqlConnectionLike {
  ping (callback: (error: unknown) => unknown): unknown
}

/** A connection taken from a pool. */
export interface MysqlPoolConnectionLike extends MysqlConnectionLike {
  release (): void
  destroy (): void
}

/** A pool of the callback API (`mysql2`'s `Pool`). */
export interface MysqlPoolLike {
  getConnection (callback: (error: any, connection: any) => unknown): unknown
}

/**
 * What `mysqlCheck()` takes: a mysql2 pool or connection of the callback API,
 * a promise pool or connection (their `pool` / `connection`), or
 * `@fastify/mysql`'s decorator (which has one of those too).
 */
export type MysqlTarget = MysqlPoolLike | MysqlConnectionLike | { readonly pool: MysqlPoolLike } | { readonly connection: MysqlConnectionLike }

/** `mysqlCheck()` takes no options yet; the object is validated so that a typo fails at once. */
export type MysqlCheckOptions = Record<string, never>

const FACTORY = 'mysqlCheck'
const KIND = 'MySQL'
const CLASSES: Readonly<Record<string, string>> = {
  ER_ACCESS_DENIED_ERROR: 'authentication failed',
  ER_NOT_SUPPORTED_AUTH_MODE: 'authentication failed',
  ER_BAD_DB_ERROR: 'database not found',
  ER_DBACCESS_DENIED_ERROR: 'permission denied',
  ER_CON_COUNT_ERROR: 'too many connections',
  ER_SERVER_SHUTDOWN: 'server shutting down',
  PROTOCOL_CONNECTION_LOST: 'connection lost',
  ER_CONNECTION_KILLED: 'connection lost'
}
/** Errors of a pooled connection that the server closed while it sat idle (`wait_timeout`, a restart, a proxy). */
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_CLIENT_INTERACTION_TIMEOUT'])

function isReset (error: unknown): boolean {
  const code = codeOf(error)
  return code === undefined
    ? /closed state/.test((error as { message?: unknown } | null)?.message as string)
    : RESETS.has(code)
}

/** Pings on a connection of the pool; a failure of the ping itself (not of getting the connection) comes as a `PingFailure`. */
function pingPooled (pool: MysqlPoolLike): Promise<void> {
  return new Promise((resolve, reject) => {
    pool.getConnection((error: unknown, connection: MysqlPoolConnectionLike) => {
      if (error !== null && error !== undefined) return reject(error)
      connection.ping((failed) => {
        if (failed === null || failed === undefined) {
          connection.release()
          resolve()
        } else {
          connection.destroy()
          reject(new PingFailure(failed))
        }
      })
    })
  })
}

/** A ping that failed on a connection already taken from the pool. */
class PingFailure {
  readonly error: unknown
  constructor (cause: unknown) {
    this.error = cause
  }
}

/** Pings in all, the first included, while they fail with a reset. */
const ATTEMPTS = 3

/**
 * Pings on a connection of the pool; after a reset, again on another one, up
 * to `ATTEMPTS` in all. Before each retry the event loop turns once, so that
 * the pool drops the other connections whose close the server sent at the same
 * moment (their sockets' events not read yet): without it, the retry takes the
 * next dead connection. One connection at a time is held.
 */
async function pingRetryingResets (pool: MysqlPoolLike): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pingPooled(pool)
    } catch (error) {
      if (!(error instanceof PingFailure)) throw failure(KIND, error, CLASSES, 'connect failed')
      if (attempt === ATTEMPTS || !isReset(error.error)) throw failure(KIND, error.error, CLASSES, 'ping failed')
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Checks MySQL or MariaDB with a `COM_PING` on a connection of the app's own
 * pool (or on its connection). A pooled connection that the server closed
 * while idle (`wait_timeout`) fails its ping with a reset: the check destroys
 * it and pings on another, so idle periods cause no spurious failure.
 */
export function mysqlCheck (target: MysqlTarget, options?: MysqlCheckOptions): () => Promise<void> {
  // Down to the callback API: @fastify/mysql's decorator -> (promise) pool or connection -> its core.
  let core = target as Partial<{ pool: MysqlPoolLike, connection: MysqlConnectionLike }> | undefined
  for (let depth = 0; depth < 2; depth++) {
    if (hasMethod(core?.pool, 'getConnection')) core = core?.pool as typeof core
    else if (hasMethod(core?.connection, 'ping')) core = core?.connection as typeof core
  }
  checkOptions(FACTORY, options, {})
  if (hasMethod(core, 'getConnection')) {
    const pool = core as MysqlPoolLike
    return oneAtATime(async () => { await pingRetryingResets(pool) })
  }
  if (!hasMethod(core, 'ping')) {
    throw invalid(FACTORY, `the target must be a mysql2 pool or connection (callback or promise API), or @fastify/mysql's decorator, got ${describeClient(target)}`)
  }
  const connection = core as MysqlConnectionLike
  return oneAtATime(async () => await new Promise((resolve, reject) => {
    connection.ping((error) => {
      if (error === null || error === undefined) resolve()
      else reject(failure(KIND, error, CLASSES, 'ping failed'))
    })
  }))
}
