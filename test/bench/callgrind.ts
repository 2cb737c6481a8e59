// One process under valgrind's callgrind whose instructions are counted in windows, for the
// instruction benchmarks: instrumentation stays off through the warm-up (so it runs several
// times faster than under cachegrind), is switched on with `callgrind_control -i on`, and each
// window is read with `-z` (zero) before it and `-d` (dump) after it. Every figure comes from one
// process, so the start-up cost, which differs from process to process, never enters a
// difference; and each process gives several windows, whose agreement shows the figure is steady.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface CountedOptions {
  /** The valgrind binary; callgrind_control is looked up beside it. */
  valgrind: string
  /** Run the command without valgrind: every count is 0, everything else runs. */
  dryRun: boolean
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface Counted {
  readonly child: ChildProcessWithoutNullStreams
  /** Everything the process wrote to stderr so far (valgrind's messages among it). */
  stderr (): string
  /** Switches counting on; instructions before this are never counted. */
  start (): Promise<void>
  /** The instructions the process executed while `work` ran, on every thread. */
  window (work: () => Promise<void>): Promise<number>
  /** Ends the process (its stdin closes) and removes the dumps. */
  stop (): Promise<void>
}

/** callgrind_control, next to the valgrind binary when that is given by path. */
function control (valgrind: string): string {
  return valgrind.includes('/') ? path.join(path.dirname(valgrind), 'callgrind_control') : 'callgrind_control'
}

/** The total of a callgrind dump: its `totals:` line (or `summary:`, which older versions write). */
export function dumpTotal (text: string): number {
  const match = /^totals:\s*(\d+)/m.exec(text) ?? /^summary:\s*(\d+)/m.exec(text)
  if (match === null) throw new Error('a callgrind dump without a totals line')
  return Number(match[1])
}

export function startCounted (command: readonly string[], options: CountedOptions): Counted {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'healthz-callgrind-'))
  const [file, ...args] = options.dryRun
    ? command
    : [options.valgrind, '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', '--fair-sched=yes', `--callgrind-out-file=${path.join(dir, 'out')}`, ...command]
  const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const tool = control(options.valgrind)
  const send = async (...flags: string[]): Promise<void> => {
    if (options.dryRun) return
    await run(tool, [...flags, String(child.pid)])
  }
  let dumps = 0
  return {
    child,
    stderr: () => stderr,
    start: () => send('-i', 'on'),
    async window (work) {
      await send('-z')
      await work()
      if (options.dryRun) return 0
      await send('-d')
      dumps++
      const name = readdirSync(dir).find((entry) => entry.endsWith(`.${dumps}`))
      if (name === undefined) throw new Error(`callgrind wrote no dump ${dumps} in ${dir}`)
      const total = dumpTotal(readFileSync(path.join(dir, name), 'utf8'))
      rmSync(path.join(dir, name))
      return total
    },
    async stop () {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit')
      child.stdin.end()
      const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
      await exited
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
