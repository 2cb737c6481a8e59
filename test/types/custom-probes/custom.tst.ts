import Fastify from 'fastify'
import { expect, test } from 'tstyche'
import healthz, { type CustomProbeName, type ProbeName } from '../../../lib/index.js'

declare module '../../../lib/index.js' {
  interface HealthzProbes {
    deep: true
  }
}

const app = Fastify()

test('custom probes declared by declaration merging join the union', async () => {
  expect<ProbeName>().type.toBe<'live' | 'ready' | 'startup' | 'deep'>()
  expect<CustomProbeName>().type.toBe<'deep'>()
  expect(app.register).type.toBeCallableWith(healthz, { customProbes: ['deep'] })
  expect(app.register).type.toBeCallableWith(healthz, { checks: { deep: () => {} } })
  expect(app.register).type.not.toBeCallableWith(healthz, { customProbes: ['ready'] })
  expect(app.register).type.not.toBeCallableWith(healthz, { customProbes: ['shallow'] })
  expect(app.healthz.add).type.toBeCallableWith('replication', () => {}, { probes: ['deep'] })
  expect(app.healthz.run).type.toBeCallableWith('deep')
  expect(app.healthz.run).type.not.toBeCallableWith('shallow')
})
