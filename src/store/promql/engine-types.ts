/**
 * The evaluator's working values: a matrix of series whose points sit in parallel number arrays (the
 * steps where the series has a value), and the instant vector of one step as parallel arrays that
 * are reused from step to step, so a range query allocates per series, not per step.
 */
import { compareLabels, labelsKey, type Labels } from '../labels.js';
import { queryFailed, type QueryError } from './errors.js';

export interface EvalSeries {
  /** Mutable: unary minus drops the name in place, as engine.go does. */
  metric: Labels;
  /** The steps with a value, ascending (exactly as long as the series). */
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/**
 * Builds one series' points into growing Float64Arrays. Their memory lies outside the JS heap, so
 * the garbage collector does not copy a query's points around while it runs.
 */
export class SeriesBuilder {
  private t: Float64Array;
  private v: Float64Array;
  length = 0;

  /** capacity: the most points the series can get (callers bound it by the steps its samples cover). */
  constructor(capacity: number) {
    const size = Math.max(1, Math.min(capacity, 1 << 16));
    this.t = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  push(t: number, v: number): void {
    if (this.length === this.t.length) {
      const t2 = new Float64Array(this.t.length * 2);
      t2.set(this.t);
      this.t = t2;
      const v2 = new Float64Array(this.v.length * 2);
      v2.set(this.v);
      this.v = v2;
    }
    this.t[this.length] = t;
    this.v[this.length++] = v;
  }

  build(metric: Labels): EvalSeries {
    return { metric, t: this.t.subarray(0, this.length), v: this.v.subarray(0, this.length) };
  }
}

/**
 * Builds many series' points one after another into one pair of arrays, sized up front for all of
 * them: begin() starts a series, build() hands out views of its points.
 */
export class SeriesArena {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private start = 0;
  private length = 0;

  constructor(capacity: number) {
    this.t = new Float64Array(Math.max(1, capacity));
    this.v = new Float64Array(Math.max(1, capacity));
  }

  /** Points of the series begun last. */
  get runLength(): number {
    return this.length - this.start;
  }

  begin(): void {
    this.start = this.length;
  }

  /** Past the capacity given, a push throws (callers size the arena by the steps covered). */
  push(t: number, v: number): void {
    if (this.length === this.t.length) throw queryFailed('internal: a series arena overflowed');
    this.t[this.length] = t;
    this.v[this.length++] = v;
  }

  build(metric: Labels): EvalSeries {
    return {
      metric,
      t: this.t.subarray(this.start, this.length),
      v: this.v.subarray(this.start, this.length),
    };
  }
}

export type EvalMatrix = EvalSeries[];

export interface EvalString {
  readonly kind: 'string';
  readonly t: number;
  readonly v: string;
}

export type EvalValue = EvalMatrix | EvalString;

export function asMatrix(value: EvalValue): EvalMatrix {
  if (!Array.isArray(value)) throw queryFailed('unexpected string value in expression');
  return value;
}

/**
 * One step's instant vector. `id` carries each sample's series helper (its join signature or group
 * key), interned once per series as a small integer, so operators look it up in arrays, not maps.
 */
export class StepVector {
  length = 0;
  readonly metric: Labels[] = [];
  readonly v: number[] = [];
  readonly id: number[] = [];

  clear(): void {
    this.length = 0;
  }

  push(metric: Labels, v: number, id = 0): void {
    const i = this.length++;
    this.metric[i] = metric;
    this.v[i] = v;
    this.id[i] = id;
  }
}

/** A set of small integers emptied in O(1) (by moving to a new stamp), for per-step lookups by id. */
export class StampSet {
  private stamps = new Uint32Array(16);
  private stamp = 1;

  clear(): void {
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  add(id: number): void {
    if (id >= this.stamps.length) {
      const grown = new Uint32Array(Math.max(id + 1, this.stamps.length * 2));
      grown.set(this.stamps);
      this.stamps = grown;
    }
    this.stamps[id] = this.stamp;
  }

  has(id: number): boolean {
    return id < this.stamps.length && this.stamps[id] === this.stamp;
  }
}

/** A map from small integers to values, emptied in O(1). */
export class StampMap<T> {
  private readonly keys = new StampSet();
  private readonly values: T[] = [];

  clear(): void {
    this.keys.clear();
  }

  set(id: number, value: T): void {
    this.keys.add(id);
    this.values[id] = value;
  }

  get(id: number): T | undefined {
    return this.keys.has(id) ? this.values[id] : undefined;
  }
}

/**
 * The steps of [start, end] (every interval from start) that lie within [lo, hi]: the first one, and
 * how many. A series' samples can only give values at the steps their time range covers.
 */
export function stepsWithin(
  start: number,
  end: number,
  interval: number,
  lo: number,
  hi: number,
): { first: number; count: number } {
  const first = lo <= start ? start : start + Math.ceil((lo - start) / interval) * interval;
  const last = Math.min(hi, end);
  return { first, count: first > last ? 0 : Math.floor((last - first) / interval) + 1 };
}

export function tooManySamples(): QueryError {
  return queryFailed('query processing would load too many samples into memory in query execution');
}

export function sameLabelset(): QueryError {
  return queryFailed('vector cannot contain metrics with the same labelset');
}

/** Matrix.ContainsSameLabelset. */
export function containsSameLabelset(matrix: EvalMatrix): boolean {
  if (matrix.length < 2) return false;
  // Series mostly come sorted (a select's are, and dropping a name they all share keeps the order):
  // strictly ascending label sets hold no two alike, found without building a key per series.
  let ascending = true;
  for (let i = 1; i < matrix.length && ascending; i++) {
    ascending = compareLabels(matrix[i - 1]!.metric, matrix[i]!.metric) < 0;
  }
  if (ascending) return false;
  const seen = new Set<string>();
  for (const series of matrix) {
    const key = labelsKey(series.metric);
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** Per-node caches of derived label sets, keyed by the identity of the label set they came from. */
export class LabelsCache {
  private readonly map = new Map<Labels, Labels>();

  get(labels: Labels, derive: (labels: Labels) => Labels): Labels {
    let out = this.map.get(labels);
    if (out === undefined) {
      out = derive(labels);
      this.map.set(labels, out);
    }
    return out;
  }
}
