import t from 'tap'
import { build } from './helpers/app.js'

const urls = [
  '/healthz/%', '/healthz/%E0%A4%A', '/healthz/%00', '/healthz/live%00', '/healthz/%C0%AF', '/healthz/%25',
  '/healthz/ready/%', '/healthz/ready/%FF', '/healthz/ready/db%2F..%2F..', '/healthz/../healthz/live',
  '/healthz/./live', '/healthz//live', '/healthz/live/', '/healthz/ready/' + 'a'.repeat(5000),
  '/healthz/' + 'b'.repeat(8000), '/healthz/ready?' + 'exclude=x&'.repeat(800), '/healthz/ready?exclude',
  '/healthz/ready?exclude=%', '/healthz/ready?exclude=%E0%A4%A', '/healthz/ready?verbose=%', '/healthz/ready?verbose[a]=1',
  '/healthz/ready?exclude[]=db', '/healthz/ready?exclude[x]=y', '/healthz/ready?__proto__=1&constructor=2',
  '/healthz/ready?exclude=__proto__', '/healthz/ready?=&&=', '/healthz/ready?\u00e9=\u00e9', '/healthz/\u00e9',
  '/healthz/ready?' + 'q'.repeat(9000), '/healthz/ready#frag', '/healthz/ready/db?verbose&verbose&verbose'
]

t.test('malformed and oversized paths and queries never yield a 500, HTML or a crash', async (t) => {
  const { app } = await build()
  app.healthz.add('db', () => {})
  for (const url of urls) {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const) {
      const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: method === 'GET' || method === 'HEAD' ? undefined : '{"a":' })
      t.ok(res.statusCode < 500, `${method} ${url.slice(0, 60)} -> ${res.statusCode}`)
      t.notMatch(String(res.headers['content-type']), 'html')
      if (method !== 'HEAD') t.doesNotThrow(() => res.json(), `${method} ${url.slice(0, 60)} answers JSON`)
    }
  }
  t.equal((await app.inject('/healthz/ready')).statusCode, 200, 'still serving')
})

t.test('a query parser of the app that returns no object leaves probes working', async (t) => {
  const { app } = await build({}, { querystringParser: () => null as never })
  app.healthz.add('db', () => {})
  t.equal((await app.inject('/healthz/ready?verbose')).body, '{"status":200,"title":"OK"}')
  t.equal((await app.inject('/healthz/ready/db?verbose')).body, '{"status":200,"title":"OK"}')
})

t.test('GET bodies and odd headers are ignored', async (t) => {
  const { app } = await build()
  const res = await app.inject({ method: 'GET', url: '/healthz/live', headers: { 'content-type': 'text/html', accept: 'text/html', 'x-forwarded-for': '\u0000' }, payload: '<html>' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
})
