/**
 * Every PromQL function of Prometheus 2.42 by name (promql/functions.go's FunctionCalls), each called
 * by the evaluator once per step with its arguments' values at that step (see function-types.ts).
 */
import type { FunctionImpl } from './function-types.js';
import { LABEL_FUNCTIONS } from './functions-labels.js';
import { MATH_FUNCTIONS } from './functions-math.js';
import { RANGE_FUNCTIONS } from './functions-range.js';
import { TIME_FUNCTIONS } from './functions-time.js';
import { histogramQuantile } from './quantile.js';

export { rangeOf } from './functions-range.js';
export type { RangeWindow } from './functions-range.js';
export { absentLabels } from './functions-math.js';
export { quantile, bucketQuantile } from './quantile.js';

/**
 * histogram_count, histogram_sum and histogram_fraction read native histograms only and skip float
 * samples, so over a store of floats they give nothing, exactly as 2.42 does over float series.
 */
const nativeHistogramsOnly: FunctionImpl = () => [];

/** Without a prototype, so a name like `constructor` or `toString` finds nothing. */
export const FUNCTIONS: Readonly<Record<string, FunctionImpl>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, FunctionImpl>, {
    ...MATH_FUNCTIONS,
    ...RANGE_FUNCTIONS,
    ...LABEL_FUNCTIONS,
    ...TIME_FUNCTIONS,
    histogram_quantile: histogramQuantile,
    histogram_count: nativeHistogramsOnly,
    histogram_sum: nativeHistogramsOnly,
    histogram_fraction: nativeHistogramsOnly,
  }),
);
