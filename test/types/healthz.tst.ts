import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify'
import type { Server } from 'node:http'
import { expect, test } from 'tstyche'
import healthz, {
  errorCodes,
  HealthError,
  healthz as named,
  HealthzConfigError,
  isProbeRequest,
  type HealthCheck,
  type HealthCheckContext,
  type HealthReport,
  type HealthzChange,
  type HealthzRegistry,
  type ProbeName
} from '../../lib/index.js'

const app = Fastify()

test('the plugin registers with typed options', async () => {
  expect(named).type.toBe(healthz)
  expect(app.register).type.toBeCallableWith(healthz)
  expect(app.register).type.toBeCallableWith(healthz, { prefix: '/health', timeout: 300, cacheTtl: 0, logLevel: 'silent' })
  expect(app.register).type.toBeCallableWith(healthz, { checks: { live: () => {}, ready: [async () => {}], startup: { db: async () => ({ status: 'warn' as const }) } } })
  expect(app.register).type.not.toBeCallableWith(healthz, { timeout: '300' })
  expect(app.register).type.not.toBeCallableWith(healthz, { logLevel: 'loud' })
  expect(app.register).type.not.toBeCallableWith(healthz, { checks: { raedy: () => {} } })
  expect(app.register).type.not.toBeCallableWith(healthz, { customProbes: ['deep'] })
})

test('lifecycle options and methods are typed', () => {
  expect(app.register).type.toBeCallableWith(healthz, { drainDelay: 5000, signals: ['SIGTERM', 'SIGINT'], closeTimeout: 20_000, forceExit: false })
  expect(app.register).type.not.toBeCallableWith(healthz, { signals: ['TERM'] })
  expect(app.register).type.not.toBeCallableWith(healthz, { drainDelay: '5s' })
  expect(app.healthz.drain()).type.toBe<Promise<void>>()
  expect(app.healthz.markNotReady).type.toBeCallableWith('warming caches')
  expect(app.healthz.markNotReady).type.not.toBeCallableWith()
  expect(app.healthz.markReady).type.toBeCallableWith()
  expect(app.healthz.markReady).type.toBeCallableWith('warming caches')
  expect(app.healthz.add).type.toBeCallableWith('bg', () => {}, { interval: 5000 })
  expect(app.healthz.add).type.not.toBeCallableWith('bg', () => {}, { interval: '5s' })
})

test('verbose reports carry the lifecycle', async () => {
  const report = await app.healthz.run('ready', { verbose: true })
  expect(report.lifecycle?.phase).type.toBe<'starting' | 'serving' | 'draining' | 'closing' | undefined>()
  expect(report.lifecycle?.notReady).type.toBe<string[] | undefined>()
  expect(report.detail).type.toBe<string | undefined>()
})

test('exposure: isProbeRequest, the route marker, listen and details', () => {
  expect(isProbeRequest).type.toBe<(request: FastifyRequest) => boolean>()
  app.addHook('onRequest', async (request) => {
    expect(request.routeOptions.config.healthz).type.toBe<boolean | undefined>()
  })
  expect(app.healthz.server).type.toBe<Server | undefined>()
  expect(app.register).type.toBeCallableWith(healthz, { listen: { port: 9000 } })
  expect(app.register).type.toBeCallableWith(healthz, { listen: { port: 9000, host: '0.0.0.0' } })
  expect(app.register).type.not.toBeCallableWith(healthz, { listen: { host: '0.0.0.0' } })
  expect(app.register).type.not.toBeCallableWith(healthz, { listen: 9000 })
  expect(app.register).type.toBeCallableWith(healthz, { details: 'never' })
  expect(app.register).type.toBeCallableWith(healthz, { details: 'always' })
  expect(app.register).type.toBeCallableWith(healthz, { details: (request: FastifyRequest) => request.headers['x-internal'] === '1' })
  expect(app.register).type.toBeCallableWith(healthz, { details: async () => true })
  expect(app.register).type.not.toBeCallableWith(healthz, { details: true })
  expect(app.register).type.not.toBeCallableWith(healthz, { details: () => 'yes' })
  expect(app.healthz.run).type.toBeCallableWith('ready', { verbose: true, details: true })
})

test('fastify.healthz is the typed registry', () => {
  expect(app.healthz).type.toBe<HealthzRegistry>()
  expect(app.healthz.probes).type.toBe<readonly ProbeName[]>()
  expect(app.healthz.run('ready')).type.toBe<Promise<HealthReport>>()
  expect(app.healthz.add('db', () => {})).type.toBe<HealthzRegistry>()
  expect(app.healthz.remove('db')).type.toBe<boolean>()
})

test('probe names form a union: a misspelt probe is a compile error', () => {
  expect<ProbeName>().type.toBe<'live' | 'ready' | 'startup'>()
  expect(app.healthz.add).type.toBeCallableWith('db', () => {}, { probes: ['ready', 'startup'] })
  expect(app.healthz.add).type.not.toBeCallableWith('db', () => {}, { probes: ['raedy'] })
  expect(app.healthz.add).type.not.toBeCallableWith('db', () => {}, { probes: 'ready' })
  expect(app.healthz.run).type.not.toBeCallableWith('deep')
})

test('a check gets a typed context and may return a typed result', () => {
  app.healthz.add('ctx', (context) => {
    expect(context).type.toBe<HealthCheckContext>()
    expect(context.signal).type.toBe<AbortSignal>()
    expect(context.log).type.toBe<FastifyBaseLogger>()
  })
  expect(app.healthz.add).type.toBeCallableWith('a', async ({ signal }: HealthCheckContext) => { signal.throwIfAborted() })
  expect(app.healthz.add).type.toBeCallableWith('b', () => ({ status: 'warn' as const, output: 'slow' }))
  expect(app.healthz.add).type.toBeCallableWith('c', async () => ({ status: 'pass' as const }))
  expect(app.healthz.add).type.toBeCallableWith('d', () => ({ status: 'fail' as const, output: 'replica lag' }))
  expect(app.healthz.add).type.toBeCallableWith('d2', async () => false)
  expect(app.healthz.add).type.not.toBeCallableWith('d3', () => ({ status: 'down' as const }))
  expect(app.healthz.add).type.not.toBeCallableWith('e', () => 42)
  expect(app.healthz.add).type.not.toBeCallableWith('f', async () => 'ok')
  expect(app.healthz.add).type.not.toBeCallableWith('g', 'SELECT 1')
})

test('add() options are typed', () => {
  expect(app.healthz.add).type.toBeCallableWith('a', () => {}, { timeout: 100, cacheTtl: 1000, critical: false })
  expect(app.healthz.add).type.not.toBeCallableWith('a', () => {}, { timeout: '100' })
  expect(app.healthz.add).type.not.toBeCallableWith('a', () => {}, { critical: 'no' })
  expect(app.healthz.add).type.not.toBeCallableWith('a', () => {}, { probe: ['ready'] })
  expect(app.healthz.add).type.toBeCallableWith('a', () => {}, { failureThreshold: 3, successThreshold: 2 })
  expect(app.healthz.add).type.not.toBeCallableWith('a', () => {}, { failureThreshold: '3' })
})

test('change events are a discriminated union; subscribe returns the unsubscribe function', () => {
  const unsubscribe = app.healthz.subscribe((change) => {
    expect(change).type.toBe<HealthzChange>()
    if (change.type === 'check') {
      expect(change.check).type.toBe<string>()
      expect(change.from).type.toBe<'pass' | 'warn' | 'fail' | 'pending'>()
      expect(change.error).type.toBe<unknown>()
      expect(change.probes).type.toBe<readonly ProbeName[]>()
    } else {
      expect(change.probe).type.toBe<ProbeName>()
      expect(change.from).type.toBe<'pass' | 'warn' | 'fail'>()
      expect(change).type.not.toHaveProperty('check')
    }
  })
  expect(unsubscribe).type.toBe<() => void>()
  expect(app.healthz.subscribe).type.toBeCallableWith(async () => {})
  expect(app.healthz.subscribe).type.not.toBeCallableWith('listener')
  expect(app.healthz.subscribe).type.not.toBeCallableWith((change: { type: 'nope' }) => change)
})

test('reports and errors', async () => {
  const report = await app.healthz.run('live', { verbose: true, exclude: ['db'] })
  expect(app.healthz.run('ready', { exclude: 'db' })).type.toBe<Promise<HealthReport>>()
  expect(app.healthz.run).type.not.toBeCallableWith('ready', { exclude: 42 })
  expect(report.status).type.toBe<200 | 503>()
  expect(report.checks?.db?.status).type.toBe<'pass' | 'warn' | 'fail' | undefined>()
  expect(new HealthError('down', { cause: new Error('x') })).type.toBeAssignableTo<Error>()
  expect(new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', 'x').code).type.toBe<keyof typeof errorCodes>()
  expect(HealthzConfigError).type.not.toBeConstructableWith('FST_NOPE', 'x')
  const check: HealthCheck = () => {}
  expect(check).type.toBeAssignableTo<HealthCheck>()
})
