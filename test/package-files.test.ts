// What npm publishes: source maps that resolve, the entries, the links of package.json.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
// Child processes run the compiled dist/: keep them out of the coverage of lib/.
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = promisify(execFile)

t.test('the published build has source maps that carry their sources, and links that work on npm', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const map = JSON.parse(await readFile(`${root}dist/cjs/routes.js.map`, 'utf8')) as { sources: string[], sourcesContent?: string[] }
  t.equal(map.sourcesContent?.[0], await readFile(`${root}lib/routes.ts`, 'utf8'), 'the source is inlined, so the map resolves without lib/')
  t.match(await readFile(`${root}dist/cjs/routes.js`, 'utf8'), /\/\/# sourceMappingURL=routes\.js\.map\s*$/)
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, env })
  const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path) ?? []
  t.ok(files.includes('dist/cjs/index.js.map') && files.includes('dist/cjs/require.js'), 'maps and the CommonJS entry are packed')
  t.same(files.filter((file) => file.startsWith('dist/esm/') && !file.endsWith('.d.ts')).sort(), ['dist/esm/checks/index.js', 'dist/esm/index.js', 'dist/esm/metrics/index.js'],
    'the ES module build is its three entries over the CommonJS build, and its declarations')
  for (const entry of ['checks', 'metrics']) {
    t.ok(['esm', 'cjs'].every((build) => files.includes(`dist/${build}/${entry}/index.js`) && files.includes(`dist/${build}/${entry}/index.d.ts`)), `fastify-healthz/${entry} is packed, both builds with their types`)
  }
  t.notOk(files.some((file) => file.startsWith('lib/') || file.startsWith('test/')), 'no sources or tests are packed')
  const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as Record<string, unknown>
  t.match(pkg, {
    repository: { url: 'git+https://github.com/fastify-healthz/fastify-healthz.git' },
    homepage: 'https://github.com/fastify-healthz/fastify-healthz#readme',
    bugs: { url: 'https://github.com/fastify-healthz/fastify-healthz/issues' }
  })
})

t.test('@sinclair/typebox is not needed at run time: the response schemas ship as plain JSON Schema', async (t) => {
  const { readFile, readdir } = await import('node:fs/promises')
  const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string>, devDependencies: Record<string, string> }
  t.same(Object.keys(pkg.dependencies), ['fastify-plugin'])
  t.ok(pkg.devDependencies['@sinclair/typebox'], 'a devDependency, to write the schemas')
  const { peerDependencies, peerDependenciesMeta } = pkg as unknown as { peerDependencies: Record<string, string>, peerDependenciesMeta: Record<string, { optional?: boolean }> }
  for (const peer of ['prom-client', '@opentelemetry/api']) {
    t.ok(peerDependencies[peer] !== undefined && peerDependenciesMeta[peer]?.optional === true, `${peer} is an optional peer dependency, for fastify-healthz/metrics`)
    t.ok(pkg.devDependencies[peer], `${peer} is a devDependency, to test with`)
  }
  for (const build of ['esm', 'cjs']) {
    for (const file of await readdir(`${root}dist/${build}`, { recursive: true })) {
      if (!/\.(js|d\.ts)$/.test(file)) continue
      t.notMatch(await readFile(`${root}dist/${build}/${file}`, 'utf8'), '@sinclair/typebox', `dist/${build}/${file}`)
    }
  }
})
