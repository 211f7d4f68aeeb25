/**
 * Binary operators as Prometheus 2.42 evaluates them (engine.go): scalar/scalar, vector/scalar and
 * vector/vector with vector matching (one-to-one, group_left/group_right, on/ignoring, included
 * labels), comparison filters or `bool`, and the set operators. Per step, over StepVectors whose `id`
 * holds each sample's join signature (computed once per series, interned).
 */
import {
  labelValue,
  labelsKey,
  labelsKeyOf,
  LabelsBuilder,
  METRIC_NAME,
  formatLabels,
  withoutMetricName,
  type Labels,
} from '../labels.js';
import type { BinaryOp, VectorMatching } from './ast.js';
import { goAtan2, goPow } from './binary-gomath.js';
import { queryFailed } from './errors.js';
import { LabelsCache, StampMap, StampSet, type StepVector } from './engine-types.js';

export function isComparison(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOperator(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** shouldDropMetricName: the arithmetic operators but atan2. */
export function dropsMetricName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

/** An arithmetic operator's value (vectorElemBinop without the comparisons). */
export function arithmetic(op: BinaryOp, lhs: number, rhs: number): number {
  switch (op) {
    case '+':
      return lhs + rhs;
    case '-':
      return lhs - rhs;
    case '*':
      return lhs * rhs;
    case '/':
      return lhs / rhs;
    case '^':
      return goPow(lhs, rhs);
    case '%':
      return lhs % rhs;
    case 'atan2':
      return goAtan2(lhs, rhs);
    default:
      throw queryFailed(`operator "${op}" not allowed for arithmetic`);
  }
}

/** A comparison operator's truth (NaN compares false but for !=). */
export function compare(op: BinaryOp, lhs: number, rhs: number): boolean {
  switch (op) {
    case '==':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '>':
      return lhs > rhs;
    case '<':
      return lhs < rhs;
    case '>=':
      return lhs >= rhs;
    case '<=':
      return lhs <= rhs;
    default:
      throw queryFailed(`operator "${op}" is not a comparison`);
  }
}

/** scalarBinop: comparisons between scalars give 1 or 0. */
export function scalarBinop(op: BinaryOp, lhs: number, rhs: number): number {
  if (isComparison(op)) return compare(op, lhs, rhs) ? 1 : 0;
  return arithmetic(op, lhs, rhs);
}

/** The join signature of a series: only the `on` labels, or all but the ignored ones and the name. */
export function signatureFunction(matching: VectorMatching): (labels: Labels) => string {
  if (matching.on) {
    const names = new Set(matching.matchingLabels);
    return (labels) => labelsKeyOf(labels, names, true);
  }
  const names = new Set([METRIC_NAME, ...matching.matchingLabels]);
  return (labels) => labelsKeyOf(labels, names, false);
}

/** VectorscalarBinop: the vector's samples against one scalar; swap when the scalar is on the left. */
export function vectorScalarBinop(
  op: BinaryOp,
  vector: StepVector,
  scalar: number,
  swap: boolean,
  returnBool: boolean,
  out: StepVector,
  dropName: LabelsCache,
): void {
  const comparison = isComparison(op);
  const drop = dropsMetricName(op) || returnBool;
  for (let i = 0; i < vector.length; i++) {
    const sample = vector.v[i]!;
    const lv = swap ? scalar : sample;
    const rv = swap ? sample : scalar;
    let value: number;
    let keep = true;
    if (comparison) {
      keep = compare(op, lv, rv);
      // The vector's value is kept, whichever side it is on.
      value = sample;
    } else {
      value = arithmetic(op, lv, rv);
    }
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const metric = vector.metric[i]!;
    out.push(drop ? dropName.get(metric, withoutMetricName) : metric, value);
  }
}

export function vectorAnd(lhs: StepVector, rhs: StepVector, out: StepVector, sigs: StampSet): void {
  if (lhs.length === 0 || rhs.length === 0) return;
  sigs.clear();
  for (let j = 0; j < rhs.length; j++) sigs.add(rhs.id[j]!);
  for (let i = 0; i < lhs.length; i++) {
    if (sigs.has(lhs.id[i]!)) out.push(lhs.metric[i]!, lhs.v[i]!);
  }
}

export function vectorOr(lhs: StepVector, rhs: StepVector, out: StepVector, sigs: StampSet): void {
  sigs.clear();
  for (let i = 0; i < lhs.length; i++) {
    sigs.add(lhs.id[i]!);
    out.push(lhs.metric[i]!, lhs.v[i]!);
  }
  for (let j = 0; j < rhs.length; j++) {
    if (!sigs.has(rhs.id[j]!)) out.push(rhs.metric[j]!, rhs.v[j]!);
  }
}

export function vectorUnless(lhs: StepVector, rhs: StepVector, out: StepVector, sigs: StampSet): void {
  sigs.clear();
  for (let j = 0; j < rhs.length; j++) sigs.add(rhs.id[j]!);
  for (let i = 0; i < lhs.length; i++) {
    if (!sigs.has(lhs.id[i]!)) out.push(lhs.metric[i]!, lhs.v[i]!);
  }
}

/** VectorBinop: arithmetic and comparisons between two vectors, with its per-node caches. */
export class VectorBinop {
  private readonly rightSigs = new StampMap<number>();
  private readonly matchedOnce = new StampSet();
  private readonly matchedSigs = new StampMap<Set<string>>();
  private readonly results = new Map<Labels, Map<Labels, Labels>>();
  private readonly keys = new Map<Labels, string>();
  private readonly dropName = new LabelsCache();

  constructor(
    private readonly op: BinaryOp,
    private readonly matching: VectorMatching,
    private readonly returnBool: boolean,
  ) {}

  eval(left: StepVector, right: StepVector, out: StepVector): void {
    const { op, matching, returnBool } = this;
    if (matching.card === 'many-to-many') throw queryFailed('many-to-many only allowed for set operators');
    if (left.length === 0 || right.length === 0) return;
    // One-to-many is many-to-one with the sides swapped (and swapped back for the values).
    const swapped = matching.card === 'one-to-many';
    const lhs = swapped ? right : left;
    const rhs = swapped ? left : right;

    const rightSigs = this.rightSigs;
    rightSigs.clear();
    for (let j = 0; j < rhs.length; j++) {
      const sig = rhs.id[j]!;
      const duplicate = rightSigs.get(sig);
      if (duplicate !== undefined) {
        const metric = rhs.metric[j]!;
        const names = new Set(
          matching.on ? matching.matchingLabels : [METRIC_NAME, ...matching.matchingLabels],
        );
        const group = formatLabels(metric.filter((l) => names.has(l.name) === matching.on));
        throw queryFailed(
          `found duplicate series for the match group ${group} on the ${swapped ? 'left' : 'right'} hand-side of the operation: ` +
            `[${formatLabels(metric)}, ${formatLabels(rhs.metric[duplicate]!)}]` +
            ';many-to-many matching not allowed: matching labels must be unique on one side',
        );
      }
      rightSigs.set(sig, j);
    }

    const matchedOnce = this.matchedOnce;
    const matchedSigs = this.matchedSigs;
    matchedOnce.clear();
    matchedSigs.clear();
    const comparison = isComparison(op);
    for (let i = 0; i < lhs.length; i++) {
      const sig = lhs.id[i]!;
      const j = rightSigs.get(sig);
      if (j === undefined) continue;
      const vl = swapped ? rhs.v[j]! : lhs.v[i]!;
      const vr = swapped ? lhs.v[i]! : rhs.v[j]!;
      let value: number;
      let keep = true;
      if (comparison) {
        keep = compare(op, vl, vr);
        value = vl;
      } else {
        value = arithmetic(op, vl, vr);
      }
      if (returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      let metric = this.resultMetric(lhs.metric[i]!, rhs.metric[j]!);
      if (returnBool) metric = this.dropName.get(metric, withoutMetricName);
      if (matching.card === 'one-to-one') {
        if (matchedOnce.has(sig)) {
          throw queryFailed(
            'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
          );
        }
        matchedOnce.add(sig);
      } else {
        const insertSig = this.keyOf(metric);
        let inserted = matchedSigs.get(sig);
        if (inserted === undefined) {
          inserted = new Set();
          matchedSigs.set(sig, inserted);
        } else if (inserted.has(insertSig)) {
          throw queryFailed('multiple matches for labels: grouping labels must ensure unique matches');
        }
        inserted.add(insertSig);
      }
      out.push(metric, value);
    }
  }

  private keyOf(labels: Labels): string {
    let key = this.keys.get(labels);
    if (key === undefined) {
      key = labelsKey(labels);
      this.keys.set(labels, key);
    }
    return key;
  }

  /** resultMetric: the lhs labels, the name dropped for arithmetic, matched and included labels applied. */
  private resultMetric(lhs: Labels, rhs: Labels): Labels {
    let byRhs = this.results.get(lhs);
    if (byRhs === undefined) {
      byRhs = new Map();
      this.results.set(lhs, byRhs);
    }
    const cached = byRhs.get(rhs);
    if (cached !== undefined) return cached;
    const { op, matching } = this;
    const builder = new LabelsBuilder(lhs);
    if (dropsMetricName(op)) builder.delete(METRIC_NAME);
    if (matching.card === 'one-to-one') {
      if (matching.on) {
        const keep = new Set(matching.matchingLabels);
        for (const label of lhs) if (!keep.has(label.name)) builder.delete(label.name);
      } else {
        for (const name of matching.matchingLabels) builder.delete(name);
      }
    }
    for (const name of matching.include) {
      const value = labelValue(rhs, name);
      if (value !== '') builder.set(name, value);
      else builder.delete(name);
    }
    const result = builder.labels();
    byRhs.set(rhs, result);
    return result;
  }
}
