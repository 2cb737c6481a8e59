// The probe routes' response schemas, written with TypeBox. They are emitted
// as plain JSON Schema into lib/schemas.ts by `npm run schemas`, so that
// TypeBox is needed to write them, not to run the plugin;
// test/internals/schemas.test.ts fails when the two differ.
import { Type } from '@sinclair/typebox'

const CheckReportSchema = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  output: Type.Optional(Type.String()),
  durationMs: Type.Optional(Type.Number()),
  cached: Type.Optional(Type.Boolean()),
  critical: Type.Optional(Type.Boolean()),
  background: Type.Optional(Type.Boolean()),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  error: Type.Optional(Type.String())
})

const LifecycleSchema = Type.Object({
  phase: Type.Union([Type.Literal('starting'), Type.Literal('serving'), Type.Literal('draining'), Type.Literal('closing')]),
  started: Type.Boolean(),
  notReady: Type.Optional(Type.Array(Type.String()))
})

export const ReportSchema = Type.Object({
  status: Type.Integer(),
  title: Type.String(),
  detail: Type.Optional(Type.String()),
  checks: Type.Optional(Type.Record(Type.String(), CheckReportSchema)),
  lifecycle: Type.Optional(LifecycleSchema)
}, { description: 'A probe report: {"status":200,"title":"OK"} when healthy' })

export const NotFoundSchema = Type.Object({
  status: Type.Literal(404),
  title: Type.String(),
  detail: Type.String()
}, { description: 'An unknown probe or check' })
