// eventLoopCheck, memoryCheck and diskCheck through the plugin's routes, with
// thresholds set around the process's and the file system's real values.
import t from 'tap'
import { statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { diskCheck, eventLoopCheck, memoryCheck } from '../../lib/checks/index.js'
import { memoryLimit } from '../../lib/checks/memory.js'
import { build, sleep } from '../helpers/app.js'

/** Busy-waits, blocking the event loop. */
function block (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

t.test('eventLoopCheck fails while the loop is blocked past its threshold, and recovers after', async (t) => {
  const { app, lines } = await build()
  const loop = eventLoopCheck({ warn: { delay: 30 }, fail: { delay: 60 }, window: 300, resolution: 5 })
  app.healthz.add('loop', loop)
  t.teardown(() => app.close())

  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'the first run starts sampling and passes')
  await sleep(350)
  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'an idle loop passes')

  // Block for 100 ms out of every ~105 ms, for a second.
  const state = { blocking: true }
  const blocker = (async () => { while (state.blocking) { block(100); await sleep(5) } })()
  await sleep(1000)
  const failed = await app.inject('/healthz/ready')
  state.blocking = false
  await blocker
  t.equal(failed.statusCode, 503)
  t.match(failed.json(), { checks: { loop: { status: 'fail', output: /^event loop delay p99 \d+ ms over 60 ms$/ } } })
  t.ok(lines.some((line) => /health check "loop" failed: event loop delay p99/.test(line.msg ?? '')), 'logged')

  let recovered = 0
  for (let i = 0; i < 40 && recovered === 0; i++) {
    await sleep(100)
    if ((await app.inject('/healthz/ready')).statusCode === 200) recovered = i + 1
  }
  t.ok(recovered > 0, `recovered after ${recovered} probes`)
})

t.test('eventLoopCheck warns on a moderate delay, and on utilization', async (t) => {
  const { app } = await build()
  const delay = eventLoopCheck({ warn: { delay: 30 }, window: 10000, resolution: 5 })
  const busy = eventLoopCheck({ warn: { utilization: 0.5 }, window: 500 })
  app.healthz.add('delay', delay)
  app.healthz.add('busy', busy)
  t.teardown(() => app.close())
  await app.inject('/healthz/ready')
  for (let i = 0; i < 10; i++) { block(50); await sleep(2) }
  block(300)
  const res = await app.inject('/healthz/ready')
  t.equal(res.statusCode, 200, 'warnings keep the probe up')
  t.match(res.json(), {
    checks: {
      delay: { status: 'warn', output: /^event loop delay p99 \d+ ms over 30 ms$/ },
      busy: { status: 'warn', output: /^event loop utilization [\d.]+% over 50%$/ }
    }
  })
  await sleep(600)
  t.match((await app.inject('/healthz/ready?verbose')).json(), { checks: { busy: { status: 'pass' } } }, 'utilization is measured again once a window has passed')
})

t.test('eventLoopCheck: probes that arrive together do not measure utilization between themselves (the kubelet sends live and ready at once)', async (t) => {
  // Two runs a moment apart saw a loop busy only with those runs: 100%, a false failure.
  const { app } = await build()
  app.healthz.add('loop', eventLoopCheck({ fail: { utilization: 0.9 }, window: 200 }), { probes: ['live', 'ready'] })
  t.teardown(() => app.close())
  await app.inject('/healthz/live')
  for (let round = 0; round < 5; round++) {
    await sleep(250)
    const answers = await Promise.all([app.inject('/healthz/live'), app.inject('/healthz/ready'), app.inject('/healthz/live')])
    t.same(answers.map((answer) => answer.statusCode), [200, 200, 200], `round ${round}`)
  }
})

t.test('eventLoopCheck: a lag is forgotten once a window without one has passed, however far apart the runs', async (t) => {
  // The previous window's p99 counted at every later run, so a lag was reported one run too long.
  const loop = eventLoopCheck({ fail: { delay: 15 }, window: 200, resolution: 5 })
  t.teardown(() => { loop.close() })
  loop()
  for (let i = 0; i < 10; i++) { block(40); await sleep(5) }
  t.throws(() => loop(), /^event loop delay p99 \d+ ms over 15 ms$/, 'the lag fails')
  await sleep(500)
  t.equal(loop(), undefined, 'a window and more without a lag passes')
})

t.test('eventLoopCheck: close() stops sampling, a later run starts it again', async (t) => {
  const loop = eventLoopCheck({ fail: { delay: 1000 } })
  t.equal(loop(), undefined)
  loop.close()
  loop.close()
  t.equal(loop(), undefined, 'starts again')
  t.equal(loop(), undefined)
  loop.close()
})

t.test('eventLoopCheck: the plugin stops sampling when the app closes and when the check is removed', async (t) => {
  for (const end of ['close', 'remove'] as const) {
    const { app } = await build()
    // Any utilization at all fails: a run that measured something throws, one that (re)starts sampling does not.
    const loop = eventLoopCheck({ fail: { utilization: 1e-9 }, window: 100 })
    app.healthz.add('loop', loop, { probes: ['live'] })
    t.equal((await app.inject('/healthz/live')).statusCode, 200, `${end}: the first run starts sampling`)
    await sleep(120)
    t.throws(() => loop(), /event loop utilization/, `${end}: sampling`)
    if (end === 'remove') app.healthz.remove('loop')
    else await app.close()
    t.equal(loop(), undefined, `${end}: sampling had stopped, so this run starts it again`)
    loop.close()
    await app.close()
  }
})

t.test('eventLoopCheck: the sampling interval itself is not counted as delay', async (t) => {
  // The histogram records whole intervals between its timer's runs, never less than the resolution:
  // a threshold below the resolution could never pass if the resolution counted as delay.
  const loop = eventLoopCheck({ fail: { delay: 15 }, window: 200, resolution: 20 })
  t.teardown(() => { loop.close() })
  loop()
  let passed = 0
  for (let i = 0; i < 5 && passed === 0; i++) {
    await sleep(250)
    try {
      loop()
      passed = i + 1
    } catch {}
  }
  t.ok(passed > 0, `an idle loop passes (try ${passed})`)
})

t.test('memoryCheck crosses thresholds set around the real heap and rss', async (t) => {
  const usage = process.memoryUsage()
  const heapLimit = getHeapStatistics().heap_size_limit
  const rssLimit = memoryLimit()
  t.ok(rssLimit > 0 && rssLimit <= (await import('node:os')).totalmem())
  const { app } = await build()
  app.healthz.add('heap-bytes', memoryCheck({ warn: { heapUsed: Math.floor(usage.heapUsed / 2) } }))
  app.healthz.add('heap-fraction', memoryCheck({ warn: { heapUsed: usage.heapUsed / heapLimit / 2 }, fail: { heapUsed: 0.99 } }))
  app.healthz.add('rss-fail', memoryCheck({ warn: { rss: 0.99 }, fail: { rss: Math.floor(usage.rss / 2) } }), { critical: true })
  app.healthz.add('rss-fraction', memoryCheck({ fail: { rss: usage.rss / rssLimit / 2 } }), { critical: false })
  app.healthz.add('roomy', memoryCheck({ warn: { heapUsed: 0.99, rss: 1e15 }, fail: { rss: 0.999 } }))
  t.teardown(() => app.close())
  const res = await app.inject('/healthz/ready?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.json().checks, {
    'heap-bytes': { status: 'warn', output: /^heap used \d+ MiB over \d+ MiB$/ },
    'heap-fraction': { status: 'warn', output: /^heap used \d+ MiB \([\d.]+% of [\d.]+ GiB\) over [\d.]+%$/ },
    'rss-fail': { status: 'fail', output: /^rss \d+ MiB over \d+ MiB$/ },
    'rss-fraction': { status: 'warn', output: /^rss \d+ MiB \([\d.]+% of [\d.]+ GiB\) over [\d.]+%$/ },
    roomy: { status: 'pass' }
  })
})

t.test('diskCheck crosses thresholds set around the real free space', async (t) => {
  const stats = await statfs(tmpdir())
  const free = stats.bavail * stats.bsize
  const fraction = stats.bavail / stats.blocks
  const { app } = await build()
  app.healthz.add('fraction', diskCheck({ path: tmpdir(), fail: { free: Math.min(0.999, fraction * 1.5) } }))
  app.healthz.add('bytes', diskCheck({ path: tmpdir(), warn: { free: free * 2 }, fail: { free: 1048576 } }))
  app.healthz.add('roomy', diskCheck({ path: tmpdir(), warn: { free: fraction / 10 }, fail: { free: 1048576 } }))
  app.healthz.add('missing', diskCheck({ path: '/no/such/path/anywhere', fail: { free: 0.01 } }), { critical: false })
  app.healthz.add('no-blocks', diskCheck({ path: '/proc', warn: { free: 0.5 } }))
  t.teardown(() => app.close())
  const res = await app.inject('/healthz/ready?verbose')
  t.equal(res.statusCode, 503)
  const checks = res.json().checks
  t.match(checks, {
    fraction: { status: 'fail', output: /^disk free [\d.]+ [GM]iB \([\d.]+%\) under [\d.]+%$/ },
    bytes: { status: 'warn', output: /^disk free [\d.]+ [GM]iB \([\d.]+%\) under [\d.]+ [GM]iB$/ },
    roomy: { status: 'pass' },
    missing: { status: 'warn', output: 'Disk: path not found' },
    'no-blocks': { status: 'warn', output: /^disk free 0 MiB \(0%\) under 50%$/ }
  })
  t.notMatch(res.body, tmpdir(), 'outputs never name the path')
  t.notMatch(res.body, '/no/such/path')
  const details = await app.healthz.run('ready', { verbose: true, details: true })
  t.equal(details.checks?.missing.error, 'DependencyError: Error ENOENT', 'details show the error code only')
})

t.test('the rss limit is the cgroup limit when there is one below the machine memory', async (t) => {
  const original = process.constrainedMemory
  t.teardown(() => { process.constrainedMemory = original })
  process.constrainedMemory = () => 512 * 1024 * 1024
  t.equal(memoryLimit(), 512 * 1024 * 1024)
  process.constrainedMemory = () => 0
  t.equal(memoryLimit(), (await import('node:os')).totalmem())
})

t.test('options are validated at once, unknown keys included', async (t) => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => eventLoopCheck(undefined as never), /eventLoopCheck\(\): set at least one threshold in "warn" or "fail" \(delay, utilization\)/],
    [() => eventLoopCheck({}), /set at least one threshold/],
    [() => eventLoopCheck({ warn: {} }), /set at least one threshold/],
    [() => eventLoopCheck({ warn: { delay: undefined }, fail: { delay: 10 } }), /^x$/],
    [() => eventLoopCheck({ fail: { lag: 500 } } as never), /unknown threshold "fail.lag" \(known: delay, utilization\)/],
    [() => eventLoopCheck({ fail: { delay: -1 } }), /threshold "fail.delay" must be a positive number of milliseconds, got -1/],
    [() => eventLoopCheck({ fail: { utilization: 1.5 } }), /threshold "fail.utilization" must be a fraction above 0 and at most 1, got 1.5/],
    [() => eventLoopCheck({ fail: 500 } as never), /option "fail" must be an object of thresholds \(delay, utilization\), got 500/],
    [() => eventLoopCheck({ warn: [] } as never), /option "warn" must be an object/],
    [() => eventLoopCheck({ fail: { delay: 10 }, window: 5 }), /option "window" must be an integer of milliseconds from 100 to 2147483647, got 5/],
    [() => eventLoopCheck({ fail: { delay: 10 }, resolution: 1.5 }), /option "resolution"/],
    [() => eventLoopCheck({ fail: { delay: 10 }, percentile: 99 } as never), /unknown option "percentile" \(known: warn, fail, window, resolution\)/],
    [() => eventLoopCheck({ fail: { delay: 10 }, constructor: 1 } as never), /unknown option "constructor"/],
    [() => eventLoopCheck({ fail: { constructor: 1 } } as never), /unknown threshold "fail.constructor"/],
    [() => eventLoopCheck([] as never), /options must be an object, got \[\]/],
    [() => memoryCheck({ warn: { heap: 0.8 } } as never), /memoryCheck\(\): unknown threshold "warn.heap" \(known: heapUsed, rss\)/],
    [() => memoryCheck({ fail: { rss: 0 } }), /threshold "fail.rss" must be a fraction of the limit above 0 and below 1, or bytes from 1048576 \(1 MiB\), got 0/],
    [() => memoryCheck({ fail: { heapUsed: 1 } }), /threshold "fail.heapUsed" must be a fraction of the limit above 0 and below 1, or bytes from 1048576 \(1 MiB\), got 1$/],
    [() => diskCheck({ path: '/', warn: { free: 1048575 } }), /threshold "warn.free" must be a fraction/],
    [() => memoryCheck({ fail: { heapUsed: Infinity } }), /got Infinity/],
    [() => memoryCheck({ fail: { heapUsed: '1GB' } } as never), /got '1GB'/],
    [() => diskCheck({ fail: { free: 0.1 } } as never), /diskCheck\(\): option "path" is required/],
    [() => diskCheck({ path: '', fail: { free: 0.1 } }), /option "path" must be a non-empty string, got ''/],
    [() => diskCheck({ path: '/', fail: { used: 0.9 } } as never), /unknown threshold "fail.used" \(known: free\)/],
    [() => diskCheck({ path: '/' }), /set at least one threshold in "warn" or "fail" \(free\)/],
    [() => eventLoopCheck({ warn: { delay: 500 }, fail: { delay: 100 } }), /threshold "warn.delay" \(500\) must be below "fail.delay" \(100\): a warning comes before the failure/],
    [() => eventLoopCheck({ warn: { utilization: 0.9 }, fail: { utilization: 0.9 } }), /"warn.utilization" \(0.9\) must be below/],
    [() => memoryCheck({ warn: { heapUsed: 0.95 }, fail: { heapUsed: 0.8 } }), /"warn.heapUsed" \(0.95\) must be below "fail.heapUsed" \(0.8\)/],
    [() => memoryCheck({ warn: { rss: 2e9 }, fail: { rss: 1e9 } }), /"warn.rss" \(2000000000\) must be below/],
    [() => diskCheck({ path: '/', warn: { free: 0.05 }, fail: { free: 0.1 } }), /"warn.free" \(0.05\) must be above "fail.free" \(0.1\)/],
    [() => diskCheck({ path: '/', warn: { free: 1e9 }, fail: { free: 2e9 } }), /"warn.free" \(1000000000\) must be above/]
  ]
  for (const [make, message] of cases) {
    if (message.source === '^x$') {
      t.doesNotThrow(make, 'an undefined threshold is ignored')
      continue
    }
    t.throws(make, { name: 'HealthzConfigError', code: 'FST_HEALTHZ_INVALID_CHECK_FACTORY_OPTION', message }, message.source)
  }
})
