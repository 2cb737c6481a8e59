import { pino } from 'pino'
import { Background } from '../../lib/background.js'
import { Changes, type Change } from '../../lib/changes.js'
import { checkSpec } from '../../lib/check-spec.js'
import { CheckTable } from '../../lib/check-table.js'
import { Evaluator } from '../../lib/evaluate.js'
import { Lifecycle } from '../../lib/lifecycle.js'
import { Probes } from '../../lib/probes.js'
import type { HealthCheck } from '../../lib/types.js'

export const PROBES = ['live', 'ready', 'startup', 'deep'] as const

/** The engine's parts wired as the plugin wires them, without Fastify; `changes` records every change announced. */
export function parts () {
  const changes: Change[] = []
  const listenerErrors: unknown[] = []
  const bus = new Changes((error) => { listenerErrors.push(error) })
  bus.subscribe((change) => { changes.push(change) })
  const table = new CheckTable(PROBES, bus)
  const evaluator = new Evaluator(table)
  // eslint-disable-next-line prefer-const -- the lifecycle's listener needs the probes, which need the lifecycle
  let probes: Probes
  const lifecycle = new Lifecycle(0, () => { probes.refresh() })
  probes = new Probes(PROBES, table, evaluator, lifecycle, bus)
  const background = new Background(table, evaluator)
  const log = pino({ level: 'silent' })
  const add = (name: string, check: HealthCheck, options: Record<string, unknown> = {}) => {
    const entry = table.add(checkSpec(name, check, options, { timeout: 100, cacheTtl: 0, probes: PROBES }), log)
    background.added(entry)
    probes.refresh(entry.spec.probes)
    return entry
  }
  const probe = (name: string) => probes.get(name) as NonNullable<ReturnType<Probes['get']>>
  return { bus, changes, listenerErrors, table, evaluator, lifecycle, probes, background, add, probe }
}
