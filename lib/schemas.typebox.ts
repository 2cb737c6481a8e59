// The probe routes' response schemas, written with TypeBox. They are emitted
// as plain JSON Schema into lib/schemas.ts by `npm run schemas`, so that
// TypeBox is needed to write them, not to run the plugin;
// test/internals/schemas.test.ts fails when the two differ.
import { Type } from '@sinclair/typebox'

const StatusSchema = Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')])

const CheckReportSchema = Type.Object({
  status: StatusSchema,
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
  version: Type.Optional(Type.String()),
  checks: Type.Optional(Type.Record(Type.String(), CheckReportSchema)),
  lifecycle: Type.Optional(LifecycleSchema)
}, { description: 'A probe report: {"status":200,"title":"OK"} when healthy' })

export const NotFoundSchema = Type.Object({
  status: Type.Literal(404),
  title: Type.String(),
  detail: Type.String()
}, { description: 'An unknown probe or check' })

export const TextSchema = Type.String({
  description: 'kube-apiserver\'s text: `ok` when the probe passes, else a line per check (`[+]db ok`, `[-]cache failed: reason withheld`) and `<probe> check passed` or `<probe> check failed`'
})

const HealthJsonCheckSchema = Type.Object({
  status: StatusSchema,
  observedValue: Type.Optional(Type.Number()),
  observedUnit: Type.Optional(Type.Literal('ms')),
  time: Type.Optional(Type.String()),
  output: Type.Optional(Type.String()),
  error: Type.Optional(Type.String())
})

export const HealthJsonSchema = Type.Object({
  status: StatusSchema,
  version: Type.Optional(Type.String()),
  releaseId: Type.Optional(Type.String()),
  notes: Type.Optional(Type.Array(Type.String())),
  output: Type.Optional(Type.String()),
  serviceId: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  checks: Type.Optional(Type.Record(Type.String(), Type.Array(HealthJsonCheckSchema)))
}, { description: 'draft-inadarei-api-health-check: checks keyed "<check>:responseTime", each observed in ms' })
