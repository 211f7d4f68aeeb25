/**
 * The evaluator's own copy of a query's syntax tree, with the fields Prometheus 2.42 mutates while it
 * runs a query (engine.go): `@ start()`/`@ end()` resolved to times, step-invariant parts wrapped
 * (PreprocessExpr), each selector's offset rewritten so an `@` becomes an offset from the evaluator's
 * start (setOffsetForAtModifier, redone for every subquery), and each vector selector's series
 * selected once for the whole query over the time range Prometheus would select.
 */
import type { SelectedSeries, LabelMatcher, Queryable } from '../queryable.js';
import { compareStrings } from '../labels.js';
import {
  typeOf,
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Call,
  type Expr,
  type MatrixSelector,
  type SubqueryExpr,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { exprChildren, postOrder, preOrder } from './tree-walk.js';
import type { ValueType } from './value.js';

export interface PlanNumber {
  readonly kind: 'number';
  readonly type: 'scalar';
  readonly value: number;
}

export interface PlanString {
  readonly kind: 'string';
  readonly type: 'string';
  readonly value: string;
}

export interface PlanVector {
  readonly kind: 'vector';
  readonly type: 'vector';
  readonly ast: VectorSelector;
  readonly matchers: readonly LabelMatcher[];
  readonly originalOffset: number;
  /** The offset the evaluator applies (setOffsetForAtModifier): the original one, or one standing in for an @. */
  offset: number;
  timestamp: number | undefined;
  /** Selected once, before evaluation (populateSeries). */
  series: SelectedSeries[];
}

export interface PlanMatrix {
  readonly kind: 'matrix';
  readonly type: 'matrix';
  readonly ast: MatrixSelector;
  readonly vector: PlanVector;
  readonly range: number;
}

export interface PlanSubquery {
  readonly kind: 'subquery';
  readonly type: 'matrix';
  readonly ast: SubqueryExpr;
  expr: PlanNode;
  readonly range: number;
  readonly step: number;
  readonly originalOffset: number;
  offset: number;
  timestamp: number | undefined;
}

export interface PlanCall {
  readonly kind: 'call';
  readonly type: ValueType;
  readonly ast: Call;
  readonly func: string;
  readonly args: PlanNode[];
}

export interface PlanAggregate {
  readonly kind: 'aggregate';
  readonly type: 'vector';
  readonly op: AggregateOp;
  readonly expr: PlanNode;
  readonly param: PlanNode | undefined;
  /** Sorted in Go's string order, as engine.go sorts them. */
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export interface PlanBinary {
  readonly kind: 'binary';
  readonly type: ValueType;
  readonly op: BinaryOp;
  lhs: PlanNode;
  rhs: PlanNode;
  readonly matching: VectorMatching | undefined;
  readonly returnBool: boolean;
}

export interface PlanUnary {
  readonly kind: 'unary';
  readonly type: ValueType;
  readonly op: '+' | '-';
  readonly expr: PlanNode;
}

export interface PlanParen {
  readonly kind: 'paren';
  readonly type: ValueType;
  readonly expr: PlanNode;
}

/** Evaluated once at the evaluator's start time; instant results are repeated for every step. */
export interface PlanStepInvariant {
  readonly kind: 'stepInvariant';
  readonly type: ValueType;
  readonly expr: PlanNode;
}

export type PlanNode =
  | PlanNumber
  | PlanString
  | PlanVector
  | PlanMatrix
  | PlanSubquery
  | PlanCall
  | PlanAggregate
  | PlanBinary
  | PlanUnary
  | PlanParen
  | PlanStepInvariant;

function resolveAt(at: AtModifier | undefined, startMs: number, endMs: number): number | undefined {
  if (at === undefined) return undefined;
  if (at.kind === 'time') return at.timeMs;
  return at.kind === 'start' ? startMs : endMs;
}

function planVector(ast: VectorSelector, startMs: number, endMs: number): PlanVector {
  return {
    kind: 'vector',
    type: 'vector',
    ast,
    matchers: ast.matchers,
    originalOffset: ast.offsetMs,
    offset: ast.offsetMs,
    timestamp: resolveAt(ast.at, startMs, endMs),
    series: [],
  };
}

/** The plan of expr, its @ start()/end() resolved against the query's start and end. */
function toPlan(root: Expr, startMs: number, endMs: number): PlanNode {
  return postOrder<Expr, PlanNode>(root, exprChildren, (expr, kids) => {
    switch (expr.kind) {
      case 'number':
        return { kind: 'number', type: 'scalar', value: expr.value };
      case 'string':
        return { kind: 'string', type: 'string', value: expr.value };
      case 'vector':
        return planVector(expr, startMs, endMs);
      case 'matrix':
        return {
          kind: 'matrix',
          type: 'matrix',
          ast: expr,
          vector: planVector(expr.vector, startMs, endMs),
          range: expr.rangeMs,
        };
      case 'subquery':
        return {
          kind: 'subquery',
          type: 'matrix',
          ast: expr,
          expr: kids[0]!,
          range: expr.rangeMs,
          step: expr.stepMs,
          originalOffset: expr.offsetMs,
          offset: expr.offsetMs,
          timestamp: resolveAt(expr.at, startMs, endMs),
        };
      case 'call':
        return { kind: 'call', type: typeOf(expr), ast: expr, func: expr.func, args: kids };
      case 'aggregate':
        return {
          kind: 'aggregate',
          type: 'vector',
          op: expr.op,
          expr: kids[0]!,
          param: kids[1],
          grouping: [...expr.grouping].sort(compareStrings),
          without: expr.without,
        };
      case 'binary': {
        // typeOf, from the children's types (typeOf itself would walk the subtree again).
        const [lhs, rhs] = [kids[0]!, kids[1]!];
        const type = lhs.type === 'scalar' && rhs.type === 'scalar' ? 'scalar' : 'vector';
        return {
          kind: 'binary',
          type,
          op: expr.op,
          lhs,
          rhs,
          matching: expr.matching,
          returnBool: expr.returnBool,
        };
      }
      case 'unary':
        return { kind: 'unary', type: kids[0]!.type, op: expr.op, expr: kids[0]! };
      case 'paren':
        return { kind: 'paren', type: kids[0]!.type, expr: kids[0]! };
    }
  });
}

/** Functions whose result depends on the evaluation time even when their arguments do not (engine.go). */
const AT_MODIFIER_UNSAFE_FUNCTIONS = new Set(
  'days_in_month day_of_month day_of_week day_of_year hour minute month year predict_linear time timestamp'.split(
    ' ',
  ),
);

function stepInvariant(expr: PlanNode): PlanStepInvariant {
  return { kind: 'stepInvariant', type: expr.type, expr };
}

/** What preprocessExprHelper looks into: not an aggregation's parameter, nor a step-invariant node. */
function invarianceChildren(node: PlanNode): readonly PlanNode[] {
  switch (node.kind) {
    case 'aggregate':
      return [node.expr];
    case 'stepInvariant':
      return [];
    default:
      return childrenOf(node);
  }
}

/** preprocessExprHelper: wraps the step-invariant children; true when node itself is step invariant. */
function markStepInvariant(root: PlanNode): boolean {
  return postOrder<PlanNode, boolean>(root, invarianceChildren, (node, invariant) => {
    switch (node.kind) {
      case 'vector':
        return node.timestamp !== undefined;
      case 'binary': {
        const [lhs, rhs] = [invariant[0]!, invariant[1]!];
        if (lhs && rhs) return true;
        if (lhs) node.lhs = stepInvariant(node.lhs);
        if (rhs) node.rhs = stepInvariant(node.rhs);
        return false;
      }
      case 'call': {
        if (!AT_MODIFIER_UNSAFE_FUNCTIONS.has(node.func) && invariant.every(Boolean)) return true;
        invariant.forEach((yes, i) => {
          if (yes) node.args[i] = stepInvariant(node.args[i]!);
        });
        return false;
      }
      case 'subquery':
        // The inside is wrapped whatever the subquery's own @, so it is evaluated once w.r.t. the
        // subquery's start.
        if (invariant[0]!) node.expr = stepInvariant(node.expr);
        return node.timestamp !== undefined;
      case 'aggregate':
      case 'matrix':
      case 'paren':
      case 'unary':
        return invariant[0]!;
      case 'string':
      case 'number':
      case 'stepInvariant':
        return true;
    }
  });
}

/** The query's plan: PreprocessExpr of the tree. */
export function buildPlan(expr: Expr, startMs: number, endMs: number): PlanNode {
  const plan = toPlan(expr, startMs, endMs);
  return markStepInvariant(plan) ? stepInvariant(plan) : plan;
}

export function childrenOf(node: PlanNode): readonly PlanNode[] {
  switch (node.kind) {
    case 'aggregate':
      return node.param === undefined ? [node.expr] : [node.expr, node.param];
    case 'binary':
      return [node.lhs, node.rhs];
    case 'call':
      return node.args;
    case 'subquery':
    case 'paren':
    case 'unary':
    case 'stepInvariant':
      return [node.expr];
    case 'matrix':
      return [node.vector];
    default:
      return [];
  }
}

/** parser.Inspect: pre-order, with the ancestors of each node. */
export function inspect(node: PlanNode, visit: (node: PlanNode, path: readonly PlanNode[]) => void): void {
  preOrder(node, childrenOf, visit);
}

interface SubqueryTimes {
  offset: number;
  range: number;
  timestamp: number | undefined;
}

/** subqueryTimes: offsets and ranges of the subqueries on the path, restarted at a subquery with @. */
function subqueryTimes(path: readonly PlanNode[]): SubqueryTimes {
  const times: SubqueryTimes = { offset: 0, range: 0, timestamp: undefined };
  for (const node of path) {
    if (node.kind !== 'subquery') continue;
    times.offset += node.originalOffset;
    times.range += node.range;
    if (node.timestamp !== undefined) {
      times.offset = node.originalOffset;
      times.range = node.range;
      times.timestamp = node.timestamp;
    }
  }
  return times;
}

/** setOffsetForAtModifier: selectors' and subqueries' offsets relative to an evaluation at evalTime. */
export function setOffsetForAtModifier(evalTime: number, expr: PlanNode): void {
  const offsetFor = (ts: number | undefined, originalOffset: number, path: readonly PlanNode[]): number => {
    if (ts === undefined) return originalOffset;
    const times = subqueryTimes(path);
    let subqueryOffset = times.offset;
    if (times.timestamp !== undefined) subqueryOffset += evalTime - times.timestamp;
    return originalOffset + (evalTime - ts - subqueryOffset);
  };
  inspect(expr, (node, path) => {
    if (node.kind === 'vector' || node.kind === 'subquery') {
      node.offset = offsetFor(node.timestamp, node.originalOffset, path);
    } else if (node.kind === 'matrix') {
      node.vector.offset = offsetFor(node.vector.timestamp, node.vector.originalOffset, path);
    }
  });
}

export interface QueryTimes {
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
}

/** getTimeRangesForSelector: what a selector may read, over the whole query. */
function selectorRange(
  times: QueryTimes,
  node: PlanVector,
  path: readonly PlanNode[],
  evalRange: number,
): [number, number] {
  let start = times.startMs;
  let end = times.endMs;
  const subquery = subqueryTimes(path);
  if (subquery.timestamp !== undefined) {
    start = subquery.timestamp;
    end = subquery.timestamp;
  }
  if (node.timestamp !== undefined) {
    start = node.timestamp;
    end = node.timestamp;
  } else {
    start = start - subquery.offset - subquery.range;
    end = end - subquery.offset;
  }
  start -= evalRange === 0 ? times.lookbackMs : evalRange;
  return [start - node.originalOffset, end - node.originalOffset];
}

/** populateSeries: each vector selector's series, selected once over its whole range. */
export function selectSeries(plan: PlanNode, times: QueryTimes, queryable: Queryable): void {
  let evalRange = 0;
  inspect(plan, (node, path) => {
    if (node.kind === 'matrix') {
      evalRange = node.range;
    } else if (node.kind === 'vector') {
      const [mint, maxt] = selectorRange(times, node, path, evalRange);
      evalRange = 0;
      node.series = queryable.select(node.matchers, mint, maxt);
    }
  });
}

/** Strips parentheses and a step-invariant wrapper, as engine.go's unwrap helpers do around each other. */
export function unwrapArg(node: PlanNode): PlanNode {
  let n = node;
  while (n.kind === 'paren') n = n.expr;
  if (n.kind === 'stepInvariant') n = n.expr;
  while (n.kind === 'paren') n = n.expr;
  return n;
}
