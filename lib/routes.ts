import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isCheckName, type Settings } from './options.js'
import type { CheckEntry, ProbeState, Registry } from './registry.js'
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
function sendReport (reply: FastifyReply, report: HealthReport): HealthReport {
  reply.header('cache-control', 'no-store')
  if (report.status !== 200) reply.code(report.status).header('content-type', PROBLEM_JSON)
  return report
}

function respond (reply: FastifyReply, report: HealthReport | Promise<HealthReport>): HealthReport | Promise<HealthReport> {
  return report instanceof Promise ? report.then((value) => sendReport(reply, value)) : sendReport(reply, report)
}

function notFound (reply: FastifyReply, detail: string): NotFound {
  reply.code(404).header('content-type', PROBLEM_JSON).header('cache-control', 'no-store')
  return { status: 404, title: 'Not Found', detail }
}

/**
 * Registers `GET <prefix>/<probe>` and `GET <prefix>/<probe>/:check` per probe,
 * and JSON 404s for the rest of the prefix. Every route carries the marker that
 * `isProbeRequest()` tests, and opts out of `@fastify/rate-limit`.
 */
export function registerRoutes (fastify: FastifyInstance, registry: Registry, settings: Settings): void {
  const { prefix, logLevel, details } = settings
  const known = `Probes: ${settings.probes.join(', ')}.`
  // `rateLimit` is @fastify/rate-limit's own key, typed by that plugin when installed.
  const config = { healthz: true, rateLimit: false } as { healthz: true }
  const common = { method: 'GET', exposeHeadRoute: true, logLevel, config } as const

  /** The report for a request: error texts only in verbose reports, and only where `details` allows them. */
  const reportFor = (request: FastifyRequest, state: ProbeState, checks: readonly CheckEntry[], verbose: boolean): HealthReport | Promise<HealthReport> => {
    if (!verbose || details === 'never') return registry.report(state, checks, verbose)
    if (details === 'always') return registry.report(state, checks, true, true)
    return allowDetails(request).then((allowed) => registry.report(state, checks, true, allowed))
  }
  const allowDetails = async (request: FastifyRequest): Promise<boolean> => {
    try {
      return await (details as Exclude<typeof details, string>)(request) === true
    } catch (error) {
      fastify.log.error({ err: error }, 'fastify-healthz: the details function threw: details withheld')
      return false
    }
  }

  for (const probe of settings.probes) {
    const state = registry.state(probe) as NonNullable<ReturnType<Registry['state']>>

    fastify.route({
      ...common,
      url: `${prefix}/${probe}`,
      schema: { response: { 200: ReportSchema, 503: ReportSchema } },
      handler (request: FastifyRequest, reply: FastifyReply) {
        const query = (request.query ?? {}) as ProbeQuery
        const checks = registry.checksOf(state, excluded(query.exclude))
        return respond(reply, reportFor(request, state, checks, isOn(query.verbose)))
      }
    })

    fastify.route({
      ...common,
      url: `${prefix}/${probe}/:check`,
      schema: { response: { 200: ReportSchema, 503: ReportSchema, 404: NotFoundSchema } },
      handler (request: FastifyRequest<{ Params: { check: string } }>, reply: FastifyReply) {
        const name = request.params.check
        const entry = state.checks.find((candidate: CheckEntry) => candidate.name === name)
        if (entry === undefined) {
          return notFound(reply, isCheckName(name) ? `Probe "${probe}" has no check named "${name}".` : `Probe "${probe}" has no such check.`)
        }
        const query = (request.query ?? {}) as ProbeQuery
        return respond(reply, reportFor(request, state, [entry], isOn(query.verbose)))
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
