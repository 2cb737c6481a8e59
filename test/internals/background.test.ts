import t from 'tap'
import { sleep } from '../helpers/app.js'
import { parts } from './engine-parts.js'

t.test('start() called twice does not stack the timers', async (t) => {
  const { background, add } = parts()
  let calls = 0
  add('db', () => { calls++ }, { interval: 50 })
  background.start()
  background.start()
  background.start()
  await sleep(260)
  background.stop()
  t.ok(calls >= 3 && calls <= 7, `one run per interval (${calls} runs in 260 ms)`)
  const stopped = calls
  await sleep(120)
  t.equal(calls, stopped, 'stop() ends the runs')
})

t.test('checks added while active start at once; removed ones stop; per-probe checks never run', async (t) => {
  const { background, table, add } = parts()
  let perProbe = 0
  let bg = 0
  add('per-probe', () => { perProbe++ })
  background.start()
  add('bg', () => { bg++ }, { interval: 30 })
  t.equal(bg, 1, 'an added background check runs at once')
  background.removed(table.remove('bg') as NonNullable<ReturnType<typeof table.remove>>)
  await sleep(100)
  t.equal(bg, 1, 'a removed one never runs again')
  t.equal(perProbe, 0)
  background.stop()
})
