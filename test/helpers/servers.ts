// Real servers for the tests of fastify-healthz/checks, started from the system's
// binaries on a free loopback port with a temporary data directory, and always
// torn down: by `stop()` in a teardown, and otherwise by a reaper process that
// kills them when this test process ends in any way (even SIGKILL).
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, writeFileSync, chownSync, openSync, closeSync, readFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

/** The secrets the tests use: no probe response may contain any of them. */
export const secrets = {
  user: 'healthz_secret_user',
  password: 'Pa55-hunter2-secret',
  database: 'healthz_secret_db'
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A free TCP port on the loopback interface. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/** Retries `fn` until it resolves, or throws its last error after `timeout` ms. */
export async function waitFor<T> (fn: () => Promise<T>, timeout = 30000, every = 100): Promise<T> {
  const until = Date.now() + timeout
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      if (Date.now() > until) throw error
      await sleep(every)
    }
  }
}

/** Resolves once something accepts TCP connections on the port. */
export async function tcpOpen (port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve() })
    socket.once('error', reject)
  })
}

/**
 * Established TCP connections to a local port, as the kernel sees them from the
 * server's side: counts connections even while the server is stopped (SIGSTOP).
 */
export function established (port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  let count = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length > 3 && fields[1].endsWith(`:${hex}`) && fields[3] === '01') count++
    }
  }
  return count
}

/** The first existing path of a binary, or a loud failure naming the package to install. */
export function binary (names: readonly string[], pkg: string): string {
  // RabbitMQ's own scripts first: Debian's /usr/sbin wrappers switch to the rabbitmq user.
  const dirs = ['/usr/lib/rabbitmq/bin', ...postgresBins(), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']
  for (const dir of dirs) {
    for (const name of names) if (existsSync(join(dir, name))) return join(dir, name)
  }
  throw new Error(`${names.join(' or ')} not found: install the Debian package "${pkg}" (npm run test:servers does it)`)
}

function postgresBins (): string[] {
  try {
    return readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((version) => `/usr/lib/postgresql/${version}/bin`)
  } catch {
    return []
  }
}

interface StartSpec {
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  /** Run the server as this user (root only). */
  user?: string
}

/** A server process group in a temporary directory. */
export class RealServer {
  readonly dir: string
  readonly port: number
  child: ChildProcess | undefined
  #reaper: ChildProcess
  #spec: StartSpec | undefined
  #log: string

  constructor (name: string, port: number) {
    this.dir = mkdtempSync(join(tmpdir(), `healthz-${name}-`))
    this.port = port
    this.#log = join(this.dir, 'server.log')
    // Reads process group ids on stdin; when stdin closes (this process ended, however), kills them and removes the directory.
    this.#reaper = spawn('sh', ['-c', [
      'tree() { for c in $(pgrep -P "$1"); do echo "$c"; tree "$c"; done; }',
      'groups=""; while read -r g; do groups="$groups $g"; done',
      'for g in $groups; do for p in $(tree "$g") "$g"; do kill -CONT "$p"; kill -KILL "$p"; done 2>/dev/null; kill -KILL -- "-$g" 2>/dev/null; done',
      'sleep 0.2; rm -rf "$0"'
    ].join('\n'), this.dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true
    })
    this.#reaper.unref()
    ;(this.#reaper.stdin as unknown as { unref: () => void }).unref()
  }

  /** Starts (or restarts) the server process as its own process group. */
  start (spec?: StartSpec): void {
    if (spec !== undefined) this.#spec = spec
    const { command, args, env, user } = this.#spec as StartSpec
    const [file, argv] = user !== undefined && isRoot ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args]
    const out = openSync(this.#log, 'a')
    const child = spawn(file, argv, { cwd: this.dir, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true })
    closeSync(out)
    child.unref()
    this.child = child
    this.#reaper.stdin?.write(`${child.pid}\n`)
  }

  /** The tail of the server's own log, for failure messages. */
  logTail (): string {
    try {
      return readFileSync(this.#log, 'utf8').slice(-2000)
    } catch {
      return ''
    }
  }

  /** Signals the server's whole process tree (PostgreSQL's children each start their own session, out of the group). */
  signal (signal: NodeJS.Signals): void {
    const pid = this.child?.pid
    if (pid === undefined) return
    for (const each of [pid, ...descendants(pid)]) {
      try {
        process.kill(each, signal)
      } catch {}
    }
  }

  /** SIGKILLs the whole group and waits until every process of it is gone and the port is closed. */
  async kill (): Promise<void> {
    const pid = this.child?.pid
    if (pid === undefined) return
    this.signal('SIGCONT')
    this.signal('SIGKILL')
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
    this.child = undefined
    await waitFor(async () => {
      let alive = true
      try {
        process.kill(-pid, 0)
      } catch {
        alive = false
      }
      const open = await tcpOpen(this.port).then(() => true, () => false)
      if (alive || open) throw new Error(`server group ${pid} still alive or port ${this.port} still open`)
    }, 10000, 20)
  }

  /**
   * SIGSTOPs the server's tree and returns once every thread of it is stopped.
   * A group stop reaches a multi-threaded server's threads one by one: until
   * then, a thread woken by a request can still answer it.
   */
  async stop (): Promise<void> {
    this.signal('SIGSTOP')
    const pid = this.child?.pid
    if (pid === undefined) return
    await waitFor(async () => {
      const running = [pid, ...descendants(pid)].flatMap((each) => threadStates(each)).filter((state) => !'TtZX'.includes(state))
      if (running.length > 0) throw new Error(`server ${pid}: ${running.length} threads not stopped yet`)
    }, 10000, 5)
  }

  cont (): void { this.signal('SIGCONT') }

  /** Kills the server and removes its directory. */
  async close (): Promise<void> {
    await this.kill()
    this.#reaper.stdin?.end()
  }
}

/** The scheduler state (`R`, `S`, `T`…) of every thread of a process, from /proc; none once it is gone. */
function threadStates (pid: number): string[] {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  return tasks.flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      return [stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)]
    } catch {
      return []
    }
  })
}

/** The process ids under `pid`, from /proc. */
function descendants (pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = children.get(ppid) ?? []
    list.push(Number(entry))
    children.set(ppid, list)
  }
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/** Runs a command, failing with its output. */
export async function sh (file: string, args: string[], options: { env?: NodeJS.ProcessEnv, cwd?: string, user?: string } = {}): Promise<string> {
  const [command, argv] = options.user !== undefined && isRoot ? ['runuser', ['-u', options.user, '--', file, ...args]] : [file, args]
  try {
    const { stdout } = await run(command, argv, { env: { ...process.env, ...options.env }, cwd: options.cwd, maxBuffer: 1 << 24 })
    return stdout
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string, stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed: ${String(error)}\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

function chownTree (dir: string, user: string): void {
  if (!isRoot) return
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith(`${user}:`))
  if (passwd === undefined) throw new Error(`no user ${user}: install the Debian package that creates it`)
  const [, , uid, gid] = passwd.split(':')
  chownSync(dir, Number(uid), Number(gid))
}

// ---------------------------------------------------------------- PostgreSQL

export interface Postgres extends RealServer {
  /** Connection settings of the app's user. */
  config: { host: string, port: number, user: string, password: string, database: string }
  restart: () => Promise<void>
}

/** PostgreSQL with password (scram) auth, a user and a database named after `secrets`. */
export async function startPostgres (): Promise<Postgres> {
  const postgres = binary(['postgres'], 'postgresql')
  const initdb = binary(['initdb'], 'postgresql')
  const server = new RealServer('pg', await freePort()) as Postgres
  chownTree(server.dir, 'postgres')
  const data = join(server.dir, 'data')
  const pwfile = join(server.dir, 'pw')
  writeFileSync(pwfile, `${secrets.password}\n`)
  chownTree(pwfile, 'postgres')
  await sh(initdb, ['-D', data, '-U', secrets.user, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '--no-sync', '-E', 'UTF8'], { user: 'postgres' })
  server.config = { host: '127.0.0.1', port: server.port, user: secrets.user, password: secrets.password, database: secrets.database }
  server.restart = async () => {
    server.start({
      command: postgres,
      args: ['-D', data, '-p', String(server.port), '-k', server.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
        '-c', 'max_connections=40', '-c', 'shared_buffers=16MB', '-c', 'log_min_messages=warning'],
      user: 'postgres'
    })
    await waitFor(async () => { await sh(binary(['pg_isready'], 'postgresql'), ['-h', '127.0.0.1', '-p', String(server.port), '-t', '1']) }, 30000, 100)
      .catch((error) => { throw new Error(`PostgreSQL did not start: ${String(error)}\n${server.logTail()}`) })
  }
  await server.restart()
  const psql = binary(['psql'], 'postgresql-client')
  await sh(psql, ['-h', server.dir, '-p', String(server.port), '-U', secrets.user, '-d', 'postgres', '-c', `CREATE DATABASE ${secrets.database}`], { user: 'postgres' })
  return server
}

// ---------------------------------------------------------------- MariaDB

export interface Mariadb extends RealServer {
  config: { host: string, port: number, user: string, password: string, database: string }
  socket: string
  restart: () => Promise<void>
}

/** MariaDB with a user (password auth) and a database named after `secrets`. */
export async function startMariadb (): Promise<Mariadb> {
  const mariadbd = binary(['mariadbd', 'mysqld'], 'mariadb-server')
  const install = binary(['mariadb-install-db', 'mysql_install_db'], 'mariadb-server')
  const client = binary(['mariadb', 'mysql'], 'mariadb-client')
  const server = new RealServer('mariadb', await freePort()) as Mariadb
  const data = join(server.dir, 'data')
  server.socket = join(server.dir, 'mysql.sock')
  await sh(install, ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { cwd: server.dir })
  server.config = { host: '127.0.0.1', port: server.port, user: secrets.user, password: secrets.password, database: secrets.database }
  server.restart = async () => {
    server.start({
      command: mariadbd,
      args: ['--no-defaults', `--datadir=${data}`, `--port=${server.port}`, '--bind-address=127.0.0.1', `--socket=${server.socket}`,
        '--user=root', `--pid-file=${join(server.dir, 'mariadbd.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M', '--skip-name-resolve', `--log-error=${join(server.dir, 'error.log')}`, '--max-connections=40']
    })
    await waitFor(async () => {
      await sh(client, ['--no-defaults', `--socket=${server.socket}`, '-uroot', '-e', 'SELECT 1'])
    }, 30000, 100).catch((error) => { throw new Error(`MariaDB did not start: ${String(error)}\n${server.logTail()}`) })
  }
  await server.restart()
  await sh(client, ['--no-defaults', `--socket=${server.socket}`, '-uroot', '-e',
    `CREATE DATABASE ${secrets.database}; CREATE USER '${secrets.user}'@'%' IDENTIFIED BY '${secrets.password}'; GRANT ALL ON *.* TO '${secrets.user}'@'%'; FLUSH PRIVILEGES;`])
  return server
}

/** Runs SQL on the MariaDB server as root over its socket. */
export async function mariadbSql (server: Mariadb, sql: string): Promise<string> {
  return await sh(binary(['mariadb', 'mysql'], 'mariadb-client'), ['--no-defaults', `--socket=${server.socket}`, '-uroot', '-N', '-B', '-e', sql])
}

/**
 * Runs SQL on the MariaDB server as root and waits `settle` ms more, with the
 * event loop blocked throughout: what the server sends this process meanwhile
 * (the close of killed connections) waits unread, as when many of its
 * connections are closed at the same moment.
 */
export function mariadbSqlBlocking (server: Mariadb, sql: string, settle: number): void {
  const done = spawnSync(binary(['mariadb', 'mysql'], 'mariadb-client'), ['--no-defaults', `--socket=${server.socket}`, '-uroot', '-N', '-B', '-e', sql])
  if (done.status !== 0) throw new Error(`mariadb: ${String(done.stderr)}`)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settle)
}

// ---------------------------------------------------------------- Redis

export interface Redis extends RealServer {
  restart: () => Promise<void>
}

/** Redis with an ACL user named after `secrets`; `cluster` starts a one-node cluster owning every slot. */
export async function startRedis (options: { cluster?: boolean } = {}): Promise<Redis> {
  const redisServer = binary(['redis-server'], 'redis-server')
  const server = new RealServer(options.cluster === true ? 'redis-cluster' : 'redis', await freePort()) as Redis
  server.restart = async () => {
    server.start({
      command: redisServer,
      args: ['--port', String(server.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', server.dir,
        '--user', secrets.user, 'on', `>${secrets.password}`, '~*', '&*', '+@all',
        ...(options.cluster === true ? ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', join(server.dir, 'nodes.conf')] : [])]
    })
    await waitFor(async () => { await redisCli(server, ['PING']) }, 20000, 50)
      .catch((error) => { throw new Error(`Redis did not start: ${String(error)}\n${server.logTail()}`) })
    if (options.cluster === true) {
      await redisCli(server, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']).catch(() => {})
      await waitFor(async () => {
        if (!(await redisCli(server, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) throw new Error('cluster not ok')
      }, 20000, 100)
    }
  }
  await server.restart()
  return server
}

/** Runs a command with redis-cli as the default user. */
export async function redisCli (server: RealServer, args: string[]): Promise<string> {
  return await sh(binary(['redis-cli'], 'redis-tools'), ['-h', '127.0.0.1', '-p', String(server.port), ...args])
}

// ---------------------------------------------------------------- RabbitMQ

export interface Rabbitmq extends RealServer {
  url: string
  restart: () => Promise<void>
  ctl: (args: string[]) => Promise<string>
}

/** RabbitMQ with no plugins and a user named after `secrets`, on its own node name, ports and directories. */
export async function startRabbitmq (): Promise<Rabbitmq> {
  const rabbitmqServer = binary(['rabbitmq-server'], 'rabbitmq-server')
  const server = new RealServer('rabbitmq', await freePort()) as Rabbitmq
  const dist = await freePort()
  const nodename = `healthz${server.port}@localhost`
  writeFileSync(join(server.dir, 'enabled_plugins'), '[].\n')
  writeFileSync(join(server.dir, 'rabbitmq-env.conf'), '')
  writeFileSync(join(server.dir, 'rabbitmq.conf'), [
    `listeners.tcp.default = 127.0.0.1:${server.port}`,
    'log.console = false',
    'log.file.level = warning',
    'disk_free_limit.absolute = 1MB',
    ''
  ].join('\n'))
  writeFileSync(join(server.dir, '.erlang.cookie'), `HEALTHZTESTCOOKIE${server.port}`, { mode: 0o400 })
  const env: NodeJS.ProcessEnv = {
    HOME: server.dir,
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(server.port),
    RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_MNESIA_BASE: join(server.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(server.dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(server.dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(server.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(server.dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(server.dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(server.dir, 'rabbitmq.pid'),
    RABBITMQ_ALLOW_INPUT: '',
    ERL_EPMD_ADDRESS: '127.0.0.1'
  }
  const ctlBinary = rabbitmqServer.replace(/rabbitmq-server$/, 'rabbitmqctl')
  server.ctl = async (args) => await sh(ctlBinary, ['-n', nodename, '-q', ...args], { env })
  server.url = `amqp://${secrets.user}:${secrets.password}@127.0.0.1:${server.port}`
  server.restart = async () => {
    server.start({ command: rabbitmqServer, args: [], env })
    await waitFor(async () => { await tcpOpen(server.port) }, 90000, 200)
      .catch((error) => { throw new Error(`RabbitMQ did not start: ${String(error)}\n${server.logTail()}`) })
  }
  await server.restart()
  await server.ctl(['add_user', secrets.user, secrets.password])
  await server.ctl(['set_permissions', '-p', '/', secrets.user, '.*', '.*', '.*'])
  return server
}
