// 10,000 generated requests under the prefix and around it: no 500, no HTML,
// no crash, small probe bodies, and the app's other routes unaffected.
import t from 'tap'
import { HealthError } from '../lib/index.js'
import { build } from './helpers/app.js'

const REQUESTS = 10_000
const MAX_BODY = 10 * 1024

// mulberry32: a small seeded PRNG, so that a failure can be replayed.
function random (seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const rand = random(20261121)
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]
const repeat = (text: string, max: number): string => text.repeat(1 + Math.floor(rand() * max))

const segments = [
  'live', 'ready', 'startup', 'deep', 'db', 'cache', 'nope', '', '.', '..', '%2e%2e', '%2E', '%', '%%', '%0', '%00', '%ZZ',
  '%E0%A4%A', '%C0%AF', '%FF%FE', '%2F', '%5C', 'é', '%C3%A9', '💥', '%F0%9F%92%A5', '\u0000', 'a\u0000b', ';', ':', '*',
  '~', '!', '$', '&', "'", '(', ')', '+', ',', '=', '@', '[', ']', '|', '\\', '{}', 'ready;', 'live.json', 'READY', 'Live'
]
const queries = [
  '', 'verbose', 'verbose=1', 'verbose=0', 'verbose=%', 'verbose=%ZZ', 'verbose[]=1', 'verbose[a][b]=1', 'exclude', 'exclude=',
  'exclude=db', 'exclude=db,cache,', 'exclude=%', 'exclude=%00', 'exclude[]=db', 'exclude[x]=y', 'exclude=__proto__',
  '__proto__[x]=1', 'constructor[prototype][x]=1', '=', '&&&', '?', '#', 'é=💥', 'a=%E0%A4%A'
]
const methods = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'SEARCH', 'PROPFIND', 'COPY', 'LOCK']
const headerSets: Array<Record<string, string>> = [
  {},
  { accept: 'text/html' },
  { accept: 'application/xml;q=0.9, */*;q=0.1' },
  { 'content-type': 'application/json' },
  { 'content-type': 'text/html; charset=x-unknown' },
  { 'content-type': 'multipart/form-data; boundary=x' },
  { 'accept-encoding': 'gzip, br, zstd, *' },
  { 'x-forwarded-for': '1.1.1.1, ::1, garbage' },
  { authorization: 'Bearer x', cookie: 'a=b; c' },
  { 'user-agent': 'kube-probe/1.31' },
  { 'user-agent': 'x'.repeat(4000) },
  { range: 'bytes=0-1', 'if-none-match': '*' },
  { 'transfer-encoding': 'chunked' }
]
const bodies = [undefined, '', '{', '{"a":1}', '<html><body>x</body></html>', 'x'.repeat(20_000), '\u0000\u0001\u0002']

const realPaths = [
  '/healthz/live', '/healthz/ready', '/healthz/startup', '/healthz/deep', '/healthz/ready/db', '/healthz/ready/cache',
  '/healthz/deep/public', '/healthz/startup/cache', '/healthz/live/db', '/healthz/ready/nope', '/healthz'
]

function generatedUrl (): string {
  // Half real probe paths with hostile queries, half anything.
  if (rand() < 0.5) return `${pick(realPaths)}?${Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(queries)).join('&')}`.slice(0, 9000)
  const prefix = pick(['/healthz', '/healthz', '/healthz', '/healthz/', '/healthz//', '/healthz/../healthz', '/healthzz', '/health', '/HEALTHZ', '//healthz', '/%68ealthz'])
  const path = Array.from({ length: Math.floor(rand() * 4) }, () => rand() < 0.05 ? repeat(pick(['a', '%41', 'é', '..']), 500) : pick(segments)).join('/')
  let url = path === '' ? prefix : `${prefix}/${path}`
  if (rand() < 0.7) {
    const parts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(queries))
    if (rand() < 0.05) parts.push(repeat('exclude=x&', 300))
    if (rand() < 0.03) parts.push(`q=${repeat('z', 6000)}`)
    url += `?${parts.join('&')}`
  }
  return url.slice(0, 9000)
}

t.test(`${REQUESTS} generated requests`, async (t) => {
  const { app } = await build({ customProbes: ['deep' as never] })
  app.healthz.add('db', async () => {}, { probes: ['ready', 'deep' as never] })
  app.healthz.add('cache', () => ({ status: 'warn', output: 'cold' }), { probes: ['ready', 'startup'] })
  app.healthz.add('public', () => { throw new HealthError('x'.repeat(5000)) }, { probes: ['deep' as never], critical: false })
  app.get('/app', async () => ({ app: true }))
  app.post('/app', async (request) => ({ got: request.body }))

  const failures: string[] = []
  const statuses = new Map<number, number>()
  let probeResponses = 0
  for (let i = 0; i < REQUESTS; i++) {
    const method = pick(methods)
    const url = generatedUrl()
    const body = method === 'GET' || method === 'HEAD' ? (rand() < 0.1 ? pick(bodies) : undefined) : pick(bodies)
    const res = await app.inject({ method: method as 'GET', url, headers: pick(headerSets), payload: body })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    const where = `#${i} ${method} ${url.slice(0, 80)} -> ${res.statusCode}`
    const type = String(res.headers['content-type'] ?? '')
    if (res.statusCode >= 500) failures.push(`${where}: server error ${res.body.slice(0, 200)}`)
    if (type.includes('html')) failures.push(`${where}: HTML`)
    if (res.body.length > MAX_BODY) failures.push(`${where}: ${res.body.length} bytes`)
    if (res.body !== '') {
      try {
        const parsed = JSON.parse(res.body)
        if (typeof parsed.title === 'string') probeResponses++
      } catch {
        failures.push(`${where}: not JSON: ${res.body.slice(0, 80)}`)
      }
    }
    if (i % 500 === 0) {
      const appRes = await app.inject('/app')
      if (appRes.statusCode !== 200 || appRes.body !== '{"app":true}') failures.push(`#${i}: the app route broke: ${appRes.statusCode}`)
    }
  }
  t.same(failures.slice(0, 20), [], 'no failure')
  t.ok(probeResponses > 2000, `${probeResponses} responses came from the plugin's routes`)
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.ok((statuses.get(200) ?? 0) > 1000, 'plenty of the requests reached a probe and passed')
  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'the probes still work')
  t.same((await app.inject({ method: 'POST', url: '/app', payload: { a: 1 } })).json(), { got: { a: 1 } }, 'and the app')
})
