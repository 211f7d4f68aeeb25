/**
 * Function calls as engine.go's `case *parser.Call` makes them: `timestamp` of a selector reads the
 * samples' own times; a call with a range-vector argument runs one input series at a time over every
 * step, its window slid forward, the output named by the evaluator (the metric name dropped but for
 * last_over_time); `absent_over_time` then turns the windows found into the steps missing; any other
 * call goes through rangeEval with its arguments' vectors.
 */
import { EMPTY_LABELS, withoutMetricName } from '../labels.js';
import type { Expr } from './ast.js';
import {
  asMatrix,
  containsSameLabelset,
  sameLabelset,
  SeriesArena,
  SeriesBuilder,
  stepsWithin,
  tooManySamples,
  type EvalMatrix,
  type EvalSeries,
  type StepVector,
} from './engine-types.js';
import type { Evaluation, Evaluator } from './engine-eval.js';
import { unwrapArg, type PlanCall, type PlanVector } from './engine-plan.js';
import { badQuery } from './errors.js';
import type { FunctionArgValue, FunctionImpl } from './function-types.js';
import { absentLabels, FUNCTIONS } from './functions.js';
import { instantSampleAt, SlidingWindow, sourcesOf, type SampleSource } from './select.js';
import type { Sample, Series } from './value.js';

const EMPTY = new Float64Array(0);

function unwrapParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

function samplesOf(vector: StepVector, ts: number): Sample[] {
  const samples: Sample[] = new Array<Sample>(vector.length);
  for (let i = 0; i < vector.length; i++) samples[i] = { metric: vector.metric[i]!, t: ts, v: vector.v[i]! };
  return samples;
}

function pushAll(out: StepVector, samples: readonly Sample[]): void {
  for (const sample of samples) out.push(sample.metric, sample.v);
}

/** ev.vectorSelector: one step of an instant selector, each sample with its own timestamp. */
function selectorSamplesAt(ev: Evaluator, node: PlanVector, ts: number): Sample[] {
  const samples: Sample[] = [];
  const ref = ts - node.offset;
  for (const series of node.series) {
    const i = instantSampleAt(series, ref, ev.settings.lookbackMs);
    if (i < 0) continue;
    samples.push({ metric: series.labels, t: series.t[i]!, v: series.v[i]! });
    ev.currentSamples++;
    if (ev.currentSamples > ev.maxSamples) throw tooManySamples();
  }
  return samples;
}

export function* evalCall(ev: Evaluator, node: PlanCall): Evaluation<EvalMatrix> {
  const impl = FUNCTIONS[node.func];
  if (impl === undefined) throw badQuery(`function "${node.func}" is not supported`);

  if (node.func === 'timestamp') {
    const arg = unwrapArg(node.args[0]!);
    if (arg.kind === 'vector') {
      const astArgs = [unwrapParens(node.ast.args[0]!)];
      return yield* ev.rangeEval(
        undefined,
        (_inputs, out, ts) => {
          // As engine.go: the offset standing in for @ is redone per step (the selector's own offset is lost).
          if (arg.timestamp !== undefined) arg.offset = ts - arg.timestamp;
          pushAll(out, impl([selectorSamplesAt(ev, arg, ts)], astArgs, { timeMs: ts }));
        },
        [],
      );
    }
  }

  // The first range-vector argument, if any; engine.go strips parentheses off the arguments up to it.
  let matrixIndex = -1;
  for (let i = 0; i < node.args.length; i++) {
    const kind = unwrapArg(node.args[i]!).kind;
    if (kind === 'matrix' || kind === 'subquery') {
      matrixIndex = i;
      break;
    }
  }
  const astArgs = node.ast.args.map((arg, i) =>
    matrixIndex < 0 || i <= matrixIndex ? unwrapParens(arg) : arg,
  );

  if (matrixIndex < 0) {
    return yield* ev.rangeEval(
      undefined,
      (inputs, out, ts) => {
        const values = inputs.map((input) => samplesOf(input, ts));
        pushAll(out, impl(values, astArgs, { timeMs: ts }));
      },
      node.args,
    );
  }
  return yield* evalRangeCall(ev, node, impl, matrixIndex, astArgs);
}

function* evalRangeCall(
  ev: Evaluator,
  node: PlanCall,
  impl: FunctionImpl,
  matrixIndex: number,
  astArgs: readonly Expr[],
): Evaluation<EvalMatrix> {
  const arg = unwrapArg(node.args[matrixIndex]!);
  let sources: readonly SampleSource[];
  let offset: number;
  let originalOffset: number;
  let range: number;
  let subquerySamples = 0;
  if (arg.kind === 'subquery') {
    // evalSubquery: the subquery's result stands in for a matrix selector's series.
    const result = asMatrix(yield* ev.evalSubqueryExpr(arg));
    for (const s of result) subquerySamples += s.t.length;
    sources = sourcesOf(result);
    offset = arg.timestamp === undefined ? arg.offset : arg.originalOffset + (ev.start - arg.timestamp);
    originalOffset = arg.originalOffset;
    range = arg.range;
  } else if (arg.kind === 'matrix') {
    sources = arg.vector.series;
    offset = arg.vector.offset;
    originalOffset = arg.vector.originalOffset;
    range = arg.range;
  } else {
    throw badQuery(`expected a range vector argument to ${node.func}()`);
  }

  // The other arguments are scalars: their value at each step.
  const scalars: (EvalSeries | undefined)[] = [];
  for (let i = 0; i < node.args.length; i++) {
    scalars.push(i === matrixIndex ? undefined : asMatrix(yield ev.request(node.args[i]!))[0]);
  }
  const values: FunctionArgValue[] = node.args.map(() => []);
  const window: Series[] = [{ metric: EMPTY_LABELS, points: [] }];
  values[matrixIndex] = window;
  // Range functions read their window's end as timeMs minus the argument's written offset; with an @
  // the evaluator's offset differs from it. predict_linear reads the step's own time (enh.Ts).
  const timeShift = node.func === 'predict_linear' ? 0 : originalOffset - offset;
  const keepName = node.func === 'last_over_time';

  // One context for every call: functions read it during the call only.
  const context = { timeMs: 0 };
  const matrix: EvalMatrix = [];
  // Windows hold samples only at the steps a series' time range covers; the others are skipped. The
  // outputs of all series share one buffer sized for the steps covered (two arrays per call, not per series).
  const firsts = new Float64Array(sources.length);
  const counts = new Float64Array(sources.length);
  let covered = 0;
  for (let si = 0; si < sources.length; si++) {
    const { t } = sources[si]!;
    if (t.length === 0) continue;
    const { first, count } = stepsWithin(
      ev.start,
      ev.end,
      ev.interval,
      t[0]! + offset,
      t[t.length - 1]! + offset + range,
    );
    firsts[si] = first;
    counts[si] = count;
    covered += count;
  }
  const out = new SeriesArena(covered);
  // One window serves every series in turn (its points are rewritten at each move anyway).
  const sliding = new SlidingWindow(
    sources[0] ?? { labels: EMPTY_LABELS, t: EMPTY, v: EMPTY, stale: undefined },
  );
  for (let si = 0; si < sources.length; si++) {
    const count = counts[si]!;
    if (count === 0) continue;
    const source = sources[si]!;
    sliding.reset(source, ev);
    const metric = keepName ? source.labels : withoutMetricName(source.labels);
    // The evaluator names the output itself, so functions may as well get the name already dropped
    // (what they return as labels is not read) and skip dropping it on every call.
    window[0] = { metric, points: sliding.points };
    const first = firsts[si]!;
    const last = first + (count - 1) * ev.interval;
    out.begin();
    for (let ts = first, step = (first - ev.start) / ev.interval; ts <= last; ts += ev.interval, step++) {
      for (let j = 0; j < scalars.length; j++) {
        const scalar = scalars[j];
        if (scalar !== undefined) values[j] = [{ metric: EMPTY_LABELS, t: ts, v: scalar.v[step]! }];
      }
      const maxt = ts - offset;
      const points = sliding.moveTo(maxt - range, maxt, ev);
      if (points.length === 0) continue;
      context.timeMs = ts + timeShift;
      const result = impl(values, astArgs, context);
      if (result.length > 0) out.push(ts, result[0]!.v);
    }
    sliding.release(ev);
    const length = out.runLength;
    if (length > 0) {
      if (ev.currentSamples + length > ev.maxSamples) throw tooManySamples();
      matrix.push(out.build(metric));
      ev.currentSamples += length;
    }
  }
  // The subquery's result is let go at the end of the call.
  ev.currentSamples -= subquerySamples;

  if (node.func === 'absent_over_time') return absentSteps(ev, matrix, astArgs[0]!);
  if (containsSameLabelset(matrix)) throw sameLabelset();
  return matrix;
}

/** absent_over_time: one series, 1 at every step where no input series had a sample in its window. */
function absentSteps(ev: Evaluator, matrix: EvalMatrix, arg: Expr): EvalMatrix {
  const steps = Math.trunc((ev.end - ev.start) / ev.interval) + 1;
  if (matrix.some((s) => s.t.length === steps)) return [];
  const found = new Set<number>();
  for (let i = 0; i < matrix.length; i++) {
    for (const t of matrix[i]!.t) found.add(t);
    if (i > 0 && found.size === steps) return [];
  }
  const series = new SeriesBuilder(steps - found.size);
  for (let ts = ev.start; ts <= ev.end; ts += ev.interval) if (!found.has(ts)) series.push(ts, 1);
  return [series.build(absentLabels(arg))];
}
