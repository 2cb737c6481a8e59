import t from 'tap'
import { Lifecycle } from '../../lib/lifecycle.js'

t.test('the gates of readiness, in order of precedence', async (t) => {
  let changes = 0
  const lifecycle = new Lifecycle(0, () => { changes++ })
  const server = { listening: false }
  t.equal(lifecycle.gate(), undefined)
  lifecycle.requireListening(server)
  t.same(lifecycle.gate(), { kind: 'not-listening' })
  server.listening = true
  lifecycle.markNotReady('warming')
  lifecycle.markNotReady('leader lock')
  t.same(lifecycle.gate(), { kind: 'not-ready', reasons: ['warming', 'leader lock'] })
  lifecycle.markReady('warming')
  t.same(lifecycle.gate(), { kind: 'not-ready', reasons: ['leader lock'] })
  lifecycle.serve()
  lifecycle.drain().catch(() => {})
  t.same(lifecycle.gate(), { kind: 'shutting-down' }, 'shutting down overrides every other gate')
  lifecycle.beginClose()
  t.equal(lifecycle.phase, 'closing')
  t.same(lifecycle.gate(), { kind: 'shutting-down' })
  lifecycle.markReady()
  t.same(lifecycle.snapshot(), { phase: 'closing', started: false })
  t.equal(changes, 7, 'every change is heard, and only changes')
})

t.test('a drain begun before the app is ready stays in force', async (t) => {
  const lifecycle = new Lifecycle(0, () => {})
  await lifecycle.drain()
  lifecycle.serve()
  t.equal(lifecycle.phase, 'draining')
  t.same(lifecycle.gate(), { kind: 'shutting-down' })
})

t.test('the startup latch is set once', async (t) => {
  let changes = 0
  const lifecycle = new Lifecycle(0, () => { changes++ })
  lifecycle.latchStartup()
  lifecycle.latchStartup()
  t.ok(lifecycle.started)
  t.equal(changes, 1)
})
