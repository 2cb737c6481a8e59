import { resolveOptions } from './options.js'
import { checkRouteSchema, probeRouteSchema, type RouteSchema } from './route-schemas.js'
import type { HealthzOpenApiPaths, HealthzOptions, OpenApiOperation, OpenApiParameter, OpenApiPathItem, OpenApiResponse, OpenApiSchema } from './types.js'

function convert (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (key === 'const') out.enum = [item]
    else if (key === 'patternProperties') out.additionalProperties = convert(Object.values(item as object)[0])
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(item as object).map(([name, schema]) => [name, convert(schema)]))
    else out[key] = convert(item)
  }
  return out
}

/**
 * A response schema as OpenAPI 3.0 reads it, converted as `@fastify/swagger`
 * converts it: `const` becomes a one-value `enum`, and `patternProperties`
 * (TypeBox's records) `additionalProperties`. A fresh copy on every call.
 */
export function openApiSchema (schema: unknown): OpenApiSchema {
  return convert(schema) as OpenApiSchema
}

function verbose (): OpenApiParameter {
  return { name: 'verbose', in: 'query', required: false, description: 'List every check: `?verbose`, `?verbose=1` or `?verbose=true` (`0` and `false` leave it off).', schema: { type: 'string' } }
}

function exclude (): OpenApiParameter {
  return { name: 'exclude', in: 'query', required: false, description: 'Checks to leave out: repeat it, or separate names with commas. Unknown names are ignored.', schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true }
}

function check (): OpenApiParameter {
  return { name: 'check', in: 'path', required: true, description: 'The name of one check of the probe.', schema: { type: 'string' } }
}

/** A route's schema as an OpenAPI operation, the way `@fastify/swagger` documents it, with the query parameters it cannot see. */
function operation (schema: RouteSchema, parameters: OpenApiParameter[]): OpenApiOperation {
  const responses: Record<string, OpenApiResponse> = {}
  for (const [status, response] of Object.entries(schema.response)) {
    const headers: OpenApiResponse['headers'] = {}
    for (const [name, { description, ...header }] of Object.entries(response.headers)) headers[name] = { description, schema: openApiSchema(header) }
    const content: OpenApiResponse['content'] = {}
    for (const [type, media] of Object.entries(response.content)) content[type] = { schema: openApiSchema(media.schema) }
    responses[status] = { description: response.description, headers, content }
  }
  return { summary: schema.summary, description: schema.description, tags: [...schema.tags], parameters, responses }
}

/**
 * The probe routes as an OpenAPI 3 `paths` object, to merge into an app's
 * document: what `@fastify/swagger` shows of the probe routes when they are
 * served on the app's port, for when it cannot see them (the `listen`
 * option puts them on a server of their own; each path then names that port
 * in `servers`). Takes the plugin's options, validated as registration
 * validates them; with `openapi: { hide: true }` it is empty. Pure: it
 * registers nothing and returns a fresh object.
 */
export function healthzOpenApiPaths (options: HealthzOptions = {}): HealthzOpenApiPaths {
  const settings = resolveOptions(options)
  const paths: HealthzOpenApiPaths = {}
  if (settings.openapi.hide) return paths
  const { listen, prefix } = settings
  for (const probe of settings.probes) {
    const probeItem: OpenApiPathItem = { get: operation(probeRouteSchema(probe, settings.openapi), [verbose(), exclude()]) }
    const checkItem: OpenApiPathItem = { get: operation(checkRouteSchema(probe, settings.openapi), [check(), verbose()]) }
    if (listen !== undefined) {
      for (const item of [probeItem, checkItem]) {
        item.servers = [{
          url: 'http://{host}:{port}',
          description: 'The dedicated probe port (the `listen` option), not the app\'s.',
          variables: {
            host: { default: 'localhost', description: 'A host name or address of the service.' },
            port: { default: String(listen.port), description: 'The port of the `listen` option.' }
          }
        }]
      }
    }
    paths[`${prefix}/${probe}`] = probeItem
    paths[`${prefix}/${probe}/{check}`] = checkItem
  }
  return paths
}
