// The response schemas are written with TypeBox and shipped as plain JSON
// Schema (lib/schemas.ts, from `npm run schemas`): they must not drift apart.
import t from 'tap'
import * as generated from '../../lib/schemas.js'
import * as typebox from '../../lib/schemas.typebox.js'

t.test('lib/schemas.ts is the JSON Schema of lib/schemas.typebox.ts: run `npm run schemas` after changing it', async (t) => {
  t.same(generated.ReportSchema, JSON.parse(JSON.stringify(typebox.ReportSchema)))
  t.same(generated.NotFoundSchema, JSON.parse(JSON.stringify(typebox.NotFoundSchema)))
})
