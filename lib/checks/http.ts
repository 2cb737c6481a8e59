import { describe, HealthError } from '../errors.js'
import type { HealthCheckContext } from '../types.js'
import { checkOptions, failure, invalid } from './shared.js'

export interface HttpCheckOptions {
  /** Default `'GET'`. */
  method?: 'GET' | 'HEAD' | 'POST' | 'OPTIONS'
  /** The statuses that pass. Default: any 2xx. */
  statuses?: readonly number[]
  /** Request headers, for example `{ authorization: 'Bearer …' }` (never shown in outputs). */
  headers?: Readonly<Record<string, string>>
  /**
   * Which redirects to follow (at most 5): `'same-origin'` (the default) follows
   * those to the same scheme, host and port; `'all'` any; `'none'` judges the 3xx status itself.
   */
  redirects?: 'same-origin' | 'all' | 'none'
}

const FACTORY = 'httpCheck'
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS'])
const REDIRECTS = new Set(['same-origin', 'all', 'none'])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5
/** Bodies are read up to this many bytes, then cancelled. */
const MAX_BODY = 65536

/**
 * Fails unless `url` answers with an expected status. The check's `signal`
 * goes to `fetch`, the body is always read (up to 64 KiB) or cancelled so
 * that the connection is released, and redirects leave the origin only with
 * `redirects: 'all'`. Outputs never show the URL: `HTTP 502 from upstream`,
 * `HTTP: connection refused`.
 */
export function httpCheck (url: string | URL, options?: HttpCheckOptions): (context: HealthCheckContext) => Promise<void> {
  const target = parseUrl(url)
  const given = checkOptions(FACTORY, options, {
    method: (value) => typeof value === 'string' && METHODS.has(value) ? undefined : `one of ${[...METHODS].join(', ')}`,
    statuses: (value) => Array.isArray(value) && value.length > 0 && value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)
      ? undefined
      : 'a non-empty array of HTTP statuses (100 to 599)',
    headers: (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((header) => typeof header === 'string')
      ? undefined
      : 'an object of string header values',
    redirects: (value) => typeof value === 'string' && REDIRECTS.has(value) ? undefined : `one of ${[...REDIRECTS].join(', ')}`
  }) as HttpCheckOptions
  const method = given.method ?? 'GET'
  const statuses = given.statuses === undefined ? undefined : new Set(given.statuses)
  const headers = given.headers === undefined ? undefined : { ...given.headers }
  const redirects = given.redirects ?? 'same-origin'

  return async ({ signal }) => {
    let current: URL | undefined = target
    let status = 0
    for (let hop = 0; current !== undefined; hop++) {
      let response: Response
      try {
        response = await fetch(current, { method, headers, signal, redirect: 'manual' })
      } catch (error) {
        throw failure('HTTP', error, {}, 'request failed')
      }
      status = response.status
      current = redirects !== 'none' && hop < MAX_REDIRECTS && REDIRECT_STATUSES.has(status)
        ? follow(current, response.headers.get('location'), redirects === 'all')
        : undefined
      try {
        await consume(response)
      } catch (error) {
        throw failure('HTTP', error, {}, 'body read failed')
      }
    }
    if (statuses === undefined ? status < 200 || status > 299 : !statuses.has(status)) throw new HealthError(`HTTP ${status} from upstream`)
  }
}

function parseUrl (url: unknown): URL {
  let parsed: URL | undefined
  if (typeof url === 'string' || url instanceof URL) {
    try {
      parsed = new URL(url)
    } catch {}
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw invalid(FACTORY, `the url must be an absolute http: or https: URL, got ${parsed === undefined ? describe(url) : `the scheme ${describe(parsed.protocol)}`}`)
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
