import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CheckEntry } from './check-table.js'
import type { Engine } from './engine.js'
import { renderJson } from './formats/json.js'
import { loggable } from './inspect.js'
import { isCheckName } from './options.js'
import { probeErrorHandler } from './probe-errors.js'
import type { Probe } from './probes.js'
import type { ProbeResult } from './result.js'
import { NotFoundSchema, ReportSchema } from './schemas.js'
import type { HealthReport } from './types.js'

const PROBLEM_JSON = 'application/problem+json; charset=utf-8'
const PROBE_SEGMENT = /^[\w.~-]{1,64}$/

interface NotFound {
  status: 404
  title: 'Not Found'
  detail: string
}

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

// A passing report is returned as an object: Fastify then sets its JSON content type
// without parsing one and serializes through the compiled response schema, which
// measured cheaper than sending a pre-serialized Buffer with an explicit content type.
function send (reply: FastifyReply, report: HealthReport): HealthReport {
  reply.header('cache-control', 'no-store')
  if (report.status !== 200) reply.code(report.status).header('content-type', PROBLEM_JSON)
  return report
}

function notFound (reply: FastifyReply, detail: string): NotFound {
  reply.code(404).header('content-type', PROBLEM_JSON).header('cache-control', 'no-store')
  return { status: 404, title: 'Not Found', detail }
}

/**
 * Registers `GET <prefix>/<probe>` and `GET <prefix>/<probe>/:check` per probe,
 * and JSON 404s for the rest of the prefix. Every route carries the marker that
 * `isProbeRequest()` tests, and opts out of `@fastify/rate-limit`. HTTP only:
 * the engine evaluates, the JSON renderer writes the body.
 */
export function registerRoutes (fastify: FastifyInstance, engine: Engine): void {
  const { settings, probes, table } = engine
  const { prefix, logLevel, details } = settings
  const known = `Probes: ${settings.probes.join(', ')}.`
  // `rateLimit` is @fastify/rate-limit's own key, typed by that plugin when installed.
  const config = { healthz: true, rateLimit: false } as { healthz: true }
  // Errors raised on probe routes by hooks (under-pressure's 503, an auth hook's 401) keep their status.
  const common = { method: 'GET', exposeHeadRoute: true, logLevel, config, errorHandler: probeErrorHandler(fastify.log) } as const

  const render = (reply: FastifyReply, result: ProbeResult | Promise<ProbeResult>, showDetails: boolean): HealthReport | Promise<HealthReport> =>
    result instanceof Promise
      ? result.then((settled) => send(reply, renderJson(settled, showDetails)))
      : send(reply, renderJson(result, showDetails))

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
  const answer = (request: FastifyRequest, reply: FastifyReply, probe: Probe, exclude: Set<string> | undefined, only: CheckEntry | undefined): HealthReport | Promise<HealthReport> => {
    const verbose = isOn((request.query as ProbeQuery | null)?.verbose)
    if (!verbose || details === 'never') return render(reply, probes.evaluate(probe, verbose, exclude, only), false)
    if (details === 'always') return render(reply, probes.evaluate(probe, true, exclude, only), true)
    return allowDetails(request).then((allowed) => render(reply, probes.evaluate(probe, true, exclude, only), allowed))
  }

  for (const name of settings.probes) {
    const probe = probes.get(name) as Probe

    fastify.route({
      ...common,
      url: `${prefix}/${name}`,
      schema: { response: { 200: ReportSchema, 503: ReportSchema } },
      handler (request: FastifyRequest, reply: FastifyReply) {
        return answer(request, reply, probe, excluded((request.query as ProbeQuery | null)?.exclude), undefined)
      }
    })

    fastify.route({
      ...common,
      url: `${prefix}/${name}/:check`,
      schema: { response: { 200: ReportSchema, 503: ReportSchema, 404: NotFoundSchema } },
      handler (request: FastifyRequest<{ Params: { check: string } }>, reply: FastifyReply) {
        const check = request.params.check
        const entry = table.checksOf(name).find((candidate) => candidate.spec.name === check)
        if (entry === undefined) {
          return notFound(reply, isCheckName(check) ? `Probe "${name}" has no check named "${check}".` : `Probe "${name}" has no such check.`)
        }
        return answer(request, reply, probe, undefined, entry)
      }
    })
  }

  const unknown = (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply): NotFound => {
    const rest = request.params['*'] ?? ''
    if (rest === '') return notFound(reply, `No probe given. ${known}`)
    return notFound(reply, PROBE_SEGMENT.test(rest) ? `Unknown probe "${rest}". ${known}` : `No probe or check at this path. ${known}`)
  }
  const notFoundSchema = { response: { 404: NotFoundSchema } }
  fastify.route({ ...common, url: prefix, schema: notFoundSchema, handler: unknown })
  fastify.route({ ...common, url: `${prefix}/*`, schema: notFoundSchema, handler: unknown })
}
