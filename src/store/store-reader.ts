/**
 * The store's read side: select() for the PromQL engine and the label lookups of /api/v1/labels,
 * /label/<name>/values and /series, over the store's own structures (read, never changed here).
 */
import type { SealedBlock } from './block.js';
import { type LabelIndex, passes } from './label-index.js';
import { compareLabels, compareStrings, type Labels } from './labels.js';
import type { LabelMatcher, SelectedSeries } from './queryable.js';
import { readSeries, type Series } from './series.js';
import { ValueReader } from './value-stream.js';

export class StoreReader {
  private readonly values = new ValueReader();

  constructor(
    private readonly index: LabelIndex,
    private readonly byId: readonly (Series | undefined)[],
    private readonly blocks: readonly SealedBlock[],
    private readonly headTimes: Float64Array,
  ) {}

  /** Series matching every matcher with a sample in [mintMs, maxtMs], sorted by labels. */
  select(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): SelectedSeries[] {
    const out: SelectedSeries[] = [];
    for (const series of this.matching(matchers, mintMs, maxtMs)) {
      const samples = readSeries(series, this.blocks, this.headTimes, this.values, mintMs, maxtMs);
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
