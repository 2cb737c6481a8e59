import type { FastifyBaseLogger } from 'fastify'
import { Background } from './background.js'
import { Changes, type ChangeListener } from './changes.js'
import { checkSpec } from './check-spec.js'
import { CheckTable } from './check-table.js'
import { describe, HealthzConfigError } from './errors.js'
import { Evaluator } from './evaluate.js'
import { renderJson } from './formats/json.js'
import { loggable } from './inspect.js'
import { Lifecycle } from './lifecycle.js'
import { logChanges } from './log-changes.js'
import type { Settings } from './options.js'
import { Probes, type Probe } from './probes.js'
import { releaseCheck } from './release-check.js'
import type { HealthReport, RunOptions } from './types.js'

/** `run()`'s `exclude`: one name, or an iterable of names. */
function excludedNames (exclude: unknown): Set<string> | undefined {
  if (exclude === undefined) return undefined
  if (typeof exclude === 'string') return new Set([exclude])
  if (exclude !== null && typeof (exclude as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const names = new Set<string>()
    for (const name of exclude as Iterable<unknown>) {
      if (typeof name !== 'string') throw invalidExclude(exclude)
      names.add(name)
    }
    return names
  }
  throw invalidExclude(exclude)
}

function invalidExclude (exclude: unknown): HealthzConfigError {
  return new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `run(): option "exclude" must be a check name or an iterable of check names, got ${describe(exclude)}`)
}

/**
 * The check engine of one plugin instance, wired from its parts: the table of
 * checks, the evaluator, background runs, the lifecycle and probe policy, and
 * the change events that the log (and exporters) hear. Nothing here is HTTP.
 */
export class Engine {
  readonly settings: Settings
  readonly changes: Changes
  readonly table: CheckTable
  readonly evaluator: Evaluator
  readonly lifecycle: Lifecycle
  readonly probes: Probes
  readonly background: Background
  readonly #log: FastifyBaseLogger
  /** The checks have released what they hold: none may run again. */
  #released = false

  constructor (settings: Settings, log: FastifyBaseLogger) {
    this.settings = settings
    this.#log = log
    this.changes = new Changes((error, about) => {
      try {
        log.error({ err: loggable(error) }, `fastify-healthz: a ${'type' in about ? 'change' : 'run'} listener threw`)
      } catch {}
    })
    this.table = new CheckTable(settings.probes, this.changes)
    this.evaluator = new Evaluator(this.table)
    this.lifecycle = new Lifecycle(settings.drainDelay, () => { this.probes.refresh() })
    this.probes = new Probes(settings.probes, this.table, this.evaluator, this.lifecycle, this.changes)
    this.background = new Background(this.table, this.evaluator)
    this.changes.subscribe(logChanges(log))
  }

  add (name: unknown, check: unknown, options: unknown): void {
    const spec = checkSpec(name, check, options, this.settings)
    const entry = this.table.add(spec, this.#log.child({ healthCheck: spec.name }))
    this.background.added(entry)
    this.probes.refresh(spec.probes)
  }

  remove (name: string): boolean {
    const entry = this.table.remove(name)
    if (entry === undefined) return false
    this.background.removed(entry)
    this.probes.refresh(entry.spec.probes)
    releaseCheck(entry.spec.check, entry.log)
    return true
  }

  /** A served probe, or a `HealthzConfigError` naming the ones served. */
  probe (name: unknown, method: string): Probe {
    const probe = typeof name === 'string' ? this.probes.get(name) : undefined
    if (probe === undefined) {
      throw new HealthzConfigError('FST_HEALTHZ_UNKNOWN_PROBE', `${method}: probe ${describe(name)} is not served (probes: ${this.settings.probes.join(', ')})`)
    }
    return probe
  }

  subscribe (listener: unknown): () => void {
    if (typeof listener !== 'function') {
      throw new HealthzConfigError('FST_HEALTHZ_INVALID_OPTION', `subscribe(): the listener must be a function, got ${describe(listener)}`)
    }
    return this.changes.subscribe(listener as ChangeListener)
  }

  /** The JSON report of a probe, as its route serves it, for `fastify.healthz.run()`. */
  async run (name: unknown, options: RunOptions = {}): Promise<HealthReport> {
    const probe = this.probe(name, 'run()')
    const verbose = options.verbose === true
    const exclude = excludedNames(options.exclude)
    // A run after the app closed would take back what the checks released (a sampling timer, listeners).
    const result = this.#released ? this.probes.closed(probe, verbose) : await this.probes.evaluate(probe, verbose, exclude)
    const report = renderJson(result, verbose && options.details === true, this.settings.info?.version)
    // The shared bodies are frozen; the caller may keep and change what it gets.
    return Object.isFrozen(report) ? { ...report } : report
  }

  /** The app is ready: background checks start. */
  start (): void {
    this.lifecycle.serve()
    this.background.start()
  }

  /** As the app closes: no background run starts, and runs still pending end now. */
  close (): void {
    this.lifecycle.beginClose()
    this.background.stop()
    this.evaluator.endPending('the server is closing')
  }

  /** Once the app has closed: every check with a `close()` releases what it holds. */
  release (): void {
    this.#released = true
    for (const entry of this.table.entries()) releaseCheck(entry.spec.check, entry.log)
  }
}
