/**
 * The embedded store as one part: a SeriesStore the registry is sampled into every intervalMs, a
 * PromQL engine over it, and the lookups Prometheus's HTTP API needs (the http room serves them). Its
 * own health is on the registry it samples: `mcpulse_store_series`, `mcpulse_store_bytes`,
 * `mcpulse_store_samples_dropped_total{reason}` and `mcpulse_store_sampling_duration_seconds`.
 * Nothing here throws to the host after construction: sampling errors go to onError.
 */
import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client';
import { z } from 'zod';

import { badArgument, integerSchema, parseOptions } from '../core/errors.js';
import { compareStrings, type Labels } from './labels.js';
import type { LabelMatcher } from './queryable.js';
import { PromqlEngine } from './promql/engine.js';
import { parseDuration, parseMatchers } from './promql/parse.js';
import type { MatrixValue, QueryValue } from './promql/value.js';
import { RegistrySampler } from './sampler.js';
import { DEFAULT_MAX_SERIES, DEFAULT_RETENTION_MS, SeriesStore } from './series-store.js';

const HOUR_MS = 3_600_000;
export const DEFAULT_STORE_INTERVAL_MS = 15_000;

export interface StoreOptions {
  /** Milliseconds between sampling passes of the registry; default 15,000 (Prometheus's usual scrape interval). */
  intervalMs?: number;
  /** How long samples are kept; default 24 h. */
  retentionMs?: number;
  /** Most series held; samples of further series are dropped and counted. Default 50,000. */
  maxSeries?: number;
}

export const storeOptionsSchema = z.strictObject({
  intervalMs: integerSchema(100, HOUR_MS).optional(),
  retentionMs: integerSchema(60_000, 366 * 24 * HOUR_MS).optional(),
  maxSeries: integerSchema(1, 1_000_000).optional(),
});

type TimeArgument = number | Date;

function toMs(name: string, value: TimeArgument): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw badArgument(`${name} must be a Date or a number of milliseconds, got ${String(value)}`);
  }
  return Math.trunc(ms);
}

export class EmbeddedStore {
  readonly store: SeriesStore;
  readonly sampler: RegistrySampler;
  readonly engine: PromqlEngine;
  readonly intervalMs: number;
  private stopped = false;

  constructor(
    registry: Registry<RegistryContentType>,
    options: StoreOptions,
    onError: (error: unknown, where: string) => void,
  ) {
    const valid = parseOptions(storeOptionsSchema, options, { name: 'store options', prefix: 'store' });
    this.intervalMs = valid.intervalMs ?? DEFAULT_STORE_INTERVAL_MS;
    this.store = new SeriesStore({
      retentionMs: valid.retentionMs ?? DEFAULT_RETENTION_MS,
      maxSeries: valid.maxSeries ?? DEFAULT_MAX_SERIES,
      intervalMs: this.intervalMs,
    });
    this.sampler = new RegistrySampler(registry, this.store, {
      intervalMs: this.intervalMs,
      onError: (error) => onError(error, 'store-sampling'),
    });
    this.engine = new PromqlEngine(this.store);
    registerStoreMetrics(registry, this);
  }

  start(): void {
    if (!this.stopped) this.sampler.start();
  }

  /** One sampling pass now (tests, and a last pass before a snapshot); never rejects. */
  sampleNow(timestampMs?: number): Promise<number> {
    return this.sampler.sampleOnce(timestampMs);
  }

  /** An instant query, as /api/v1/query (`at` defaults to now). Throws a QueryError for a bad query. */
  query(expr: string, at: TimeArgument = Date.now()): QueryValue {
    return this.engine.instant(expr, toMs('at', at));
  }

  /** A range query, as /api/v1/query_range; `step` in ms or as a duration such as '60s'. */
  queryRange(expr: string, start: TimeArgument, end: TimeArgument, step: number | string): MatrixValue {
    const stepMs = typeof step === 'string' ? parseDuration(step) : step;
    return this.engine.range(expr, toMs('start', start), toMs('end', end), stepMs);
  }

  // The PrometheusQueryService the http room's API reads (structurally typed: store knows no http).
  instant(query: string, timeMs: number): QueryValue {
    return this.engine.instant(query, timeMs);
  }

  range(query: string, startMs: number, endMs: number, stepMs: number): MatrixValue {
    return this.engine.range(query, startMs, endMs, stepMs);
  }

  series(matcherSets: readonly (readonly LabelMatcher[])[], startMs: number, endMs: number): Labels[] {
    return this.store.series(matcherSets, startMs, endMs);
  }

  labelNames(matcherSets: readonly (readonly LabelMatcher[])[], startMs: number, endMs: number): string[] {
    if (matcherSets.length <= 1) return this.store.labelNames(matcherSets[0] ?? [], startMs, endMs);
    const names = new Set(matcherSets.flatMap((set) => this.store.labelNames(set, startMs, endMs)));
    return [...names].sort(compareStrings);
  }

  labelValues(
    name: string,
    matcherSets: readonly (readonly LabelMatcher[])[],
    startMs: number,
    endMs: number,
  ): string[] {
    if (matcherSets.length <= 1) return this.store.labelValues(name, matcherSets[0] ?? [], startMs, endMs);
    const values = new Set(matcherSets.flatMap((set) => this.store.labelValues(name, set, startMs, endMs)));
    return [...values].sort(compareStrings);
  }

  parseMatchers(text: string): LabelMatcher[] {
    return parseMatchers(text);
  }

  parseDuration(text: string): number {
    return parseDuration(text);
  }

  now(): number {
    return Date.now();
  }

  /** Stops sampling; idempotent. */
  shutdown(): void {
    this.stopped = true;
    this.sampler.stop();
  }
}

function registerStoreMetrics(registry: Registry<RegistryContentType>, embedded: EmbeddedStore): void {
  const stats = () => embedded.store.stats();
  new Gauge({
    name: 'mcpulse_store_series',
    help: 'Series held in the embedded store.',
    registers: [registry],
    collect() {
      this.set(stats().series);
    },
  });
  new Gauge({
    name: 'mcpulse_store_bytes',
    help: 'Bytes of compressed sample data held in the embedded store.',
    registers: [registry],
    collect() {
      this.set(stats().bytes);
    },
  });
  new Counter({
    name: 'mcpulse_store_samples_dropped_total',
    help: 'Samples the embedded store did not keep: over the series limit, out of order, or evicted early to stay bounded.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const { droppedSeries, refusedSamples, evictedSamples } = stats();
      this.reset();
      this.inc({ reason: 'series_limit' }, droppedSeries);
      this.inc({ reason: 'out_of_order' }, refusedSamples);
      this.inc({ reason: 'evicted' }, evictedSamples);
    },
  });
  new Gauge({
    name: 'mcpulse_store_sampling_duration_seconds',
    help: 'How long the last sampling pass of the registry into the embedded store took.',
    registers: [registry],
    collect() {
      this.set(embedded.sampler.stats().lastDurationMs / 1000);
    },
  });
}
