// The probe routes in OpenAPI documents: @fastify/swagger's, and healthzOpenApiPaths() for the dedicated port,
// each checked by a real OpenAPI validator.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger, { type SwaggerOptions } from '@fastify/swagger'
import { compileErrors, validate } from '@readme/openapi-parser'
import healthz, { healthzOpenApiPaths, HealthzConfigError, type HealthzOptions } from '../lib/index.js'

interface Document {
  openapi: string
  paths: Record<string, Record<string, { summary?: string, description?: string, tags?: string[], parameters?: unknown[], responses: Record<string, { content?: Record<string, unknown> }> }>>
}

async function valid (t: Test, document: unknown): Promise<void> {
  // The validator dereferences what it is given: give it a copy.
  const result = await validate(structuredClone(document) as never)
  t.ok(result.valid, result.valid ? 'a valid OpenAPI document' : compileErrors(result))
}

async function documented (options: HealthzOptions, openapi: SwaggerOptions = {}): Promise<{ app: FastifyInstance, document: Document }> {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'orders', version: '1.0.0' } }, ...openapi } as SwaggerOptions)
  await app.register(healthz, options)
  app.get('/orders', { schema: { response: { 200: { type: 'array', items: { type: 'string' } } } } }, async () => [])
  await app.ready()
  return { app, document: app.swagger() as unknown as Document }
}

const PROBE_PATHS = ['/healthz/live', '/healthz/live/{check}', '/healthz/ready', '/healthz/ready/{check}', '/healthz/startup', '/healthz/startup/{check}']

t.test('@fastify/swagger documents every probe route, status and content type, in a valid document', async (t) => {
  for (const openapi of ['3.0.3', '3.1.0']) {
    const { document } = await documented({}, { openapi: { openapi, info: { title: 'orders', version: '1.0.0' } } } as SwaggerOptions)
    t.equal(document.openapi, openapi)
    await valid(t, document)
    t.same(Object.keys(document.paths).sort(), ['/orders', ...PROBE_PATHS].sort(), 'the catch-all 404 routes are hidden, and so is HEAD')
    for (const path of PROBE_PATHS) {
      t.same(Object.keys(document.paths[path]), ['get'], path)
      const { summary, description, tags, responses } = document.paths[path].get
      t.ok(summary !== undefined && description !== undefined, path)
      t.same(tags, ['health'])
      t.same(Object.keys(responses).sort(), path.endsWith('{check}') ? ['200', '404', '503'] : ['200', '503'], path)
      t.same(Object.keys(responses[200].content ?? {}), ['application/json', 'text/plain', 'application/health+json'])
      t.same(Object.keys(responses[503].content ?? {}), ['application/problem+json', 'text/plain', 'application/health+json'])
      if (path.endsWith('{check}')) t.same(Object.keys(responses[404].content ?? {}), ['application/problem+json', 'text/plain'])
    }
    t.match(document.paths['/healthz/ready'].get, { summary: 'Readiness probe' })
    t.match(document.paths['/healthz/ready/{check}'].get, { summary: 'One check: Readiness probe', parameters: [{ name: 'check', in: 'path', required: true }] })
  }
})

t.test('the openapi option: a tag of its own, or hidden', async (t) => {
  const { document } = await documented({ customProbes: ['deep' as never], openapi: { tag: 'probes' } })
  await valid(t, document)
  t.same(document.paths['/healthz/deep'].get.tags, ['probes'])
  t.match(document.paths['/healthz/deep'].get, { summary: 'Probe "deep"', description: /custom probe "deep"/ })
  t.match(document.paths['/healthz/deep/{check}'].get, { summary: 'One check: Probe "deep"' })

  const { app, document: hidden } = await documented({ openapi: { hide: true } })
  t.same(Object.keys(hidden.paths), ['/orders'])
  t.equal((await app.inject('/healthz/live')).statusCode, 200, 'hidden from the document, still served')
})

t.test('healthzOpenApiPaths() is what @fastify/swagger shows, with the query parameters it cannot see', async (t) => {
  const options = { customProbes: ['deep' as never], prefix: '/_/health', openapi: { tag: 'ops' } }
  const { document } = await documented(options)
  const paths = healthzOpenApiPaths(options)
  t.same(Object.keys(paths).sort(), Object.keys(document.paths).filter((path) => path.startsWith('/_/health')).sort())
  for (const [path, item] of Object.entries(paths)) {
    const { parameters, ...operation } = item.get
    const { parameters: shown, ...swaggerOperation } = document.paths[path].get
    t.same(operation, swaggerOperation, path)
    if (path.endsWith('{check}')) {
      t.match(parameters, [{ name: 'check', in: 'path', required: true, schema: { type: 'string' } }, { name: 'verbose', in: 'query' }])
      t.match(shown, [{ name: 'check', in: 'path', required: true, schema: { type: 'string' } }])
    } else {
      t.match(parameters, [{ name: 'verbose', in: 'query', required: false }, { name: 'exclude', in: 'query', schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true }])
      t.equal(shown, undefined, 'a querystring schema would validate every probe: Fastify does not see one')
    }
    t.equal(item.servers, undefined, 'served on the app\'s own port')
  }
})

t.test('with the listen option, the fragment merged into the app\'s document is valid and names the probe port', async (t) => {
  const options: HealthzOptions = { listen: { port: 0 }, info: { version: '1.4.2' } }
  const { app, document } = await documented(options)
  t.same(Object.keys(document.paths), ['/orders'], 'the app\'s swagger cannot see the probe server\'s routes')
  const paths = healthzOpenApiPaths({ ...options, listen: { port: 9000 } })
  const merged = { ...document, paths: { ...document.paths, ...paths } }
  await valid(t, merged)
  t.same(Object.keys(merged.paths).sort(), ['/orders', ...PROBE_PATHS].sort())
  t.match(paths['/healthz/ready'].servers, [{ url: 'http://{host}:{port}', variables: { host: { default: 'localhost' }, port: { default: '9000' } } }])
  await valid(t, { openapi: '3.1.0', info: { title: 'probes', version: '1' }, paths })
  await app.close()
})

t.test('docs/openapi.md: merged by @fastify/swagger\'s transformObject, the document is valid', async (t) => {
  const probes: HealthzOptions = { listen: { port: 0 } }
  const app = Fastify()
  await app.register(swagger, {
    openapi: { info: { title: 'Orders API', version: '1.4.2' } },
    transformObject: (document) => 'openapiObject' in document
      ? { ...document.openapiObject, paths: { ...document.openapiObject.paths, ...healthzOpenApiPaths(probes) } }
      : document.swaggerObject
  })
  await app.register(healthz, probes)
  await app.ready()
  const document = app.swagger() as unknown as Document
  await valid(t, document)
  t.same(Object.keys(document.paths).sort(), PROBE_PATHS.slice().sort())
  t.equal((await fetch(`http://127.0.0.1:${(app.healthz.server?.address() as { port: number }).port}/healthz/live`)).status, 200, 'served on the probe port')
  await app.close()
})

t.test('healthzOpenApiPaths() validates its options, is empty when hidden, and returns a fresh object', async (t) => {
  t.same(healthzOpenApiPaths({ openapi: { hide: true } }), {})
  t.same(Object.keys(healthzOpenApiPaths()), PROBE_PATHS)
  t.throws(() => healthzOpenApiPaths({ prefix: 'healthz' }), HealthzConfigError)
  t.throws(() => healthzOpenApiPaths({ openapi: { tag: '' } }), { code: 'FST_HEALTHZ_INVALID_OPTION', message: /openapi\.tag/ })
  const first = healthzOpenApiPaths()
  first['/healthz/live'].get.responses[200].content['application/json'].schema.description = 'changed'
  first['/healthz/live'].get.tags.push('changed')
  t.same(healthzOpenApiPaths(), healthzOpenApiPaths({}))
  t.not(healthzOpenApiPaths()['/healthz/live'].get.responses[200].content['application/json'].schema.description, 'changed')
  t.same(healthzOpenApiPaths()['/healthz/live'].get.tags, ['health'])
})

t.test('the validator is not a rubber stamp: a path parameter left undeclared is an error', async (t) => {
  const paths = healthzOpenApiPaths()
  paths['/healthz/ready/{check}'].get.parameters = []
  const result = await validate({ openapi: '3.0.3', info: { title: 'probes', version: '1' }, paths } as never)
  t.notOk(result.valid)
})
