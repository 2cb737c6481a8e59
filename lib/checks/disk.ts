import { statfs } from 'node:fs/promises'
import type { HealthCheckResult } from '../types.js'
import { checkOptions, failure, invalid } from './shared.js'
import { bytes, bytesOrFraction, checkThresholds, judge, percent, sameKind, type Thresholds } from './thresholds.js'

/** Thresholds of `diskCheck()`: lower is worse. Below 1 a fraction of the file system's size, from 1 MiB (1048576) on bytes. */
export interface DiskThresholds {
  /** Space available to the process (not to root) on the file system of `path`. */
  free?: number
}

export interface DiskCheckOptions extends Thresholds<DiskThresholds> {
  /** A path on the file system to watch. */
  path: string
}

const FACTORY = 'diskCheck'

/**
 * Warns or fails when the file system holding `path` runs low on space, from
 * `fs.promises.statfs()`. Outputs never name the path.
 */
export function diskCheck (options: DiskCheckOptions): () => Promise<HealthCheckResult | undefined> {
  const given = checkOptions(FACTORY, options, {
    path: (value) => typeof value === 'string' && value !== '' ? undefined : 'a non-empty string',
    warn: () => undefined,
    fail: () => undefined
  })
  if (given.path === undefined) throw invalid(FACTORY, 'option "path" is required')
  const levels = checkThresholds(FACTORY, given, { free: { rule: bytesOrFraction, lowerIsWorse: true, comparable: sameKind } })
  const path = options.path
  return async () => {
    let stats
    try {
      stats = await statfs(path)
    } catch (error) {
      throw failure('Disk', error, { ENOENT: 'path not found', EACCES: 'permission denied' }, 'statfs failed')
    }
    const free = stats.bavail * stats.bsize
    const fraction = stats.blocks > 0 ? stats.bavail / stats.blocks : 0
    return judge(levels, (_key, threshold) => {
      const low = threshold < 1 ? fraction < threshold : free < threshold
      return low ? `disk free ${bytes(free)} (${percent(fraction)}) under ${threshold < 1 ? percent(threshold) : bytes(threshold)}` : undefined
    })
  }
}
