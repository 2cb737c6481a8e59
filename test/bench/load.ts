// A tiny keep-alive HTTP/1.1 load generator for the instruction-count benchmark:
// `connections` sockets, each sending its share of `requests` one after another,
// so that every run serves exactly the number of requests asked for.
import { connect, type Socket } from 'node:net'

export interface LoadResult {
  /** Responses received with status 200. */
  ok: number
  /** Responses with another status. */
  other: number
  /** The first response's body, to check what the route answered. */
  firstBody: string
}

/** Sends `count` GET requests on one keep-alive connection, one at a time. */
function drive (socket: Socket, request: Buffer, count: number, result: LoadResult): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0
    let received = 0
    let buffer = ''
    const send = (): void => {
      sent++
      socket.write(request)
    }
    socket.setEncoding('latin1')
    socket.on('error', reject)
    socket.on('close', () => { if (received < count) reject(new Error(`connection closed after ${received} of ${count} responses`)) })
    socket.on('data', (chunk: string) => {
      buffer += chunk
      // Responses are small and carry content-length: parse every complete one in the buffer.
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buffer.slice(0, end)
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        if (buffer.length < end + 4 + length) return
        const body = buffer.slice(end + 4, end + 4 + length)
        buffer = buffer.slice(end + 4 + length)
        if (head.startsWith('HTTP/1.1 200 ')) result.ok++
        else result.other++
        if (result.ok + result.other === 1) result.firstBody = body
        received++
        if (received === count) {
          socket.end()
          resolve()
          return
        }
        if (sent < count) send()
      }
    })
    send()
  })
}

/** Sends `requests` GET requests to `http://127.0.0.1:<port><path>` over `connections` keep-alive connections. */
export async function load (port: number, path: string, requests: number, connections: number): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, other: 0, firstBody: '' }
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`, 'latin1')
  const shares = Array.from({ length: connections }, (_, i) => Math.floor(requests / connections) + (i < requests % connections ? 1 : 0))
  await Promise.all(shares.filter((share) => share > 0).map(async (share) => {
    const socket = connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    await drive(socket, request, share, result)
  }))
  return result
}
