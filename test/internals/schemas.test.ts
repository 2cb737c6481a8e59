// The response schemas are written with TypeBox and shipped as plain JSON
// Schema (lib/schemas.ts, from `npm run schemas`): they must not drift apart.
import t from 'tap'
import * as generated from '../../lib/schemas.js'
import * as typebox from '../../lib/schemas.typebox.js'

t.test('lib/schemas.ts is the JSON Schema of lib/schemas.typebox.ts: run `npm run schemas` after changing it', async (t) => {
  t.same(Object.keys(generated), Object.keys(typebox), 'every schema is generated')
  for (const name of Object.keys(typebox) as Array<keyof typeof typebox>) {
    t.same(generated[name], JSON.parse(JSON.stringify(typebox[name])), name)
  }
})
