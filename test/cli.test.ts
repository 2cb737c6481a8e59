// The HEALTHCHECK command: its logic in-process (for coverage of lib/), then the built dist/ files as real
// processes, as Docker runs them, against real servers on loopback ports.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import healthz, { HealthError } from '../lib/index.js'
import { bodyChars, defaultTimeout, describeError, main, oneLine, parseArgs, truncate, usage, version } from '../lib/cli-probe.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const tls = {
  key: await readFile(join(root, 'test/fixtures/tls/key.pem')),
  cert: await readFile(join(root, 'test/fixtures/tls/cert.pem'))
}
const certFile = join(root, 'test/fixtures/tls/cert.pem')

interface Seen { method: string, url: string, headers: http.IncomingHttpHeaders }

/** A real server on a free loopback port; `seen` lists the requests it got, `closed` resolves as each connection closes. */
async function serve (t: Test, handler: (request: http.IncomingMessage, response: http.ServerResponse) => void, secure = false): Promise<{ url: string, seen: Seen[], closed: Array<Promise<void>> }> {
  const seen: Seen[] = []
  const done: Array<Promise<void>> = []
  const server = secure ? https.createServer(tls) : http.createServer()
  server.on('connection', (socket: net.Socket) => { done.push(closed(socket)) })
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    seen.push({ method: request.method as string, url: request.url as string, headers: request.headers })
    response.on('error', () => {})
    handler(request, response)
  })
  await listen(t, server)
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen, closed: done }
}

/** Listens on a free loopback port until the test ends, then drops every connection left. */
async function listen (t: Test, server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    server.close(resolve)
    for (const socket of sockets) socket.destroy()
  }))
  return (server.address() as net.AddressInfo).port
}

/** Resolves when `socket` has closed, whether or not it failed. */
async function closed (socket: net.Socket): Promise<void> {
  socket.on('error', () => {})
  if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve))
}

/** A TCP server: `onSocket` gets each connection, read to the end so that its close is seen. */
async function tcp (t: Test, onSocket: (socket: net.Socket) => void): Promise<{ port: number, sockets: net.Socket[] }> {
  const sockets: net.Socket[] = []
  const server = net.createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {}).resume()
    onSocket(socket)
  })
  return { port: await listen(t, server), sockets }
}

/** A TCP server that accepts connections and never answers. */
async function hung (t: Test): Promise<{ url: string, sockets: net.Socket[] }> {
  const { port, sockets } = await tcp(t, () => {})
  return { url: `http://127.0.0.1:${port}/healthz/live`, sockets }
}

/** A loopback port with nothing listening: bound, then closed. */
async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Writes `chunk` for as long as the client reads, up to `total` bytes (forever without it). */
function stream (response: http.ServerResponse, total = Infinity): void {
  const chunk = Buffer.alloc(64 * 1024, 'health\n')
  let sent = 0
  const pump = (): void => {
    while (!response.destroyed && sent < total) {
      sent += chunk.length
      if (!response.write(chunk)) return
    }
    if (!response.destroyed) response.end()
  }
  response.on('drain', pump)
  pump()
}

async function run (argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, { stdout: { write: (text) => { stdout += text } }, stderr: { write: (text) => { stderr += text } } })
  return { code, stdout, stderr }
}

const json503 = JSON.stringify({ status: 503, title: 'Service Unavailable', checks: { db: { status: 'fail', output: "Can't connect to the database" } } })

t.test('arguments', async (t) => {
  const ok = parseArgs(['probe', 'http://127.0.0.1:3000/healthz/live'])
  t.same(ok, { url: new URL('http://127.0.0.1:3000/healthz/live'), timeout: defaultTimeout })
  t.match(parseArgs(['probe', 'https://h/x', '--timeout', '500']), { timeout: 500 })
  t.match(parseArgs(['probe', '--timeout=2147483647', 'http://h/']), { timeout: 2147483647 })
  for (const help of [['help'], ['--help'], ['-h'], ['probe', '-h'], ['probe', 'http://h/', '--help']]) t.same(parseArgs(help), { help: true }, help.join(' '))
  const errors: Array<[string[], string]> = [
    [[], 'missing command'],
    [['check', 'http://h/'], 'unknown command "check"'],
    [['probe'], 'missing <url>'],
    [['probe', 'http://h/', 'http://i/'], 'unexpected argument "http://i/"'],
    [['probe', 'http://h/', '--verbose'], 'unknown option "--verbose"'],
    [['probe', 'http://h/', '-t', '5'], 'unknown option "-t"'],
    [['probe', 'http://h/', '--timeout'], '--timeout needs a value'],
    [['probe', 'http://h/', '--timeout', '1', '--timeout=2'], '--timeout given twice'],
    [['probe', 'localhost:3000/healthz'], 'only http and https URLs can be probed, not "localhost:"'],
    [['probe', '127.0.0.1:3000/healthz'], 'not a URL: "127.0.0.1:3000/healthz"'],
    [['probe', 'http://'], 'not a URL: "http://"'],
    [['probe', 'ftp://h/'], 'only http and https URLs can be probed, not "ftp:"'],
    [['probe', 'file:///etc/passwd'], 'only http and https URLs can be probed, not "file:"']
  ]
  for (const timeout of ['0', '-1', '1.5', '2s', '', ' 2', '1e3', '0x10', '02', '2147483648', '99999999999']) {
    errors.push([['probe', 'http://h/', `--timeout=${timeout}`], `--timeout must be a whole number of milliseconds from 1 to 2147483647, not ${JSON.stringify(timeout)}`])
  }
  for (const [argv, error] of errors) t.same(parseArgs(argv), { error }, argv.join(' '))
  t.equal((parseArgs(['probe', `http://h/${'x'.repeat(500)}`, 'y\n'.repeat(100)]) as { error: string }).error.length, 'unexpected argument '.length + 80, 'long values are cut')
})

t.test('usage errors exit 1 with one line and the usage on stderr; --help exits 0', async (t) => {
  const bad = await run(['probe', 'not a url'])
  t.equal(bad.code, 1)
  t.equal(bad.stdout, '')
  t.equal(bad.stderr, `fastify-healthz: not a URL: "not a url"\n${usage}\n`)
  const help = await run(['--help'])
  t.same(help, { code: 0, stdout: `${usage}\n`, stderr: '' })
})

t.test('a 200 exits 0 with one line; the request is a plain GET that asks to close', async (t) => {
  const server = await serve(t, (_request, response) => { response.end('{"status":200,"title":"OK"}') })
  const result = await run(['probe', `${server.url}/healthz/live?verbose`])
  t.equal(result.code, 0)
  t.match(result.stdout, new RegExp(`^${server.url}/healthz/live\\?verbose: 200 OK in \\d+ ms\\n$`), 'no body for a healthy answer')
  t.equal(result.stderr, '')
  t.equal(server.seen.length, 1)
  t.match(server.seen[0], { method: 'GET', url: '/healthz/live?verbose', headers: { 'user-agent': `fastify-healthz-probe/${version}`, connection: 'close', accept: '*/*' } })
  await Promise.all(server.closed)
})

t.test('a 2xx or 3xx is healthy, anything else is not', async (t) => {
  const server = await serve(t, (request, response) => {
    response.writeHead(Number(request.url?.slice(1)))
    response.end()
  })
  for (const [status, code, text] of [[204, 0, '204 No Content'], [299, 0, '299'], [304, 0, '304 Not Modified'], [399, 0, '399'], [400, 1, '400 Bad Request'], [404, 1, '404 Not Found'], [500, 1, '500 Internal Server Error'], [599, 1, '599']] as const) {
    const result = await run(['probe', `${server.url}/${status}`])
    t.equal(result.code, code, String(status))
    t.match(result.stdout, new RegExp(`: ${text} in \\d+ ms\\n$`))
  }
})

t.test('a redirect is healthy and is not followed', async (t) => {
  const target = await serve(t, (_request, response) => { response.end('followed') })
  const server = await serve(t, (_request, response) => {
    response.writeHead(301, { location: `${target.url}/login` })
    response.end('moved')
  })
  const result = await run(['probe', `${server.url}/healthz/ready`])
  t.equal(result.code, 0)
  t.match(result.stdout, /: 301 Moved Permanently in \d+ ms\n$/)
  t.equal(server.seen.length, 1)
  t.equal(target.seen.length, 0, 'the Location was never requested')
})

t.test('a 503 exits 1 and shows its body on the same line', async (t) => {
  const server = await serve(t, (_request, response) => {
    response.writeHead(503, { 'content-type': 'application/problem+json' })
    response.end(json503)
  })
  const result = await run(['probe', `${server.url}/healthz/ready`])
  t.equal(result.code, 1)
  t.match(result.stdout, new RegExp(`^${server.url}/healthz/ready: 503 Service Unavailable in \\d+ ms: ${json503.replace(/[{}]/g, '\\$&')}\\n$`))
})

t.test('a body is shown on one line, cleaned of control characters and cut at 200 characters', async (t) => {
  const pretty = JSON.stringify(JSON.parse(json503), null, 2)
  const server = await serve(t, (request, response) => {
    response.writeHead(500)
    if (request.url === '/pretty') response.end(`\n${pretty}\r\n`)
    else if (request.url === '/escape') response.end('\u001b[2J\u001b[31mred\u0007\u2028next\u202eevil')
    else response.end('é'.repeat(1000))
  })
  t.equal((await run(['probe', `${server.url}/pretty`])).stdout.split(': ').slice(2).join(': '), `${oneLine(pretty)}\n`)
  t.match((await run(['probe', `${server.url}/escape`])).stdout, / in \d+ ms: \[2J \[31mred next evil\n$/)
  const long = (await run(['probe', `${server.url}/long`])).stdout
  t.equal(long.slice(long.indexOf(' ms: ') + 5), `${'é'.repeat(bodyChars - 1)}…\n`)
})

t.test('an endless body: 200 characters shown, the connection dropped', async (t) => {
  const server = await serve(t, (_request, response) => {
    response.writeHead(503)
    stream(response)
  })
  const result = await run(['probe', `${server.url}/healthz/ready`])
  t.equal(result.code, 1)
  const body = result.stdout.slice(result.stdout.indexOf(' ms: ') + 5, -1)
  t.equal(Array.from(body).length, bodyChars)
  t.equal(body, `${'health '.repeat(40).slice(0, bodyChars - 1)}…`)
  await Promise.all(server.closed)
})

t.test('a hung server times out', async (t) => {
  const server = await hung(t)
  const started = performance.now()
  const result = await run(['probe', server.url, '--timeout', '200'])
  t.ok(performance.now() - started >= 199)
  t.same(result, { code: 1, stdout: `${server.url}: timed out after 200 ms\n`, stderr: '' })
  t.equal(server.sockets.length, 1)
  await closed(server.sockets[0] as net.Socket)
})

t.test('headers then silence: the timeout covers the body too', async (t) => {
  const server = await serve(t, (_request, response) => {
    response.writeHead(200, { 'content-length': '100' })
    response.write('{"status":')
  })
  const result = await run(['probe', `${server.url}/healthz/live`, '--timeout=200'])
  t.same(result, { code: 1, stdout: `${server.url}/healthz/live: 200 OK, then timed out after 200 ms\n`, stderr: '' })
  await Promise.all(server.closed)
})

t.test('a connection closed in the middle of the body fails', async (t) => {
  const server = await serve(t, (request, response) => {
    response.writeHead(200, { 'content-length': '100' })
    response.write('{"status":', () => { request.socket.destroy() })
  })
  const result = await run(['probe', `${server.url}/healthz/live`])
  t.equal(result.code, 1)
  t.match(result.stdout, /: 200 OK, then connection closed early \(ECONNRESET\) after \d+ ms\n$/)
})

t.test('connection refused, closed without an answer, not HTTP', async (t) => {
  const port = await freePort()
  const refused = await run(['probe', `http://127.0.0.1:${port}/healthz/live`])
  t.equal(refused.code, 1)
  t.match(refused.stdout, new RegExp(`^http://127\\.0\\.0\\.1:${port}/healthz/live: connection refused after \\d+ ms\\n$`))

  const closing = await tcp(t, (socket) => { socket.end() })
  t.match((await run(['probe', `http://127.0.0.1:${closing.port}/`])).stdout, /: connection closed early \(ECONNRESET\) after \d+ ms\n$/)

  const garbage = await tcp(t, (socket) => { socket.end('SSH-2.0-OpenSSH_9.2\r\n') })
  const result = await run(['probe', `http://127.0.0.1:${garbage.port}/`])
  t.equal(result.code, 1)
  t.match(result.stdout, /: Parse Error: .* \(HPE_[A-Z_]+\) after \d+ ms\n$/)
})

t.test('https: certificates are verified, TLS errors are one line', async (t) => {
  const secure = await serve(t, (_request, response) => { response.end('ok') }, true)
  const selfSigned = await run(['probe', `${secure.url}/healthz/live`])
  t.equal(selfSigned.code, 1)
  t.match(selfSigned.stdout, /: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\) after \d+ ms\n$/)
  t.equal(secure.seen.length, 0)

  const plain = await serve(t, (_request, response) => { response.end('ok') })
  const wrong = await run(['probe', `${plain.url.replace('http:', 'https:')}/healthz/live`])
  t.equal(wrong.code, 1)
  t.match(wrong.stdout, /^https:\/\/.*: TLS error: wrong version number \(EPROTO\) after \d+ ms\n$/)
})

t.test('credentials in the URL are sent, never printed', async (t) => {
  const server = await serve(t, (_request, response) => { response.end() })
  const result = await run(['probe', server.url.replace('//', '//probe:s3cret@') + '/healthz/live'])
  t.equal(result.code, 0)
  t.notMatch(result.stdout, /probe|s3cret/)
  t.match(result.stdout, `${server.url}/healthz/live: 200 OK`)
  t.equal(server.seen[0]?.headers.authorization, `Basic ${Buffer.from('probe:s3cret').toString('base64')}`)
})

t.test('error descriptions', async (t) => {
  const error = (code: string | undefined, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code })
  t.equal(describeError(error('ENOTFOUND', 'getaddrinfo ENOTFOUND db.invalid')), 'host not found')
  t.equal(describeError(error('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db')), 'host lookup failed (temporary DNS failure)')
  t.equal(describeError(error('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:80')), 'connect EHOSTUNREACH 10.0.0.1:80')
  t.equal(describeError(error('CERT_HAS_EXPIRED', 'certificate has expired')), 'certificate has expired (CERT_HAS_EXPIRED)')
  t.equal(describeError(error(undefined, 'odd\nfailure')), 'odd failure')
  t.equal(describeError(error('ERR_SSL_X', 'C0:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl.c:1:\n')), 'TLS error: certificate verify failed (ERR_SSL_X)')
})

t.test('text helpers', async (t) => {
  t.equal(oneLine('  a\r\n\tb\u0000c\u0085d\u200be  '), 'a b c d e')
  t.equal(truncate('abc', 3), 'abc')
  t.equal(truncate('abcd', 3), 'ab…')
  t.equal(truncate('😀😀😀😀', 3), '😀😀…', 'cut between characters, never inside one')
})

t.test('the version sent in the User-Agent is the package version', async (t) => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
  t.equal(version, pkg.version, 'npm version updates lib/cli-probe.ts (the "version" script)')
})

t.test('main() turns an unexpected exception into one line and exit code 1', async (t) => {
  let stderr = ''
  const code = await main(['--help'], { stdout: { write: () => { throw new Error('stdout\nclosed') } }, stderr: { write: (text) => { stderr += text } } })
  t.equal(code, 1)
  t.equal(stderr, 'fastify-healthz: Error: stdout closed\n')
})

t.test('lib/cli.ts runs main() on the process arguments and exits with its code', async (t) => {
  const exits = t.capture(process, 'exit', (() => {}) as never)
  t.intercept(process, 'argv', { value: [process.execPath, 'cli.js', 'probe'] })
  const stderr = t.capture(process.stderr, 'write', () => true)
  await import('../lib/cli.js')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(exits().map((call) => call.args), [[1]])
  t.same(stderr().map((call) => call.args[0]), [`fastify-healthz: missing <url>\n${usage}\n`])
})

// ---------------------------------------------------------------------------------------------------
// The built command as a real process, as Docker runs it.

const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const builds = { cjs: join(root, 'dist/cjs/cli.js') }

interface Exit { code: number | null, signal: string | null, stdout: string, stderr: string, ms: number }

/** Runs `file` (or node with `args`) and collects its exit; a watchdog kills it after 20 s. */
async function command (args: string[], options: { env?: NodeJS.ProcessEnv, file?: string } = {}): Promise<Exit> {
  const started = performance.now()
  // tap adds its loaders to every child's NODE_OPTIONS: env -u takes them away again.
  const argv = ['-u', 'NODE_OPTIONS', options.file ?? process.execPath, ...args]
  const child = spawn('/usr/bin/env', argv, { env: options.env ?? env, stdio: ['ignore', 'pipe', 'pipe'] })
  const watchdog = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code, signal] = await once(child, 'close') as [number | null, string | null]
  clearTimeout(watchdog)
  return { code, signal, stdout, stderr, ms: performance.now() - started }
}

t.test('package.json: the bin is the CommonJS build, and npm pack ships it', async (t) => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.same(pkg.bin, { 'fastify-healthz': 'dist/cjs/cli.js' })
  for (const file of Object.values(builds)) t.equal((await readFile(file, 'utf8')).split('\n')[0], '#!/usr/bin/env node', 'the shebang survives tsc')
  const packed = await command([join(dirname(process.execPath), 'npm'), 'pack', '--dry-run', '--json', '--ignore-scripts'], { env: { ...env, npm_config_loglevel: 'silent' } })
  t.equal(packed.code, 0, packed.stderr)
  const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path)
  for (const file of ['dist/cjs/cli.js', 'dist/cjs/cli-probe.js']) t.ok(files?.includes(file), file)
  t.notOk(files?.includes('dist/esm/cli.js'), 'the ES module build is its entries only: the bin has no copy there')
})

for (const [build, file] of Object.entries(builds)) {
  t.test(`node dist/${build}/cli.js against real servers`, async (t) => {
    const ok = await serve(t, (_request, response) => { response.end('{"status":200,"title":"OK"}') })
    const pass = await command([file, 'probe', `${ok.url}/healthz/live`])
    t.match(pass, { code: 0, stderr: '' })
    t.match(pass.stdout, new RegExp(`^${ok.url}/healthz/live: 200 OK in \\d+ ms\\n$`))
    t.match(ok.seen[0]?.headers, { 'user-agent': `fastify-healthz-probe/${version}` })

    const target = await serve(t, (_request, response) => { response.end() })
    const redirect = await serve(t, (_request, response) => { response.writeHead(302, { location: `${target.url}/elsewhere` }).end() })
    t.match(await command([file, 'probe', `${redirect.url}/healthz/live`]), { code: 0, stdout: /: 302 Found in \d+ ms\n$/ })
    t.equal(target.seen.length, 0, 'the redirect was not followed')

    const failing = await serve(t, (_request, response) => { response.writeHead(503).end(json503) })
    const fail = await command([file, 'probe', `${failing.url}/healthz/ready`])
    t.match(fail, { code: 1, stderr: '' })
    t.equal(fail.stdout.slice(fail.stdout.indexOf(' ms: ') + 5), `${json503}\n`)

    const server = await hung(t)
    const timeout = await command([file, 'probe', server.url, '--timeout', '500'])
    t.match(timeout, { code: 1, signal: null, stdout: `${server.url}: timed out after 500 ms\n` })
    t.ok(timeout.ms >= 500)

    const port = await freePort()
    t.match(await command([file, 'probe', `http://127.0.0.1:${port}/healthz/live`]), { code: 1, stdout: /: connection refused after \d+ ms\n$/ })

    const usageError = await command([file, 'probe', 'http//127.0.0.1:3000/healthz/live'])
    t.same({ ...usageError, ms: 0 }, { code: 1, signal: null, stdout: '', stderr: `fastify-healthz: not a URL: "http//127.0.0.1:3000/healthz/live"\n${usage}\n`, ms: 0 })
    t.match(await command([file, 'probe', `${ok.url}/`, '--timeout', 'soon']), { code: 1, stderr: /^fastify-healthz: --timeout must be/ })
  })

  t.test(`node dist/${build}/cli.js: a huge or endless body ends the command at once`, async (t) => {
    const huge = await serve(t, (_request, response) => { stream(response, 50 * 1024 * 1024) })
    t.match(await command([file, 'probe', `${huge.url}/healthz/live`]), { code: 0, signal: null, stdout: /: 200 OK in \d+ ms\n$/ })
    await Promise.all(huge.closed)

    const endless = await serve(t, (_request, response) => { response.writeHead(500); stream(response) })
    const result = await command([file, 'probe', `${endless.url}/healthz/live`])
    t.match(result, { code: 1, signal: null })
    t.ok(Array.from(result.stdout.slice(result.stdout.indexOf(' ms: ') + 5, -1)).length <= bodyChars)
    t.equal(result.stdout.split('\n').length, 2, 'one line')
    await Promise.all(endless.closed)
  })
}

t.test('against the plugin itself: live passes, a failing ready shows its body, an unknown probe fails', async (t) => {
  const app = Fastify()
  await app.register(healthz)
  app.healthz.add('db', () => { throw new HealthError("Can't connect to the database") })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}/healthz`
  t.match(await command([builds.cjs, 'probe', `${base}/live`]), { code: 0, stdout: /\/live: 200 OK in \d+ ms\n$/ })
  const ready = await command([builds.cjs, 'probe', `${base}/ready`])
  t.equal(ready.code, 1)
  t.equal(ready.stdout.slice(ready.stdout.indexOf(' ms: ') + 5), '{"status":503,"title":"Service Unavailable","checks":{"db":{"status":"fail","output":"Can\'t connect to the database"}}}\n')
  t.match(await command([builds.cjs, 'probe', `${base}/nope`]), { code: 1, stdout: /\/nope: 404 Not Found in \d+ ms: \{"status":404/ })
})

t.test('https with the CA given by NODE_EXTRA_CA_CERTS; without it, a TLS error', async (t) => {
  const secure = await serve(t, (_request, response) => { response.end() }, true)
  t.match(await command([builds.cjs, 'probe', `${secure.url}/healthz/live`], { env: { ...env, NODE_EXTRA_CA_CERTS: certFile } }), { code: 0, stdout: /200 OK/ })
  t.match(await command([builds.cjs, 'probe', `${secure.url.replace('127.0.0.1', 'localhost')}/healthz/live`], { env: { ...env, NODE_EXTRA_CA_CERTS: certFile } }), { code: 0, stdout: /200 OK/ })
  t.match(await command([builds.cjs, 'probe', `${secure.url}/healthz/live`], { env: { ...env, NODE_EXTRA_CA_CERTS: '' } }), { code: 1, stdout: /self-signed certificate/ })
})

t.test('an unresolvable host fails (.invalid never resolves)', async (t) => {
  const result = await command([builds.cjs, 'probe', 'http://fastify-healthz.invalid/healthz/live', '--timeout', '5000'])
  t.equal(result.code, 1)
  t.match(result.stdout, /^http:\/\/fastify-healthz\.invalid\/healthz\/live: (host not found|host lookup failed|timed out)/)
})

t.test('the command loads nothing but its two files and Node built-ins', async (t) => {
  const server = await serve(t, (_request, response) => { response.end() })
  const hook = join(root, 'test/fixtures/cli-loaded-modules.cjs')
  const result = await command(['--require', hook, builds.cjs, 'probe', `${server.url}/`])
  t.equal(result.code, 0)
  t.same(JSON.parse(result.stderr), [hook, builds.cjs, join(root, 'dist/cjs/cli-probe.js')], 'no fastify, no plugin, no package')
})

t.test('the bin runs alone, with no node_modules, through a symlinked bin and the shebang', async (t) => {
  const server = await serve(t, (_request, response) => { response.end() })
  const dir = await mkdtemp(join(tmpdir(), 'fastify-healthz-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const pkg = join(dir, 'node_modules/fastify-healthz')
  await mkdir(join(pkg, 'dist/cjs'), { recursive: true })
  await mkdir(join(dir, 'node_modules/.bin'))
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'fastify-healthz', type: 'module' }))
  await writeFile(join(pkg, 'dist/cjs/package.json'), '{"type":"commonjs"}\n')
  for (const name of ['cli.js', 'cli-probe.js']) await copyFile(join(root, 'dist/cjs', name), join(pkg, 'dist/cjs', name))
  await chmod(join(pkg, 'dist/cjs/cli.js'), 0o755)
  const bin = join(dir, 'node_modules/.bin/fastify-healthz')
  await symlink('../fastify-healthz/dist/cjs/cli.js', bin)
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`
  t.match(await command(['probe', `${server.url}/healthz/live`], { file: bin, env: { ...env, PATH: path } }), { code: 0, stdout: /200 OK/ }, 'through the symlinked bin')
  t.match(await command([join(pkg, 'dist/cjs/cli.js'), 'probe', `${server.url}/healthz/live`]), { code: 0, stdout: /200 OK/ }, 'by its path')
})
