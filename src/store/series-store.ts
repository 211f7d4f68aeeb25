/**
 * The embedded time-series store: what a sampler writes and the PromQL engine reads (Queryable), with
 * the label lookups of /api/v1/labels, /label/<name>/values and /series.
 *
 * Two ways in. appendScrape() is one sampling pass: every sample shares the pass's timestamp, and a
 * series of the previous pass that is missing now gets a staleness marker, as Prometheus's scrape loop
 * writes one. Passes fill scrape blocks (block.ts): a shared timestamp column and a value-only XOR
 * stream per series, packed into one buffer per block when it closes. append() takes any one series'
 * sample at its own time (rule-test input), into Prometheus-style XOR chunks per series (own-chunks.ts).
 * Either way a series' timestamps only go up: an equal or earlier one is refused and counted, as
 * Prometheus refuses out-of-order and duplicate samples.
 *
 * Everything is bounded: the series count (new series past maxSeries are dropped and counted), the
 * samples per series (oldest blocks or chunks go first, counted), and time (retention, counted from the
 * newest sample held). Retention drops whole blocks and chunks, so a query may still see samples up to
 * one block older than the cutoff, as a Prometheus block boundary would show them.
 */
import { z } from 'zod';

import { badArgument, integerSchema, parseOptions } from '../core/errors.js';
import type { SealedBlock } from './block.js';
import { HeadStream, packBlock, SampleBuffer, decodeHead } from './block.js';
import { MAX_TIMESTAMP_MS } from './chunk.js';
import { LabelIndex, passes } from './label-index.js';
import { compareLabels, compareStrings, labelsKey, type Labels } from './labels.js';
import { OwnChunks } from './own-chunks.js';
import type { LabelMatcher, Queryable, SelectedSeries } from './queryable.js';
import { highHalf, lowHalfOfLast, STALE_HIGH, STALE_LOW, ValueReader } from './value-stream.js';

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

/** A series as resolve() hands it out, so a sampler can skip the label lookup on every pass. */
export interface SeriesRef {
  readonly labels: Labels;
}

class Series implements SeriesRef {
  /** Index in the store; -1 once the series is gone (the ref is then dead: resolve again). */
  id: number;
  /** Time of the first sample held (Infinity while none) and of the last one appended. */
  firstT = Infinity;
  lastT = -Infinity;
  head: HeadStream | undefined = undefined;
  own: OwnChunks | undefined = undefined;
  /** Number of the last sampling pass that had it, and of the last sealed block holding its values. */
  lastPass = -1;
  lastBlockSeq = -1;

  constructor(
    id: number,
    readonly labels: Labels,
    readonly key: string,
  ) {
    this.id = id;
  }
}

export interface ScrapeSample {
  readonly labels: Labels;
  readonly value: number;
}

export class SeriesStore implements Queryable {
  readonly retentionMs: number;
  readonly maxSeries: number;
  readonly maxSamplesPerSeries: number;
  readonly blockRows: number;
  private readonly index = new LabelIndex();
  private readonly byKey = new Map<string, Series>();
  private readonly byId: (Series | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly blocks: SealedBlock[] = [];
  private readonly headTimes: Float64Array;
  private headRows = 0;
  private nextBlockSeq = 0;
  private blockRowsHeld = 0;
  private blockBytes = 0;
  private pass = 0;
  private previousPass: number[] = [];
  private newestMs = -Infinity;
  /** No own chunk ends before this: truncation need not look at them until the cutoff passes it. */
  private ownWatermark = Infinity;
  private readonly reader = new ValueReader();
  private readonly counts = { samples: 0, droppedSeries: 0, refusedSamples: 0, evictedSamples: 0 };

  constructor(options: SeriesStoreOptions = {}) {
    const valid = parseOptions(optionsSchema, options, { name: 'store', prefix: 'store' });
    this.retentionMs = valid.retentionMs ?? DEFAULT_RETENTION_MS;
    this.maxSeries = valid.maxSeries ?? DEFAULT_MAX_SERIES;
    this.blockRows = valid.blockRows ?? DEFAULT_BLOCK_ROWS;
    const intervalMs = valid.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.maxSamplesPerSeries =
      valid.maxSamplesPerSeries ??
      Math.min(MAX_SAMPLES_PER_SERIES, Math.ceil(this.retentionMs / intervalMs) + 2 * this.blockRows);
    this.headTimes = new Float64Array(this.blockRows);
  }

  /**
   * The series of a label set (sorted by name, names unique, values non-empty: labels.ts), created on
   * first use; undefined, counted in droppedSeries, when that would pass maxSeries.
   */
  resolve(labels: Labels): SeriesRef | undefined {
    return this.resolveSeries(labels);
  }

  private resolveSeries(labels: Labels): Series | undefined {
    const key = labelsKey(labels);
    const found = this.byKey.get(key);
    if (found !== undefined) return found;
    if (this.byKey.size >= this.maxSeries) {
      this.counts.droppedSeries += 1;
      return undefined;
    }
    checkLabels(labels);
    const id = this.freeIds.pop() ?? this.byId.length;
    const series = new Series(id, this.index.add(id, labels), key);
    this.byId[id] = series;
    this.byKey.set(key, series);
    return series;
  }

  /** Whether a ref from resolve() still stands for a series held (else resolve its labels again). */
  isLive(ref: SeriesRef): boolean {
    const series = ref as Series;
    return series.id >= 0 && this.byId[series.id] === series;
  }

  /** One sampling pass at `timestampMs`; returns the samples stored. See the opening comment. */
  appendScrape(timestampMs: number, samples: Iterable<ScrapeSample>): number {
    const refs: (SeriesRef | undefined)[] = [];
    const values: number[] = [];
    for (const sample of samples) {
      refs.push(this.resolve(sample.labels));
      values.push(sample.value);
    }
    return this.appendScrapeRefs(timestampMs, refs, values);
  }

  /**
   * appendScrape() for series already resolved: values[i] is refs[i]'s (an undefined ref, a series
   * dropped at the limit, is skipped). Returns the samples stored, staleness markers not included.
   */
  appendScrapeRefs(
    timestampMs: number,
    refs: readonly (SeriesRef | undefined)[],
    values: ArrayLike<number>,
    count = refs.length,
  ): number {
    checkTimestamp(timestampMs);
    const lastRowMs =
      this.headRows > 0 ? this.headTimes[this.headRows - 1]! : (this.blocks.at(-1)?.maxT ?? -Infinity);
    if (timestampMs <= lastRowMs) {
      for (let i = 0; i < count; i++) if (refs[i] !== undefined) this.counts.refusedSamples += 1;
      return 0;
    }
    const row = this.headRows++;
    this.headTimes[row] = timestampMs;
    const pass = ++this.pass;
    const present: number[] = [];
    for (let i = 0; i < count; i++) {
      const series = refs[i] as Series | undefined;
      if (series === undefined) continue;
      const value = values[i];
      if (typeof value !== 'number') throw badArgument(`sample value must be a number, got ${typeof value}`);
      if (this.byId[series.id] !== series || series.lastPass === pass || timestampMs <= series.lastT) {
        this.counts.refusedSamples += 1; // a dead ref, the same series twice in a pass, or out of order
        continue;
      }
      const high = highHalf(value);
      this.writeHead(series, row, timestampMs, high, lowHalfOfLast());
      series.lastPass = pass;
      present.push(series.id);
    }
    for (const id of this.previousPass) {
      const series = this.byId[id];
      if (series === undefined || series.lastPass === pass || timestampMs <= series.lastT) continue;
      this.writeHead(series, row, timestampMs, STALE_HIGH, STALE_LOW);
    }
    this.previousPass = present;
    if (this.headRows === this.blockRows) this.seal();
    return present.length;
  }

  /** One sample at the series' own time (not a sampling pass); false when refused or dropped. */
  append(labels: Labels, timestampMs: number, value: number): boolean {
    if (typeof value !== 'number') throw badArgument(`sample value must be a number, got ${typeof value}`);
    const high = highHalf(value);
    return this.appendOwn(labels, timestampMs, high, lowHalfOfLast());
  }

  /** A staleness marker at `timestampMs`: the series ended there. */
  appendStale(labels: Labels, timestampMs: number): boolean {
    return this.appendOwn(labels, timestampMs, STALE_HIGH, STALE_LOW);
  }

  select(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): SelectedSeries[] {
    const out: SelectedSeries[] = [];
    for (const series of this.matching(matchers, mintMs, maxtMs)) {
      const samples = this.decode(series, mintMs, maxtMs);
      if (samples.length === 0) continue;
      out.push({
        labels: series.labels,
        t: samples.t.slice(0, samples.length),
        v: samples.v.slice(0, samples.length),
        stale: samples.stale?.slice(0, samples.length),
      });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** Label names of the series matching `matchers` with samples in the range, sorted. */
  labelNames(matchers: readonly LabelMatcher[] = [], mintMs = -Infinity, maxtMs = Infinity): string[] {
    const names = new Set<string>();
    for (const series of this.matching(matchers, mintMs, maxtMs)) {
      for (const label of series.labels) names.add(label.name);
    }
    return [...names].sort(compareStrings);
  }

  /** Values of label `name` among the series matching `matchers` with samples in the range, sorted. */
  labelValues(
    name: string,
    matchers: readonly LabelMatcher[] = [],
    mintMs = -Infinity,
    maxtMs = Infinity,
  ): string[] {
    const values = new Set<string>();
    for (const series of this.matching(matchers, mintMs, maxtMs)) {
      for (const label of series.labels) if (label.name === name) values.add(label.value);
    }
    return [...values].sort(compareStrings);
  }

  /** Label sets of the series matching any of the matcher lists, with samples in the range, sorted. */
  series(matcherSets: readonly (readonly LabelMatcher[])[], mintMs = -Infinity, maxtMs = Infinity): Labels[] {
    const found = new Set<Series>();
    for (const matchers of matcherSets) {
      for (const series of this.matching(matchers, mintMs, maxtMs)) found.add(series);
    }
    return [...found].map((series) => series.labels).sort(compareLabels);
  }

  stats(): SeriesStoreStats {
    let bytes = this.blockBytes + this.headRows * 8;
    for (const series of this.byId) {
      if (series === undefined) continue;
      if (series.head !== undefined) bytes += series.head.writer.bytes;
      if (series.own !== undefined) bytes += series.own.bytes;
    }
    return { series: this.byKey.size, bytes, blocks: this.blocks.length, ...this.counts };
  }

  /**
   * Drops the blocks and chunks whose samples all fall before `beforeMs`, and the series left with no
   * sample. Runs by itself whenever a block seals or a chunk fills, with newest sample - retention.
   */
  truncate(beforeMs: number): void {
    while (this.blocks.length > 0 && this.blocks[0]!.maxT < beforeMs) this.dropOldestBlock(false);
    this.sweep(beforeMs);
  }

  /** Truncates the own chunks before `beforeMs` and removes the series left with no sample. */
  private sweep(beforeMs: number): void {
    let watermark = Infinity;
    const oldestSeq = this.blocks[0]?.seq ?? this.nextBlockSeq;
    const scrapeFrom = this.blocks[0]?.minT ?? (this.headRows > 0 ? this.headTimes[0]! : Infinity);
    for (const series of this.byId) {
      if (series === undefined) continue;
      const own = series.own;
      if (own !== undefined) {
        this.counts.samples -= own.truncate(beforeMs);
        if (own.samples === 0) series.own = undefined;
        else watermark = Math.min(watermark, own.oldestMaxT);
      }
      const inScrape = series.lastBlockSeq >= oldestSeq || (series.head?.count ?? 0) > 0;
      if (!inScrape && series.own === undefined && series.lastPass < this.pass) {
        this.remove(series);
        continue;
      }
      const from = Math.min(inScrape ? scrapeFrom : Infinity, series.own?.minT ?? Infinity);
      if (from > series.firstT) series.firstT = from;
    }
    this.ownWatermark = watermark;
  }

  /**
   * Seals the open block (it runs by itself when the block is full), then applies retention and the
   * per-series bound. Sampling goes on in a new block.
   */
  seal(): void {
    if (this.headRows === 0) return;
    const seq = this.nextBlockSeq++;
    const block = packBlock(
      seq,
      this.headTimes.slice(0, this.headRows),
      this.byId.length,
      (id) => this.byId[id]?.head,
    );
    for (const series of this.byId) {
      const head = series?.head;
      if (head === undefined || head.count === 0) continue;
      series!.lastBlockSeq = seq;
      head.reset();
    }
    this.headRows = 0;
    this.blocks.push(block);
    this.blockBytes += block.bytes;
    this.blockRowsHeld += block.rows;
    this.autoTruncate();
    if (this.blockRowsHeld > this.maxSamplesPerSeries) {
      while (this.blockRowsHeld > this.maxSamplesPerSeries) this.dropOldestBlock(true);
      this.sweep(-Infinity);
    }
  }

  private dropOldestBlock(evicted: boolean): void {
    const block = this.blocks.shift()!;
    this.blockBytes -= block.bytes;
    this.blockRowsHeld -= block.rows;
    this.counts.samples -= block.samples;
    if (evicted) this.counts.evictedSamples += block.samples;
  }

  private autoTruncate(): void {
    const cutoff = this.newestMs - this.retentionMs;
    const oldest = this.blocks[0];
    if ((oldest !== undefined && oldest.maxT < cutoff) || this.ownWatermark < cutoff) this.truncate(cutoff);
  }

  private writeHead(series: Series, row: number, timestampMs: number, high: number, low: number): void {
    (series.head ??= new HeadStream()).append(row, high, low, this.blockRows);
    this.noteSample(series, timestampMs);
  }

  private appendOwn(labels: Labels, timestampMs: number, high: number, low: number): boolean {
    checkTimestamp(timestampMs);
    const series = this.resolveSeries(labels);
    if (series === undefined) return false;
    if (timestampMs <= series.lastT) {
      this.counts.refusedSamples += 1;
      return false;
    }
    const own = (series.own ??= new OwnChunks());
    if (own.samples === 0) this.ownWatermark = Math.min(this.ownWatermark, timestampMs);
    const filled = own.append(timestampMs, high, low);
    this.noteSample(series, timestampMs);
    if (filled !== undefined) {
      const evicted = own.bound(this.maxSamplesPerSeries);
      this.counts.samples -= evicted;
      this.counts.evictedSamples += evicted;
      this.ownWatermark = Math.min(this.ownWatermark, own.oldestMaxT);
      this.autoTruncate();
    }
    return true;
  }

  private noteSample(series: Series, timestampMs: number): void {
    series.lastT = timestampMs;
    if (timestampMs < series.firstT) series.firstT = timestampMs;
    if (timestampMs > this.newestMs) this.newestMs = timestampMs;
    this.counts.samples += 1;
  }

  private remove(series: Series): void {
    this.byKey.delete(series.key);
    this.index.remove(series.id, series.labels);
    this.byId[series.id] = undefined;
    this.freeIds.push(series.id);
    series.id = -1;
  }

  /** Series passing every matcher whose samples span reaches into [mintMs, maxtMs]. */
  private *matching(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): Iterable<Series> {
    const candidates = this.index.candidates(matchers);
    const tests = this.index.tests(matchers);
    const pool = candidates === undefined ? this.byId : mapIds(candidates, this.byId);
    for (const series of pool) {
      if (series === undefined || series.firstT > maxtMs || series.lastT < mintMs) continue;
      if (passes(series.labels, tests)) yield series;
    }
  }

  private decode(series: Series, mintMs: number, maxtMs: number): SampleBuffer {
    const id = series.id;
    const blocks = this.blocks;
    let first = 0;
    let last = blocks.length;
    while (first < last) {
      const middle = (first + last) >>> 1;
      if (blocks[middle]!.maxT < mintMs) first = middle + 1;
      else last = middle;
    }
    let capacity = series.head?.count ?? 0;
    let end = first;
    for (; end < blocks.length && blocks[end]!.minT <= maxtMs; end++) {
      if (blocks[end]!.has(id)) capacity += blocks[end]!.rows;
    }
    const scraped = new SampleBuffer(capacity);
    for (let i = first; i < end; i++) blocks[i]!.decode(id, mintMs, maxtMs, this.reader, scraped);
    if (series.head !== undefined)
      decodeHead(series.head, this.headTimes, mintMs, maxtMs, this.reader, scraped);
    const own = series.own;
    if (own === undefined) return scraped;
    const owned = new SampleBuffer(Math.min(own.samples, 1024));
    own.decode(mintMs, maxtMs, owned);
    return scraped.length === 0 ? owned : merge(scraped, owned);
  }
}

function* mapIds<T>(ids: Iterable<number>, byId: readonly T[]): Iterable<T | undefined> {
  for (const id of ids) yield byId[id];
}

/** Two time-ordered runs of one series (their timestamps never coincide) as one. */
function merge(a: SampleBuffer, b: SampleBuffer): SampleBuffer {
  if (b.length === 0) return a;
  const out = new SampleBuffer(a.length + b.length);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const fromA = j >= b.length || (i < a.length && a.t[i]! < b.t[j]!);
    const from = fromA ? a : b;
    const k = fromA ? i++ : j++;
    out.pushValue(from.t[k]!, from.v[k]!, from.stale?.[k] === 1);
  }
  return out;
}

function checkTimestamp(timestampMs: number): void {
  if (!Number.isInteger(timestampMs) || Math.abs(timestampMs) > MAX_TIMESTAMP_MS) {
    throw badArgument(
      `sample timestamp must be an integer of milliseconds within ±2^52, got ${String(timestampMs)}`,
    );
  }
}

/** A new series' labels must be a label set as labels.ts defines one. */
function checkLabels(labels: Labels): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (
      typeof label.name !== 'string' ||
      label.name === '' ||
      typeof label.value !== 'string' ||
      label.value === ''
    ) {
      throw badArgument(
        `a series' labels must have non-empty string names and values, got ${JSON.stringify(label)}`,
      );
    }
    if (i > 0 && compareStrings(labels[i - 1]!.name, label.name) >= 0) {
      throw badArgument(
        `a series' labels must be sorted by name with no name twice, got ${labelsKey(labels).replaceAll('\xff', ' ')}`,
      );
    }
  }
}
