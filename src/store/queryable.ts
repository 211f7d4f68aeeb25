/**
 * What the PromQL engine reads: series picked by label matchers, with their samples over a time range,
 * already decoded. The store implements it; tests implement it over plain arrays. Times are integer
 * milliseconds since the epoch, as in Prometheus.
 */
import type { Labels } from './labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/**
 * One label matcher. Regex matchers are fully anchored RE2 (Go's syntax, `^(?:…)$`), run by re2js in
 * linear time, so no query can make a match backtrack. A missing label matches as the empty string.
 */
export interface LabelMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** Tests a label value ('' for a missing label). */
  matches(value: string): boolean;
}

/**
 * One series' samples with mint <= t <= maxt, ascending by time. Staleness markers (the series ended:
 * a scrape no longer had it) are samples whose `stale` byte is 1; their value is NaN. The flag is kept
 * apart because a JS engine may rewrite a NaN's payload bits, so Prometheus's StaleNaN cannot travel in
 * a number.
 */
export interface SelectedSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** undefined when no sample in the range is a staleness marker. */
  readonly stale: Uint8Array | undefined;
}

export interface Queryable {
  /** Every series matching all matchers that has at least one sample in [mintMs, maxtMs]. */
  select(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): SelectedSeries[];
}
