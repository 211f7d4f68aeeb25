/**
 * Prometheus 2.42's type check of a parsed expression (parser.checkAST in parse.go), in the same
 * order, so that the first error reported is the one 2.42 reports: function arity and argument
 * types, aggregation parameters, binary operator rules, subqueries, and selectors that would match
 * every series.
 */
import type { Expr } from './ast.js';
import type { NodeInfo } from './parse-build.js';
import { ParseFailure } from './parse-errors.js';
import { goQuote } from './parse-literals.js';
import type { ValueType } from './value.js';

const COMPARISON_OPS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** How 2.42's messages name a type (DocumentedType). */
function documented(type: ValueType): string {
  if (type === 'vector') return 'instant vector';
  if (type === 'matrix') return 'range vector';
  return type;
}

export function checkAst(query: string, root: Expr, info: ReadonlyMap<Expr, NodeInfo>): void {
  const at = (expr: Expr): NodeInfo => info.get(expr)!;

  const expectType = (expr: Expr, want: ValueType, context: string): void => {
    const type = check(expr);
    if (type !== want) {
      throw new ParseFailure(
        at(expr).from,
        `expected type ${documented(want)} in ${context}, got ${documented(type)}`,
      );
    }
  };

  /** The operator's position: after the left side, past whitespace. */
  const operatorPos = (lhs: Expr): number => {
    let pos = at(lhs).to;
    while (/[ \t\n\r]/.test(query[pos] ?? '')) pos++;
    return pos;
  };

  function check(expr: Expr): ValueType {
    const node = at(expr);
    switch (expr.kind) {
      case 'aggregate':
        expectType(expr.expr, 'vector', 'aggregation expression');
        if (expr.op === 'topk' || expr.op === 'bottomk' || expr.op === 'quantile') {
          expectType(expr.param!, 'scalar', 'aggregation parameter');
        }
        if (expr.op === 'count_values') expectType(expr.param!, 'string', 'aggregation parameter');
        break;

      case 'binary': {
        const lt = check(expr.lhs);
        const rt = check(expr.rhs);
        const modifiers = node.binary!;
        const comparison = COMPARISON_OPS.has(expr.op);
        const setOp = SET_OPS.has(expr.op);
        if (expr.returnBool && !comparison) {
          throw new ParseFailure(
            operatorPos(expr.lhs),
            'bool modifier can only be used on comparison operators',
          );
        }
        if (comparison && !expr.returnBool && lt === 'scalar' && rt === 'scalar') {
          throw new ParseFailure(operatorPos(expr.lhs), 'comparisons between scalars must use BOOL modifier');
        }
        const card = setOp && modifiers.card === 'one-to-one' ? 'many-to-many' : modifiers.card;
        if (modifiers.on) {
          for (const label of modifiers.matchingLabels) {
            if (modifiers.include.includes(label)) {
              throw new ParseFailure(
                operatorPos(expr.lhs),
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
          if (card !== 'many-to-many') {
            throw new ParseFailure(node.from, 'set operations must always be many-to-many');
          }
        }
        if ((lt === 'scalar' || rt === 'scalar') && setOp) {
          throw new ParseFailure(
            node.from,
            `set operator ${goQuote(expr.op)} not allowed in binary scalar expression`,
          );
        }
        break;
      }

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
        for (let i = 0; i < got; i++) {
          let typeIndex = i;
          if (i >= nargs) {
            if (signature.variadic === 0) break;
            typeIndex = nargs - 1;
          }
          expectType(expr.args[i]!, signature.argTypes[typeIndex]!, `call to function ${name}`);
        }
        break;
      }

      case 'paren':
        check(expr.expr);
        break;

      case 'unary': {
        const type = check(expr.expr);
        if (type !== 'scalar' && type !== 'vector') {
          throw new ParseFailure(
            node.from,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documented(type))}`,
          );
        }
        break;
      }

      case 'subquery': {
        const type = check(expr.expr);
        if (type !== 'vector') {
          throw new ParseFailure(
            node.from,
            `subquery is only allowed on instant vector, got ${type} instead`,
          );
        }
        break;
      }

      case 'matrix':
        check(expr.vector);
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
    return node.type;
  }

  check(root);
}
