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
import { badArgument } from '../core/errors.js';
import { HeadStream, packBlock, type SealedBlock } from './block.js';
import { LabelIndex } from './label-index.js';
import { formatLabels, type Labels } from './labels.js';
import { OwnChunks } from './own-chunks.js';
import type { LabelMatcher, Queryable, SelectedSeries } from './queryable.js';
import { checkLabels, checkTimestamp, labelsHash, Series, SeriesByLabels, type SeriesRef } from './series.js';
import {
  resolveStoreOptions,
  type ImageLoad,
  type ImageSeries,
  type ScrapeSample,
  type SeriesStoreOptions,
  type SeriesStoreStats,
  type StoreImage,
} from './store-options.js';
import { StoreReader } from './store-reader.js';
import { highHalf, lowHalfOfLast, STALE_HIGH, STALE_LOW } from './value-stream.js';

export type { SeriesRef };
export {
  DEFAULT_BLOCK_ROWS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_MAX_SERIES,
  DEFAULT_RETENTION_MS,
  type ImageLoad,
  type ImageSeries,
  type ScrapeSample,
  type SeriesStoreOptions,
  type SeriesStoreStats,
  type StoreImage,
} from './store-options.js';

export class SeriesStore implements Queryable {
  readonly retentionMs: number;
  readonly maxSeries: number;
  readonly maxSamplesPerSeries: number;
  readonly blockRows: number;
  private readonly index = new LabelIndex();
  private readonly byLabels = new SeriesByLabels();
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
  private readonly reader: StoreReader;
  private readonly counts = { samples: 0, droppedSeries: 0, refusedSamples: 0, evictedSamples: 0 };

  constructor(options: SeriesStoreOptions = {}) {
    const valid = resolveStoreOptions(options);
    this.retentionMs = valid.retentionMs;
    this.maxSeries = valid.maxSeries;
    this.blockRows = valid.blockRows;
    this.maxSamplesPerSeries = valid.maxSamplesPerSeries;
    this.headTimes = new Float64Array(this.blockRows);
    this.reader = new StoreReader(this.index, this.byId, this.blocks, this.headTimes);
  }

  /**
   * The series of a label set (sorted by name, names unique, values non-empty: labels.ts), created on
   * first use; undefined, counted in droppedSeries, when that would pass maxSeries.
   */
  resolve(labels: Labels): SeriesRef | undefined {
    return this.resolveSeries(labels);
  }

  private resolveSeries(labels: Labels): Series | undefined {
    const hash = labelsHash(labels);
    const found = this.byLabels.get(labels, hash);
    if (found !== undefined) return found;
    if (this.byLabels.size >= this.maxSeries) {
      this.counts.droppedSeries += 1;
      return undefined;
    }
    checkLabels(labels);
    const id = this.freeIds.pop() ?? this.byId.length;
    const series = new Series(id, this.index.add(id, labels), hash);
    this.byId[id] = series;
    this.byLabels.add(series);
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
    return this.reader.select(matchers, mintMs, maxtMs);
  }

  /** Label names of the series matching `matchers` with samples in the range, sorted. */
  labelNames(matchers: readonly LabelMatcher[] = [], mintMs = -Infinity, maxtMs = Infinity): string[] {
    return this.reader.labelNames(matchers, mintMs, maxtMs);
  }

  /** Values of label `name` among the series matching `matchers` with samples in the range, sorted. */
  labelValues(
    name: string,
    matchers: readonly LabelMatcher[] = [],
    mintMs = -Infinity,
    maxtMs = Infinity,
  ): string[] {
    return this.reader.labelValues(name, matchers, mintMs, maxtMs);
  }

  /** Label sets of the series matching any of the matcher lists, with samples in the range, sorted. */
  series(matcherSets: readonly (readonly LabelMatcher[])[], mintMs = -Infinity, maxtMs = Infinity): Labels[] {
    return this.reader.series(matcherSets, mintMs, maxtMs);
  }

  stats(): SeriesStoreStats {
    let bytes = this.blockBytes + this.headRows * 8;
    for (const series of this.byId) {
      if (series === undefined) continue;
      if (series.head !== undefined) bytes += series.head.writer.bytes;
      if (series.own !== undefined) bytes += series.own.bytes;
    }
    return { series: this.byLabels.size, bytes, blocks: this.blocks.length, ...this.counts };
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
    const removed: Series[] = [];
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
        removed.push(series);
        continue;
      }
      const from = Math.min(inScrape ? scrapeFrom : Infinity, series.own?.minT ?? Infinity);
      if (from > series.firstT) series.firstT = from;
    }
    this.ownWatermark = watermark;
    if (removed.length > 0) this.remove(removed);
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

  /** Everything held, for a snapshot (snapshot.ts); shares only immutable parts with the store. */
  exportImage(): StoreImage {
    const map = new Int32Array(this.byId.length).fill(-1);
    const inLastPass = new Set(this.previousPass);
    const series: ImageSeries[] = [];
    for (const one of this.byId) {
      if (one === undefined) continue;
      map[one.id] = series.length;
      series.push({ labels: one.labels, inLastPass: inLastPass.has(one.id), chunks: one.own?.all() ?? [] });
    }
    const dense = series.length === this.byId.length;
    const blocks = this.blocks.map((block) =>
      dense ? block : block.renumbered(block.seq, map, series.length),
    );
    if (this.headRows > 0) {
      const times = this.headTimes.slice(0, this.headRows);
      const open = packBlock(this.nextBlockSeq, times, this.byId.length, (id) => this.byId[id]?.head);
      blocks.push(dense ? open : open.renumbered(open.seq, map, series.length));
    }
    return { series, blocks };
  }

  /**
   * Loads an image into this store, which must be new (nothing appended yet): samples older than nowMs - retentionMs are
   * left out, and so are series past maxSeries. Series of the image's last pass get a staleness marker
   * in the first pass that misses them. The image must be well-formed (snapshot.ts checks a file's).
   */
  importImage(image: StoreImage, nowMs: number): ImageLoad {
    if (this.byId.length > 0 || this.blocks.length > 0 || this.headRows > 0) {
      throw badArgument('a snapshot loads into a new store only');
    }
    const cutoff = nowMs - this.retentionMs;
    const map = new Int32Array(image.series.length).fill(-1);
    const load: ImageLoad = { series: 0, samples: 0, expiredSamples: 0, droppedSeries: 0 };
    image.series.forEach((entry, index) => {
      const series = this.resolveSeries(entry.labels);
      if (series === undefined) {
        load.droppedSeries += 1;
        return;
      }
      if (series.id !== this.byId.length - 1)
        throw badArgument(`a snapshot lists ${formatLabels(entry.labels)} twice`);
      map[index] = series.id;
      if (entry.inLastPass) {
        series.lastPass = this.pass;
        this.previousPass.push(series.id);
      }
      for (const chunk of entry.chunks) {
        if (chunk.maxT < cutoff) {
          load.expiredSamples += chunk.count;
          continue;
        }
        (series.own ??= new OwnChunks()).adopt(chunk);
        this.ownWatermark = Math.min(this.ownWatermark, chunk.maxT);
        this.noteExtent(series, chunk.minT, chunk.maxT, chunk.count);
      }
    });
    for (const imageBlock of image.blocks) {
      if (imageBlock.maxT < cutoff) {
        load.expiredSamples += imageBlock.samples;
        continue;
      }
      const block = imageBlock.renumbered(this.nextBlockSeq++, map, this.byId.length);
      for (let id = 0; id < block.idCount; id++) {
        if (!block.has(id)) continue;
        const series = this.byId[id]!;
        const [first, last] = block.extentOf(id);
        this.noteExtent(series, first, last, 0);
        series.lastBlockSeq = block.seq;
      }
      this.blocks.push(block);
      this.blockBytes += block.bytes;
      this.blockRowsHeld += block.rows;
      this.counts.samples += block.samples;
    }
    for (const series of this.byId) {
      const own = series?.own;
      if (own !== undefined) this.counts.samples -= this.evict(own.bound(this.maxSamplesPerSeries));
    }
    while (this.blockRowsHeld > this.maxSamplesPerSeries) this.dropOldestBlock(true);
    this.sweep(cutoff);
    load.series = this.byLabels.size;
    load.samples = this.counts.samples;
    return load;
  }

  private noteExtent(series: Series, first: number, last: number, samples: number): void {
    if (first < series.firstT) series.firstT = first;
    if (last > series.lastT) series.lastT = last;
    if (last > this.newestMs) this.newestMs = last;
    this.counts.samples += samples;
  }

  /** Counts samples dropped to keep maxSamplesPerSeries; returns them. */
  private evict(samples: number): number {
    this.counts.evictedSamples += samples;
    return samples;
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
      this.counts.samples -= this.evict(own.bound(this.maxSamplesPerSeries));
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

  private remove(removed: readonly Series[]): void {
    this.index.removeAll(removed);
    for (const series of removed) {
      this.byLabels.delete(series);
      this.byId[series.id] = undefined;
      this.freeIds.push(series.id);
      series.id = -1;
    }
  }
}
