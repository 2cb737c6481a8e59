// Builds dist/: the ES module build, the CommonJS build, and the CommonJS entry.
// Both builds compile all of lib/, so the subpath entries (dist/*/checks/index.js,
// dist/*/metrics/index.js, named exports only) need nothing more here.
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
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json'], { cwd: root, stdio: 'inherit' })
writeFileSync(dist('cjs/package.json'), '{"type":"commonjs"}\n')

// The names exported by the CommonJS build, split into values and types.
const program = ts.createProgram([dist('cjs/index.d.ts')], { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [], skipLibCheck: true })
const checker = program.getTypeChecker()
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(dist('cjs/index.d.ts')))
const values = []
const types = []
for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
  const name = symbol.getName()
  if (name === 'default' || name === 'healthz') continue
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
  ;(target.flags & ts.SymbolFlags.Value ? values : types).push(name)
}
values.sort()
types.sort()

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
