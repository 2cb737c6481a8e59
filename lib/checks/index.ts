/**
 * Ready-made checks for `fastify.healthz.add()`: `import { pgCheck } from 'fastify-healthz/checks'`.
 * Nothing here is loaded by `fastify-healthz` itself, and no client library
 * is imported: each factory takes the app's own client, typed structurally.
 */
export { eventLoopCheck, type EventLoopCheck, type EventLoopCheckOptions, type EventLoopThresholds } from './event-loop.js'
export { memoryCheck, type MemoryCheckOptions, type MemoryThresholds } from './memory.js'
export { diskCheck, type DiskCheckOptions, type DiskThresholds } from './disk.js'
export { httpCheck, type HttpCheck, type HttpCheckOptions } from './http.js'
export type { Thresholds } from './thresholds.js'
export { DependencyError } from './shared.js'
export { redisCheck, type RedisCheck, type RedisCheckOptions, type RedisClientLike, type IoredisLike, type IoredisClusterLike, type NodeRedisLike } from './redis.js'
export { pgCheck, type PgCheckOptions, type PgQueryable } from './pg.js'
export { mysqlCheck, type MysqlCheckOptions, type MysqlTarget, type MysqlPoolLike, type MysqlConnectionLike, type MysqlPoolConnectionLike } from './mysql.js'
export { amqpCheck, type AmqpCheck, type AmqpCheckOptions, type AmqpTarget, type AmqpConnectionLike, type AmqpChannelLike } from './amqp.js'
