/**
 * What the AST builder reads the grammar's tree with: the query text, 2.42's tokens of it (to judge
 * literals and name tokens as 2.42 does), and the side table of positions and types the type check
 * uses. Shared by parse-build.ts and parse-modifiers.ts.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Expr, MatchingCardinality } from './ast.js';
import { QueryError } from './errors.js';
import { ParseFailure, syntaxError } from './parse-errors.js';
import type { Token } from './parse-lex.js';
import { unquoteString } from './parse-literals.js';
import type { FunctionSignature } from './signatures.js';
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

export const EXPRESSION_NODES: ReadonlySet<string> = new Set([
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

export class TreeReader {
  readonly info = new Map<Expr, NodeInfo>();

  constructor(
    readonly query: string,
    readonly tokens: readonly Token[],
    /** Throws the lexer's error: called when a token past the point where 2.42's lexer failed is needed. */
    readonly beyondTokens: () => never,
    /** Where the grammar's error nodes start, ascending: set when reading a tree that failed. */
    private readonly errorPositions: readonly number[] = [],
  ) {}

  /**
   * Throws (not a ParseFailure) when a call or aggregation holds an error node or lacks its `)`:
   * 2.42 would not have read it through.
   */
  assertComplete(node: SyntaxNode): void {
    const first = this.errorPositions.findIndex((pos) => pos >= node.from);
    const holdsError = first >= 0 && this.errorPositions[first]! < node.to;
    if (holdsError || this.query[node.to - 1] !== ')') throw new Error('incomplete ' + node.name);
  }

  unquote(node: SyntaxNode): string {
    const token = this.tokenAt(node.from);
    if (token.type !== 'STRING') throw this.syntaxErrorAt(token);
    try {
      return unquoteString(token.text);
    } catch (error) {
      throw this.rethrow(error, token.pos);
    }
  }

  expressionChild(node: SyntaxNode): SyntaxNode {
    const child = children(node).find((c) => EXPRESSION_NODES.has(c.name));
    if (child !== undefined) return child;
    throw new Error('unreachable: no expression in ' + node.name);
  }

  infoOf(expr: Expr): NodeInfo {
    return this.info.get(expr)!;
  }

  record<T extends Expr>(expr: T, info: NodeInfo): T {
    this.info.set(expr, info);
    return expr;
  }

  text(node: SyntaxNode): string {
    return this.query.slice(node.from, node.to);
  }

  unsupported(pos: number, construct: string): ParseFailure {
    return new ParseFailure(pos, `unsupported in mcpulse: ${construct}`);
  }

  syntaxErrorAt(token: Token): ParseFailure {
    return syntaxError(this.tokens, this.tokens.indexOf(token));
  }

  /** A literal's error (badQuery from parse-literals) placed at `pos`. */
  rethrow(error: unknown, pos: number, noticedAt = pos): unknown {
    return error instanceof QueryError ? new ParseFailure(pos, error.message, noticedAt) : error;
  }

  /** The index of the first token ending after `pos`. */
  indexAfter(pos: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid]!.end <= pos && this.tokens[mid]!.type !== 'EOF') lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  tokenAfterPos(pos: number): Token {
    return this.tokens[this.indexAfter(pos)] ?? this.beyondTokens();
  }

  tokenAt(pos: number): Token {
    return this.tokenAfterPos(pos);
  }

  tokenAfter(token: Token): Token {
    return this.tokens[this.tokens.indexOf(token) + 1] ?? this.beyondTokens();
  }

  tokensIn(node: SyntaxNode): Token[] {
    const tokens: Token[] = [];
    for (let i = this.indexAfter(node.from); ; i++) {
      const token = this.tokens[i];
      if (token === undefined) {
        // 2.42's lexer failed after this node: its tokens are all there.
        if ((this.tokens[i - 1]?.end ?? Infinity) >= node.to) break;
        this.beyondTokens();
      }
      if (token.pos >= node.to || token.type === 'EOF') break;
      tokens.push(token);
    }
    if (tokens.length === 0) this.beyondTokens();
    return tokens;
  }
}

/** A node's children, comments left out (the grammar keeps them in the tree, wherever they are). */
export function children(node: SyntaxNode): SyntaxNode[] {
  const kids: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.name !== 'LineComment') kids.push(child);
  }
  return kids;
}
