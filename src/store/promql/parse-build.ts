/**
 * From the tree of @prometheus-io/lezer-promql to mcpulse's AST, with the checks 2.42's grammar
 * actions make while parsing (generated_parser.y, parse.go: offsets, @, ranges, literals, function
 * names, aggregation arguments).
 *
 * The grammar was written for an editor and binds differently from 2.42's parser: it reads
 * `a + b offset 1m` as `(a + b) offset 1m` and `-2 ^ 2` as `(-2) ^ 2`, and it cuts long chains of
 * operators to keep its tree shallow. So the builder keeps only the grammar's primaries (selectors,
 * calls, aggregations, literals, parentheses) and reads each run of operators between them again
 * with 2.42's precedence: `offset`, `@` and `[…]` bind to the primary before them, then `^` (right
 * associative), unary `+`/`-`, `* / % atan2`, `+ -`, comparisons, `and unless`, `or`. That reading
 * is a loop over explicit stacks, so a long chain cannot overflow the call stack.
 */
import type { SyntaxNode } from '@lezer/common';
import type { LabelMatcher, MatchType } from '../queryable.js';
import type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Expr,
  MatchingCardinality,
  VectorSelector,
} from './ast.js';
import { ParseFailure } from './parse-errors.js';
import type { Token } from './parse-lex.js';
import { goQuote, makeMatcher, parseNumber } from './parse-literals.js';
import { applyModifier } from './parse-modifiers.js';
import { children, EXPRESSION_NODES, TreeReader, TreeGap } from './parse-reader.js';
import { functionSignature, unsupportedFunction } from './signatures.js';
import type { ValueType } from './value.js';

const POSTFIX_NODES = new Set([
  'OffsetExpr',
  'StepInvariantExpr',
  'MatrixSelector',
  'SubqueryExpr',
  'AnchoredExpr',
  'SmoothedExpr',
]);

/** Binary operators by the grammar's node name, with 2.42's precedence (higher binds tighter). */
const BINARY_OPERATORS: Readonly<Record<string, readonly [BinaryOp, number]>> = {
  Or: ['or', 1],
  And: ['and', 2],
  Unless: ['unless', 2],
  Eql: ['==', 3],
  Neq: ['!=', 3],
  Gtr: ['>', 3],
  Lss: ['<', 3],
  Gte: ['>=', 3],
  Lte: ['<=', 3],
  Add: ['+', 4],
  Sub: ['-', 4],
  Mul: ['*', 5],
  Div: ['/', 5],
  Mod: ['%', 5],
  Atan2: ['atan2', 5],
  Pow: ['^', 6],
};
const OPERATORS_BY_KEY: ReadonlyMap<string, readonly [BinaryOp, number]> = new Map(
  Object.values(BINARY_OPERATORS).map((operator) => [operator[0], operator]),
);

/** The operator of a BinaryExpr: a `^` the grammar was given may stand for any (parse.ts, forGrammar). */
function binaryOperator(name: string, token: Token): readonly [BinaryOp, number] | undefined {
  if (name === 'Pow' && token.key !== '^') return OPERATORS_BY_KEY.get(token.key);
  return BINARY_OPERATORS[name];
}

/** Unary minus binds as `*` does (2.42: `unary_op expr %prec MUL`). */
const UNARY_PRECEDENCE = 5;
const POW_PRECEDENCE = 6;

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

type Item =
  | { readonly kind: 'node'; readonly node: SyntaxNode }
  /** An error node of the grammar (only in a tree that failed, read for the errors before it). */
  | { readonly kind: 'stop' }
  | { readonly kind: 'operand'; readonly node: SyntaxNode }
  | { readonly kind: 'postfix'; readonly node: SyntaxNode }
  | { readonly kind: 'prefix'; readonly op: '+' | '-'; readonly pos: number }
  | {
      readonly kind: 'binary';
      readonly node: SyntaxNode;
      readonly op: BinaryOp;
      readonly precedence: number;
    };

type Operator = Extract<Item, { kind: 'prefix' | 'binary' }>;

export class AstBuilder extends TreeReader {
  /** The AST of one expression node of the grammar's tree. */
  expression(node: SyntaxNode): Expr {
    const items = this.flatten(node);
    const operands: Expr[] = [];
    const operators: Operator[] = [];
    for (const item of items) {
      switch (item.kind) {
        case 'operand':
          operands.push(this.primary(item.node));
          break;
        case 'postfix':
          operands.push(applyModifier(this, operands.pop()!, item.node));
          break;
        case 'prefix':
          operators.push(item);
          break;
        case 'binary': {
          for (;;) {
            const top = operators[operators.length - 1];
            if (top === undefined) break;
            const precedence = top.kind === 'prefix' ? UNARY_PRECEDENCE : top.precedence;
            const rightAssoc = item.precedence === POW_PRECEDENCE;
            if (precedence > item.precedence || (precedence === item.precedence && !rightAssoc)) {
              this.reduce(operators.pop()!, operands);
            } else {
              break;
            }
          }
          operators.push(item);
          break;
        }
        case 'stop':
          throw new TreeGap('error node');
        case 'node':
          throw new TreeGap('unreachable: node item after flatten');
      }
    }
    while (operators.length > 0) this.reduce(operators.pop()!, operands);
    return operands[0]!;
  }

  /** The grammar's expression as primaries, postfix modifiers and operators in reading order. */
  private flatten(root: SyntaxNode): Item[] {
    const items: Item[] = [];
    const stack: Item[] = [{ kind: 'node', node: root }];
    while (stack.length > 0) {
      const item = stack.pop()!;
      if (item.kind !== 'node') {
        items.push(item);
        continue;
      }
      const node = item.node;
      if (node.name === 'BinaryExpr') {
        const kids = children(node);
        const lhs = kids[0]!;
        const opNode = kids[1];
        if (opNode === undefined || opNode.type.isError) {
          stack.push({ kind: 'stop' }, { kind: 'node', node: lhs });
          continue;
        }
        const operator = binaryOperator(opNode.name, this.tokenAt(opNode.from));
        if (operator === undefined) {
          throw this.unsupported(opNode.from, `operator "${this.text(opNode)}"`);
        }
        const rhs = kids.findLast((kid) => EXPRESSION_NODES.has(kid.name));
        stack.push(
          rhs === undefined || rhs === lhs ? { kind: 'stop' } : { kind: 'node', node: rhs },
          { kind: 'binary', node, op: operator[0], precedence: operator[1] },
          { kind: 'node', node: lhs },
        );
      } else if (node.name === 'UnaryExpr') {
        const kids = children(node);
        const opNode = kids[0]!;
        stack.push(
          { kind: 'node', node: kids[kids.length - 1]! },
          { kind: 'prefix', op: this.text(opNode) === '-' ? '-' : '+', pos: opNode.from },
        );
      } else if (POSTFIX_NODES.has(node.name)) {
        stack.push({ kind: 'postfix', node }, { kind: 'node', node: children(node)[0]! });
      } else if (node.name === 'NumberDurationLiteral' && /^[+-]/.test(this.text(node))) {
        stack.push(
          { kind: 'operand', node },
          { kind: 'prefix', op: this.text(node).startsWith('-') ? '-' : '+', pos: node.from },
        );
      } else {
        items.push({ kind: 'operand', node });
      }
    }
    return items;
  }

  private reduce(operator: Operator, operands: Expr[]): void {
    if (operator.kind === 'prefix') {
      const operand = operands.pop()!;
      operands.push(this.unary(operator.op, operator.pos, operand));
      return;
    }
    const rhs = operands.pop()!;
    const lhs = operands.pop()!;
    operands.push(this.binary(operator.node, operator.op, lhs, rhs));
  }

  /** 2.42 folds a sign into a number literal (`-1` is a literal), else builds a UnaryExpr. */
  private unary(op: '+' | '-', pos: number, operand: Expr): Expr {
    const info = this.infoOf(operand);
    if (operand.kind === 'number') {
      return this.record(
        { kind: 'number', value: op === '-' ? -operand.value : operand.value },
        { ...info, from: pos },
      );
    }
    return this.record({ kind: 'unary', op, expr: operand }, { from: pos, to: info.to, type: info.type });
  }

  private binary(node: SyntaxNode, op: BinaryOp, lhs: Expr, rhs: Expr): BinaryExpr {
    let returnBool = false;
    let card: MatchingCardinality = 'one-to-one';
    let on = false;
    let matchingLabels: readonly string[] = [];
    let include: readonly string[] = [];
    for (const child of children(node).slice(2, -1)) {
      if (child.name === 'BoolModifier') {
        returnBool = true;
      } else if (child.name === 'MatchingModifierClause') {
        for (const part of children(child)) {
          if (part.name === 'On') on = true;
          else if (part.name === 'GroupLeft') card = 'many-to-one';
          else if (part.name === 'GroupRight') card = 'one-to-many';
          else if (part.name === 'GroupingLabels') {
            if (card === 'one-to-one') matchingLabels = this.groupingLabels(part);
            else include = this.groupingLabels(part);
          }
        }
      } else if (child.name === 'FillModifier') {
        throw this.unsupported(child.from, `"${this.text(child.firstChild!.firstChild!)}" modifier`);
      }
    }
    const lhsInfo = this.infoOf(lhs);
    const rhsInfo = this.infoOf(rhs);
    const bothVectors = lhsInfo.type === 'vector' && rhsInfo.type === 'vector';
    const setOp = op === 'and' || op === 'or' || op === 'unless';
    const expr: BinaryExpr = {
      kind: 'binary',
      op,
      lhs,
      rhs,
      matching: bothVectors
        ? { card: setOp && card === 'one-to-one' ? 'many-to-many' : card, matchingLabels, on, include }
        : undefined,
      returnBool,
    };
    const type: ValueType = lhsInfo.type === 'scalar' && rhsInfo.type === 'scalar' ? 'scalar' : 'vector';
    return this.record(expr, {
      from: lhsInfo.from,
      to: rhsInfo.to,
      type,
      binary: { card, on, matchingLabels, include },
    });
  }

  private primary(node: SyntaxNode): Expr {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return this.numberLiteral(node);
      case 'StringLiteral':
        return this.record(
          { kind: 'string', value: this.unquote(node) },
          { from: node.from, to: node.to, type: 'string' },
        );
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'ParenExpr': {
        const inner = this.expression(this.expressionChild(node));
        return this.record(
          { kind: 'paren', expr: inner },
          { from: node.from, to: node.to, type: this.infoOf(inner).type },
        );
      }
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
    }
    throw this.unsupported(node.from, `expression ${JSON.stringify(this.text(node))}`);
  }

  /** An unsigned number (a sign before it is a prefix operator by now). */
  private numberLiteral(node: SyntaxNode): Expr {
    let token = this.tokenAt(node.from);
    if (token.type === 'OPERATOR') token = this.tokenAfter(token);
    if (token.type !== 'NUMBER') throw this.syntaxErrorAt(token);
    let value: number;
    try {
      value = parseNumber(token.text);
    } catch (error) {
      throw this.rethrow(error, token.pos);
    }
    return this.record({ kind: 'number', value }, { from: token.pos, to: token.end, type: 'scalar' });
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const nameNode = node.getChild('Identifier');
    let name: string | undefined;
    if (nameNode !== null) {
      const token = this.tokenAt(nameNode.from);
      if (!isMetricIdentifier(token)) throw this.syntaxErrorAt(token);
      name = this.text(nameNode);
    }
    const matchers: LabelMatcher[] = [];
    const list = node.getChild('LabelMatchers');
    for (const child of list === null ? [] : children(list)) {
      if (child.name !== 'UnquotedLabelMatcher') {
        // Quoted label names (`{"a"="b"}`, `{"a"}`) are newer than 2.42: a syntax error there.
        throw this.syntaxErrorAt(this.tokenAt(child.from));
      }
      const labelNode = child.getChild('LabelName')!;
      const opNode = child.getChild('MatchOp')!.firstChild!;
      const valueNode = child.getChild('StringLiteral')!;
      const value = this.unquote(valueNode);
      try {
        matchers.push(makeMatcher(MATCH_OPS[opNode.name]!, this.text(labelNode), value));
      } catch (error) {
        throw this.rethrow(error, labelNode.from, valueNode.to);
      }
    }
    if (name !== undefined) matchers.push(makeMatcher('=', '__name__', name));
    return this.record(
      { kind: 'vector', name, matchers, offsetMs: 0, at: undefined },
      { from: node.from, to: node.to, type: 'vector' },
    );
  }

  private call(node: SyntaxNode): Expr {
    const identifier = node.getChild('FunctionIdentifier')!;
    // The token, not the node: a name the grammar does not know stands in it as a known one (parse.ts).
    const nameToken = this.tokenAt(identifier.from);
    const name = nameToken.text;
    // `start` and `end` are keywords to 2.42: no function can have those names.
    if (nameToken.type === 'PREPROCESSOR') throw this.syntaxErrorAt(this.tokenAfter(nameToken));
    const signature = functionSignature(name);
    if (signature === undefined) {
      const unsupported = unsupportedFunction(name);
      if (unsupported !== undefined) throw this.unsupported(nameToken.pos, unsupported);
      // 2.42 finds out when the call is read through, after its arguments.
      this.arguments(node.getChild('FunctionCallBody')!);
      this.assertComplete(node);
      // Noticed at its ")": 2.42 reduces the call before it reads on.
      throw new ParseFailure(nameToken.pos, `unknown function with name ${goQuote(name)}`, node.to - 1);
    }
    const args = this.arguments(node.getChild('FunctionCallBody')!);
    return this.record(
      { kind: 'call', func: name, args },
      { from: nameToken.pos, to: node.to, type: signature.returnType, signature },
    );
  }

  private aggregate(node: SyntaxNode): AggregateExpr {
    const opNode = node.getChild('AggregateOp')!;
    const opName = this.text(opNode).toLowerCase();
    if (opNode.firstChild?.name === 'LimitK' || opNode.firstChild?.name === 'LimitRatio') {
      throw this.unsupported(opNode.from, `function "${opName}"`);
    }
    const op = opName as AggregateOp;
    let grouping: readonly string[] = [];
    let without = false;
    const modifier = node.getChild('AggregateModifier');
    const body = node.getChild('FunctionCallBody')!;
    // A modifier after the body is read after it, as 2.42 reads it.
    const modifierFirst = modifier !== null && modifier.from < body.from;
    const readModifier = (): void => {
      if (modifier === null) return;
      without = children(modifier)[0]!.name === 'Without';
      grouping = this.groupingLabels(modifier.getChild('GroupingLabels')!);
    };
    if (modifierFirst) readModifier();
    const args = this.arguments(body);
    if (!modifierFirst) readModifier();
    this.assertComplete(node);
    if (args.length === 0) {
      throw new ParseFailure(node.from, 'no arguments for aggregate expression provided', node.to - 1);
    }
    const withParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const wanted = withParam ? 2 : 1;
    if (args.length !== wanted) {
      throw new ParseFailure(
        node.from,
        `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`,
        node.to - 1,
      );
    }
    return this.record(
      {
        kind: 'aggregate',
        op,
        expr: args[wanted - 1]!,
        param: withParam ? args[0] : undefined,
        grouping,
        without,
      },
      { from: node.from, to: node.to, type: 'vector' },
    );
  }

  private arguments(body: SyntaxNode): Expr[] {
    const args: Expr[] = [];
    for (const child of children(body)) {
      if (EXPRESSION_NODES.has(child.name)) args.push(this.expression(child));
    }
    return args;
  }

  private groupingLabels(node: SyntaxNode): string[] {
    const labels: string[] = [];
    for (const child of children(node)) {
      if (child.name === 'LabelName') labels.push(this.text(child));
      else throw this.syntaxErrorAt(this.tokenAt(child.from));
    }
    return labels;
  }
}

/** 2.42's metric_identifier: names, and the keywords that may stand for one (`sum`, `by`, `offset`…). */
export function isMetricIdentifier(token: Token): boolean {
  switch (token.type) {
    case 'IDENTIFIER':
    case 'METRIC_IDENTIFIER':
    case 'AGGREGATOR':
    case 'PREPROCESSOR':
      return true;
    case 'KEYWORD':
      return token.key === 'by' || token.key === 'without' || token.key === 'offset';
    case 'OPERATOR':
      return token.key === 'and' || token.key === 'or' || token.key === 'unless';
    default:
      return false;
  }
}
