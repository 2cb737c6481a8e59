import { HealthError } from '../errors.js'
import { checkOptions, describeClient, failure, hasMethod, invalid } from './shared.js'

/** A channel of amqplib's promise API. */
export interface AmqpChannelLike {
  close: () => PromiseLike<void>
}

/** A connection of amqplib's promise API (`await amqplib.connect(url)`). */
export interface AmqpConnectionLike {
  createChannel: () => PromiseLike<AmqpChannelLike>
}

/**
 * The app's connection, or a function returning its current one (or a promise
 * of it, or nothing while there is none): amqplib does not reconnect, so an app
 * that reconnects passes a getter.
 */
export type AmqpTarget = AmqpConnectionLike | (() => AmqpConnectionLike | PromiseLike<AmqpConnectionLike> | null | undefined)

/** `amqpCheck()` takes no options yet; the object is validated so that a typo fails at once. */
export type AmqpCheckOptions = Record<string, never>

const FACTORY = 'amqpCheck'
const KIND = 'RabbitMQ'

/** amqplib's errors mostly have no code: classify them by their reply code or text. */
function classOf (error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  if (/ACCESS.REFUSED|403/.test(message)) return 'access refused'
  if (/NOT.ALLOWED|530/.test(message)) return 'vhost not allowed'
  if (/closed|Channel ended/i.test(message)) return 'connection closed'
  return 'channel failed'
}

/**
 * Checks that the RabbitMQ broker answers: opens a channel on the app's own
 * connection and closes it (two round trips), rather than trusting that a
 * socket is open. No connection is opened by the check.
 */
export function amqpCheck (connection: AmqpTarget, options?: AmqpCheckOptions): () => Promise<void> {
  const getter = typeof connection === 'function'
  if (!getter && !hasMethod(connection, 'createChannel')) {
    throw invalid(FACTORY, `the connection must be an amqplib connection (promise API) or a function returning the current one, got ${describeClient(connection)}`)
  }
  checkOptions(FACTORY, options, {})
  return async () => {
    try {
      const current = getter ? await connection() : connection
      if (!hasMethod(current, 'createChannel')) throw new HealthError(`${KIND}: not connected`)
      const channel = await (current as AmqpConnectionLike).createChannel()
      await channel.close()
    } catch (error) {
      if (error instanceof HealthError) throw error
      throw failure(KIND, error, {}, classOf(error))
    }
  }
}
