/**
 * The evaluator of Prometheus 2.42 (engine.go's evaluator): every expression is evaluated over all
 * steps of [start, end] at once into a matrix; rangeEval then walks the steps, hands each step's
 * input vectors to an operator and gathers its outputs into series. A subquery runs a new evaluator
 * on its own aligned steps; a step-invariant expression runs once at the start and is repeated.
 * The sample count (currentSamples) is kept as engine.go keeps it, against the query's maximum.
 *
 * Evaluation is recursive in engine.go; here each node's evaluation is a generator that asks for a
 * child's value by yielding it (an EvalRequest), and runEvaluation answers the requests from an
 * explicit stack: the parser returns trees thousands deep (`2^2^…^2`, `1+1+…+1`), which would run
 * out of call stack otherwise. The order of evaluation, and so the sample count and which error
 * comes first, is engine.go's.
 */
import { EMPTY_LABELS, labelsKey, withoutMetricName, type Labels } from '../labels.js';
import { Aggregation, groupKeyFunction } from './aggregate.js';
import {
  scalarBinop,
  signatureFunction,
  VectorBinop,
  vectorAnd,
  vectorOr,
  vectorScalarBinop,
  vectorUnless,
} from './binary.js';
import { evalCall } from './engine-call.js';
import {
  setOffsetForAtModifier,
  unwrapArg,
  type PlanBinary,
  type PlanNode,
  type PlanSubquery,
} from './engine-plan.js';
import {
  asMatrix,
  containsSameLabelset,
  LabelsCache,
  sameLabelset,
  SeriesBuilder,
  StampSet,
  StepVector,
  tooManySamples,
  type EvalMatrix,
  type EvalValue,
} from './engine-types.js';
import { queryFailed } from './errors.js';
import { evalMatrixSelectorAt, evalVectorSelector, type SampleBudget, type StepRange } from './select.js';

export interface EvalSettings {
  readonly lookbackMs: number;
  readonly maxSamples: number;
  /** The step of a subquery written without one. */
  readonly subqueryStepMs: number;
}

/** Called once per step with that step's input vectors; pushes the step's output into out. */
export type StepFunction = (inputs: readonly StepVector[], out: StepVector, ts: number) => void;

/** A child's value wanted by an evaluation: node, as evaluator ev evaluates it. */
export interface EvalRequest {
  readonly ev: Evaluator;
  readonly node: PlanNode;
}

/** An evaluation in steps: it yields the children it needs and gets their values back. */
export type Evaluation<T = EvalValue> = Generator<EvalRequest, T, EvalValue>;

/** Runs an evaluation and every one it asks for, on an explicit stack rather than the call stack. */
function runEvaluation(root: Evaluation): EvalValue {
  const stack: Evaluation[] = [root];
  let input: EvalValue | undefined;
  let failure: { readonly error: unknown } | undefined;
  for (;;) {
    const top = stack[stack.length - 1]!;
    let step: IteratorResult<EvalRequest, EvalValue>;
    try {
      step = failure === undefined ? top.next(input!) : top.throw(failure.error);
      failure = undefined;
    } catch (error) {
      // The evaluation failed: the one that asked for it gets the error where it yielded.
      stack.pop();
      if (stack.length === 0) throw error;
      failure = { error };
      continue;
    }
    if (step.done) {
      stack.pop();
      if (stack.length === 0) return step.value;
      input = step.value;
    } else {
      stack.push(step.value.ev.evaluate(step.value.node));
      input = undefined;
    }
  }
}

interface OutputSeries {
  readonly metric: Labels;
  readonly points: SeriesBuilder;
  lastT: number;
}

export class Evaluator implements SampleBudget, StepRange {
  currentSamples: number;

  constructor(
    readonly start: number,
    readonly end: number,
    readonly interval: number,
    readonly settings: EvalSettings,
    currentSamples = 0,
  ) {
    this.currentSamples = currentSamples;
  }

  get maxSamples(): number {
    return this.settings.maxSamples;
  }

  /** How many steps the evaluator walks. */
  steps(): number {
    return this.end < this.start ? 0 : Math.floor((this.end - this.start) / this.interval) + 1;
  }

  eval(node: PlanNode): EvalValue {
    return runEvaluation(this.evaluate(node));
  }

  /** A request for node's value, as this evaluator evaluates it. */
  request(node: PlanNode): EvalRequest {
    return { ev: this, node };
  }

  /** The evaluation of node (engine.go's eval), for runEvaluation to run. */
  *evaluate(node: PlanNode): Evaluation {
    switch (node.kind) {
      case 'aggregate':
        return yield* this.evalAggregate(node);
      case 'call':
        return yield* evalCall(this, node);
      case 'paren':
        return yield this.request(node.expr);
      case 'unary': {
        const matrix = asMatrix(yield this.request(node.expr));
        if (node.op === '-') {
          for (const series of matrix) {
            series.metric = withoutMetricName(series.metric);
            const v = series.v;
            for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
          }
          if (containsSameLabelset(matrix)) throw sameLabelset();
        }
        return matrix;
      }
      case 'binary':
        return yield* this.evalBinary(node);
      case 'number':
        return this.evalNumber(node.value);
      case 'string':
        return { kind: 'string', t: this.start, v: node.value };
      case 'vector':
        return evalVectorSelector(node.series, node.offset, this.settings.lookbackMs, this, this);
      case 'matrix':
        if (this.start !== this.end) throw queryFailed('cannot do range evaluation of matrix selector');
        return evalMatrixSelectorAt(node.vector.series, this.start - node.vector.offset, node.range, this);
      case 'subquery':
        return yield* this.evalSubqueryExpr(node);
      case 'stepInvariant':
        return yield* this.evalStepInvariant(node.expr);
    }
  }

  /** A number literal: its value at every step (what rangeEval would produce, without the walk). */
  private evalNumber(value: number): EvalMatrix {
    const series = new SeriesBuilder(this.steps());
    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      series.push(ts, value);
      // Counted per step, as rangeEval counts, so a subquery of a million steps stops early.
      if (++this.currentSamples > this.maxSamples) throw tooManySamples();
    }
    return [series.build(EMPTY_LABELS)];
  }

  /**
   * rangeEval: evaluates exprs (undefined and strings are passed as empty vectors), then calls fn for
   * every step. prepare gives each input series its helper key once.
   */
  *rangeEval(
    prepare: ((labels: Labels) => string) | undefined,
    fn: StepFunction,
    exprs: readonly (PlanNode | undefined)[],
  ): Evaluation<EvalMatrix> {
    const originalNumSamples = this.currentSamples;
    const matrixes: (EvalMatrix | undefined)[] = [];
    for (const e of exprs) {
      matrixes.push(e !== undefined && e.type !== 'string' ? asMatrix(yield this.request(e)) : undefined);
    }
    return this.stepThrough(prepare, fn, matrixes, originalNumSamples);
  }

  /** rangeEval's walk over the steps, once its inputs are evaluated. */
  private stepThrough(
    prepare: ((labels: Labels) => string) | undefined,
    fn: StepFunction,
    matrixes: readonly (EvalMatrix | undefined)[],
    originalNumSamples: number,
  ): EvalMatrix {
    const inputs = matrixes.map(() => new StepVector());
    // Each series' helper key, interned: equal keys (across all inputs) get equal ids.
    const interned = new Map<string, number>();
    const ids = matrixes.map((m) => {
      const out = new Int32Array(m?.length ?? 0);
      if (m !== undefined && prepare) {
        m.forEach((s, si) => {
          const key = prepare(s.metric);
          let id = interned.get(key);
          if (id === undefined) interned.set(key, (id = interned.size));
          out[si] = id;
        });
      }
      return out;
    });
    const cursors = matrixes.map((m) => new Int32Array(m?.length ?? 0));
    // An output series mostly lasts as long as the longest input series.
    let longest = 1;
    for (const m of matrixes) for (const s of m ?? []) longest = Math.max(longest, s.t.length);
    const capacity = Math.min(longest, this.steps());
    const out = new StepVector();
    const byIdentity = new Map<Labels, OutputSeries>();
    const byKey = new Map<string, OutputSeries>();
    // Operators mostly output the same label sets in the same order at every step: the series an
    // output position fed last step is tried before any map.
    const lastAt: OutputSeries[] = [];
    let tempNumSamples = this.currentSamples;

    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      this.currentSamples = tempNumSamples;
      for (let i = 0; i < matrixes.length; i++) {
        const input = inputs[i]!;
        input.clear();
        const matrix = matrixes[i];
        if (matrix === undefined) continue;
        const cursor = cursors[i]!;
        const seriesIds = ids[i]!;
        for (let si = 0; si < matrix.length; si++) {
          const series = matrix[si]!;
          const c = cursor[si]!;
          if (c >= series.t.length || series.t[c] !== ts) continue;
          if (this.currentSamples >= this.maxSamples) throw tooManySamples();
          input.push(series.metric, series.v[c]!, seriesIds[si]);
          cursor[si] = c + 1;
          this.currentSamples++;
        }
      }

      out.clear();
      fn(inputs, out, ts);
      this.currentSamples += out.length;
      tempNumSamples += out.length;
      if (this.currentSamples > this.maxSamples) throw tooManySamples();

      // An instant evaluation keeps the operator's order.
      if (this.start === this.end) {
        const matrix: EvalMatrix = [];
        for (let i = 0; i < out.length; i++) {
          matrix.push({ metric: out.metric[i]!, t: Float64Array.of(ts), v: Float64Array.of(out.v[i]!) });
        }
        if (containsSameLabelset(matrix)) throw sameLabelset();
        this.currentSamples = originalNumSamples + matrix.length;
        return matrix;
      }

      for (let i = 0; i < out.length; i++) {
        const metric = out.metric[i]!;
        let series = lastAt[i];
        if (series === undefined || series.metric !== metric) series = byIdentity.get(metric);
        if (series === undefined) {
          const key = labelsKey(metric);
          series = byKey.get(key);
          if (series === undefined) {
            series = { metric, points: new SeriesBuilder(capacity), lastT: NaN };
            byKey.set(key, series);
          }
          byIdentity.set(metric, series);
        }
        // Two outputs of one step in one series: the step's vector repeats a label set.
        if (series.lastT === ts) throw sameLabelset();
        series.lastT = ts;
        lastAt[i] = series;
        series.points.push(ts, out.v[i]!);
      }
    }

    const matrix: EvalMatrix = [];
    let total = 0;
    for (const series of byKey.values()) {
      matrix.push(series.points.build(series.metric));
      total += series.points.length;
    }
    this.currentSamples = originalNumSamples + total;
    return matrix;
  }

  private *evalAggregate(node: Extract<PlanNode, { kind: 'aggregate' }>): Evaluation<EvalMatrix> {
    const groupKey = groupKeyFunction(node.grouping, node.without);
    const param = node.param === undefined ? undefined : unwrapArg(node.param);
    if (param?.kind === 'string') {
      const aggregation = new Aggregation(node.op, node.grouping, node.without, param.value);
      return yield* this.rangeEval(
        groupKey,
        (inputs, out) => aggregation.eval(inputs[0]!, param.value, out),
        [node.expr],
      );
    }
    const aggregation = new Aggregation(node.op, node.grouping, node.without, undefined);
    const hasParam = node.param !== undefined;
    return yield* this.rangeEval(
      groupKey,
      (inputs, out) => aggregation.eval(inputs[1]!, hasParam ? (inputs[0]!.v[0] ?? NaN) : 0, out),
      [node.param, node.expr],
    );
  }

  private *evalBinary(node: PlanBinary): Evaluation<EvalMatrix> {
    const { op, returnBool } = node;
    const lhsType = node.lhs.type;
    const rhsType = node.rhs.type;
    if (lhsType === 'scalar' && rhsType === 'scalar') {
      return yield* this.rangeEval(
        undefined,
        (inputs, out) => out.push(EMPTY_LABELS, scalarBinop(op, inputs[0]!.v[0]!, inputs[1]!.v[0]!)),
        [node.lhs, node.rhs],
      );
    }
    if (lhsType === 'vector' && rhsType === 'vector') {
      const matching = node.matching;
      if (matching === undefined)
        throw queryFailed('binary expression between vectors without vector matching');
      const signature = signatureFunction(matching);
      const sigs = new StampSet();
      let fn: StepFunction;
      if (op === 'and' || op === 'or' || op === 'unless') {
        if (matching.card !== 'many-to-many')
          throw queryFailed('set operations must only use many-to-many matching');
        const setOp = op === 'and' ? vectorAnd : op === 'or' ? vectorOr : vectorUnless;
        fn = (inputs, out) => setOp(inputs[0]!, inputs[1]!, out, sigs);
      } else {
        const binop = new VectorBinop(op, matching, returnBool);
        fn = (inputs, out) => binop.eval(inputs[0]!, inputs[1]!, out);
      }
      return yield* this.rangeEval(signature, fn, [node.lhs, node.rhs]);
    }
    const dropName = new LabelsCache();
    if (lhsType === 'vector' && rhsType === 'scalar') {
      return yield* this.rangeEval(
        undefined,
        (inputs, out) =>
          vectorScalarBinop(op, inputs[0]!, inputs[1]!.v[0]!, false, returnBool, out, dropName),
        [node.lhs, node.rhs],
      );
    }
    if (lhsType === 'scalar' && rhsType === 'vector') {
      return yield* this.rangeEval(
        undefined,
        (inputs, out) => vectorScalarBinop(op, inputs[1]!, inputs[0]!.v[0]!, true, returnBool, out, dropName),
        [node.lhs, node.rhs],
      );
    }
    throw queryFailed(`binary expression between ${lhsType} and ${rhsType} is not allowed`);
  }

  /** The SubqueryExpr case: a new evaluator over the steps aligned to multiples of the subquery's step. */
  *evalSubqueryExpr(node: PlanSubquery): Evaluation {
    const offset = node.offset;
    const range = node.range;
    const interval = node.step !== 0 ? node.step : this.settings.subqueryStepMs;
    const first = this.start - offset - range;
    // Go's int64 division truncates towards zero; the check after it makes this a ceiling.
    let start = interval * Math.trunc(first / interval);
    if (start < first) start += interval;
    const inner = new Evaluator(start, this.end - offset, interval, this.settings, this.currentSamples);
    // Offsets standing in for @ are relative to the evaluator's start.
    if (start !== this.start) setOffsetForAtModifier(start, node.expr);
    const result = yield inner.request(node.expr);
    this.currentSamples = inner.currentSamples;
    return result;
  }

  /** The StepInvariantExpr case: one evaluation at the start, repeated at every step. */
  private *evalStepInvariant(expr: PlanNode): Evaluation {
    if (expr.kind === 'string' || expr.kind === 'number') return yield* this.evaluate(expr);
    const once = new Evaluator(this.start, this.start, this.interval, this.settings, this.currentSamples);
    const result = yield once.request(expr);
    this.currentSamples = once.currentSamples;
    // A range selector's result does not depend on the step.
    if (expr.kind === 'matrix' || expr.kind === 'subquery') return result;
    return asMatrix(result).map((series) => {
      if (series.t.length !== 1) throw queryFailed('unexpected number of samples');
      const v = series.v[0]!;
      const repeated = new SeriesBuilder(this.steps());
      repeated.push(this.start, v);
      for (let ts = this.start + this.interval; ts <= this.end; ts += this.interval) {
        repeated.push(ts, v);
        this.currentSamples++;
        if (this.currentSamples > this.maxSamples) throw tooManySamples();
      }
      return repeated.build(series.metric);
    });
  }
}
