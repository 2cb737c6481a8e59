import { describe, HealthError } from '../errors.js'
import type { HealthCheckContext } from '../types.js'
import { checkOptions, failure, hasMethod, invalid, untilAborted } from './shared.js'

/** An `ioredis` client, also `@fastify/redis`'s `app.redis`: typed by what the check uses. */
export interface IoredisLike {
  /** `'ready'` while connected. */
  readonly status: string
  ping: () => Promise<string>
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
 * command in the client's offline queue; and while a command that outlived its
 * run's timeout has no reply, later runs fail at once instead of sending another.
 */
export function redisCheck (client: RedisClientLike, options?: RedisCheckOptions): (context: HealthCheckContext) => Promise<void> {
  if (!hasMethod(client, 'ping')) throw invalid(FACTORY, `the client must be an ioredis client or cluster, or a node-redis client, got ${describe(client)}`)
  checkOptions(FACTORY, options, {})
  const target = client as Partial<IoredisClusterLike & NodeRedisLike>
  const ioredis = typeof target.status === 'string'
  const connected = ioredis ? () => target.status === 'ready' : () => target.isReady === true
  const cluster = target.isCluster === true && hasMethod(target, 'cluster')
  const command = cluster ? () => (target as IoredisClusterLike).cluster('INFO') : () => (target as IoredisLike).ping()
  /** The command of a run that timed out, until it settles: no other is sent meanwhile. */
  let pending: Promise<string> | undefined

  return async ({ signal }) => {
    if (!connected()) throw new HealthError(`${KIND}: not connected`)
    // A hung server: fail at once, without queuing a second command behind the first.
    if (pending !== undefined) throw new HealthError(`${KIND}: no reply yet to the previous command`)
    const sent = command()
    pending = sent
    let reply: string
    try {
      reply = await untilAborted(sent, signal)
      pending = undefined
    } catch (error) {
      if (!signal.aborted) pending = undefined
      else sent.then(() => { pending = undefined }, () => { pending = undefined })
      throw failure(KIND, error, CLASSES, 'command failed', replyCode(error))
    }
    if (cluster) {
      if (!/^cluster_state:ok\r?$/m.test(reply)) throw new HealthError(`${KIND}: cluster state not ok`)
    } else if (reply !== 'PONG') {
      throw new HealthError(`${KIND}: unexpected reply to PING`)
    }
  }
}
