// Shared by the metrics tests: apps with the exporters, scrapes through inject, the OpenTelemetry SDK's in-memory exporter.
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics'
import type { FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { HealthError, type HealthzOptions } from '../../lib/index.js'
import { healthzPrometheus, type HealthzPrometheusOptions } from '../../lib/metrics/index.js'
import { build } from '../helpers/app.js'

/**
 * An app with fastify-healthz and healthzPrometheus on a fresh registry (or
 * the one given), which it serves on GET /metrics as a Prometheus server
 * scrapes it.
 */
export async function withPrometheus (options: HealthzOptions = {}, metrics: HealthzPrometheusOptions = {}): Promise<{ app: FastifyInstance, registry: Registry, scrape: () => Promise<Map<string, number>> }> {
  const registry = (metrics.registry as Registry | undefined) ?? new Registry()
  const { app } = await build(options)
  await app.register(healthzPrometheus, { ...metrics, registry })
  app.get('/metrics', async (_request, reply) => await reply.type(registry.contentType).send(await registry.metrics()))
  return { app, registry, scrape: async () => parse((await app.inject('/metrics')).body) }
}

/** The samples of a Prometheus text exposition, by their name and labels as printed: `healthz_check_status{check="db",status="pass"}`. */
export function parse (text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** The samples whose names start with `name`, as `name{labels} value` lines, sorted: for t.same(). */
export function lines (samples: Map<string, number>, name: string): string[] {
  return [...samples].filter(([key]) => key.startsWith(name)).map(([key, value]) => `${key} ${value}`).sort()
}

/** The one status of a check or probe's state set that is 1, or a list when the set is broken. */
export function stateOf (samples: Map<string, number>, metric: string, label: 'check' | 'probe', name: string): string {
  const on = [...samples].filter(([key, value]) => key.startsWith(`${metric}{${label}="${name}",`) && value === 1).map(([key]) => /status="(\w+)"/.exec(key)?.[1])
  return on.length === 1 ? on[0] as string : `broken: ${JSON.stringify(on)}`
}

/** A check whose outcome the test sets, counting its runs. */
export function toggle (): { check: () => void, set: (healthy: boolean) => void, runs: () => number } {
  let healthy = true
  let runs = 0
  return {
    check: () => {
      runs++
      if (!healthy) throw new HealthError('down')
    },
    set: (value) => { healthy = value },
    runs: () => runs
  }
}

/**
 * The real OpenTelemetry metrics SDK: a MeterProvider whose periodic reader
 * exports to the in-memory exporter only when `collect()` flushes it. With
 * cumulative temporality the JS SDK (2.x) keeps exporting the last value of
 * an attribute set that no callback observes any more; with delta
 * temporality it drops it, which shows what the callbacks observe.
 */
export function openTelemetry (temporality = AggregationTemporality.CUMULATIVE): { meterProvider: MeterProvider, collect: () => Promise<MetricData[]>, shutdown: () => Promise<void> } {
  const exporter = new InMemoryMetricExporter(temporality)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  return {
    meterProvider,
    collect: async () => {
      exporter.reset()
      await reader.forceFlush()
      return exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.filter((scope) => scope.scope.name === 'fastify-healthz').flatMap((scope) => scope.metrics))
    },
    shutdown: async () => { await meterProvider.shutdown() }
  }
}

/** An OpenTelemetry metric's data points, as `name{attr=value,…} value` lines, sorted; a histogram's value is its count and sum. */
export function points (metrics: MetricData[], name: string): string[] {
  const metric = metrics.find((candidate) => candidate.descriptor.name === name)
  if (metric === undefined) return []
  return metric.dataPoints.map((point) => {
    const attributes = Object.entries(point.attributes).map(([key, value]) => `${key}=${String(value)}`).join(',')
    const value = point.value as number | { count: number, sum: number }
    return `${name}{${attributes}} ${typeof value === 'number' ? value : `count=${value.count} sum>0=${value.sum > 0}`}`
  }).sort()
}

/** The one status of an OpenTelemetry state set that is 1. */
export function otelStateOf (metrics: MetricData[], metric: string, attribute: 'check' | 'probe', name: string): string {
  const on = points(metrics, metric).filter((line) => line.includes(`{${attribute}=${name},`) && line.endsWith(' 1')).map((line) => /status=(\w+)/.exec(line)?.[1])
  return on.length === 1 ? on[0] as string : `broken: ${JSON.stringify(on)}`
}
