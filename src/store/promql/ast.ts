/**
 * The PromQL syntax tree the engine evaluates, shaped like Prometheus's promql/parser AST (ast.go) so
 * that engine.go and functions.go read across. parse.ts builds it from the tree of the Prometheus
 * project's own grammar (@prometheus-io/lezer-promql) and type-checks it as parser.checkAST does.
 * Durations and times are integer milliseconds.
 */
import type { LabelMatcher } from '../queryable.js';
import type { ValueType } from './value.js';

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** `@ <time>`, `@ start()`, `@ end()`; absent when the selector has no @. */
export type AtModifier =
  { readonly kind: 'time'; readonly timeMs: number } | { readonly kind: 'start' | 'end' };

export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
}

export interface VectorSelector {
  readonly kind: 'vector';
  /** The metric name written before the braces, if any (it is also among the matchers). */
  readonly name: string | undefined;
  /** All matchers, a name written before the braces included as `__name__="…"`. */
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

export interface MatrixSelector {
  readonly kind: 'matrix';
  readonly vector: VectorSelector;
  readonly rangeMs: number;
}

export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** 0 when the step was left out: the engine's default evaluation interval applies. */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

export interface Call {
  readonly kind: 'call';
  /** The function's name as written (`rate`, `histogram_quantile`, …). */
  readonly func: string;
  readonly args: readonly Expr[];
}

export interface AggregateExpr {
  readonly kind: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** topk/bottomk k, quantile φ, count_values label name. */
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export type MatchingCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** Prometheus's VectorMatching: present on every binary expression between two instant vectors. */
export interface VectorMatching {
  readonly card: MatchingCardinality;
  /** With `on`: the labels to match on; else (`ignoring`, or neither) the labels to leave out. */
  readonly matchingLabels: readonly string[];
  readonly on: boolean;
  /** The labels of `group_left(…)`/`group_right(…)` taken from the "one" side. */
  readonly include: readonly string[];
}

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** Set when both sides are instant vectors. */
  readonly matching: VectorMatching | undefined;
  readonly returnBool: boolean;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '+' | '-';
  readonly expr: Expr;
}

export interface ParenExpr {
  readonly kind: 'paren';
  readonly expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

/** The value type an expression evaluates to (Prometheus's Expr.Type()). */
export function typeOf(expr: Expr): ValueType {
  let e = expr;
  while (e.kind === 'paren' || e.kind === 'unary') e = e.expr;
  if (e.kind !== 'binary') return leafType(e);
  // A binary expression is a scalar when both sides are: when every operand under it is. Walked
  // with a stack of its own, as trees may be thousands deep.
  const pending: Expr[] = [e];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.kind === 'binary') pending.push(next.rhs, next.lhs);
    else if (next.kind === 'paren' || next.kind === 'unary') pending.push(next.expr);
    else if (leafType(next) !== 'scalar') return 'vector';
  }
  return 'scalar';
}

function leafType(expr: Exclude<Expr, BinaryExpr | UnaryExpr | ParenExpr>): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
    case 'aggregate':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'call':
      return functionReturnType(expr.func);
  }
}

/** The functions that return a scalar; every other supported function returns an instant vector. */
const SCALAR_FUNCTIONS = new Set(['scalar', 'time', 'pi']);

function functionReturnType(name: string): ValueType {
  return SCALAR_FUNCTIONS.has(name) ? 'scalar' : 'vector';
}
