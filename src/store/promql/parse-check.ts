/**
 * Prometheus 2.42's type check of a parsed expression (parser.checkAST in parse.go), in the same
 * order, so that the first error reported is the one 2.42 reports: function arity and argument
 * types, aggregation parameters, binary operator rules, subqueries, and selectors that would match
 * every series. checkAST recurses; this walks an explicit stack in the same order, so that a deep
 * expression (`2^2^…^2`) cannot overflow the call stack.
 */
import type { BinaryExpr, Expr } from './ast.js';
import { ParseFailure } from './parse-errors.js';
import { goQuote } from './parse-literals.js';
import type { NodeInfo } from './parse-reader.js';
import type { ValueType } from './value.js';

const COMPARISON_OPS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** How 2.42's messages name a type (DocumentedType). */
function documented(type: ValueType): string {
  if (type === 'vector') return 'instant vector';
  if (type === 'matrix') return 'range vector';
  return type;
}

type Task =
  | { readonly kind: 'visit'; readonly expr: Expr }
  /** After the expression was checked: its type must be `want` (2.42's expectType). */
  | { readonly kind: 'expect'; readonly expr: Expr; readonly want: ValueType; readonly context: string }
  /** After both sides were checked: the operator's own rules. */
  | { readonly kind: 'binary'; readonly expr: BinaryExpr }
  | { readonly kind: 'unary' | 'subquery'; readonly expr: Expr };

export function checkAst(query: string, root: Expr, info: ReadonlyMap<Expr, NodeInfo>): void {
  const at = (expr: Expr): NodeInfo => info.get(expr)!;
  const tasks: Task[] = [{ kind: 'visit', expr: root }];
  // Tasks run in the order given: the stack takes them reversed.
  const then = (...next: Task[]): void => {
    for (let i = next.length - 1; i >= 0; i--) tasks.push(next[i]!);
  };
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    switch (task.kind) {
      case 'visit':
        visit(task.expr, at(task.expr), then);
        break;
      case 'expect': {
        const type = at(task.expr).type;
        if (type !== task.want) {
          throw new ParseFailure(
            at(task.expr).from,
            `expected type ${documented(task.want)} in ${task.context}, got ${documented(type)}`,
          );
        }
        break;
      }
      case 'binary':
        checkBinary(query, task.expr, at);
        break;
      case 'unary': {
        const type = at((task.expr as Extract<Expr, { kind: 'unary' }>).expr).type;
        if (type !== 'scalar' && type !== 'vector') {
          throw new ParseFailure(
            at(task.expr).from,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documented(type))}`,
          );
        }
        break;
      }
      case 'subquery': {
        const type = at((task.expr as Extract<Expr, { kind: 'subquery' }>).expr).type;
        if (type !== 'vector') {
          throw new ParseFailure(
            at(task.expr).from,
            `subquery is only allowed on instant vector, got ${type} instead`,
          );
        }
        break;
      }
    }
  }
}

/** One node: its own checks that come before its children's, then its children's tasks in order. */
function visit(expr: Expr, node: NodeInfo, then: (...next: Task[]) => void): void {
  const expect = (child: Expr, want: ValueType, context: string): Task[] => [
    { kind: 'visit', expr: child },
    { kind: 'expect', expr: child, want, context },
  ];
  switch (expr.kind) {
    case 'aggregate': {
      const param: Task[] = [];
      if (expr.op === 'topk' || expr.op === 'bottomk' || expr.op === 'quantile') {
        param.push(...expect(expr.param!, 'scalar', 'aggregation parameter'));
      }
      if (expr.op === 'count_values') param.push(...expect(expr.param!, 'string', 'aggregation parameter'));
      then(...expect(expr.expr, 'vector', 'aggregation expression'), ...param);
      break;
    }
    case 'binary':
      then({ kind: 'visit', expr: expr.lhs }, { kind: 'visit', expr: expr.rhs }, { kind: 'binary', expr });
      break;
    case 'call': {
      const signature = node.signature!;
      const nargs = signature.argTypes.length;
      const got = expr.args.length;
      const name = goQuote(signature.name);
      if (signature.variadic === 0) {
        if (nargs !== got) {
          throw new ParseFailure(node.from, `expected ${nargs} argument(s) in call to ${name}, got ${got}`);
        }
      } else {
        const least = nargs - 1;
        if (least > got) {
          throw new ParseFailure(
            node.from,
            `expected at least ${least} argument(s) in call to ${name}, got ${got}`,
          );
        }
        const most = least + signature.variadic;
        if (signature.variadic > 0 && most < got) {
          throw new ParseFailure(
            node.from,
            `expected at most ${most} argument(s) in call to ${name}, got ${got}`,
          );
        }
      }
      const args: Task[] = [];
      for (let i = 0; i < got; i++) {
        let typeIndex = i;
        if (i >= nargs) {
          if (signature.variadic === 0) break;
          typeIndex = nargs - 1;
        }
        args.push(...expect(expr.args[i]!, signature.argTypes[typeIndex]!, `call to function ${name}`));
      }
      then(...args);
      break;
    }
    case 'paren':
      then({ kind: 'visit', expr: expr.expr });
      break;
    case 'unary':
      then({ kind: 'visit', expr: expr.expr }, { kind: 'unary', expr });
      break;
    case 'subquery':
      then({ kind: 'visit', expr: expr.expr }, { kind: 'subquery', expr });
      break;
    case 'matrix':
      then({ kind: 'visit', expr: expr.vector });
      break;
    case 'vector':
      if (expr.name !== undefined) {
        // The last matcher is the name written before the braces.
        for (const matcher of expr.matchers.slice(0, -1)) {
          if (matcher.name === '__name__') {
            throw new ParseFailure(
              node.from,
              `metric name must not be set twice: ${goQuote(expr.name)} or ${goQuote(matcher.value)}`,
            );
          }
        }
      } else if (!expr.matchers.some((matcher) => !matcher.matches(''))) {
        throw new ParseFailure(node.from, 'vector selector must contain at least one non-empty matcher');
      }
      break;
    case 'number':
    case 'string':
      break;
  }
}

function checkBinary(query: string, expr: BinaryExpr, at: (expr: Expr) => NodeInfo): void {
  const node = at(expr);
  const lt = at(expr.lhs).type;
  const rt = at(expr.rhs).type;
  const modifiers = node.binary!;
  const comparison = COMPARISON_OPS.has(expr.op);
  const setOp = SET_OPS.has(expr.op);
  // The operator's position: after the left side, past whitespace.
  let operatorPos = at(expr.lhs).to;
  while (/[ \t\n\r]/.test(query[operatorPos] ?? '')) operatorPos++;

  if (expr.returnBool && !comparison) {
    throw new ParseFailure(operatorPos, 'bool modifier can only be used on comparison operators');
  }
  if (comparison && !expr.returnBool && lt === 'scalar' && rt === 'scalar') {
    throw new ParseFailure(operatorPos, 'comparisons between scalars must use BOOL modifier');
  }
  const card = setOp && modifiers.card === 'one-to-one' ? 'many-to-many' : modifiers.card;
  if (modifiers.on) {
    for (const label of modifiers.matchingLabels) {
      if (modifiers.include.includes(label)) {
        throw new ParseFailure(
          operatorPos,
          `label ${goQuote(label)} must not occur in ON and GROUP clause at once`,
        );
      }
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') {
    throw new ParseFailure(
      at(expr.lhs).from,
      'binary expression must contain only scalar and instant vector types',
    );
  }
  if (rt !== 'scalar' && rt !== 'vector') {
    throw new ParseFailure(
      at(expr.rhs).from,
      'binary expression must contain only scalar and instant vector types',
    );
  }
  if (lt !== 'vector' || rt !== 'vector') {
    if (modifiers.matchingLabels.length > 0) {
      throw new ParseFailure(node.from, 'vector matching only allowed between instant vectors');
    }
  } else if (setOp) {
    if (card === 'one-to-many' || card === 'many-to-one') {
      throw new ParseFailure(node.from, `no grouping allowed for ${goQuote(expr.op)} operation`);
    }
    if (card !== 'many-to-many')
      throw new ParseFailure(node.from, 'set operations must always be many-to-many');
  }
  if ((lt === 'scalar' || rt === 'scalar') && setOp) {
    throw new ParseFailure(
      node.from,
      `set operator ${goQuote(expr.op)} not allowed in binary scalar expression`,
    );
  }
}
