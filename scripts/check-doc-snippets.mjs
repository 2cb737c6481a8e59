// Type-checks every ```ts block of README.md and docs/*.md under `strict`, as
// modules that import the built package by name (run `npm run build` first).
// Names a snippet uses without declaring them (`app`, `pool`, `authenticate`…)
// come from docs/snippets.d.ts. A block preceded by a line
// `<!-- snippet: not compiled (why) -->` is skipped, and says why.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ts = require('typescript')
const root = fileURLToPath(new URL('..', import.meta.url))
const SKIP = /^<!-- snippet: not compiled \(.+\) -->$/

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function extract (markdown) {
  const blocks = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue
    const start = i
    const body = []
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i])
    if (!SKIP.test(lines[start - 1] ?? '')) blocks.push({ line: start + 2, code: body.join('\n') })
  }
  return blocks
}

const docs = ['README.md', ...readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]
const files = new Map()
for (const doc of docs) {
  for (const { line, code } of extract(readFileSync(`${root}${doc}`, 'utf8'))) {
    // `export {}` makes every block a module, where top-level await is allowed.
    files.set(`${root}${doc.replace(/\.md$/, '')}.snippet-${line}.ts`, { doc, line, code: `${code}\nexport {}\n` })
  }
}

const options = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  skipLibCheck: true,
  noEmit: true
}
const host = ts.createCompilerHost(options)
const { fileExists, readFile, getSourceFile } = host
host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
host.readFile = (name) => files.get(name)?.code ?? readFile.call(host, name)
host.getSourceFile = (name, language, ...rest) => files.has(name)
  ? ts.createSourceFile(name, files.get(name).code, language, true)
  : getSourceFile.call(host, name, language, ...rest)

const program = ts.createProgram([...files.keys(), `${root}docs/snippets.d.ts`], options, host)
const diagnostics = ts.getPreEmitDiagnostics(program)
for (const diagnostic of diagnostics) {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  const snippet = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName)
  if (snippet === undefined) {
    console.error(diagnostic.file === undefined ? text : `${diagnostic.file.fileName}: ${text}`)
    continue
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
  console.error(`${snippet.doc}:${snippet.line + line}: ${text}`)
}
console.log(`${files.size} TypeScript snippets of README.md and docs/*.md: ${diagnostics.length === 0 ? 'all compile' : `${diagnostics.length} errors`}`)
if (diagnostics.length > 0) process.exitCode = 1
