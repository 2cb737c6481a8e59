import http from 'node:http'

export interface ProbeResult {
  /** The kubelet's verdict: a status from 200 to 399 within the timeout. */
  success: boolean
  status?: number
  error?: string
}

/** One HTTP probe as the kubelet sends it: a new connection, its User-Agent, a one-second timeout. */
export function kubeletProbe (port: number, path: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get({
      host: '127.0.0.1',
      port,
      path,
      agent: false,
      timeout: 1000,
      headers: { 'user-agent': 'kube-probe/1.31', accept: '*/*', connection: 'close' }
    }, (res) => {
      const status = res.statusCode as number
      res.resume()
      res.on('end', () => { resolve({ success: status >= 200 && status < 400, status }) })
    })
    req.on('timeout', () => { req.destroy(new Error('ETIMEDOUT')) })
    req.on('error', (error: NodeJS.ErrnoException) => { resolve({ success: false, error: error.code ?? error.message }) })
  })
}
