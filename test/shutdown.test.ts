// Real processes on real ports, probed the way the kubelet probes them.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { sleep } from './helpers/app.js'
import { kubeletProbe } from './helpers/kubelet.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const DRAIN_DELAY = 500

type Style = 'handler' | 'signals' | 'close-with-grace'

const styles: Record<Style, { title: string, script: string }> = {
  handler: { title: 'the app\'s own SIGTERM handler calling drain() then close()', script: 'test/fixtures/shutdown-app.ts' },
  signals: { title: 'the signals option', script: 'test/fixtures/shutdown-app.ts' },
  'close-with-grace': { title: 'close-with-grace, as docs/examples/graceful-shutdown.ts shows', script: 'docs/examples/graceful-shutdown.ts' }
}

async function startApp (style: Style): Promise<{ port: number, child: ReturnType<typeof spawn>, exited: Promise<[number | null, NodeJS.Signals | null]> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', styles[style].script], {
    cwd: root,
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', SHUTDOWN_STYLE: style, DRAIN_DELAY: String(DRAIN_DELAY), PORT: '0' },
    stdio: ['ignore', 'pipe', 'ignore']
  })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  let output = ''
  for await (const chunk of child.stdout as NodeJS.ReadableStream) {
    output += String(chunk)
    const match = /^\{"port":(\d+)\}$/m.exec(output)
    if (match !== null) return { port: Number(match[1]), child, exited }
  }
  throw new Error(`${style}: the app exited before listening: ${output}`)
}

function slowRequest (port: number): Promise<number | string> {
  return fetch(`http://127.0.0.1:${port}/slow`, { headers: { connection: 'close' } }).then((res) => res.status, (error: Error) => error.message)
}

for (const style of Object.keys(styles) as Style[]) {
  t.test(`SIGTERM with ${styles[style].title}`, async (t) => {
    const { port, child, exited } = await startApp(style)
    t.teardown(() => { child.kill('SIGKILL') })

    if (style !== 'close-with-grace') {
      // The fixture's startup check fails its first two attempts, then passes, then fails from the fifth on.
      for (const expected of [false, false, true, true, true, true]) {
        t.equal((await kubeletProbe(port, '/healthz/startup')).success, expected, `startup ${expected ? 'passes' : 'fails'}`)
      }
    }
    for (const probe of ['live', 'ready', 'startup']) {
      t.same(await kubeletProbe(port, `/healthz/${probe}`), { success: true, status: 200 }, `${probe} before SIGTERM`)
    }

    const slow = slowRequest(port)
    await sleep(100)
    const killed = performance.now()
    child.kill('SIGTERM')
    let ready = await kubeletProbe(port, '/healthz/ready')
    while (ready.status === 200 && performance.now() - killed < 1000) ready = await kubeletProbe(port, '/healthz/ready')
    const failedAfter = performance.now() - killed
    t.equal(ready.status, 503, 'readiness fails')
    t.ok(failedAfter < 100, `within 100 ms of SIGTERM (${failedAfter.toFixed(1)} ms)`)
    t.same(await kubeletProbe(port, '/healthz/live'), { success: true, status: 200 }, 'liveness still passes')
    t.same(await kubeletProbe(port, '/healthz/startup'), { success: true, status: 200 }, 'startup still passes')
    t.same(await kubeletProbe(port, '/'), { success: true, status: 200 }, 'an ordinary route still answers')

    t.equal(await slow, 200, 'the slow request completes')
    const [code, signal] = await exited
    const exitedAfter = performance.now() - killed
    t.equal(code, 0, 'exits with code 0')
    t.equal(signal, null)
    t.ok(exitedAfter >= DRAIN_DELAY, `no sooner than drainDelay (${exitedAfter.toFixed(0)} ms)`)
    t.ok(exitedAfter <= DRAIN_DELAY + 1000, `within drainDelay plus one second (${exitedAfter.toFixed(0)} ms)`)
    t.same(await kubeletProbe(port, '/healthz/live'), { success: false, error: 'ECONNREFUSED' }, 'the port stops answering')
  })
}
