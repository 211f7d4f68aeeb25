/**
 * The functions mcpulse's PromQL knows, with their argument and return types: a port of Prometheus
 * 2.42's promql/parser/functions.go. The parser checks calls against it; the evaluator reads it too.
 * The 2.42 functions left out are in UNSUPPORTED_FUNCTIONS with the reason the parser gives.
 */
import type { ValueType } from './value.js';

export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /** 0: exactly argTypes; n > 0: up to n more of the last type may be left out; -1: any number more. */
  readonly variadic: number;
  readonly returnType: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

function sig(
  name: string,
  argTypes: readonly ValueType[],
  returnType: ValueType = V,
  variadic = 0,
): FunctionSignature {
  return { name, argTypes, variadic, returnType };
}

const VECTOR_MATH = [
  'abs',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'ceil',
  'cos',
  'cosh',
  'deg',
  'exp',
  'floor',
  'ln',
  'log10',
  'log2',
  'rad',
  'sgn',
  'sin',
  'sinh',
  'sort',
  'sort_desc',
  'sqrt',
  'tan',
  'tanh',
  'timestamp',
  'absent',
];

const RANGE_FUNCTIONS = [
  'absent_over_time',
  'avg_over_time',
  'changes',
  'count_over_time',
  'delta',
  'deriv',
  'idelta',
  'increase',
  'irate',
  'last_over_time',
  'max_over_time',
  'min_over_time',
  'present_over_time',
  'rate',
  'resets',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
];

/** The date functions take an optional instant vector (default: vector(time())). */
const DATE_FUNCTIONS = [
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
];

const ALL: FunctionSignature[] = [
  ...VECTOR_MATH.map((name) => sig(name, [V])),
  ...RANGE_FUNCTIONS.map((name) => sig(name, [M])),
  ...DATE_FUNCTIONS.map((name) => sig(name, [V], V, 1)),
  sig('clamp', [V, S, S]),
  sig('clamp_max', [V, S]),
  sig('clamp_min', [V, S]),
  sig('histogram_quantile', [S, V]),
  sig('label_join', [V, STR, STR, STR], V, -1),
  sig('label_replace', [V, STR, STR, STR, STR]),
  sig('pi', [], S),
  sig('predict_linear', [M, S]),
  sig('quantile_over_time', [S, M]),
  sig('round', [V, S], V, 1),
  sig('scalar', [V], S),
  sig('time', [], S),
  sig('vector', [S]),
];

export const FUNCTION_SIGNATURES: Readonly<Record<string, FunctionSignature>> = Object.freeze(
  Object.fromEntries(ALL.sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => [f.name, f])),
);

/**
 * Functions Prometheus 2.42 has that mcpulse refuses, with the construct the error names: the native
 * histogram ones (mcpulse stores classic histograms only), and holt_winters, which the grammar of
 * @prometheus-io/lezer-promql no longer has (it became double_exponential_smoothing).
 */
export const UNSUPPORTED_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  histogram_count: 'native histograms (histogram_count)',
  histogram_sum: 'native histograms (histogram_sum)',
  histogram_fraction: 'native histograms (histogram_fraction)',
  holt_winters: 'function "holt_winters"',
});

/**
 * Names the grammar of @prometheus-io/lezer-promql (0.315) knows as functions or aggregations and
 * 2.42 does not: refused as unsupported rather than as unknown.
 */
export const NEWER_FUNCTIONS: ReadonlySet<string> = new Set([
  'double_exponential_smoothing',
  'first_over_time',
  'histogram_avg',
  'histogram_quantiles',
  'histogram_stddev',
  'histogram_stdvar',
  'info',
  'limit_ratio',
  'limitk',
  'mad_over_time',
  'range',
  'sort_by_label',
  'sort_by_label_desc',
  'start_timestamp',
  'step',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
]);

/** The construct an unsupported-function error names, or undefined for a name no PromQL knows. */
export function unsupportedFunction(name: string): string | undefined {
  if (Object.hasOwn(UNSUPPORTED_FUNCTIONS, name)) return UNSUPPORTED_FUNCTIONS[name];
  if (!NEWER_FUNCTIONS.has(name)) return undefined;
  return name.startsWith('histogram_') ? `native histograms (${name})` : `function "${name}"`;
}

/** Whether the grammar reads `name(` as a function call (else parse.ts stands a known name in for it). */
export function grammarKnowsFunction(name: string): boolean {
  if (name === 'holt_winters' || name === 'limitk' || name === 'limit_ratio') return false;
  return functionSignature(name) !== undefined || unsupportedFunction(name) !== undefined;
}

export function functionSignature(name: string): FunctionSignature | undefined {
  return Object.hasOwn(FUNCTION_SIGNATURES, name) ? FUNCTION_SIGNATURES[name] : undefined;
}
