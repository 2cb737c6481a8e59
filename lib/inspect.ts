// Reading values that checks return or throw. Any of them may be hostile: a
// getter that throws, a revoked Proxy, a frozen error, a cyclic cause. Every
// read here is guarded, so that inspecting a value can never throw out of the
// plugin: what cannot be read counts as a failure whose text is withheld.

/** Public outputs longer than this many UTF-16 code units are cut, so that a report stays small. */
export const MAX_OUTPUT = 256
const CAUSE_DEPTH = 4

/** `read()`, or `fallback` when reading throws. */
export function guarded<T> (read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback
  }
}

/** Cuts a public text to `MAX_OUTPUT`, never inside a surrogate pair. */
export function publicText (text: string): string {
  if (text.length <= MAX_OUTPUT) return text
  let end = MAX_OUTPUT - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}…`
}

/** The value's property, or undefined when it has none or reading it throws. */
export function property (value: unknown, key: string): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
  return guarded(() => (value as Record<string, unknown>)[key], undefined)
}

/** The string property of a value, or undefined. */
function text (value: unknown, key: string): string | undefined {
  const read = property(value, key)
  return typeof read === 'string' ? read : undefined
}

/**
 * A plain copy of a thrown value for the log: type, message, stack, code and
 * causes, each read once under guard. Loggers never touch the original, which
 * may be frozen or have getters that throw.
 */
export function loggable (error: unknown, depth = 0): unknown {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return error
  // No prototype: pino's error serializer then takes the type from `name`, not from a constructor.
  const copy: Record<string, unknown> = Object.create(null)
  copy.name = text(error, 'name') ?? guarded(() => Object.prototype.toString.call(error), '[unreadable]')
  copy.message = text(error, 'message') ?? ''
  const stack = text(error, 'stack')
  if (stack !== undefined) copy.stack = stack
  const code = property(error, 'code')
  if (typeof code === 'string' || typeof code === 'number') copy.code = code
  const cause = property(error, 'cause')
  if (cause !== undefined) copy.cause = depth < CAUSE_DEPTH ? loggable(cause, depth + 1) : '[cause chain cut]'
  return copy
}
