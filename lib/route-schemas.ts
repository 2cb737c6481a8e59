import type { Settings } from './options.js'
import { HealthJsonSchema, NotFoundSchema, ReportSchema, TextSchema } from './schemas.js'

const JSON_TYPE = 'application/json'
const PROBLEM_JSON_TYPE = 'application/problem+json'
const TEXT_TYPE = 'text/plain'
export const HEALTH_JSON_TYPE = 'application/health+json'

/** Response headers, as `@fastify/swagger` documents them (Fastify itself does not check them). */
const HEADERS = {
  'Cache-Control': { type: 'string', description: 'Always `no-store`.' },
  Vary: { type: 'string', description: '`Accept`: the format of the body follows the `Accept` header.' }
} as const

const PASSING = {
  description: 'The probe passes, or passes with warnings (listed).',
  headers: HEADERS,
  content: {
    [JSON_TYPE]: { schema: ReportSchema },
    [TEXT_TYPE]: { schema: TextSchema },
    [HEALTH_JSON_TYPE]: { schema: HealthJsonSchema }
  }
} as const

const FAILING = {
  description: 'The probe fails: a critical check fails, or readiness is overridden (starting, shutting down, marked not ready).',
  headers: HEADERS,
  content: {
    [PROBLEM_JSON_TYPE]: { schema: ReportSchema },
    [TEXT_TYPE]: { schema: TextSchema },
    [HEALTH_JSON_TYPE]: { schema: HealthJsonSchema }
  }
} as const

const NOT_FOUND = {
  description: 'No such probe or check.',
  headers: HEADERS,
  content: {
    [PROBLEM_JSON_TYPE]: { schema: NotFoundSchema },
    [TEXT_TYPE]: { schema: TextSchema }
  }
} as const

const PROBE_RESPONSES = { 200: PASSING, 503: FAILING } as const
const CHECK_RESPONSES = { 200: PASSING, 503: FAILING, 404: NOT_FOUND } as const

/** What each built-in probe asks; custom probes run their checks only. */
const PROBES: Readonly<Record<string, readonly [title: string, purpose: string]>> = {
  live: ['Liveness', 'Whether the process is worth keeping: the kubelet restarts a container whose liveness fails. Never depends on other services, nor on the shutdown.'],
  ready: ['Readiness', 'Whether traffic should come here now: it fails while a critical check fails, from the start of the shutdown on, and while the app has marked itself not ready.'],
  startup: ['Startup', 'Whether the app has finished starting: once its checks have all passed, it passes for good.']
}
const FORMATS = 'Answers 200 when it passes or only warns, 503 when it fails, with `Cache-Control: no-store`. ' +
  'The format follows `Accept`: JSON by default (`application/problem+json` when failing), `text/plain` for kube-apiserver\'s lines, ' +
  '`application/health+json` for draft-inadarei-api-health-check.'

/** A probe route's schema: its documentation for OpenAPI, and the response schemas Fastify serializes with. */
export interface RouteSchema {
  summary: string
  description: string
  tags: string[]
  hide?: true
  response: typeof PROBE_RESPONSES | typeof CHECK_RESPONSES
}

function documented (summary: string, description: string, openapi: Settings['openapi'], response: RouteSchema['response']): RouteSchema {
  const schema: RouteSchema = { summary, description, tags: [openapi.tag], response }
  if (openapi.hide) schema.hide = true
  return schema
}

/** `Readiness probe`, `Probe "deep"`. */
function title (probe: string): string {
  const builtin = PROBES[probe]
  return builtin === undefined ? `Probe "${probe}"` : `${builtin[0]} probe`
}

/** The schema of `GET <prefix>/<probe>`. */
export function probeRouteSchema (probe: string, openapi: Settings['openapi']): RouteSchema {
  const purpose = PROBES[probe]?.[1] ?? `Runs the checks of the custom probe "${probe}".`
  return documented(title(probe), `${purpose} ${FORMATS} \`?verbose\` lists every check; \`?exclude=<check>\` (repeatable, or comma-separated) leaves checks out.`, openapi, PROBE_RESPONSES)
}

/** The schema of `GET <prefix>/<probe>/<check>`. */
export function checkRouteSchema (probe: string, openapi: Settings['openapi']): RouteSchema {
  return documented(`One check: ${title(probe)}`, `Runs one check of the probe as the probe would, and answers as the probe does. ${FORMATS} \`?verbose\` shows the check's timing. 404 when the probe has no such check.`, openapi, CHECK_RESPONSES)
}

/** The catch-all routes under the prefix: 404s, never documented. */
export const UNKNOWN_ROUTE_SCHEMA = { hide: true, response: { 404: NOT_FOUND } } as const
