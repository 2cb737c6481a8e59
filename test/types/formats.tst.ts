import Fastify from 'fastify'
import type { OpenAPIV3, OpenAPIV3_1 as OpenAPIV31 } from 'openapi-types'
import { expect, test } from 'tstyche'
import healthz, {
  healthzOpenApiPaths,
  type HealthJsonReport,
  type HealthReport,
  type HealthzInfo,
  type HealthzOpenApiOptions,
  type HealthzOpenApiPaths
} from '../../lib/index.js'

const app = Fastify()

test('the info option: four optional strings', () => {
  expect(app.register).type.toBeCallableWith(healthz, { info: { version: '1.4.2', releaseId: '2024.06.1', serviceId: 'orders', description: 'Orders API' } })
  expect(app.register).type.toBeCallableWith(healthz, { info: {} })
  expect(app.register).type.not.toBeCallableWith(healthz, { info: { version: 1 } })
  expect(app.register).type.not.toBeCallableWith(healthz, { info: { verison: '1' } })
  expect(app.register).type.not.toBeCallableWith(healthz, { info: '1.4.2' })
  expect<HealthzInfo['version']>().type.toBe<string | undefined>()
})

test('the openapi option: a tag, and whether to hide', () => {
  expect(app.register).type.toBeCallableWith(healthz, { openapi: { tag: 'ops', hide: false } })
  expect(app.register).type.toBeCallableWith(healthz, { openapi: {} })
  expect(app.register).type.not.toBeCallableWith(healthz, { openapi: { tags: ['ops'] } })
  expect(app.register).type.not.toBeCallableWith(healthz, { openapi: { hide: 'yes' } })
  expect(app.register).type.not.toBeCallableWith(healthz, { openapi: true })
  expect<HealthzOpenApiOptions>().type.toBe<{ tag?: string, hide?: boolean }>()
})

test('verbose reports carry the version; health+json reports are typed', () => {
  expect<HealthReport['version']>().type.toBe<string | undefined>()
  expect<HealthJsonReport['status']>().type.toBe<'pass' | 'warn' | 'fail'>()
  expect<NonNullable<HealthJsonReport['checks']>[string][number]['observedUnit']>().type.toBe<'ms' | undefined>()
})

test('healthzOpenApiPaths() takes the plugin\'s options and returns OpenAPI 3 paths', () => {
  expect(healthzOpenApiPaths()).type.toBe<HealthzOpenApiPaths>()
  expect(healthzOpenApiPaths).type.toBeCallableWith({ listen: { port: 9000 }, prefix: '/health', openapi: { tag: 'ops' } })
  expect(healthzOpenApiPaths).type.not.toBeCallableWith({ listen: 9000 })
  expect(healthzOpenApiPaths).type.not.toBeCallableWith({ customProbes: ['deep'] })
  expect(healthzOpenApiPaths).type.not.toBeCallableWith('/healthz')
  expect(healthzOpenApiPaths()).type.toBeAssignableTo<OpenAPIV3.PathsObject>()
  expect(healthzOpenApiPaths()).type.toBeAssignableTo<OpenAPIV31.PathsObject>()
  const document: OpenAPIV3.Document = { openapi: '3.0.3', info: { title: 'orders', version: '1' }, paths: {} }
  expect({ ...document, paths: { ...document.paths, ...healthzOpenApiPaths({ listen: { port: 9000 } }) } }).type.toBeAssignableTo<OpenAPIV3.Document>()
})
