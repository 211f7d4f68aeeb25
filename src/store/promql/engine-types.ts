/**
 * The evaluator's working values: a matrix of series whose points sit in parallel number arrays (the
 * steps where the series has a value), and the instant vector of one step as parallel arrays that
 * are reused from step to step, so a range query allocates per series, not per step.
 */
import { labelsKey, type Labels } from '../labels.js';
import { queryFailed, type QueryError } from './errors.js';

export interface EvalSeries {
  /** Mutable: unary minus drops the name in place, as engine.go does. */
  metric: Labels;
  readonly t: number[];
  readonly v: number[];
}

export type EvalMatrix = EvalSeries[];

export interface EvalString {
  readonly kind: 'string';
  readonly t: number;
  readonly v: string;
}

export type EvalValue = EvalMatrix | EvalString;

/** One step's instant vector; `key` carries each sample's series helper (join signature or group key). */
export class StepVector {
  length = 0;
  readonly metric: Labels[] = [];
  readonly v: number[] = [];
  readonly key: string[] = [];

  clear(): void {
    this.length = 0;
  }

  push(metric: Labels, v: number, key = ''): void {
    const i = this.length++;
    this.metric[i] = metric;
    this.v[i] = v;
    this.key[i] = key;
  }
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
