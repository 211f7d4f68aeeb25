/**
 * The values a PromQL expression evaluates to (Prometheus's promql.Value): a scalar, a string, an
 * instant vector (one sample per series at one time) or a matrix (many points per series). Times are
 * integer milliseconds; values are float64, NaN and ±Inf included.
 */
import type { Labels } from '../labels.js';

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

export interface Point {
  readonly t: number;
  readonly v: number;
}

/** One element of an instant vector. */
export interface Sample {
  readonly metric: Labels;
  readonly t: number;
  readonly v: number;
}

/** One series of a matrix: points ascending by time. */
export interface Series {
  readonly metric: Labels;
  readonly points: Point[];
}

export interface ScalarValue {
  readonly type: 'scalar';
  readonly t: number;
  readonly v: number;
}

export interface StringValue {
  readonly type: 'string';
  readonly t: number;
  readonly v: string;
}

export interface VectorValue {
  readonly type: 'vector';
  readonly samples: Sample[];
}

export interface MatrixValue {
  readonly type: 'matrix';
  readonly series: Series[];
}

export type QueryValue = ScalarValue | StringValue | VectorValue | MatrixValue;
