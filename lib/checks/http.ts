import { describe, HealthError } from '../errors.js'
import { checkOptions, failure, invalid, ms, oneAtATime } from './shared.js'

export interface HttpCheckOptions {
  /** Default `'GET'`. */
  method?: 'GET' | 'HEAD' | 'POST' | 'OPTIONS'
  /** The statuses that pass. Default: any 2xx. */
  statuses?: readonly number[]
  /**
   * Request headers, for example `{ authorization: 'Bearer …' }` (never shown in outputs).
   * `authorization`, `proxy-authorization` and `cookie` are not sent on to another origin.
   */
  headers?: Readonly<Record<string, string>>
  /**
   * Which redirects to follow (at most 5): `'same-origin'` (the default) follows
   * those to the same scheme, host and port; `'all'` any; `'none'` judges the 3xx status itself.
   */
  redirects?: 'same-origin' | 'all' | 'none'
  /**
   * Milliseconds a request may take in all, going on after its run timed out to wait
   * for a slow or hung upstream; then it is cancelled, which closes its connection.
   * Until it ends, the plugin starts no other run of the check. Default 30000.
   */
  requestTimeout?: number
}

/** The check `httpCheck()` returns. */
export interface HttpCheck {
  (): Promise<void>
  /** Cancels a request still in flight (the plugin calls it when the check is removed and when the app closes). */
  close: () => void
}

const FACTORY = 'httpCheck'
const KIND = 'HTTP'
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS'])
const REDIRECTS = new Set(['same-origin', 'all', 'none'])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5
/** Bodies are read up to this many bytes, then cancelled. */
const MAX_BODY = 65536
/** Headers fetch manages itself: it refuses them at each request, so they are refused at registration. */
const MANAGED_HEADERS = ['connection', 'expect', 'keep-alive', 'transfer-encoding', 'upgrade']
/** What fetch itself never sends on to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie']

/**
 * Fails unless `url` answers with an expected status. The body is always read
 * (up to 64 KiB) or cancelled so that the connection is released, and
 * redirects leave the origin only with `redirects: 'all'`. A request that
 * outlives its run's timeout goes on (up to `requestTimeout`) on its one
 * connection instead of opening another to a hung upstream at every probe.
 * Outputs never show the URL: `HTTP 502 from upstream`, `HTTP: connection refused`.
 */
export function httpCheck (url: string | URL, options?: HttpCheckOptions): HttpCheck {
  const target = parseUrl(url)
  const given = checkOptions(FACTORY, options, {
    method: (value) => typeof value === 'string' && METHODS.has(value) ? undefined : `one of ${[...METHODS].join(', ')}`,
    statuses: (value) => Array.isArray(value) && value.length > 0 && value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)
      ? undefined
      : 'a non-empty array of HTTP statuses (100 to 599)',
    headers: (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((header) => typeof header === 'string') && validHeaders(value)
      ? undefined
      : `an object of valid header names and string values, without ${MANAGED_HEADERS.join(', ')} (fetch manages those)`,
    redirects: (value) => typeof value === 'string' && REDIRECTS.has(value) ? undefined : `one of ${[...REDIRECTS].join(', ')}`,
    requestTimeout: ms(1)
  }, ['headers']) as HttpCheckOptions
  const request: Request = {
    method: given.method ?? 'GET',
    statuses: given.statuses === undefined ? undefined : new Set(given.statuses),
    headers: new Headers(given.headers),
    redirects: given.redirects ?? 'same-origin'
  }
  const requestTimeout = given.requestTimeout ?? 30000
  /** Requests in flight, which a run that timed out leaves behind. */
  const inFlight = new Set<AbortController>()

  // The run's signal is not passed on: cancelling at the run's timeout would close the connection,
  // and against a hung upstream every later run would open another one. The request goes on until
  // `requestTimeout`, and the plugin starts no run of the check meanwhile.
  const check = oneAtATime(async () => {
    const controller = new AbortController()
    inFlight.add(controller)
    const timer = setTimeout(() => { controller.abort(new DOMException(`no answer after ${requestTimeout} ms`, 'TimeoutError')) }, requestTimeout)
    timer.unref()
    try {
      await exchange(target, request, controller.signal)
    } finally {
      clearTimeout(timer)
      inFlight.delete(controller)
    }
  }) as HttpCheck
  check.close = () => {
    for (const controller of inFlight) controller.abort(new DOMException('the check was closed', 'AbortError'))
    inFlight.clear()
  }
  return check
}

interface Request {
  readonly method: string
  readonly statuses: ReadonlySet<number> | undefined
  readonly headers: Headers
  readonly redirects: string
}

/** One request and the redirects it is to follow, each body consumed; rejects with the check's failure. */
async function exchange (target: URL, request: Request, signal: AbortSignal): Promise<void> {
  let current: URL | undefined = target
  let { method, headers } = request
  let status = 0
  for (let hop = 0; current !== undefined; hop++) {
    let response: Response
    try {
      response = await fetch(current, { method, headers, signal, redirect: 'manual' })
    } catch (error) {
      throw failure(KIND, error, {}, 'request failed')
    }
    status = response.status
    const next: URL | undefined = request.redirects !== 'none' && hop < MAX_REDIRECTS && REDIRECT_STATUSES.has(status)
      ? follow(current, response.headers.get('location'), request.redirects === 'all')
      : undefined
    try {
      await consume(response)
    } catch (error) {
      throw failure(KIND, error, {}, 'body read failed')
    }
    if (next !== undefined) {
      // As fetch does: a 303 (and a 301 or 302 after a POST) is followed with GET, and credentials stay with their origin.
      if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) method = 'GET'
      if (next.origin !== current.origin) headers = withoutCredentials(headers)
    }
    current = next
  }
  if (request.statuses === undefined ? status < 200 || status > 299 : !request.statuses.has(status)) throw new HealthError(`${KIND} ${status} from upstream`)
}

/** Whether `new Headers()` takes these names and values (no invalid name, no CR or LF in a value), and fetch would send them. */
function validHeaders (value: object): boolean {
  let headers: Headers
  try {
    headers = new Headers(value as Record<string, string>)
  } catch {
    return false
  }
  return MANAGED_HEADERS.every((name) => !headers.has(name))
}

function withoutCredentials (headers: Headers): Headers {
  const copy = new Headers(headers)
  for (const name of CREDENTIAL_HEADERS) copy.delete(name)
  return copy
}

function parseUrl (url: unknown): URL {
  let parsed: URL | undefined
  if (typeof url === 'string' || url instanceof URL) {
    try {
      parsed = new URL(url)
    } catch {}
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    // A string that does not parse may still hold a password (`https://user:pass@host:99999/`): named by its type only.
    const got = parsed !== undefined ? `the scheme ${describe(parsed.protocol)}` : typeof url === 'string' ? 'a string that is not an absolute URL' : describe(url)
    throw invalid(FACTORY, `the url must be an absolute http: or https: URL, got ${got}`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Never echo it: it holds a password.
    throw invalid(FACTORY, 'the url must not carry credentials: pass them in the "headers" option (for example authorization)')
  }
  return parsed
}

/** The URL a redirect leads to, when it is to be followed. */
function follow (from: URL, location: string | null, anyOrigin: boolean): URL | undefined {
  if (location === null) return undefined
  let next: URL
  try {
    next = new URL(location, from)
  } catch {
    return undefined
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined
  return anyOrigin || next.origin === from.origin ? next : undefined
}

/** Reads the body to its end, or cancels it past `MAX_BODY` bytes: either way the connection is released. */
async function consume (response: Response): Promise<void> {
  const body = response.body
  if (body === null) return
  const reader = body.getReader()
  let total = 0
  while (total <= MAX_BODY) {
    const { done, value } = await reader.read()
    if (done) return
    total += value.byteLength
  }
  await reader.cancel()
}
