import { HealthError } from '../errors.js'
import { guarded } from '../inspect.js'
import { checkOptions, dependencyError, DependencyError, describeClient, failure, hasMethod, invalid, oneAtATime } from './shared.js'

/** An `ioredis` client, also `@fastify/redis`'s `app.redis`: typed by what the check uses. */
export interface IoredisLike {
  /** `'ready'` while connected. */
  readonly status: string
  ping: () => Promise<string>
}

/** The event methods the check uses, where the client has them, to keep the client's last error for the log. */
interface ErrorEvents {
  listenerCount: (event: 'error') => number
  on: (event: 'error' | 'ready', listener: (error?: unknown) => void) => unknown
  off: (event: 'error' | 'ready', listener: (error?: unknown) => void) => unknown
}

/** The check `redisCheck()` returns. */
export interface RedisCheck {
  (): Promise<void>
  /** Removes the listeners the check added to the client (the plugin calls it when the check is removed and when the app closes). */
  close: () => void
}

/** An `ioredis` `Cluster`. */
export interface IoredisClusterLike extends IoredisLike {
  readonly isCluster: true
  cluster: (subcommand: 'INFO') => Promise<string>
}

/** A `redis` (node-redis) v4 or v5 client. */
export interface NodeRedisLike {
  readonly isReady: boolean
  ping: () => Promise<string>
}

export type RedisClientLike = IoredisLike | IoredisClusterLike | NodeRedisLike

/** `redisCheck()` takes no options yet; the object is validated so that a typo fails at once. */
export type RedisCheckOptions = Record<string, never>

const FACTORY = 'redisCheck'
const KIND = 'Redis'
const CLASSES: Readonly<Record<string, string>> = {
  NOAUTH: 'authentication failed',
  WRONGPASS: 'authentication failed',
  NOPERM: 'permission denied',
  LOADING: 'loading',
  BUSY: 'busy',
  MASTERDOWN: 'master down',
  CLUSTERDOWN: 'cluster down'
}

/** The error word of a Redis error reply (`WRONGPASS invalid username…`). */
function replyCode (error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? /^([A-Z]{4,20})\b/.exec(message)?.[1] : undefined
}

/**
 * Checks Redis with a `PING` (on an ioredis `Cluster`: `CLUSTER INFO` and the
 * cluster state) through the app's own client. While the client is not
 * connected it fails at once with `Redis: not connected` instead of queuing the
 * command in the client's offline queue. A command that outlives its run's
 * timeout keeps the check busy until it settles, so no second one is sent.
 */
export function redisCheck (client: RedisClientLike, options?: RedisCheckOptions): RedisCheck {
  if (!hasMethod(client, 'ping')) throw invalid(FACTORY, `the client must be an ioredis client or cluster, or a node-redis client, got ${describeClient(client)}`)
  checkOptions(FACTORY, options, {})
  const target = client as Partial<IoredisClusterLike & NodeRedisLike>
  const ioredis = typeof target.status === 'string'
  const connected = ioredis ? () => target.status === 'ready' : () => target.isReady === true
  const cluster = target.isCluster === true && hasMethod(target, 'cluster')
  const command = cluster ? () => (target as IoredisClusterLike).cluster('INFO') : () => (target as IoredisLike).ping()
  const errors = new LastErrors(client)

  // No race with the run's signal: a command that hangs (sent just as the connection dropped, and
  // queued by ioredis until it reconnects) keeps the check busy, and the plugin never starts a run
  // of a busy check, so no second command follows it. Reading `signal` would cost every probe an
  // AbortController and an EventTarget listener.
  const check = oneAtATime(async () => {
    if (!connected()) throw notConnected(errors, ioredis ? target.status : undefined)
    let reply: string
    try {
      reply = await command()
    } catch (error) {
      throw failure(KIND, error, CLASSES, 'command failed', replyCode(error))
    }
    if (cluster) {
      if (!/^cluster_state:ok\r?$/m.test(reply)) throw new HealthError(`${KIND}: cluster state not ok`)
    } else if (reply !== 'PONG') {
      throw new HealthError(`${KIND}: unexpected reply to PING`)
    }
  }) as RedisCheck
  check.close = errors.close
  return check
}

/** `Redis: not connected`, with the client's last error since it was ready (or its state) as the cause, for the log. */
function notConnected (errors: LastErrors, status: string | undefined): HealthError {
  errors.listen()
  const cause = errors.last === undefined
    ? new DependencyError(status === undefined ? 'client not ready' : `client status ${status}`, {})
    : dependencyError(errors.last)
  return new HealthError(`${KIND}: not connected`, { cause })
}

/**
 * The client's last error since it was last ready, kept by listening to its
 * `error` events only while the app listens too: a listener of the check's
 * alone would change how the client reports unhandled errors (ioredis prints
 * them, node-redis throws).
 */
class LastErrors {
  last: unknown = undefined
  #listening = false
  readonly #events: Partial<ErrorEvents>
  readonly #remember = (error?: unknown): void => { this.last = error }
  readonly #forget = (): void => { this.last = undefined }

  constructor (client: unknown) {
    this.#events = client as Partial<ErrorEvents>
    this.listen()
  }

  /** Starts listening, when the client has an `error` listener of its own. */
  listen (): void {
    const events = this.#events
    if (this.#listening || !hasMethod(events, 'listenerCount') || !hasMethod(events, 'on') || !hasMethod(events, 'off')) return
    const { listenerCount, on } = events as ErrorEvents
    if (!guarded(() => listenerCount.call(events, 'error') > 0, false)) return
    this.#listening = guarded(() => {
      on.call(events, 'error', this.#remember)
      on.call(events, 'ready', this.#forget)
      return true
    }, false)
  }

  readonly close = (): void => {
    if (!this.#listening) return
    this.#listening = false
    const { off } = this.#events as ErrorEvents
    guarded(() => {
      off.call(this.#events, 'error', this.#remember)
      off.call(this.#events, 'ready', this.#forget)
    }, undefined)
  }
}
