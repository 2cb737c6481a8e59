import type { FastifyInstance } from 'fastify'
import type { SettledRun } from '../changes.js'
import type { CheckEntry } from '../check-table.js'
import type { Engine } from '../engine.js'
import { describe, HealthzConfigError } from '../errors.js'
import { engineOf } from '../handle.js'
import { isPassedThrough } from '../options.js'
import type { Probe } from '../probes.js'

/** The statuses of a check's state set: what it reports, and `pending` before its first result. */
export const CHECK_STATES = ['pass', 'warn', 'fail', 'pending'] as const
/** The statuses of a probe's state set: what its route answers (200 with warnings is `pass`). */
export const PROBE_STATES = ['pass', 'fail'] as const
/**
 * The raw outcomes runs are counted by, before damping: a timeout is a
 * failure, so `fail`, or `warn` for a `critical: false` check, whose
 * failures all report `warn`.
 */
export const RUN_STATUSES = ['pass', 'warn', 'fail'] as const

/**
 * Upper bounds, in seconds, of the duration histogram's buckets: from a
 * 1 ms in-process check to the 5 s a check should never come near (the
 * default timeout is 500 ms).
 */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])

/** What each metric is, in the words both exporters give it. */
export const HELP = {
  checkStatus: 'The status each health check reports now (1 for its status, 0 for the others): pass, warn, fail, or pending before its first result. Flap damping applies.',
  probeStatus: 'What each probe would answer now from its checks\' last results and the lifecycle (draining, closing, not ready): 1 for pass (200) or fail (503), 0 for the other.',
  runs: 'Runs of each health check that settled, by raw outcome before flap damping: pass, warn or fail (a timeout is a failure: fail, or warn for a check with critical: false).',
  timeouts: 'Runs of each health check that timed out (also counted among the failed runs).',
  duration: 'How long each health check\'s runs took, in seconds, timeouts included.'
} as const

/** Where the exporters put what they read: a value and its labels (attributes). */
export type Emit = (value: number, labels: Record<string, string>) => void

/**
 * The engine of the `fastify-healthz` registered on this instance (or a
 * parent), or a `HealthzConfigError` saying to register it first.
 */
export function engineFor (fastify: FastifyInstance, plugin: string): Engine {
  if (!fastify.hasDecorator('healthz')) {
    throw new HealthzConfigError('FST_HEALTHZ_NOT_REGISTERED', `${plugin}: fastify-healthz is not registered on this instance: await app.register(healthz) first, at the root, then register ${plugin}`)
  }
  const engine = engineOf(fastify.healthz)
  if (engine === undefined) {
    throw new HealthzConfigError('FST_HEALTHZ_NOT_REGISTERED', `${plugin}: fastify.healthz was not made by this copy of fastify-healthz: load fastify-healthz and fastify-healthz/metrics from one installation`)
  }
  return engine
}

/** Says what is wrong with an option's value, or nothing when it is right. */
export type Rule = (value: unknown) => string | undefined

/**
 * Validates a metrics plugin's options once: an object, no unknown key (the
 * keys Fastify and its tools put into plugins' options are ignored), and
 * every key present passing its rule. Returns them, with the undefined ones
 * left out.
 */
export function pluginOptions (plugin: string, options: unknown, rules: Readonly<Record<string, Rule>>): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `${plugin}: options must be an object, got ${describe(options)}`)
  }
  const known = Object.keys(rules)
  const valid: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(rules, key)) {
      if (key === 'logLevel' || key === 'logSerializers' || isPassedThrough(key)) continue
      throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `${plugin}: unknown option "${key}" (known: ${known.join(', ')})`)
    }
    if (value === undefined) continue
    const wrong = rules[key](value)
    if (wrong !== undefined) throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `${plugin}: option "${key}" must be ${wrong}, got ${describe(value)}`)
    valid[key] = value
  }
  return valid
}

/** The `buckets` option: bounds in seconds, positive, finite and increasing. */
export const bucketsRule: Rule = (value) => {
  const valid = Array.isArray(value) && value.length > 0 &&
    value.every((bound, i) => typeof bound === 'number' && Number.isFinite(bound) && bound > 0 && (i === 0 || bound > value[i - 1]))
  return valid ? undefined : 'a non-empty array of upper bounds in seconds, finite, above 0 and strictly increasing (+Inf is implied), such as [0.01, 0.1, 1]'
}

/** An object with these methods, as a structural test of the instances the plugins are given. */
export const methodsRule = (what: string, methods: readonly string[]): Rule => (value) =>
  value !== null && typeof value === 'object' && methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
    ? undefined
    : `${what} (an object with ${methods.map((method) => `${method}()`).join(', ')})`

/**
 * Loads an optional peer dependency, or throws a `HealthzConfigError` that
 * says to install it. Other failures of the module itself are thrown as they are.
 */
export async function loadPeer<T> (load: () => Promise<T>, name: string, plugin: string, instead: string): Promise<T> {
  try {
    return await load()
  } catch (error) {
    // By Node's messages, which name the package: loaders of TypeScript may drop the error's code.
    const { message } = Object(error) as { message?: unknown }
    if (typeof message === 'string' && (message.startsWith(`Cannot find package '${name}'`) || message.startsWith(`Cannot find module '${name}'`))) {
      throw new HealthzConfigError('FST_HEALTHZ_MISSING_DEPENDENCY', `${plugin}: the optional peer dependency "${name}" is not installed: npm install ${name}, or ${instead}`)
    }
    throw error
  }
}

/** One check's settled runs since it was registered (or the last reset). */
export class CheckTally {
  /** Runs by raw outcome, in the order of `RUN_STATUSES`; a timeout counts as a failure. */
  readonly runs = [0, 0, 0]
  timeouts = 0
  /** Durations in seconds: how many fell in each bucket (not cumulative), the last one past the largest bound. */
  readonly buckets: number[]
  sum = 0
  count = 0

  constructor (buckets: number) {
    this.buckets = new Array<number>(buckets).fill(0)
  }
}

/**
 * What the exporters count of settled runs, per check. Hearing a run is plain
 * arithmetic on numbers; what to export is read from the tallies when
 * metrics are collected.
 */
export class RunTally {
  readonly bounds: readonly number[]
  #byCheck = new Map<string, CheckTally>()

  constructor (bounds: readonly number[]) {
    this.bounds = bounds
  }

  /** Hears one settled run (the engine reports none of a removed check). */
  add (run: SettledRun): void {
    let tally = this.#byCheck.get(run.check)
    if (tally === undefined) this.#byCheck.set(run.check, tally = new CheckTally(this.bounds.length + 1))
    tally.runs[RUN_STATUSES.indexOf(run.status)]++
    if (run.timedOut) tally.timeouts++
    const seconds = run.durationMs / 1000
    tally.sum += seconds
    tally.count++
    const bounds = this.bounds
    let bucket = 0
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++
    tally.buckets[bucket]++
  }

  /**
   * The tallies of the checks registered now, in the table's order: one that
   * has not run yet has zeros, so that its series exist from the start, and
   * the tally of a check removed since is dropped.
   */
  current (entries: Iterable<CheckEntry>): ReadonlyMap<string, CheckTally> {
    const current = new Map<string, CheckTally>()
    for (const { spec: { name } } of entries) current.set(name, this.#byCheck.get(name) ?? new CheckTally(this.bounds.length + 1))
    this.#byCheck = current
    return current
  }

  reset (): void {
    this.#byCheck = new Map()
  }
}

/** Each check's state set, read from the table: 1 for the status it reports now. */
export function checkStatuses (engine: Engine, emit: Emit): void {
  for (const entry of engine.table.entries()) {
    const check = entry.spec.name
    for (const status of CHECK_STATES) emit(entry.status === status ? 1 : 0, { check, status })
  }
}

/** Each served probe's state set, from `Probe.status` (its checks' last results and the lifecycle). */
export function probeStatuses (engine: Engine, emit: Emit): void {
  for (const probe of engine.settings.probes) {
    const failing = (engine.probes.get(probe) as Probe).status === 'fail'
    emit(failing ? 0 : 1, { probe, status: 'pass' })
    emit(failing ? 1 : 0, { probe, status: 'fail' })
  }
}

/** Settled runs per check and raw outcome. */
export function runCounts (engine: Engine, tally: RunTally, emit: Emit): void {
  for (const [check, counts] of tally.current(engine.table.entries())) {
    for (let i = 0; i < RUN_STATUSES.length; i++) emit(counts.runs[i], { check, status: RUN_STATUSES[i] })
  }
}

/** Runs that timed out, per check. */
export function timeoutCounts (engine: Engine, tally: RunTally, emit: Emit): void {
  for (const [check, counts] of tally.current(engine.table.entries())) emit(counts.timeouts, { check })
}
