/**
 * Quantiles as Prometheus 2.42 computes them (promql/quantile.go): histogram_quantile over classic
 * `le` buckets (bucketQuantile, with coalesceBuckets and ensureMonotonic), and the φ-quantile of a
 * set of values that quantile_over_time and the `quantile` aggregation share. Sorting is Go's
 * sort.Sort (goSort), so ties and NaNs land where Go puts them.
 */
import { LabelsBuilder, METRIC_NAME, labelValue, labelsKeyOf } from '../labels.js';
import type { Labels } from '../labels.js';
import type { FunctionImpl } from './function-types.js';
import { goSort } from './go-sort.js';
import { parseGoFloat } from './go-float.js';
import type { Sample } from './value.js';

export const BUCKET_LABEL = 'le';

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The q-quantile estimated from cumulative buckets. The buckets are sorted and merged in place, as in
 * Go. NaN q gives NaN, q < 0 -Inf, q > 1 +Inf; no +Inf bucket, fewer than two buckets or no
 * observations give NaN.
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  goSort(buckets, (a, b) => a.upperBound < b.upperBound);
  if (buckets[buckets.length - 1]?.upperBound !== Infinity) return NaN;

  const merged = coalesceBuckets(buckets);
  ensureMonotonic(merged);

  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
  const b = searchFirst(merged.length - 1, (i) => merged[i]!.count >= rank);

  if (b === merged.length - 1) return merged[merged.length - 2]!.upperBound;
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = merged[b]!.upperBound;
  let count = merged[b]!.count;
  if (b > 0) {
    bucketStart = merged[b - 1]!.upperBound;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Go's sort.Search: the smallest i in [0, n) with predicate true (n if none), by bisection. */
function searchFirst(n: number, predicate: (i: number) => boolean): number {
  let i = 0;
  let j = n;
  while (i < j) {
    const h = (i + j) >>> 1;
    if (!predicate(h)) i = h + 1;
    else j = h;
  }
  return i;
}

/** Buckets with the same upper bound (e.g. le="1" and le="1.0") become one, counts added in order. */
export function coalesceBuckets(buckets: Bucket[]): Bucket[] {
  let last = { ...buckets[0]! };
  let i = 0;
  for (const b of buckets.slice(1)) {
    if (b.upperBound === last.upperBound) {
      last.count += b.count;
    } else {
      buckets[i] = last;
      last = { ...b };
      i++;
    }
  }
  buckets[i] = last;
  buckets.length = i + 1;
  return buckets;
}

/**
 * Counts that fall from one bucket to the next (scrapes racing observations, or precision loss)
 * are raised to the running maximum, so the cumulative counts never decrease.
 */
export function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const count = buckets[i]!.count;
    if (count > max) max = count;
    else if (count < max) buckets[i]!.count = max;
  }
}

/** vectorByValueHeap's Less: NaN first, then ascending. */
function byValueWithNaNFirst(a: number, b: number): boolean {
  return Number.isNaN(a) || a < b;
}

/**
 * The q-quantile of values, interpolating between the two nearest ranks (values is sorted in place).
 * Empty or NaN q gives NaN, q < 0 -Inf, q > 1 +Inf.
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  goSort(values, byValueWithNaNFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return values[lowerIndex]! * (1 - weight) + values[upperIndex]! * weight;
}

const GROUPING_EXCLUDED = new Set([BUCKET_LABEL]);

/**
 * histogram_quantile(φ, buckets): one output per label set without `le`, its labels those without
 * `le` and the metric name. Samples without a parseable `le` are skipped, as Prometheus skips them.
 * Outputs come in the order each group was first seen (Go iterates a map here: any order is its).
 */
export const histogramQuantile: FunctionImpl = (values, _args, context) => {
  const q = (values[0] as Sample[])[0]!.v;
  const groups = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const sample of values[1] as Sample[]) {
    const upperBound = parseGoFloat(labelValue(sample.metric, BUCKET_LABEL));
    if (upperBound === undefined) continue;
    const key = labelsKeyOf(sample.metric, GROUPING_EXCLUDED, false);
    let group = groups.get(key);
    if (group === undefined) {
      const metric = new LabelsBuilder(sample.metric).delete(METRIC_NAME).delete(BUCKET_LABEL).labels();
      group = { metric, buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: sample.v });
  }
  const out: Sample[] = [];
  for (const group of groups.values()) {
    out.push({ metric: group.metric, t: context.timeMs, v: bucketQuantile(q, group.buckets) });
  }
  return out;
};
