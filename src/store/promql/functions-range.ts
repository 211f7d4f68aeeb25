/**
 * The range-vector functions of Prometheus 2.42 (promql/functions.go): rate/increase/delta with their
 * extrapolation, irate/idelta, deriv/predict_linear, holt_winters, changes/resets and the *_over_time
 * family. Each gets one series' window (stale markers removed) and returns at most one sample; the
 * float operations run in Go's order so results are bit-identical. Outputs drop the metric name (the
 * 2.42 evaluator does that for every range function but last_over_time).
 */
import { EMPTY_LABELS, withoutMetricName } from '../labels.js';
import type { Expr } from './ast.js';
import { queryFailed } from './errors.js';
import type { FunctionArgValue, FunctionContext, FunctionImpl } from './function-types.js';
import { formatGoFixed } from './go-float.js';
import { quantile } from './quantile.js';
import type { Point, Sample, Series } from './value.js';

export interface RangeWindow {
  readonly rangeMs: number;
  readonly offsetMs: number;
}

/**
 * The range and offset of a range-vector argument: a matrix selector's, or a subquery's (which 2.42
 * turns into a matrix selector with the subquery's range and offset before calling the function).
 */
export function rangeOf(arg: Expr): RangeWindow {
  // rate() and its kin ask at every step: the answer is kept per argument node.
  const known = rangeOfNode.get(arg);
  if (known !== undefined) return known;
  const found = findRange(arg);
  rangeOfNode.set(arg, found);
  return found;
}

const rangeOfNode = new WeakMap<Expr, RangeWindow>();

function findRange(arg: Expr): RangeWindow {
  let expr = arg;
  while (expr.kind === 'paren') expr = expr.expr;
  if (expr.kind === 'matrix') return { rangeMs: expr.rangeMs, offsetMs: expr.vector.offsetMs };
  if (expr.kind === 'subquery') return { rangeMs: expr.rangeMs, offsetMs: expr.offsetMs };
  throw queryFailed(`expected a range vector argument, got ${expr.kind}`);
}

/** The one series a range argument brings. */
function windowOf(values: readonly FunctionArgValue[], index: number): Series {
  const series = (values[index] as Series[] | undefined)?.[0];
  if (series === undefined) throw queryFailed('a range function was called without a series');
  return series;
}

/** The scalar argument at index (a one-sample vector). */
export function scalarArg(values: readonly FunctionArgValue[], index: number): number {
  const sample = (values[index] as Sample[] | undefined)?.[0];
  if (sample === undefined) throw queryFailed('a function was called without its scalar argument');
  return sample.v;
}

function one(series: Series, context: FunctionContext, v: number): Sample[] {
  return [{ metric: withoutMetricName(series.metric), t: context.timeMs, v }];
}

/** Go's time.Duration.Seconds() of a whole number of milliseconds. */
function durationSeconds(ms: number): number {
  const seconds = Math.trunc(ms / 1000);
  const nanos = (ms % 1000) * 1e6;
  return seconds + nanos / 1e9;
}

/** Neumaier's compensated sum step (kahanSumInc): returns [sum, compensation]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/**
 * rate/increase/delta: the change over the window (counter resets added back when isCounter),
 * extrapolated to the window's edges when the first/last samples lie within 1.1 average intervals
 * of them (else by half an interval), never back past a counter's zero; per second when isRate.
 */
function extrapolatedRate(
  values: readonly FunctionArgValue[],
  args: readonly Expr[],
  context: FunctionContext,
  isCounter: boolean,
  isRate: boolean,
): Sample[] {
  const series = windowOf(values, 0);
  const points = series.points;
  if (points.length < 2) return [];
  const { rangeMs, offsetMs } = rangeOf(args[0]!);
  const rangeStart = context.timeMs - (rangeMs + offsetMs);
  const rangeEnd = context.timeMs - offsetMs;
  const first = points[0]!;
  const last = points[points.length - 1]!;

  let resultValue = last.v - first.v;
  if (isCounter) {
    let previous = first.v;
    for (let i = 1; i < points.length; i++) {
      const current = points[i]!.v;
      if (current < previous) resultValue += previous;
      previous = current;
    }
  }

  let durationToStart = (first.t - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (points.length - 1);

  if (isCounter && resultValue > 0 && first.v >= 0) {
    const durationToZero = sampledInterval * (first.v / resultValue);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }

  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  if (durationToStart < extrapolationThreshold) extrapolateToInterval += durationToStart;
  else extrapolateToInterval += averageDurationBetweenSamples / 2;
  if (durationToEnd < extrapolationThreshold) extrapolateToInterval += durationToEnd;
  else extrapolateToInterval += averageDurationBetweenSamples / 2;

  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= durationSeconds(rangeMs);
  resultValue *= factor;
  return one(series, context, resultValue);
}

/** irate/idelta: from the last two samples only (irate: a drop is a counter reset). */
function instantValue(
  values: readonly FunctionArgValue[],
  context: FunctionContext,
  isRate: boolean,
): Sample[] {
  const series = windowOf(values, 0);
  const points = series.points;
  if (points.length < 2) return [];
  const last = points[points.length - 1]!;
  const previous = points[points.length - 2]!;
  let resultValue = isRate && last.v < previous.v ? last.v : last.v - previous.v;
  const sampledInterval = last.t - previous.t;
  if (sampledInterval === 0) return [];
  if (isRate) resultValue /= sampledInterval / 1000;
  return one(series, context, resultValue);
}

/** Least squares over (seconds from interceptTime, value): [slope, intercept at interceptTime]. */
function linearRegression(points: readonly Point[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = points[0]!.v;
  let constY = true;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    if (constY && i > 0 && point.v !== initY) constY = false;
    n += 1;
    const x = (point.t - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(point.v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * point.v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX = sumX + cX;
  sumY = sumY + cY;
  sumXY = sumXY + cXY;
  sumX2 = sumX2 + cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

const deriv: FunctionImpl = (values, _args, context) => {
  const series = windowOf(values, 0);
  if (series.points.length < 2) return [];
  // Relative to the first sample's time, to keep x small (prometheus#2674).
  const [slope] = linearRegression(series.points, series.points[0]!.t);
  return one(series, context, slope);
};

const predictLinear: FunctionImpl = (values, _args, context) => {
  const series = windowOf(values, 0);
  const duration = scalarArg(values, 1);
  if (series.points.length < 2) return [];
  const [slope, intercept] = linearRegression(series.points, context.timeMs);
  return one(series, context, slope * duration + intercept);
};

function calcTrendValue(i: number, tf: number, s0: number, s1: number, b: number): number {
  if (i === 0) return b;
  const x = tf * (s1 - s0);
  const y = (1 - tf) * b;
  return x + y;
}

const holtWinters: FunctionImpl = (values, _args, context) => {
  const series = windowOf(values, 0);
  const sf = scalarArg(values, 1);
  const tf = scalarArg(values, 2);
  // As in Go, a NaN factor passes these checks.
  if (sf <= 0 || sf >= 1) {
    throw queryFailed(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoFixed(sf)}`);
  }
  if (tf <= 0 || tf >= 1) {
    throw queryFailed(`invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoFixed(tf)}`);
  }
  const points = series.points;
  if (points.length < 2) return [];
  let s0 = 0;
  let s1 = points[0]!.v;
  let b = points[1]!.v - points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const x = sf * points[i]!.v;
    b = calcTrendValue(i - 1, tf, s0, s1, b);
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return one(series, context, s1);
};

/** *_over_time: aggregate the window's values into one sample without the metric name. */
function overTime(aggregate: (points: readonly Point[]) => number): FunctionImpl {
  return (values, _args, context) => {
    const series = windowOf(values, 0);
    if (series.points.length === 0) return [];
    return one(series, context, aggregate(series.points));
  };
}

const avgOverTime = overTime((points) => {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (const { v } of points) {
    count++;
    if (isInfinite(mean)) {
      // Inf of the same sign stays; a finite value cannot move an infinite mean.
      if (isInfinite(v) && mean > 0 === v > 0) continue;
      if (!isInfinite(v) && !Number.isNaN(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  return isInfinite(mean) ? mean : mean + c;
});

function isInfinite(v: number): boolean {
  return v === Infinity || v === -Infinity;
}

const sumOverTime = overTime((points) => {
  let sum = 0;
  let c = 0;
  for (const { v } of points) [sum, c] = kahanSumInc(v, sum, c);
  return isInfinite(sum) ? sum : sum + c;
});

const maxOverTime = overTime((points) => {
  let max = points[0]!.v;
  for (const { v } of points) if (v > max || Number.isNaN(max)) max = v;
  return max;
});

const minOverTime = overTime((points) => {
  let min = points[0]!.v;
  for (const { v } of points) if (v < min || Number.isNaN(min)) min = v;
  return min;
});

/** Welford's running variance with compensated sums, as stddev/stdvar_over_time run it. */
function variance(points: readonly Point[]): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (const { v } of points) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

const changes = overTime((points) => {
  let count = 0;
  let previous = points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const current = points[i]!.v;
    if (current !== previous && !(Number.isNaN(current) && Number.isNaN(previous))) count++;
    previous = current;
  }
  return count;
});

const resets = overTime((points) => {
  let count = 0;
  let previous = points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const current = points[i]!.v;
    if (current < previous) count++;
    previous = current;
  }
  return count;
});

/** last_over_time keeps the metric name: it acts like an offset. */
const lastOverTime: FunctionImpl = (values, _args, context) => {
  const series = windowOf(values, 0);
  const last = series.points[series.points.length - 1];
  if (last === undefined) return [];
  return [{ metric: series.metric, t: context.timeMs, v: last.v }];
};

const quantileOverTime: FunctionImpl = (values, _args, context) => {
  const q = scalarArg(values, 0);
  const series = windowOf(values, 1);
  if (series.points.length === 0) return [];
  return one(
    series,
    context,
    quantile(
      q,
      series.points.map((point) => point.v),
    ),
  );
};

/**
 * absent_over_time: called only for series that have samples in the window, it returns 1 with no
 * labels, as in Go; the evaluator then emits 1 (labels from absentLabels) at the steps no series
 * covered.
 */
const absentOverTime: FunctionImpl = (_values, _args, context) => [
  { metric: EMPTY_LABELS, t: context.timeMs, v: 1 },
];

export const RANGE_FUNCTIONS: Readonly<Record<string, FunctionImpl>> = {
  rate: (values, args, context) => extrapolatedRate(values, args, context, true, true),
  increase: (values, args, context) => extrapolatedRate(values, args, context, true, false),
  delta: (values, args, context) => extrapolatedRate(values, args, context, false, false),
  irate: (values, _args, context) => instantValue(values, context, true),
  idelta: (values, _args, context) => instantValue(values, context, false),
  deriv,
  predict_linear: predictLinear,
  holt_winters: holtWinters,
  changes,
  resets,
  avg_over_time: avgOverTime,
  count_over_time: overTime((points) => points.length),
  last_over_time: lastOverTime,
  max_over_time: maxOverTime,
  min_over_time: minOverTime,
  sum_over_time: sumOverTime,
  quantile_over_time: quantileOverTime,
  stddev_over_time: overTime((points) => Math.sqrt(variance(points))),
  stdvar_over_time: overTime(variance),
  present_over_time: overTime(() => 1),
  absent_over_time: absentOverTime,
};
