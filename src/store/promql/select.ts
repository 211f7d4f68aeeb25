/**
 * Reading selected series as Prometheus 2.42's evaluator does (engine.go): an instant selector takes
 * the newest sample in the closed window [t - lookback, t] (after offset), and nothing when that
 * sample is a staleness marker; a range selector takes every sample in the closed window
 * [t - range, t] but the staleness markers. Windows are found by binary search and walked forward
 * with the steps, over the Float64Arrays the store hands out.
 */
import type { Labels } from '../labels.js';
import type { SelectedSeries } from '../queryable.js';
import { SeriesBuilder, stepsWithin, tooManySamples, type EvalMatrix } from './engine-types.js';
import type { Point } from './value.js';

/** The evaluator's count of samples held (ev.currentSamples), checked against the query's limit. */
export interface SampleBudget {
  currentSamples: number;
  readonly maxSamples: number;
}

/** Samples an evaluator reads: a selected series, or a subquery's result. */
export interface SampleSource {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly stale: Uint8Array | undefined;
}

/** The first index in t[from…] whose time is >= time. */
export function lowerBound(t: Float64Array, time: number, from = 0): number {
  let lo = from;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in t[from…] whose time is > time. */
export function upperBound(t: Float64Array, time: number, from = 0): number {
  let lo = from;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface StepRange {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
}

/**
 * An instant vector selector over every step (the VectorSelector case of eval): one series per
 * selected series with a value at some step, its points at the step times.
 */
export function evalVectorSelector(
  series: readonly SelectedSeries[],
  offset: number,
  lookback: number,
  steps: StepRange,
  budget: SampleBudget,
): EvalMatrix {
  const matrix: EvalMatrix = [];
  for (const s of series) {
    const { t, v, stale } = s;
    if (t.length === 0) continue;
    // Only the steps the samples cover can have a value: the others are not walked.
    const { first, count } = stepsWithin(
      steps.start,
      steps.end,
      steps.interval,
      t[0]! + offset,
      t[t.length - 1]! + offset + lookback,
    );
    if (count === 0) continue;
    const out = new SeriesBuilder(count);
    const last = first + (count - 1) * steps.interval;
    // Index of the newest sample at or before the step's reference time.
    let newest = upperBound(t, first - offset) - 1;
    for (let ts = first; ts <= last; ts += steps.interval) {
      const ref = ts - offset;
      while (newest + 1 < t.length && t[newest + 1]! <= ref) newest++;
      if (newest < 0 || t[newest]! < ref - lookback) continue;
      if (stale !== undefined && stale[newest] === 1) continue;
      if (budget.currentSamples >= budget.maxSamples) throw tooManySamples();
      out.push(ts, v[newest]!);
      budget.currentSamples++;
    }
    if (out.length > 0) matrix.push(out.build(s.labels));
  }
  return matrix;
}

/** vectorSelectorSingle: the index of the sample an instant selector reads at ref, or -1. */
export function instantSampleAt(source: SampleSource, ref: number, lookback: number): number {
  const newest = upperBound(source.t, ref) - 1;
  if (newest < 0 || source.t[newest]! < ref - lookback) return -1;
  if (source.stale !== undefined && source.stale[newest] === 1) return -1;
  return newest;
}

/** A window point; the window rewrites its points in place (see SlidingWindow). */
interface MutablePoint {
  t: number;
  v: number;
}

/**
 * One series' range window, moved forward step by step (matrixIterSlice): points still inside the
 * new window are kept, older ones dropped, newer ones appended. `points` is the array handed to
 * range functions; it and its Point objects are rewritten in place at the next move (so a step
 * allocates nothing once the window has its size), which is why a function must not keep them
 * past its call.
 */
export class SlidingWindow {
  readonly points: MutablePoint[] = [];
  /** Every Point object made so far, so a shorter window, or the next series', reuses them. */
  private readonly pool: MutablePoint[] = [];
  /** The first sample not yet looked at. */
  private next = 0;
  private lastMaxt = -Infinity;

  constructor(private source: SampleSource) {}

  /**
   * Starts over on another series, keeping the Point objects (one window can serve every series of a
   * call in turn). Gives the window's samples back to the budget first.
   */
  reset(source: SampleSource, budget: SampleBudget): void {
    this.release(budget);
    this.source = source;
    this.next = 0;
    this.lastMaxt = -Infinity;
  }

  /** Moves the window to [mint, maxt]. */
  moveTo(mint: number, maxt: number, budget: SampleBudget): Point[] {
    const { t, v, stale } = this.source;
    const points = this.points;
    // Shrinking an array's length costs V8 far more than overwriting slots: shrink only at the end.
    let size = points.length;
    if (size > 0 && points[size - 1]!.t >= mint && maxt >= this.lastMaxt) {
      let drop = 0;
      while (points[drop]!.t < mint) drop++;
      if (drop > 0) {
        for (let k = drop; k < size; k++) {
          const to = points[k - drop]!;
          const from = points[k]!;
          to.t = from.t;
          to.v = from.v;
        }
        size -= drop;
        budget.currentSamples -= drop;
      }
    } else {
      budget.currentSamples -= size;
      size = 0;
      if (maxt < this.lastMaxt || this.next >= t.length || t[this.next]! < mint) {
        this.next = lowerBound(t, mint, maxt < this.lastMaxt ? 0 : this.next);
      }
    }
    this.lastMaxt = maxt;
    let i = this.next;
    for (; i < t.length && t[i]! <= maxt; i++) {
      if (stale !== undefined && stale[i] === 1) continue;
      if (budget.currentSamples >= budget.maxSamples) throw tooManySamples();
      budget.currentSamples++;
      const reused = points[size];
      if (reused === undefined) {
        // points[k] is always pool[k]: a point dropped off the end is picked up again from the pool.
        let point = this.pool[size];
        if (point === undefined) {
          point = { t: t[i]!, v: v[i]! };
          this.pool.push(point);
        } else {
          point.t = t[i]!;
          point.v = v[i]!;
        }
        points.push(point);
      } else {
        reused.t = t[i]!;
        reused.v = v[i]!;
      }
      size++;
    }
    this.next = i;
    if (size < points.length) points.length = size;
    return points;
  }

  /** Gives the window's samples back to the budget. */
  release(budget: SampleBudget): void {
    budget.currentSamples -= this.points.length;
    this.points.length = 0;
  }
}

/** A range selector at one time (the instant query's matrixSelector): series with points in the window. */
export function evalMatrixSelectorAt(
  series: readonly SelectedSeries[],
  maxt: number,
  range: number,
  budget: SampleBudget,
): EvalMatrix {
  const matrix: EvalMatrix = [];
  for (const s of series) {
    const window = new SlidingWindow(s).moveTo(maxt - range, maxt, budget);
    if (window.length === 0) continue;
    matrix.push({
      metric: s.labels,
      t: Float64Array.from(window, (p) => p.t),
      v: Float64Array.from(window, (p) => p.v),
    });
  }
  return matrix;
}

/** A subquery's result as samples a range window can read. */
export function sourcesOf(matrix: EvalMatrix): SampleSource[] {
  return matrix.map((s) => ({ labels: s.metric, t: s.t, v: s.v, stale: undefined }));
}
