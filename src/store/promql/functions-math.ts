/**
 * The instant-vector and scalar functions of Prometheus 2.42 that work sample by sample (abs, ceil,
 * the trigonometry, clamp*, round, sgn, timestamp, …), plus time/pi/scalar/vector, sort/sort_desc and
 * absent. Element-wise functions drop the metric name (Go's simpleFunc and friends call
 * enh.DropMetricName); sort keeps it. Transcendental functions are Go's own (go-math.ts): JavaScript's
 * Math differs from them in the last bit for a tenth to a third of inputs.
 */
import { EMPTY_LABELS, LabelsBuilder, METRIC_NAME, withoutMetricName } from '../labels.js';
import type { Labels } from '../labels.js';
import type { Expr } from './ast.js';
import type { FunctionArgValue, FunctionImpl } from './function-types.js';
import { scalarArg } from './functions-range.js';
import * as go from './go-math.js';
import { goSort } from './go-sort.js';
import type { Sample } from './value.js';

function vectorArg(values: readonly FunctionArgValue[], index: number): Sample[] {
  return (values[index] as Sample[] | undefined) ?? [];
}

/** One output per input sample, value mapped, metric name dropped (Go's simpleFunc). */
function simple(f: (v: number) => number): FunctionImpl {
  return (values, _args, context) =>
    vectorArg(values, 0).map((sample) => ({
      metric: withoutMetricName(sample.metric),
      t: context.timeMs,
      v: f(sample.v),
    }));
}

/** Go's math.Max/math.Min: NaN wins, and +0 is above -0. */
function goMax(x: number, y: number): number {
  if (x === Infinity || y === Infinity) return Infinity;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0 && x === y) return Object.is(x, -0) ? y : x;
  return x > y ? x : y;
}

function goMin(x: number, y: number): number {
  if (x === -Infinity || y === -Infinity) return -Infinity;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0 && x === y) return Object.is(x, -0) ? x : y;
  return x < y ? x : y;
}

const clamp: FunctionImpl = (values, args, context) => {
  const min = scalarArg(values, 1);
  const max = scalarArg(values, 2);
  if (max < min) return [];
  return simple((v) => goMax(min, goMin(max, v)))(values, args, context);
};

const clampMax: FunctionImpl = (values, args, context) => {
  const max = scalarArg(values, 1);
  return simple((v) => goMin(max, v))(values, args, context);
};

const clampMin: FunctionImpl = (values, args, context) => {
  const min = scalarArg(values, 1);
  return simple((v) => goMax(min, v))(values, args, context);
};

/** round(v, to_nearest=1): ties go up, computed through the inverse as Go does. */
const round: FunctionImpl = (values, args, context) => {
  const toNearest = args.length >= 2 ? scalarArg(values, 1) : 1;
  const toNearestInverse = 1.0 / toNearest;
  return simple((v) => Math.floor(v * toNearestInverse + 0.5) / toNearestInverse)(values, args, context);
};

const sgn = simple((v) => {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
});

const timestamp: FunctionImpl = (values, _args, context) =>
  vectorArg(values, 0).map((sample) => ({
    metric: withoutMetricName(sample.metric),
    t: context.timeMs,
    v: sample.t / 1000,
  }));

/** sort: ascending, NaN last (Go sorts the reverse of "descending with NaN first"). */
const sort: FunctionImpl = (values) => {
  const out = [...vectorArg(values, 0)];
  goSort(out, (a, b) => Number.isNaN(b.v) || b.v > a.v);
  return out;
};

/** sort_desc: descending, NaN last. */
const sortDesc: FunctionImpl = (values) => {
  const out = [...vectorArg(values, 0)];
  goSort(out, (a, b) => Number.isNaN(b.v) || b.v < a.v);
  return out;
};

/**
 * The labels absent() and absent_over_time() give their 1: those an equality matcher of the argument
 * selector pins, a label matched twice (or by any other matcher) left out (createLabelsForAbsentFunction).
 */
export function absentLabels(arg: Expr): Labels {
  let expr = arg;
  while (expr.kind === 'paren') expr = expr.expr;
  const selector = expr.kind === 'vector' ? expr : expr.kind === 'matrix' ? expr.vector : undefined;
  if (selector === undefined) return EMPTY_LABELS;
  const builder = new LabelsBuilder(EMPTY_LABELS);
  const has = new Set<string>();
  for (const matcher of selector.matchers) {
    if (matcher.name === METRIC_NAME) continue;
    if (matcher.type === '=' && !has.has(matcher.name)) {
      builder.set(matcher.name, matcher.value);
      has.add(matcher.name);
    } else {
      builder.delete(matcher.name);
    }
  }
  return builder.labels();
}

const absent: FunctionImpl = (values, args, context) => {
  if (vectorArg(values, 0).length > 0) return [];
  return [{ metric: absentLabels(args[0]!), t: context.timeMs, v: 1 }];
};

const scalar: FunctionImpl = (values, _args, context) => {
  const vector = vectorArg(values, 0);
  return [{ metric: EMPTY_LABELS, t: context.timeMs, v: vector.length === 1 ? vector[0]!.v : NaN }];
};

export const MATH_FUNCTIONS: Readonly<Record<string, FunctionImpl>> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(go.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(go.log),
  log2: simple(go.log2),
  log10: simple(go.log10),
  sin: simple(go.sin),
  cos: simple(go.cos),
  tan: simple(go.tan),
  asin: simple(go.asin),
  acos: simple(go.acos),
  atan: simple(go.atan),
  sinh: simple(go.sinh),
  cosh: simple(go.cosh),
  tanh: simple(go.tanh),
  asinh: simple(go.asinh),
  acosh: simple(go.acosh),
  atanh: simple(go.atanh),
  rad: simple((v) => (v * Math.PI) / 180),
  deg: simple((v) => (v * 180) / Math.PI),
  sgn,
  clamp,
  clamp_max: clampMax,
  clamp_min: clampMin,
  round,
  timestamp,
  sort,
  sort_desc: sortDesc,
  absent,
  scalar,
  vector: (values, _args, context) => [{ metric: EMPTY_LABELS, t: context.timeMs, v: scalarArg(values, 0) }],
  time: (_values, _args, context) => [{ metric: EMPTY_LABELS, t: context.timeMs, v: context.timeMs / 1000 }],
  pi: (_values, _args, context) => [{ metric: EMPTY_LABELS, t: context.timeMs, v: Math.PI }],
};
