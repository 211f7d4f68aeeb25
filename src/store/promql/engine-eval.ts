/**
 * The evaluator of Prometheus 2.42 (engine.go's evaluator): every expression is evaluated over all
 * steps of [start, end] at once into a matrix; rangeEval then walks the steps, hands each step's
 * input vectors to an operator and gathers its outputs into series. A subquery runs a new evaluator
 * on its own aligned steps; a step-invariant expression runs once at the start and is repeated.
 * The sample count (currentSamples) is kept as engine.go keeps it, against the query's maximum.
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
import { setOffsetForAtModifier, type PlanBinary, type PlanNode, type PlanSubquery } from './engine-plan.js';
import {
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

interface OutputSeries {
  readonly metric: Labels;
  readonly points: SeriesBuilder;
  lastT: number;
}

/** Strips parentheses and a step-invariant wrapper, as engine.go's unwrap helpers do around each other. */
export function unwrapArg(node: PlanNode): PlanNode {
  let n = node;
  while (n.kind === 'paren') n = n.expr;
  if (n.kind === 'stepInvariant') n = n.expr;
  while (n.kind === 'paren') n = n.expr;
  return n;
}

export function asMatrix(value: EvalValue): EvalMatrix {
  if (!Array.isArray(value)) throw queryFailed('unexpected string value in expression');
  return value;
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
    switch (node.kind) {
      case 'aggregate':
        return this.evalAggregate(node);
      case 'call':
        return evalCall(this, node);
      case 'paren':
        return this.eval(node.expr);
      case 'unary': {
        const matrix = asMatrix(this.eval(node.expr));
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
        return this.evalBinary(node);
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
        return this.evalSubqueryExpr(node);
      case 'stepInvariant':
        return this.evalStepInvariant(node.expr);
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
  rangeEval(
    prepare: ((labels: Labels) => string) | undefined,
    fn: StepFunction,
    exprs: readonly (PlanNode | undefined)[],
  ): EvalMatrix {
    const originalNumSamples = this.currentSamples;
    const matrixes: (EvalMatrix | undefined)[] = exprs.map((e) =>
      e !== undefined && e.type !== 'string' ? asMatrix(this.eval(e)) : undefined,
    );
    const inputs = exprs.map(() => new StepVector());
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

  private evalAggregate(node: Extract<PlanNode, { kind: 'aggregate' }>): EvalMatrix {
    const groupKey = groupKeyFunction(node.grouping, node.without);
    const param = node.param === undefined ? undefined : unwrapArg(node.param);
    if (param?.kind === 'string') {
      const aggregation = new Aggregation(node.op, node.grouping, node.without, param.value);
      return this.rangeEval(groupKey, (inputs, out) => aggregation.eval(inputs[0]!, param.value, out), [
        node.expr,
      ]);
    }
    const aggregation = new Aggregation(node.op, node.grouping, node.without, undefined);
    const hasParam = node.param !== undefined;
    return this.rangeEval(
      groupKey,
      (inputs, out) => aggregation.eval(inputs[1]!, hasParam ? (inputs[0]!.v[0] ?? NaN) : 0, out),
      [node.param, node.expr],
    );
  }

  private evalBinary(node: PlanBinary): EvalMatrix {
    const { op, returnBool } = node;
    const lhsType = node.lhs.type;
    const rhsType = node.rhs.type;
    if (lhsType === 'scalar' && rhsType === 'scalar') {
      return this.rangeEval(
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
      return this.rangeEval(signature, fn, [node.lhs, node.rhs]);
    }
    const dropName = new LabelsCache();
    if (lhsType === 'vector' && rhsType === 'scalar') {
      return this.rangeEval(
        undefined,
        (inputs, out) =>
          vectorScalarBinop(op, inputs[0]!, inputs[1]!.v[0]!, false, returnBool, out, dropName),
        [node.lhs, node.rhs],
      );
    }
    if (lhsType === 'scalar' && rhsType === 'vector') {
      return this.rangeEval(
        undefined,
        (inputs, out) => vectorScalarBinop(op, inputs[1]!, inputs[0]!.v[0]!, true, returnBool, out, dropName),
        [node.lhs, node.rhs],
      );
    }
    throw queryFailed(`binary expression between ${lhsType} and ${rhsType} is not allowed`);
  }

  /** The SubqueryExpr case: a new evaluator over the steps aligned to multiples of the subquery's step. */
  evalSubqueryExpr(node: PlanSubquery): EvalValue {
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
    const result = inner.eval(node.expr);
    this.currentSamples = inner.currentSamples;
    return result;
  }

  /** The StepInvariantExpr case: one evaluation at the start, repeated at every step. */
  private evalStepInvariant(expr: PlanNode): EvalValue {
    if (expr.kind === 'string' || expr.kind === 'number') return this.eval(expr);
    const once = new Evaluator(this.start, this.start, this.interval, this.settings, this.currentSamples);
    const result = once.eval(expr);
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
