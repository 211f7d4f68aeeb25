/**
 * The contract between the evaluator and the function implementations, as Prometheus's FunctionCall
 * (promql/functions.go): the evaluator calls a function once per evaluation step with its arguments'
 * values at that step, and the function returns the output samples (it decides their labels, e.g.
 * whether the metric name is dropped). Argument values arrive as Prometheus passes them:
 *
 * - an instant-vector argument: its samples at this step;
 * - a scalar argument: one sample with empty labels holding the scalar (read `values[i][0].v`);
 * - a range-vector argument: a matrix holding ONE series (the evaluator calls once per input series),
 *   its points those in the window [t - range - offset, t - offset], staleness markers removed;
 * - a string argument: read it from `args[i]` (a StringLiteral), as Prometheus does.
 */
import type { Expr } from './ast.js';
import type { Sample, Series } from './value.js';

export type FunctionArgValue = Sample[] | Series[];

export interface FunctionContext {
  /** The evaluation time of this step in ms (an @ modifier's time where one applies): enh.Ts. */
  readonly timeMs: number;
}

export type FunctionImpl = (
  values: readonly FunctionArgValue[],
  args: readonly Expr[],
  context: FunctionContext,
) => Sample[];
