/**
 * The store's read side: select() for the PromQL engine and the label lookups of /api/v1/labels,
 * /label/<name>/values and /series, over the store's own structures (read, never changed here).
 */
import type { SealedBlock } from './block.js';
import { type LabelIndex, passes } from './label-index.js';
import { compareLabels, compareStrings, type Labels } from './labels.js';
import type { LabelMatcher, SelectedSeries } from './queryable.js';
import { readSeries, type Series } from './series.js';
import { SampleBuffer } from './samples.js';

export class StoreReader {
  constructor(
    private readonly index: LabelIndex,
    private readonly byId: readonly (Series | undefined)[],
    private readonly blocks: readonly SealedBlock[],
    private readonly headTimes: Float64Array,
    /** Rows of the open block so far. */
    private readonly headRows: () => number,
  ) {}

  /**
   * Series matching every matcher with a sample in [mintMs, maxtMs], sorted by labels. Every series'
   * samples are decoded into one buffer sized for the range, which the results view: a handful of
   * allocations per select, not two per series.
   */
  select(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): SelectedSeries[] {
    const matched = [...this.matching(matchers, mintMs, maxtMs)];
    const all = new SampleBuffer(this.capacityFor(matched, mintMs, maxtMs));
    const spare = new SampleBuffer(16);
    const runs: { series: Series; start: number; end: number; stale: boolean }[] = [];
    for (const series of matched) {
      const start = all.length;
      const staleBefore = all.staleCount;
      readSeries(series, this.blocks, this.headTimes, mintMs, maxtMs, all, spare);
      if (all.length > start)
        runs.push({ series, start, end: all.length, stale: all.staleCount > staleBefore });
    }
    // The buffer was sized for the range; copied only when it came out much larger than needed.
    const exact = all.length * 4 >= all.t.length * 3;
    const t = exact ? all.t : all.t.slice(0, all.length);
    const v = exact ? all.v : all.v.slice(0, all.length);
    const stale = all.staleCount === 0 ? undefined : exact ? all.stale! : all.stale!.slice(0, all.length);
    const out: SelectedSeries[] = runs.map((run) => ({
      labels: run.series.labels,
      t: t.subarray(run.start, run.end),
      v: v.subarray(run.start, run.end),
      stale: run.stale ? stale!.subarray(run.start, run.end) : undefined,
    }));
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** At most how many samples the series have in the range (so the buffer is allocated once). */
  private capacityFor(matched: readonly Series[], mintMs: number, maxtMs: number): number {
    const blocks = this.blocks;
    let first = 0;
    let last = blocks.length;
    while (first < last) {
      const middle = (first + last) >>> 1;
      if (blocks[middle]!.maxT < mintMs) first = middle + 1;
      else last = middle;
    }
    const inRange: SealedBlock[] = [];
    const rows: number[] = [];
    for (let i = first; i < blocks.length && blocks[i]!.minT <= maxtMs; i++) {
      inRange.push(blocks[i]!);
      rows.push(rowsBetween(blocks[i]!.times, blocks[i]!.rows, mintMs, maxtMs));
    }
    const headRows = rowsBetween(this.headTimes, this.headRows(), mintMs, maxtMs);
    let capacity = 0;
    for (const series of matched) {
      for (let i = 0; i < inRange.length; i++) if (inRange[i]!.has(series.id)) capacity += rows[i]!;
      if ((series.head?.count ?? 0) > 0) capacity += headRows;
      capacity += series.own?.samples ?? 0;
    }
    return capacity;
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
}

function* mapIds<T>(ids: Iterable<number>, byId: readonly T[]): Iterable<T | undefined> {
  for (const id of ids) yield byId[id];
}

/** Rows of `times` (the first `rows`) with mint <= t <= maxt. */
function rowsBetween(times: Float64Array, rows: number, mintMs: number, maxtMs: number): number {
  let low = 0;
  let high = rows;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! < mintMs) low = middle + 1;
    else high = middle;
  }
  let end = low;
  let top = rows;
  while (end < top) {
    const middle = (end + top) >>> 1;
    if (times[middle]! <= maxtMs) end = middle + 1;
    else top = middle;
  }
  return end - low;
}
