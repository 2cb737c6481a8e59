// A tiny keep-alive HTTP/1.1 client for the instruction-count benchmark: one connection for the
// whole life of a measured server, sending one request at a time, so that the server takes in one
// request per turn of its event loop whatever the timing, and every batch serves exactly the
// number of requests asked for. One connection throughout matters: a server that gets a new
// connection after its warm-up re-optimises its request path, which costs about 750 million
// instructions over the next 10,000 requests (docs/benchmarks.md).
import { connect } from 'node:net'

export interface LoadResult {
  /** Responses received with status 200. */
  ok: number
  /** Responses with another status. */
  other: number
  /** The first response's body, to check what the route answered. */
  firstBody: string
}

export interface Connection {
  /** Sends `count` GET requests, one after another. */
  send (count: number): Promise<LoadResult>
  close (): void
}

/** Opens one keep-alive connection to `http://127.0.0.1:<port><path>`. */
export async function openConnection (port: number, path: string): Promise<Connection> {
  const socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  socket.setEncoding('latin1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`
  let buffer = ''
  let batch: { left: number, result: LoadResult, resolve: (result: LoadResult) => void, reject: (error: Error) => void } | undefined
  const fail = (error: Error): void => {
    batch?.reject(error)
    batch = undefined
  }
  socket.on('error', fail)
  socket.on('close', () => { fail(new Error('the connection closed')) })
  socket.on('data', (chunk: string) => {
    buffer += chunk
    // Responses are small and carry content-length: parse every complete one in the buffer.
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n')
      if (end === -1 || batch === undefined) return
      const head = buffer.slice(0, end)
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
      if (buffer.length < end + 4 + length) return
      const { result } = batch
      if (result.ok + result.other === 0) result.firstBody = buffer.slice(end + 4, end + 4 + length)
      buffer = buffer.slice(end + 4 + length)
      if (head.startsWith('HTTP/1.1 200 ')) result.ok++
      else result.other++
      if (--batch.left === 0) {
        const { resolve } = batch
        batch = undefined
        resolve(result)
        return
      }
      socket.write(request)
    }
  })
  return {
    send (count) {
      return new Promise((resolve, reject) => {
        if (socket.destroyed) throw new Error('the connection closed')
        batch = { left: count, result: { ok: 0, other: 0, firstBody: '' }, resolve, reject }
        socket.write(request)
      })
    },
    close () { socket.end() }
  }
}
