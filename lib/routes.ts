import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CheckEntry } from './check-table.js'
import type { Engine } from './engine.js'
import { renderHealthJson } from './formats/health-json.js'
import { PASS, renderJson } from './formats/json.js'
import { renderKubeText } from './formats/kube-text.js'
import { loggable } from './inspect.js'
import { negotiate, type Format } from './negotiate.js'
import { isCheckName } from './options.js'
import { probeErrorHandler } from './probe-errors.js'
import type { Probe } from './probes.js'
import type { ProbeResult } from './result.js'
import { checkRouteSchema, HEALTH_JSON_TYPE, probeRouteSchema, UNKNOWN_ROUTE_SCHEMA } from './route-schemas.js'
import type { HealthJsonReport, HealthReport } from './types.js'

const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const TEXT = 'text/plain; charset=utf-8'
const PROBE_SEGMENT = /^[\w.~-]{1,64}$/

interface NotFound {
  status: 404
  title: 'Not Found'
  detail: string
}

/** What a probe route answers: a JSON report, kube-apiserver's text, or a health+json report. */
type Body = HealthReport | string | HealthJsonReport

interface ProbeQuery {
  verbose?: unknown
  exclude?: unknown
}

/** `?verbose`, `?verbose=1` and `?verbose=true` are on; `?verbose=0` and `?verbose=false` are off. */
function isOn (value: unknown): boolean {
  if (value === undefined) return false
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value
  return last !== '0' && last !== 'false'
}

/** The names in `?exclude=a&exclude=b` (also `?exclude=a,b`), ignoring anything that is not a string. */
function excluded (value: unknown): Set<string> | undefined {
  if (value === undefined) return undefined
  const names = new Set<string>()
  for (const item of Array.isArray(value) ? value : [value]) {
    if (typeof item === 'string') for (const name of item.split(',')) names.add(name)
  }
  return names
}

const JSON_TYPE = 'application/json; charset=utf-8'
/** PASS as its route schema serializes it, sent as a string: the body of nearly every probe. */
const PASS_JSON = JSON.stringify(PASS)

// The body of a passing probe is the same string every time. Sent as a string with its content
// type, it skips Fastify's serializer lookup, which for a route whose response schema is keyed by
// content type parses the type on every reply: ~3k instructions per probe (docs/benchmarks.md).
// Other reports go through the compiled response schema.
function send (reply: FastifyReply, report: HealthReport): HealthReport | string {
  reply.header('cache-control', 'no-store')
  if (report === PASS) {
    reply.header('content-type', JSON_TYPE)
    return PASS_JSON
  }
  if (report.status !== 200) reply.code(report.status).header('content-type', PROBLEM_JSON)
  return report
}

/** Whether a `Vary` value already covers `Accept`. */
function variesOnAccept (vary: string): boolean {
  for (const name of vary.split(',')) {
    const field = name.trim().toLowerCase()
    if (field === 'accept' || field === '*') return true
  }
  return false
}

/** `Vary: Accept`, added to what a hook may have set before (`@fastify/cors` sets `Vary: Origin`). */
function varyOnAccept (reply: FastifyReply): void {
  const vary = reply.getHeader('vary')
  if (vary === undefined) reply.header('vary', 'Accept')
  else {
    const value = Array.isArray(vary) ? vary.join(', ') : String(vary)
    if (!variesOnAccept(value)) reply.header('vary', `${value}, Accept`)
  }
}

function sendText (reply: FastifyReply, status: number, body: string): string {
  reply.code(status).header('content-type', TEXT).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store')
  return body
}

function notFound (reply: FastifyReply, detail: string, format: Format): NotFound | string {
  if (format === 'text') return sendText(reply, 404, `${detail}\n`)
  reply.code(404).header('content-type', PROBLEM_JSON).header('cache-control', 'no-store')
  return { status: 404, title: 'Not Found', detail }
}

/**
 * Registers `GET <prefix>/<probe>` and `GET <prefix>/<probe>/:check` per probe,
 * and 404s for the rest of the prefix. Every route carries the marker that
 * `isProbeRequest()` tests, and opts out of `@fastify/rate-limit`. HTTP only:
 * the engine evaluates, the renderer that `Accept` picks writes the body, and
 * the route schemas both guard what leaves and document it for OpenAPI.
 */
export function registerRoutes (fastify: FastifyInstance, engine: Engine): void {
  const { settings, probes, table } = engine
  const { prefix, logLevel, details, info, openapi } = settings
  const version = info?.version
  const known = `Probes: ${settings.probes.join(', ')}.`
  // `rateLimit` is @fastify/rate-limit's own key, typed by that plugin when installed.
  const config = { healthz: true, rateLimit: false } as { healthz: true }
  // Errors raised on probe routes by hooks (under-pressure's 503, an auth hook's 401) keep their status.
  const common = { method: 'GET', exposeHeadRoute: true, logLevel, config, errorHandler: probeErrorHandler(fastify.log) } as const

  /** The body in the negotiated format; JSON as it always was, the others with their own content types. */
  const write = (reply: FastifyReply, result: ProbeResult, showDetails: boolean, format: Format): Body => {
    if (format === 'json') return send(reply, renderJson(result, showDetails, version))
    const status = result.status === 'fail' ? 503 : 200
    if (format === 'text') return sendText(reply, status, renderKubeText(result, showDetails, version))
    // The route's own serializer for health+json: Fastify would add `; charset=utf-8` to a type that takes no parameters.
    const serialize = reply.getSerializationFunction(status === 503 ? '503' : '200', HEALTH_JSON_TYPE) as (payload: unknown) => string
    reply.code(status).header('content-type', HEALTH_JSON_TYPE).header('cache-control', 'no-store').serializer(serialize)
    return renderHealthJson(result, showDetails, info)
  }
  const render = (reply: FastifyReply, result: ProbeResult | Promise<ProbeResult>, showDetails: boolean, format: Format): Body | Promise<Body> =>
    result instanceof Promise
      ? result.then((settled) => write(reply, settled, showDetails, format))
      : write(reply, result, showDetails, format)

  const withheld = (err: unknown, why: string): false => {
    try {
      fastify.log.error({ err: loggable(err) }, `fastify-healthz: the details function ${why}: details withheld`)
    } catch {}
    return false
  }
  // The app's function decides, within the probe's timeout: one that never answers must not hang the probe.
  const allowDetails = (request: FastifyRequest): Promise<boolean> => new Promise((resolve) => {
    const timer = setTimeout(() => { resolve(withheld(undefined, `did not answer within ${settings.timeout} ms`)) }, settings.timeout)
    new Promise((resolve) => { resolve((details as Exclude<typeof details, string>)(request)) }).then(
      (allowed) => { clearTimeout(timer); resolve(allowed === true) },
      (error: unknown) => { clearTimeout(timer); resolve(withheld(error, 'threw')) }
    )
  })

  /** Error texts only in verbose reports, and only where `details` allows them. */
  const answer = (request: FastifyRequest, reply: FastifyReply, probe: Probe, exclude: Set<string> | undefined, only: CheckEntry | undefined, format: Format): Body | Promise<Body> => {
    const verbose = isOn((request.query as ProbeQuery | null)?.verbose)
    if (!verbose || details === 'never') return render(reply, probes.evaluate(probe, verbose, exclude, only), false, format)
    if (details === 'always') return render(reply, probes.evaluate(probe, true, exclude, only), true, format)
    return allowDetails(request).then((allowed) => render(reply, probes.evaluate(probe, true, exclude, only), allowed, format))
  }

  for (const name of settings.probes) {
    const probe = probes.get(name) as Probe

    fastify.route({
      ...common,
      url: `${prefix}/${name}`,
      schema: probeRouteSchema(name, openapi),
      handler (request: FastifyRequest, reply: FastifyReply) {
        // The kubelet's `*/*` and a missing Accept are string comparisons: nothing is parsed or allocated.
        const format = negotiate(request.headers.accept)
        varyOnAccept(reply)
        return answer(request, reply, probe, excluded((request.query as ProbeQuery | null)?.exclude), undefined, format)
      }
    })

    fastify.route({
      ...common,
      url: `${prefix}/${name}/:check`,
      schema: checkRouteSchema(name, openapi),
      handler (request: FastifyRequest<{ Params: { check: string } }>, reply: FastifyReply) {
        const format = negotiate(request.headers.accept)
        varyOnAccept(reply)
        const check = request.params.check
        const entry = table.checksOf(name).find((candidate) => candidate.spec.name === check)
        if (entry === undefined) {
          return notFound(reply, isCheckName(check) ? `Probe "${name}" has no check named "${check}".` : `Probe "${name}" has no such check.`, format)
        }
        return answer(request, reply, probe, undefined, entry, format)
      }
    })
  }

  const unknown = (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply): NotFound | string => {
    const format = negotiate(request.headers.accept)
    varyOnAccept(reply)
    const rest = request.params['*'] ?? ''
    if (rest === '') return notFound(reply, `No probe given. ${known}`, format)
    return notFound(reply, PROBE_SEGMENT.test(rest) ? `Unknown probe "${rest}". ${known}` : `No probe or check at this path. ${known}`, format)
  }
  fastify.route({ ...common, url: prefix, schema: UNKNOWN_ROUTE_SCHEMA, handler: unknown })
  fastify.route({ ...common, url: `${prefix}/*`, schema: UNKNOWN_ROUTE_SCHEMA, handler: unknown })
}
