import { HealthError } from '../errors.js'
import { checkOptions, describeClient, failure, hasMethod, invalid } from './shared.js'

/** A channel of amqplib's promise API. */
export interface AmqpChannelLike {
  close: () => PromiseLike<void>
  /** amqplib emits `close` on a channel that closed, also when its connection died before the broker confirmed. */
  once: (event: 'close', listener: () => void) => unknown
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

/** The callback API's `createChannel(options, callback)`; the promise API's takes `(options)`. */
function isCallbackApi (connection: AmqpConnectionLike): boolean {
  return connection.createChannel.length >= 2
}

const CALLBACK_API = "amqplib's callback API (amqplib/callback_api): pass a connection of its promise API (amqplib)"

/**
 * Closes the check's channel. amqplib settles `close()` only when the broker
 * confirms; when the connection dies first (the broker dropped it, the app
 * closed it), the channel emits `close` and `close()` never settles, which
 * would keep the check busy for good.
 */
async function closed (channel: AmqpChannelLike): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    channel.once('close', resolve)
    channel.close().then(() => { resolve() }, reject)
  })
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
  if (!getter && isCallbackApi(connection)) throw invalid(FACTORY, `the connection is of ${CALLBACK_API}`)
  checkOptions(FACTORY, options, {})
  const current = async (): Promise<AmqpConnectionLike> => {
    let found: unknown
    try {
      found = getter ? await connection() : connection
    } catch (error) {
      throw failure(KIND, error, {}, classOf(error))
    }
    if (!hasMethod(found, 'createChannel')) throw new HealthError(`${KIND}: not connected`)
    // Its channels open without waiting for the broker: every run would pass, and leave a channel.
    if (isCallbackApi(found as AmqpConnectionLike)) throw new Error(`${FACTORY}(): the getter returned a connection of ${CALLBACK_API}`)
    return found as AmqpConnectionLike
  }
  return async () => {
    const target = await current()
    try {
      await closed(await target.createChannel())
    } catch (error) {
      throw failure(KIND, error, {}, classOf(error))
    }
  }
}
