import Fastify from 'fastify'
import pg from 'pg'
import mysql from 'mysql2'
import mysqlPromise from 'mysql2/promise'
import { Redis, Cluster } from 'ioredis'
import { createClient } from 'redis'
import amqp from 'amqplib'
import amqpCallbackApi from 'amqplib/callback_api'
import { expect, test } from 'tstyche'
import healthz, { type HealthCheck } from '../../lib/index.js'
import { amqpCheck, diskCheck, eventLoopCheck, httpCheck, memoryCheck, mysqlCheck, pgCheck, redisCheck, type EventLoopCheck } from '../../lib/checks/index.js'

const app = Fastify()
await app.register(healthz)

test('every factory returns a check that add() takes', () => {
  expect(pgCheck(new pg.Pool())).type.toBeAssignableTo<HealthCheck>()
  expect(mysqlCheck(mysql.createPool({}))).type.toBeAssignableTo<HealthCheck>()
  expect(redisCheck(new Redis())).type.toBeAssignableTo<HealthCheck>()
  expect(amqpCheck(() => undefined)).type.toBeAssignableTo<HealthCheck>()
  expect(httpCheck('http://upstream/healthz')).type.toBeAssignableTo<HealthCheck>()
  expect(eventLoopCheck({ fail: { delay: 500 } })).type.toBeAssignableTo<HealthCheck>()
  expect(memoryCheck({ warn: { heapUsed: 0.8 } })).type.toBeAssignableTo<HealthCheck>()
  expect(diskCheck({ path: '/data', fail: { free: 1e9 } })).type.toBeAssignableTo<HealthCheck>()
  expect(app.healthz.add).type.toBeCallableWith('db', pgCheck(new pg.Pool()), { timeout: 500 })
})

test('the real clients are accepted, structurally', async () => {
  expect(pgCheck).type.toBeCallableWith(new pg.Pool())
  expect(pgCheck).type.toBeCallableWith(new pg.Client(), { statementTimeout: 500, query: 'SELECT 1' })
  expect(mysqlCheck).type.toBeCallableWith(mysql.createPool({}))
  expect(mysqlCheck).type.toBeCallableWith(mysql.createConnection({}))
  expect(mysqlCheck).type.toBeCallableWith(mysqlPromise.createPool({}))
  expect(mysqlCheck).type.toBeCallableWith(await mysqlPromise.createConnection({}))
  expect(redisCheck).type.toBeCallableWith(new Redis())
  expect(redisCheck).type.toBeCallableWith(new Cluster([]))
  expect(redisCheck).type.toBeCallableWith(createClient())
  expect(amqpCheck).type.toBeCallableWith(await amqp.connect('amqp://localhost'))
  expect(amqpCheck).type.toBeCallableWith(() => amqp.connect('amqp://localhost'))
  expect(amqpCheck).type.toBeCallableWith(await amqp.connect('amqp://localhost', { recovery: true }))
})

test('what must not compile', () => {
  expect(pgCheck).type.not.toBeCallableWith('postgres://localhost')
  expect(pgCheck).type.not.toBeCallableWith(new pg.Pool(), { statementTimeout: '1s' })
  expect(pgCheck).type.not.toBeCallableWith(new pg.Pool(), { timeout: 500 })
  expect(redisCheck).type.not.toBeCallableWith({ get: async () => 'x' })
  expect(redisCheck).type.not.toBeCallableWith(new Redis(), { timeout: 500 })
  expect(mysqlCheck).type.not.toBeCallableWith({ query: async () => [] })
  expect(amqpCheck).type.not.toBeCallableWith('amqp://localhost')
  expect(amqpCheck).type.not.toBeCallableWith({} as amqpCallbackApi.Connection)
  expect(amqpCheck).type.not.toBeCallableWith(() => ({}) as amqpCallbackApi.Connection)
  expect(httpCheck).type.not.toBeCallableWith('http://x', { method: 'DELETE' })
  expect(httpCheck).type.not.toBeCallableWith('http://x', { redirects: 'follow' })
  expect(httpCheck).type.not.toBeCallableWith('http://x', { statuses: 200 })
  expect(eventLoopCheck).type.not.toBeCallableWith()
  expect(eventLoopCheck).type.not.toBeCallableWith({ fail: { lag: 500 } })
  expect(memoryCheck).type.not.toBeCallableWith({ warn: { heap: 0.8 } })
  expect(diskCheck).type.not.toBeCallableWith({ fail: { free: 0.1 } })
  expect(diskCheck).type.not.toBeCallableWith({ path: '/data', fail: { used: 0.9 } })
})

test('the checks that hold something have close()', () => {
  expect(amqpCheck(() => undefined).close).type.toBe<() => void>()
  expect(redisCheck(new Redis()).close).type.toBe<() => void>()
  expect(httpCheck('http://upstream/healthz').close).type.toBe<() => void>()
  expect(pgCheck(new pg.Pool())).type.not.toHaveProperty('close')
})

test('eventLoopCheck has close()', () => {
  const loop = eventLoopCheck({ warn: { delay: 100, utilization: 0.9 }, fail: { delay: 500 }, window: 5000 })
  expect(loop).type.toBe<EventLoopCheck>()
  expect(loop.close).type.toBe<() => void>()
})
