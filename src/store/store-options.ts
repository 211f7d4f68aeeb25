/** The store's options and the shapes it hands out (stats, snapshot images), with their defaults. */
import { z } from 'zod';

import { integerSchema, parseOptions } from '../core/errors.js';
import type { SealedBlock } from './block.js';
import type { Labels } from './labels.js';
import type { PackedChunk } from './own-chunks.js';

const HOUR_MS = 3_600_000;
export const DEFAULT_RETENTION_MS = 24 * HOUR_MS;
export const DEFAULT_MAX_SERIES = 50_000;
export const DEFAULT_INTERVAL_MS = 15_000;
/** Rows (sampling passes) per scrape block: 30 minutes at 15 s, as Prometheus cuts a chunk. */
export const DEFAULT_BLOCK_ROWS = 120;
const MAX_SAMPLES_PER_SERIES = 5_000_000;

const optionsSchema = z.strictObject({
  retentionMs: integerSchema(1000, 366 * 24 * HOUR_MS).optional(),
  maxSeries: integerSchema(1, 1_000_000).optional(),
  intervalMs: integerSchema(1, HOUR_MS).optional(),
  maxSamplesPerSeries: integerSchema(1, MAX_SAMPLES_PER_SERIES).optional(),
  blockRows: integerSchema(8, 4096).optional(),
});

export interface SeriesStoreOptions {
  /** How long samples are kept, from the newest one held; default 24 h. */
  retentionMs?: number;
  /** Series held at once; samples of further new series are dropped (stats().droppedSeries). Default 50,000. */
  maxSeries?: number;
  /** The expected sampling interval; only sets maxSamplesPerSeries' default. Default 15 s. */
  intervalMs?: number;
  /** Samples kept per series; default retentionMs / intervalMs plus two blocks (retention drops whole blocks). */
  maxSamplesPerSeries?: number;
  /** Sampling passes per scrape block; default 120. */
  blockRows?: number;
}

export interface SeriesStoreStats {
  series: number;
  samples: number;
  /** Bytes of sample data: packed blocks (values, timestamps, offsets, presence), open streams, chunks. */
  bytes: number;
  blocks: number;
  /** Samples refused because their series would have gone past maxSeries (one per sample, every pass). */
  droppedSeries: number;
  /** Samples refused for a timestamp at or before their series' last one (out of order, duplicate). */
  refusedSamples: number;
  /** Samples dropped early to keep maxSamplesPerSeries (retention's drops are not counted). */
  evictedSamples: number;
}

/** Everything a store holds (exportImage, importImage): its series in order, blocks numbered by it. */
export interface StoreImage {
  readonly series: readonly ImageSeries[];
  readonly blocks: readonly SealedBlock[];
}

export interface ImageSeries {
  readonly labels: Labels;
  /** It was in the last sampling pass (the next pass marks it stale if it is missing). */
  readonly inLastPass: boolean;
  /** Its samples at their own times, oldest first. */
  readonly chunks: readonly PackedChunk[];
}

export interface ImageLoad {
  /** Series and samples held after the load. */
  series: number;
  samples: number;
  /** Samples left out as older than the retention. */
  expiredSamples: number;
  /** Series left out past maxSeries. */
  droppedSeries: number;
}

export interface ScrapeSample {
  readonly labels: Labels;
  readonly value: number;
}

export interface ResolvedStoreOptions {
  retentionMs: number;
  maxSeries: number;
  maxSamplesPerSeries: number;
  blockRows: number;
}

/** Validates `options` (an McpulseOptionError names each bad value) and fills in the defaults. */
export function resolveStoreOptions(options: SeriesStoreOptions): ResolvedStoreOptions {
  const valid = parseOptions(optionsSchema, options, { name: 'store', prefix: 'store' });
  const retentionMs = valid.retentionMs ?? DEFAULT_RETENTION_MS;
  const blockRows = valid.blockRows ?? DEFAULT_BLOCK_ROWS;
  const intervalMs = valid.intervalMs ?? DEFAULT_INTERVAL_MS;
  return {
    retentionMs,
    maxSeries: valid.maxSeries ?? DEFAULT_MAX_SERIES,
    blockRows,
    maxSamplesPerSeries:
      valid.maxSamplesPerSeries ??
      Math.min(MAX_SAMPLES_PER_SERIES, Math.ceil(retentionMs / intervalMs) + 2 * blockRows),
  };
}
