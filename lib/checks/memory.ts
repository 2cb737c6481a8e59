import { totalmem } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import type { HealthCheckResult } from '../types.js'
import { checkOptions } from './shared.js'
import { bytes, bytesOrFraction, checkThresholds, judge, percent, sameKind, type Thresholds } from './thresholds.js'

/** Thresholds of `memoryCheck()`: below 1 a fraction of the limit, from 1 MiB (1048576) on bytes. */
export interface MemoryThresholds {
  /** V8 heap in use; a fraction is of V8's heap limit (`--max-old-space-size`). */
  heapUsed?: number
  /** Resident set size; a fraction is of the cgroup memory limit, or of the machine's memory without one. */
  rss?: number
}

export type MemoryCheckOptions = Thresholds<MemoryThresholds>

const FACTORY = 'memoryCheck'

/** The memory the process may use: its cgroup limit (a container's), else the machine's. */
export function memoryLimit (): number {
  const total = totalmem()
  // 0 (or 2^64 - 1 on some cgroup set-ups) when there is no limit.
  const constrained = process.constrainedMemory() as number
  return constrained > 0 && constrained < total ? constrained : total
}

/**
 * Warns or fails when the process uses too much memory: V8's heap in use
 * and/or the resident set size, in bytes or as a fraction of the limit.
 */
export function memoryCheck (options: MemoryCheckOptions): () => HealthCheckResult | undefined {
  const given = checkOptions(FACTORY, options, { warn: () => undefined, fail: () => undefined })
  const levels = checkThresholds(FACTORY, given, { heapUsed: { rule: bytesOrFraction, comparable: sameKind }, rss: { rule: bytesOrFraction, comparable: sameKind } })
  const heapLimit = getHeapStatistics().heap_size_limit
  const rssLimit = memoryLimit()
  return () => {
    const usage = process.memoryUsage()
    return judge(levels, (key, threshold) => {
      const heap = key === 'heapUsed'
      const used = heap ? usage.heapUsed : usage.rss
      const limit = heap ? heapLimit : rssLimit
      const name = heap ? 'heap used' : 'rss'
      if (threshold < 1) {
        return used > threshold * limit ? `${name} ${bytes(used)} (${percent(used / limit)} of ${bytes(limit)}) over ${percent(threshold)}` : undefined
      }
      return used > threshold ? `${name} ${bytes(used)} over ${bytes(threshold)}` : undefined
    })
  }
}
