import { STATUS_CODES } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'

const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const WITHHELD = 'The error is withheld from the response and written to the app log.'

/** The body of an error answered on a probe route: RFC 9457 problem details. */
export interface ProbeProblem {
  status: number
  title: string
  detail: string
}

/** What the handler uses of a request and a reply: structural, so that every route's generics fit. */
interface ErrorRequest { readonly id: string, readonly method: string, readonly url: string }
interface ErrorReply {
  statusCode: number
  header: (key: string, value: string) => unknown
}

/** Reads a property of anything thrown, without letting a hostile getter or a revoked Proxy throw out. */
function read (value: unknown, key: string): unknown {
  try {
    return value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<string, unknown>)[key] : undefined
  } catch {
    return undefined
  }
}

/** At most 256 code points: a cut never splits a surrogate pair. */
function cut (text: string): string {
  return text.length <= 256 ? text : [...text].slice(0, 256).join('')
}

function httpStatus (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : undefined
}

/**
 * The route-level error handler of every probe route. An error raised on a
 * probe route by anything but the plugin (an `onRequest` hook of
 * `@fastify/under-pressure` answering 503, an auth hook answering 401 or 404)
 * keeps its own status and is answered as `application/problem+json`, in a
 * shape the probe routes' response schemas accept: Fastify's default error
 * body would fail their serialization and become a 500. Probe routes log
 * nothing by default (`logLevel: 'silent'`), so the error is logged through
 * the instance's logger, at error for a 5xx and at info otherwise. The text of
 * an error is public only where it describes the request: a 4xx error that
 * carries its own status, or an error marked `expose: true` (http-errors);
 * any other text, a password in a connection error say, is withheld.
 */
export function probeErrorHandler (log: FastifyBaseLogger): (error: unknown, request: ErrorRequest, reply: ErrorReply) => ProbeProblem {
  return function onProbeError (error: unknown, request: ErrorRequest, reply: ErrorReply): ProbeProblem {
    const own = httpStatus(read(error, 'statusCode')) ?? httpStatus(read(error, 'status'))
    const status = own ?? httpStatus(reply.statusCode) ?? 500
    const title = STATUS_CODES[status] ?? 'Error'
    const message = read(error, 'message')
    const detail = own !== undefined && (status < 500 || read(error, 'expose') === true) && typeof message === 'string' && message !== '' ? cut(message) : WITHHELD
    try {
      const line = { err: error, statusCode: status, reqId: request.id, method: request.method, url: request.url }
      const msg = `fastify-healthz: a probe request failed with ${status} before or outside the probe`
      if (status >= 500) log.error(line, msg)
      else log.info(line, msg)
    } catch {
      // Logging a hostile error must not turn the answer into a 500.
    }
    reply.statusCode = status
    reply.header('content-type', PROBLEM_JSON)
    reply.header('cache-control', 'no-store')
    return { status, title, detail }
  }
}
