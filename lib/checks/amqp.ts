import { HealthError } from '../errors.js'
import { checkOptions, dependencyError, describeClient, failure, hasMethod, invalid, oneAtATime } from './shared.js'

/** A channel of amqplib's promise API. */
export interface AmqpChannelLike {
  close: () => PromiseLike<void>
  /** amqplib emits `close` on a channel that closed, also when its connection died before the broker confirmed. */
  once: (event: 'close', listener: () => void) => unknown
}

/** A connection of amqplib's promise API (`await amqplib.connect(url)`, also with the `recovery` option). */
export interface AmqpConnectionLike {
  createChannel: () => PromiseLike<AmqpChannelLike>
}

/**
 * The app's connection, or a function returning its current one (or a promise
 * of it, or nothing while there is none): a plain amqplib connection does not
 * reconnect, so an app that reconnects it passes a getter.
 */
export type AmqpTarget = AmqpConnectionLike | (() => AmqpConnectionLike | PromiseLike<AmqpConnectionLike> | null | undefined)

/** `amqpCheck()` takes no options yet; the object is validated so that a typo fails at once. */
export type AmqpCheckOptions = Record<string, never>

/** The check `amqpCheck()` returns. */
export interface AmqpCheck {
  (): Promise<void>
  /** Removes the listeners the check added to a recovering connection (the plugin calls it when the check is removed and when the app closes). */
  close: () => void
}

/** The events of amqplib 2's recovering connection (`connect(url, { recovery })`) that tell when it is down. */
interface RecoveringEvents {
  waitForConnect: () => unknown
  on: (event: 'connect' | 'disconnect' | 'connect-failed', listener: (error?: unknown) => void) => unknown
  off: (event: 'connect' | 'disconnect' | 'connect-failed', listener: (error?: unknown) => void) => unknown
}

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
 * Whether the connection the check uses is down, when it is one of amqplib 2's
 * recovering connections: their `createChannel()` waits while they reconnect,
 * so the check would say only that it timed out. Follows one connection at a
 * time (a getter may return another), from the first time the check sees it.
 */
class RecoveryWatch {
  /** While not connected again: the error of the last disconnection or failed reconnection. */
  down: { error: unknown } | undefined = undefined
  #followed: RecoveringEvents | undefined = undefined
  readonly #failed = (error?: unknown): void => { this.down = { error } }
  readonly #connected = (): void => { this.down = undefined }

  follow (connection: unknown): void {
    if (connection === this.#followed) return
    this.close()
    const events = connection as RecoveringEvents
    if (!hasMethod(events, 'waitForConnect') || !hasMethod(events, 'on') || !hasMethod(events, 'off')) return
    events.on('disconnect', this.#failed)
    events.on('connect-failed', this.#failed)
    events.on('connect', this.#connected)
    this.#followed = events
  }

  readonly close = (): void => {
    const events = this.#followed
    if (events === undefined) return
    this.#followed = undefined
    this.down = undefined
    events.off('disconnect', this.#failed)
    events.off('connect-failed', this.#failed)
    events.off('connect', this.#connected)
  }
}

/**
 * Checks that the RabbitMQ broker answers: opens a channel on the app's own
 * connection and closes it (two round trips), rather than trusting that a
 * socket is open. No connection is opened by the check. A recovering
 * connection that is reconnecting fails at once with `RabbitMQ: not connected`.
 */
export function amqpCheck (connection: AmqpTarget, options?: AmqpCheckOptions): AmqpCheck {
  const getter = typeof connection === 'function'
  if (!getter && !hasMethod(connection, 'createChannel')) {
    throw invalid(FACTORY, `the connection must be an amqplib connection (promise API) or a function returning the current one, got ${describeClient(connection)}`)
  }
  if (!getter && isCallbackApi(connection)) throw invalid(FACTORY, `the connection is of ${CALLBACK_API}`)
  checkOptions(FACTORY, options, {})
  const recovery = new RecoveryWatch()
  // From now, not from the first run: a disconnection before it counts too.
  if (!getter) recovery.follow(connection)
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
    recovery.follow(found)
    if (recovery.down !== undefined) throw new HealthError(`${KIND}: not connected`, { cause: dependencyError(recovery.down.error) })
    return found as AmqpConnectionLike
  }
  const check = oneAtATime(async () => {
    const target = await current()
    try {
      await closed(await target.createChannel())
    } catch (error) {
      throw failure(KIND, error, {}, classOf(error))
    }
  }) as AmqpCheck
  check.close = recovery.close
  return check
}
