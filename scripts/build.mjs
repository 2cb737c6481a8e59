// Builds dist/: the CommonJS build with its entry, and the ES module entries over it.
//
// The ES module entries (dist/esm/index.js, dist/esm/checks/index.js,
// dist/esm/metrics/index.js) are thin wrappers that import the CommonJS build,
// Node's recommended way to ship both (an "ES module wrapper"): the plugin is
// one instance whichever way an app loads it, and Node's ES module loader
// reads one file instead of the thirty of a compiled module tree. Those thirty
// reads cost an app's own routes about 1,300 instructions per request for the
// life of the process (docs/benchmarks.md, "What registering costs the app's
// routes"). dist/esm keeps the declarations of the ES module types.
//
// The CommonJS entry (dist/cjs/require.js) has the usual shape of a Fastify
// plugin: the module is the plugin function itself, with `.default`,
// `.healthz` and every named export as properties, so that
// `app.register(require('fastify-healthz'))` and `import healthz = require('fastify-healthz')`
// work and type-check. Its declarations (`export =` of a function merged with
// a namespace, as Fastify's own) are generated from the names that the
// compiled dist/cjs/index.d.ts exports, so that they cannot drift from it.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ts = require('typescript')
const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = require.resolve('typescript/bin/tsc')
const dist = (path) => `${root}dist/${path}`

rmSync(dist(''), { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--sourceMap', 'false', '--inlineSources', 'false'], { cwd: root, stdio: 'inherit' })
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json'], { cwd: root, stdio: 'inherit' })
writeFileSync(dist('cjs/package.json'), '{"type":"commonjs"}\n')

// The names a module of the CommonJS build exports, split into values and types.
const program = ts.createProgram(['index', 'checks/index', 'metrics/index'].map((entry) => dist(`cjs/${entry}.d.ts`)), { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [], skipLibCheck: true })
const checker = program.getTypeChecker()
function exportsOf (entry) {
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(dist(`cjs/${entry}.d.ts`)))
  const values = []
  const types = []
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const name = symbol.getName()
    if (name === 'default' || name === 'healthz') continue
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    ;(target.flags & ts.SymbolFlags.Value ? values : types).push(name)
  }
  return { values: values.sort(), types: types.sort() }
}
const { values, types } = exportsOf('index')

writeFileSync(dist('cjs/require.js'), `'use strict'
// The CommonJS entry: the plugin function is the module, with .default, .healthz and the named exports.
const mod = require('./index.js')
const healthz = mod.healthz
module.exports = healthz
healthz.default = healthz
healthz.healthz = healthz
${values.map((name) => `healthz.${name} = mod.${name}`).join('\n')}
`)

writeFileSync(dist('cjs/require.d.ts'), `// The CommonJS entry: the plugin function is the module, with .default, .healthz and the named exports.
import { healthz${values.map((name) => `, ${name}`).join('')} } from './index.js'
import type { ${types.join(', ')} } from './index.js'

declare function fastifyHealthz (...args: Parameters<typeof healthz>): ReturnType<typeof healthz>

declare namespace fastifyHealthz {
  export { healthz, healthz as default${values.map((name) => `, ${name}`).join('')} }
  export type { ${types.join(', ')} }
}

export = fastifyHealthz
`)

// The ES module entries: the CommonJS build, with the same named exports.
writeFileSync(dist('esm/index.js'), `// The ES module entry: the CommonJS build (scripts/build.mjs says why).
import healthz from '../cjs/require.js'
export default healthz
export { healthz }
export const { ${values.join(', ')} } = healthz
`)
for (const entry of ['checks', 'metrics']) {
  writeFileSync(dist(`esm/${entry}/index.js`), `// The ES module entry of fastify-healthz/${entry}: the CommonJS build (scripts/build.mjs says why).
import mod from '../../cjs/${entry}/index.js'
export const { ${exportsOf(`${entry}/index`).values.join(', ')} } = mod
`)
}
