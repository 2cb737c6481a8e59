// The HEALTHCHECK command's logic; lib/cli.ts runs it. Node built-ins only: never import fastify,
// the plugin or any package here, so that a command Docker starts every few seconds starts fast.
import http from 'node:http'

/** The package version, sent in the User-Agent: `npm version` rewrites it (package.json's "version" script). */
export const version = '0.1.0'
export const defaultTimeout = 2000
/** The most characters of a response body that the output line shows. */
export const bodyChars = 200
/** The most bytes of a response body read; then the socket is destroyed, whatever is left. */
export const bodyBytes = 4096
const maxTimeout = 2 ** 31 - 1 // setTimeout's limit

export const usage = `usage: fastify-healthz probe <url> [--timeout <ms>]
  GETs <url> (http or https), follows no redirect, and exits 0 for a 2xx or 3xx status
  within the timeout (default ${defaultTimeout} ms, for connecting and reading the answer), 1 otherwise.`

export interface Writer { write: (text: string) => unknown }
export interface Io { stdout: Writer, stderr: Writer }

export type Args = { url: URL, timeout: number } | { help: true } | { error: string }

/** Reads `probe <url> [--timeout <ms>]` strictly: anything else is an error. */
export function parseArgs (argv: readonly string[]): Args {
  const [command, ...rest] = argv
  if (command === undefined) return { error: 'missing command' }
  if (command === 'help' || command === '--help' || command === '-h') return { help: true }
  if (command !== 'probe') return { error: `unknown command ${quote(command)}` }
  let target: string | undefined
  let timeoutText: string | undefined
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string
    let value: string | undefined
    if (arg === '--help' || arg === '-h') return { help: true }
    if (arg === '--timeout') {
      value = rest[++i]
      if (value === undefined) return { error: '--timeout needs a value' }
    } else if (arg.startsWith('--timeout=')) {
      value = arg.slice('--timeout='.length)
    } else if (arg.startsWith('-')) {
      return { error: `unknown option ${quote(arg)}` }
    } else if (target === undefined) {
      target = arg
      continue
    } else {
      return { error: `unexpected argument ${quote(arg)}` }
    }
    if (timeoutText !== undefined) return { error: '--timeout given twice' }
    timeoutText = value
  }
  if (target === undefined) return { error: 'missing <url>' }
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return { error: `not a URL: ${quote(target)}` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `only http and https URLs can be probed, not ${quote(url.protocol)}` }
  let timeout = defaultTimeout
  if (timeoutText !== undefined) {
    timeout = /^[1-9][0-9]{0,9}$/.test(timeoutText) ? Number(timeoutText) : NaN
    if (!(timeout <= maxTimeout)) return { error: `--timeout must be a whole number of milliseconds from 1 to ${maxTimeout}, not ${quote(timeoutText)}` }
  }
  return { url, timeout }
}

export interface Outcome { ok: boolean, line: string }

/**
 * GETs `url` without following redirects and judges it the way Docker and the kubelet do: a 2xx or 3xx
 * status is healthy. `timeout` covers the whole exchange: lookup, connect, TLS, headers and body.
 */
export async function probe (url: URL, timeout: number): Promise<Outcome> {
  const shown = display(url)
  const started = performance.now()
  const elapsed = (): string => `${Math.round(performance.now() - started)} ms`
  const controller = new AbortController()
  // node:https (TLS, crypto) loads only for an https URL: 5% fewer instructions for a plain http probe.
  const client = url.protocol === 'https:' ? (await import('node:https')).default : http
  const request = client.get(url, {
    agent: false,
    signal: controller.signal,
    headers: { 'user-agent': `fastify-healthz-probe/${version}`, accept: '*/*', connection: 'close' }
  })
  const timer = setTimeout(() => { controller.abort() }, timeout)
  let answer = '' // the status line once it has arrived
  let outcome: Outcome
  try {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', resolve).on('error', reject)
    })
    const status = response.statusCode as number
    const reason = http.STATUS_CODES[status]
    answer = reason === undefined ? String(status) : `${status} ${reason}`
    const body = await readSome(response, bodyBytes)
    const ok = status >= 200 && status < 400
    const text = ok ? '' : oneLine(new TextDecoder().decode(body))
    outcome = { ok, line: `${shown}: ${answer} in ${elapsed()}${text === '' ? '' : `: ${truncate(text, bodyChars)}`}` }
  } catch (error) {
    const then = answer === '' ? '' : `${answer}, then `
    const what = controller.signal.aborted ? `timed out after ${timeout} ms` : `${describeError(error as NodeJS.ErrnoException)} after ${elapsed()}`
    outcome = { ok: false, line: `${shown}: ${then}${what}` }
  }
  clearTimeout(timer)
  request.destroy()
  return outcome
}

/** The start of a body, at least `limit` bytes of it when it is that long; leaving the loop destroys the stream. */
async function readSome (stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= limit) break
  }
  return Buffer.concat(chunks).subarray(0, limit)
}

const messages: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection closed early (ECONNRESET)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed (temporary DNS failure)'
}

/** One line for a failed request, with Node's error code; OpenSSL's errors shortened to their reason. */
export function describeError (error: NodeJS.ErrnoException): string {
  const known = error.code === undefined ? undefined : messages[error.code]
  if (known !== undefined) return known
  // 'write EPROTO 80CC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…'
  const openssl = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(error.message)
  const message = openssl === null ? oneLine(error.message) : `TLS error: ${oneLine(openssl[1] as string)}`
  return error.code === undefined || message.includes(error.code) ? message : `${message} (${error.code})`
}

/** The URL as shown: without a user name or password. */
function display (url: URL): string {
  if (url.username === '' && url.password === '') return url.href
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  return copy.href
}

/** Whitespace, control and format characters become single spaces: one line, no terminal escapes. */
export function oneLine (text: string): string {
  return text.replace(/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim()
}

/** At most `max` characters (code points), the last one an ellipsis when cut. */
export function truncate (text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/** Runs the command: returns the exit code, 0 when healthy and 1 for anything else, usage errors included. */
export async function main (argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv)
    if ('help' in args) {
      io.stdout.write(`${usage}\n`)
      return 0
    }
    if ('error' in args) {
      io.stderr.write(`fastify-healthz: ${args.error}\n${usage}\n`)
      return 1
    }
    const outcome = await probe(args.url, args.timeout)
    io.stdout.write(`${outcome.line}\n`)
    return outcome.ok ? 0 : 1
  } catch (error) { // not expected: still one line and exit code 1
    io.stderr.write(`fastify-healthz: ${oneLine(String(error))}\n`)
    return 1
  }
}

function quote (text: string): string {
  return truncate(JSON.stringify(text), 80)
}
