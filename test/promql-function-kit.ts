/**
 * Hand-built inputs for calling PromQL function implementations directly, as the evaluator would:
 * series in promtool's expanding notation, range windows cut as 2.42 cuts them (closed
 * [t - range - offset, t - offset]), matrix/vector/string argument nodes, and one call helper.
 */
import { labelsFrom } from '../src/store/labels.js';
import type { Labels } from '../src/store/labels.js';
import type { LabelMatcher, MatchType } from '../src/store/queryable.js';
import type {
  Expr,
  MatrixSelector,
  StringLiteral,
  SubqueryExpr,
  VectorSelector,
} from '../src/store/promql/ast.js';
import { FUNCTIONS } from '../src/store/promql/functions.js';
import type { FunctionArgValue } from '../src/store/promql/function-types.js';
import type { Point, Sample, Series } from '../src/store/promql/value.js';

export const MINUTE = 60_000;

/**
 * Points from promtool's value notation at a fixed interval from t=0: `1 2 _ 3`, `0+10x4`,
 * `5-1x2`, `NaN`, `Inf`, `-Inf`. `_` leaves a gap.
 */
export function expand(notation: string, intervalMs: number): Point[] {
  const points: Point[] = [];
  let step = 0;
  for (const token of notation.trim().split(/\s+/)) {
    const series = /^(-?[\d.e+]+|-?Inf|NaN)([+-])([\d.e]+)x(\d+)$/.exec(token);
    if (series) {
      const start = parseValue(series[1]!);
      const delta = parseValue(series[3]!) * (series[2] === '-' ? -1 : 1);
      const times = Number(series[4]);
      for (let i = 0; i <= times; i++) points.push({ t: (step + i) * intervalMs, v: start + delta * i });
      step += times + 1;
      continue;
    }
    if (token !== '_') points.push({ t: step * intervalMs, v: parseValue(token) });
    step++;
  }
  return points;
}

function parseValue(text: string): number {
  if (text === 'Inf' || text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function labels(record: Readonly<Record<string, string>>): Labels {
  return labelsFrom(record);
}

/** The points of a series in the closed window [t - range - offset, t - offset]. */
export function window(points: readonly Point[], timeMs: number, rangeMs: number, offsetMs = 0): Point[] {
  const end = timeMs - offsetMs;
  return points.filter((point) => point.t >= end - rangeMs && point.t <= end);
}

function matcher(type: MatchType, name: string, value: string): LabelMatcher {
  const matches = (candidate: string): boolean => {
    if (type === '=') return candidate === value;
    if (type === '!=') return candidate !== value;
    const full = new RegExp(`^(?:${value})$`).test(candidate);
    return type === '=~' ? full : !full;
  };
  return { type, name, value, matches };
}

/** A vector selector node: `[type, name, value]` matchers; offset and no @ by default. */
export function selector(matchers: readonly [MatchType, string, string][], offsetMs = 0): VectorSelector {
  const name = matchers.find(([type, label]) => type === '=' && label === '__name__')?.[2];
  return {
    kind: 'vector',
    name,
    matchers: matchers.map(([type, label, value]) => matcher(type, label, value)),
    offsetMs,
    at: undefined,
  };
}

export function matrix(rangeMs: number, offsetMs = 0, metricName = 'x'): MatrixSelector {
  return { kind: 'matrix', vector: selector([['=', '__name__', metricName]], offsetMs), rangeMs };
}

export function subquery(rangeMs: number, offsetMs = 0): SubqueryExpr {
  return {
    kind: 'subquery',
    expr: selector([['=', '__name__', 'x']]),
    rangeMs,
    stepMs: 0,
    offsetMs,
    at: undefined,
  };
}

export function str(value: string): StringLiteral {
  return { kind: 'string', value };
}

export const NUMBER: Expr = { kind: 'number', value: 0 };

export function scalar(v: number): Sample[] {
  return [{ metric: labelsFrom({}), t: 0, v }];
}

export function sample(record: Readonly<Record<string, string>>, v: number, t = 0): Sample {
  return { metric: labelsFrom(record), t, v };
}

export function rangeValue(record: Readonly<Record<string, string>>, points: Point[]): Series[] {
  return [{ metric: labelsFrom(record), points }];
}

/** Calls FUNCTIONS[name] as the evaluator does, at timeMs. */
export function call(name: string, values: FunctionArgValue[], args: Expr[], timeMs = 0): Sample[] {
  const impl = FUNCTIONS[name];
  if (impl === undefined) throw new Error(`no function ${name}`);
  return impl(values, args, { timeMs });
}

/** The single value a range function gives for a window, or undefined when it gives none. */
export function rangeCall(
  name: string,
  points: readonly Point[],
  timeMs: number,
  rangeMs: number,
  offsetMs = 0,
): number | undefined {
  const values = rangeValue({ __name__: 'x' }, window(points, timeMs, rangeMs, offsetMs));
  const out = call(name, [values], [matrix(rangeMs, offsetMs)], timeMs);
  return out[0]?.v;
}
