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
  AtModifier,
  BinaryExpr,
  BinaryOp,
  Expr,
  MatchingCardinality,
  MatrixSelector,
  SubqueryExpr,
  VectorSelector,
} from './ast.js';
import { QueryError } from './errors.js';
import { ParseFailure, syntaxError } from './parse-errors.js';
import type { Token } from './parse-lex.js';
import { goFixed, makeMatcher, parseNonZeroDuration, parseNumber, unquoteString } from './parse-literals.js';
import { functionSignature, UNSUPPORTED_FUNCTIONS, type FunctionSignature } from './signatures.js';
import type { ValueType } from './value.js';

/** What the type check needs to know of a node beyond the AST: where it is, and how it was written. */
export interface NodeInfo {
  readonly from: number;
  readonly to: number;
  readonly type: ValueType;
  /** Binary expressions: the modifiers as written, before 2.42's checkAST adjusts them. */
  readonly binary?: {
    readonly card: MatchingCardinality;
    readonly on: boolean;
    readonly matchingLabels: readonly string[];
    readonly include: readonly string[];
  };
  readonly signature?: FunctionSignature;
}

const EXPRESSION_NODES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'AnchoredExpr',
  'SmoothedExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);

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

export class AstBuilder {
  readonly info = new Map<Expr, NodeInfo>();

  constructor(
    private readonly query: string,
    private readonly tokens: readonly Token[],
    /** Throws the lexer's error: called when a token past the point where 2.42's lexer failed is needed. */
    private readonly beyondTokens: () => never,
  ) {}

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
          operands.push(this.postfix(operands.pop()!, item.node));
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
        case 'node':
          throw new Error('unreachable: node item after flatten');
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
        const lhs = node.firstChild!;
        const opNode = lhs.nextSibling!;
        const operator = BINARY_OPERATORS[opNode.name];
        if (operator === undefined) {
          throw this.unsupported(opNode.from, `operator "${this.text(opNode)}"`);
        }
        stack.push(
          { kind: 'node', node: node.lastChild! },
          { kind: 'binary', node, op: operator[0], precedence: operator[1] },
          { kind: 'node', node: lhs },
        );
      } else if (node.name === 'UnaryExpr') {
        const opNode = node.firstChild!;
        stack.push(
          { kind: 'node', node: node.lastChild! },
          { kind: 'prefix', op: this.text(opNode) === '-' ? '-' : '+', pos: opNode.from },
        );
      } else if (POSTFIX_NODES.has(node.name)) {
        stack.push({ kind: 'postfix', node }, { kind: 'node', node: node.firstChild! });
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
    for (let child = node.firstChild!.nextSibling!.nextSibling; child !== null; child = child.nextSibling) {
      if (child.name === 'BoolModifier') {
        returnBool = true;
      } else if (child.name === 'MatchingModifierClause') {
        for (let part = child.firstChild; part !== null; part = part.nextSibling) {
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
    for (let child = list?.firstChild ?? null; child !== null; child = child.nextSibling) {
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
    const name = this.text(identifier);
    const signature = functionSignature(name);
    if (signature === undefined) throw this.unsupportedFunction(identifier.from, name);
    const args = this.arguments(node.getChild('FunctionCallBody')!);
    return this.record(
      { kind: 'call', func: name, args },
      { from: node.from, to: node.to, type: signature.returnType, signature },
    );
  }

  private unsupportedFunction(pos: number, name: string): ParseFailure {
    const known = UNSUPPORTED_FUNCTIONS[name];
    if (known !== undefined) return this.unsupported(pos, known);
    if (name.startsWith('histogram_')) return this.unsupported(pos, `native histograms (${name})`);
    return this.unsupported(pos, `function "${name}"`);
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
      without = modifier.firstChild!.name === 'Without';
      grouping = this.groupingLabels(modifier.getChild('GroupingLabels')!);
    };
    if (modifierFirst) readModifier();
    const args = this.arguments(body);
    if (!modifierFirst) readModifier();
    if (args.length === 0) {
      throw new ParseFailure(node.from, 'no arguments for aggregate expression provided', node.to);
    }
    const withParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const wanted = withParam ? 2 : 1;
    if (args.length !== wanted) {
      throw new ParseFailure(
        node.from,
        `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`,
        node.to,
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
    for (let child = body.firstChild; child !== null; child = child.nextSibling) {
      if (EXPRESSION_NODES.has(child.name)) args.push(this.expression(child));
    }
    return args;
  }

  private groupingLabels(node: SyntaxNode): string[] {
    const labels: string[] = [];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.name === 'LabelName') labels.push(this.text(child));
      else throw this.syntaxErrorAt(this.tokenAt(child.from));
    }
    return labels;
  }

  /** `[range]`, `[range:step]`, `offset`, `@`, applied to the expression just before them. */
  private postfix(operand: Expr, node: SyntaxNode): Expr {
    switch (node.name) {
      case 'MatrixSelector':
        return this.range(operand, node);
      case 'SubqueryExpr':
        return this.subquery(operand, node);
      case 'OffsetExpr':
        return this.offset(operand, node);
      case 'StepInvariantExpr':
        return this.at(operand, node);
    }
    throw this.unsupported(node.lastChild!.from, `"${this.text(node.lastChild!)}" modifier`);
  }

  private range(operand: Expr, node: SyntaxNode): MatrixSelector {
    const open = this.tokenAfterPos(this.infoOf(operand).to);
    const rangeMs = this.duration(node.getChild('DurationExpr')!);
    let problem: string | undefined;
    if (operand.kind !== 'vector') problem = 'ranges only allowed for vector selectors';
    else if (operand.offsetMs !== 0) problem = 'no offset modifiers allowed before range';
    else if (operand.at?.kind === 'time') problem = 'no @ modifiers allowed before range';
    if (problem !== undefined) throw new ParseFailure(open.pos, problem, node.to);
    const vector = operand as VectorSelector;
    return this.record(
      { kind: 'matrix', vector, rangeMs },
      { from: this.infoOf(operand).from, to: node.to, type: 'matrix' },
    );
  }

  private subquery(operand: Expr, node: SyntaxNode): SubqueryExpr {
    const durations = node.getChildren('DurationExpr');
    const rangeMs = this.duration(durations[0]!);
    const stepMs = durations[1] === undefined ? 0 : this.duration(durations[1]);
    return this.record(
      { kind: 'subquery', expr: operand, rangeMs, stepMs, offsetMs: 0, at: undefined },
      { from: this.infoOf(operand).from, to: node.to, type: 'matrix' },
    );
  }

  /** A range or subquery duration: 2.42 takes one duration token, nothing to compute. */
  private duration(node: SyntaxNode): number {
    const tokens = this.tokensIn(node);
    const first = tokens[0]!;
    if (first.type !== 'DURATION') throw this.syntaxErrorAt(first);
    if (tokens.length > 1) throw this.syntaxErrorAt(tokens[1]!);
    try {
      return parseNonZeroDuration(first.text);
    } catch (error) {
      throw this.rethrow(error, first.pos);
    }
  }

  private offset(operand: Expr, node: SyntaxNode): Expr {
    const tokens = this.tokensIn(node.getChild('OffsetDurationExpr')!);
    let sign = 1;
    let i = 0;
    if (tokens[0]!.type === 'OPERATOR' && tokens[0]!.key === '-') {
      sign = -1;
      i = 1;
    }
    const durationToken = tokens[i]!;
    if (durationToken.type !== 'DURATION') throw this.syntaxErrorAt(durationToken);
    if (tokens.length > i + 1) throw this.syntaxErrorAt(tokens[i + 1]!);
    let ms: number;
    try {
      ms = sign * parseNonZeroDuration(durationToken.text);
    } catch (error) {
      throw this.rethrow(error, durationToken.pos);
    }
    const info = this.infoOf(operand);
    const target = operand.kind === 'matrix' ? operand.vector : operand;
    if (target.kind !== 'vector' && target.kind !== 'subquery') {
      throw new ParseFailure(
        info.from,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
        node.to,
      );
    }
    if (target.offsetMs !== 0)
      throw new ParseFailure(info.from, 'offset may not be set multiple times', node.to);
    return this.withModifier(operand, { offsetMs: ms }, node.to);
  }

  private at(operand: Expr, node: SyntaxNode): Expr {
    const tokens = this.tokensIn(node).slice(1); // after "@"
    const info = this.infoOf(operand);
    let at: AtModifier;
    const first = tokens[0]!;
    if (first.type === 'PREPROCESSOR') {
      const open = tokens[1];
      const close = tokens[2];
      if (open?.type !== 'LEFT_PAREN') throw this.syntaxErrorAt(open ?? this.tokenAfter(first));
      if (close?.type !== 'RIGHT_PAREN') throw this.syntaxErrorAt(close ?? this.tokenAfter(open));
      at = { kind: first.key === 'start' ? 'start' : 'end' };
    } else {
      const signed = first.type === 'OPERATOR' && (first.key === '-' || first.key === '+');
      const numberToken = signed ? tokens[1]! : first;
      if (numberToken.type !== 'NUMBER') throw this.syntaxErrorAt(numberToken);
      let seconds: number;
      try {
        seconds = parseNumber(numberToken.text);
      } catch (error) {
        throw this.rethrow(error, numberToken.pos);
      }
      if (signed && first.key === '-') seconds = -seconds;
      if (!Number.isFinite(seconds) || seconds >= 2 ** 63 || seconds <= -(2 ** 63)) {
        throw new ParseFailure(
          info.from,
          `timestamp out of bounds for @ modifier: ${goFixed(seconds)}`,
          node.to,
        );
      }
      at = { kind: 'time', timeMs: roundHalfAway(seconds * 1000) };
    }
    const target = operand.kind === 'matrix' ? operand.vector : operand;
    if (target.kind !== 'vector' && target.kind !== 'subquery') {
      throw new ParseFailure(
        info.from,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
        node.to,
      );
    }
    if (target.at !== undefined) {
      throw new ParseFailure(info.from, '@ <timestamp> may not be set multiple times', node.to);
    }
    return this.withModifier(operand, { at }, node.to);
  }

  /** The selector or subquery with an offset or @ set (on a range, on its vector selector). */
  private withModifier(
    operand: Expr,
    change: { offsetMs?: number; at?: AtModifier },
    to: number,
  ): VectorSelector | MatrixSelector | SubqueryExpr {
    const info = this.infoOf(operand);
    if (operand.kind === 'matrix') {
      const vector = this.record({ ...operand.vector, ...change }, this.infoOf(operand.vector));
      return this.record({ ...operand, vector }, { ...info, to });
    }
    if (operand.kind === 'vector') return this.record({ ...operand, ...change }, { ...info, to });
    if (operand.kind === 'subquery') return this.record({ ...operand, ...change }, { ...info, to });
    throw new Error('unreachable: modifier on ' + operand.kind);
  }

  private unquote(node: SyntaxNode): string {
    const token = this.tokenAt(node.from);
    if (token.type !== 'STRING') throw this.syntaxErrorAt(token);
    try {
      return unquoteString(token.text);
    } catch (error) {
      throw this.rethrow(error, token.pos);
    }
  }

  private expressionChild(node: SyntaxNode): SyntaxNode {
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (EXPRESSION_NODES.has(child.name)) return child;
    }
    throw new Error('unreachable: no expression in ' + node.name);
  }

  infoOf(expr: Expr): NodeInfo {
    return this.info.get(expr)!;
  }

  private record<T extends Expr>(expr: T, info: NodeInfo): T {
    this.info.set(expr, info);
    return expr;
  }

  private text(node: SyntaxNode): string {
    return this.query.slice(node.from, node.to);
  }

  private unsupported(pos: number, construct: string): ParseFailure {
    return new ParseFailure(pos, `unsupported in mcpulse: ${construct}`);
  }

  private syntaxErrorAt(token: Token): ParseFailure {
    return syntaxError(this.tokens, this.tokens.indexOf(token));
  }

  /** A literal's error (badQuery from parse-literals) placed at `pos`. */
  private rethrow(error: unknown, pos: number, noticedAt = pos): unknown {
    return error instanceof QueryError ? new ParseFailure(pos, error.message, noticedAt) : error;
  }

  /** The index of the first token ending after `pos`. */
  private indexAfter(pos: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid]!.end <= pos && this.tokens[mid]!.type !== 'EOF') lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private tokenAfterPos(pos: number): Token {
    return this.tokens[this.indexAfter(pos)] ?? this.beyondTokens();
  }

  private tokenAt(pos: number): Token {
    return this.tokenAfterPos(pos);
  }

  private tokenAfter(token: Token): Token {
    return this.tokens[this.tokens.indexOf(token) + 1] ?? this.beyondTokens();
  }

  private tokensIn(node: SyntaxNode): Token[] {
    const tokens: Token[] = [];
    for (let i = this.indexAfter(node.from); ; i++) {
      const token = this.tokens[i];
      if (token === undefined) this.beyondTokens();
      if (token.pos >= node.to || token.type === 'EOF') break;
      tokens.push(token);
    }
    if (tokens.length === 0) this.beyondTokens();
    return tokens;
  }
}

/** 2.42's metric_identifier: names, and the keywords that may stand for one (`sum`, `by`, `offset`…). */
function isMetricIdentifier(token: Token): boolean {
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

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}
