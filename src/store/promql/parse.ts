/**
 * The PromQL parser: text to the AST of ast.ts, with Prometheus 2.42's rules and error messages
 * (`1:9: parse error: unexpected identifier "bar" in aggregation`). The grammar is the Prometheus
 * project's own, @prometheus-io/lezer-promql; parse-build.ts turns its tree into the AST and
 * parse-check.ts type-checks that as 2.42's checkAST does. The grammar is newer than 2.42: what it
 * takes and 2.42 does not is refused, with 2.42's error where 2.42 has a syntax error for it (2.42's
 * lexer runs alongside, parse-lex.ts) and `unsupported in mcpulse: …` for the newer constructs it
 * names (limitk, info, anchored, fill, native-histogram functions, …).
 *
 * Errors are badQuery (bad_data). No query length is refused, nor any chain of binary operators
 * (`1+1+…` of thousands: see parseTree); a nesting too deep for the grammar (parentheses, calls,
 * signs: its parser cuts its stack at 8,400 entries) or the call stack gets `query is nested too
 * deeply`.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import type { LabelMatcher } from '../queryable.js';
import type { Expr } from './ast.js';
import { badQuery, QueryError } from './errors.js';
import { AstBuilder, isMetricIdentifier } from './parse-build.js';
import { checkAst } from './parse-check.js';
import { expectsOperand, formatParseError, ParseFailure, syntaxError } from './parse-errors.js';
import { children, TreeGap } from './parse-reader.js';
import { describeToken, lex242, type LexResult, type Token } from './parse-lex.js';
import { goQuote, parseNonZeroDuration } from './parse-literals.js';
import { grammarKnowsFunction } from './signatures.js';

export { makeMatcher, parseDuration } from './parse-literals.js';

/**
 * Past these, the grammar's parser forces reductions to keep its tree shallow, which leaves error
 * nodes on a valid query: an error there says the query is too deep rather than naming a token.
 * Chains of binary operators count only when the grammar could not read them as `^` chains.
 */
const MAX_OPERATOR_CHAIN = 300;
const MAX_NESTING = 900;

/** Parses and type-checks a PromQL expression. Throws badQuery with 2.42's message when it is not valid. */
export function parseExpr(text: string): Expr {
  return guardDepth(() => {
    const { lexed, root, builder } = parseTree(text);
    const expr = build(text, lexed, () => builder.expression(root));
    try {
      checkAst(text, expr, builder.info);
    } catch (error) {
      if (error instanceof ParseFailure) throw formatParseError(text, error.pos, error.message);
      throw error;
    }
    return expr;
  });
}

/**
 * The matchers of a series selector (`up{job="a"}`, `{__name__=~"x.*"}`), as 2.42's
 * ParseMetricSelector reads the /api/v1/series `match[]` parameter: one plain selector, not type
 * checked. That at least one matcher is non-empty is the API's check, as in Prometheus.
 */
export function parseMatchers(text: string): LabelMatcher[] {
  return guardDepth(() => {
    const { lexed, root, builder } = parseTree(text);
    if (root.name !== 'VectorSelector') {
      // 2.42 reads one selector, then wants the end of input: the first token past it is the error.
      const tokens = lexed.tokens;
      let index = isSelectorStart(tokens[0]!) && tokens[0]!.type !== 'LEFT_BRACE' ? 1 : 0;
      if (tokens[index]?.type === 'LEFT_BRACE') {
        while (tokens[index] !== undefined && tokens[index]!.type !== 'RIGHT_BRACE') index++;
        index++;
      }
      const token = tokens[Math.min(index, tokens.length - 1)]!;
      throw formatParseError(text, token.pos, `unexpected ${describeToken(token)}`);
    }
    const expr = build(text, lexed, () => builder.expression(root));
    if (expr.kind !== 'vector') throw new TreeGap('unreachable: selector is ' + expr.kind);
    return [...expr.matchers];
  });
}

/** Everything thrown out of the parser is a QueryError (bad_data). */
function guardDepth<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof QueryError) throw error;
    if (error instanceof RangeError) throw badQuery('query is nested too deeply');
    throw badQuery(`could not parse the query: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface ParsedTree {
  readonly lexed: LexResult;
  readonly root: SyntaxNode;
  readonly builder: AstBuilder;
}

/** Both lexers and the grammar; throws the first syntax or lexer error, as 2.42 would report it. */
function parseTree(text: string): ParsedTree {
  const lexed = lex242(text);
  const lexFailure = (): never => {
    throw formatParseError(text, lexed.error!.pos, lexed.error!.message);
  };
  if (lexed.error === undefined && lexed.tokens.length === 1) {
    throw formatParseError(text, 0, 'no expression found in input');
  }
  let tree: Tree = parser.parse(forGrammar(text, lexed.tokens));
  let errorPos = firstErrorPos(tree);
  let chainsRead = false;
  if (errorPos !== undefined && lexed.error === undefined) {
    // The grammar's parser gives up on long left-associative chains (see MAX_OPERATOR_CHAIN), where
    // it takes right-associative ones of thousands: it is given every binary operator as `^`. The
    // builder reads the operators from 2.42's tokens and applies 2.42's precedence to the operators
    // in reading order, whatever the shape of the grammar's tree; every binary operator takes the
    // same modifiers in the grammar, so this text parses exactly when the query does. Where it does
    // not, the first tree's error stands.
    // The languages being the same, a first error further on means the first was the grammar's limit.
    const retried = parser.parse(forGrammar(text, lexed.tokens, true));
    const retriedErrorPos = firstErrorPos(retried);
    if (retriedErrorPos === undefined || retriedErrorPos > errorPos) {
      [tree, errorPos, chainsRead] = [retried, retriedErrorPos, true];
    } else if (retriedErrorPos === errorPos) {
      // The same error: a real one, whatever the chains.
      chainsRead = true;
    }
  }
  const root = children(tree.topNode)[0];
  if (errorPos === undefined) {
    if (root === undefined) {
      if (lexed.error !== undefined) lexFailure();
      throw formatParseError(text, 0, 'no expression found in input');
    }
    return { lexed, root, builder: new AstBuilder(text, lexed.tokens, lexFailure) };
  }
  // The grammar failed at errorPos. 2.42 may have failed earlier: a lexer error, or an error of a
  // construct read through before (a zero duration, a bad regex, an unknown function, a literal the
  // grammar took and 2.42 does not): the builder, run over the part of the tree before, finds those.
  const index = tokenIndexAfter(lexed.tokens, errorPos);
  const limit = Math.min(lexed.tokens[index]?.pos ?? Infinity, lexed.error?.pos ?? Infinity);
  const slot = durationSlotFailure(lexed.tokens, limit);
  const early =
    root === undefined || root.type.isError
      ? undefined
      : earlyFailure(text, lexed, tree, root, slot?.pos ?? limit);
  const first = early ?? slot;
  if (first !== undefined) throw formatParseError(text, first.pos, first.message);
  if (index >= lexed.tokens.length) lexFailure();
  if (isTooDeep(lexed.tokens, !chainsRead)) throw badQuery('query is nested too deeply');
  const failure = unknownFunction(lexed.tokens, index) ?? syntaxError(lexed.tokens, index);
  throw formatParseError(text, failure.pos, failure.message);
}

/**
 * The first token before `limit` that 2.42's grammar refuses where a duration or an @ time must
 * stand (the grammar takes numbers and sums there), or a duration there ParseDuration refuses.
 */
function durationSlotFailure(tokens: readonly Token[], limit: number): ParseFailure | undefined {
  for (let i = 0; i < tokens.length && tokens[i]!.pos <= limit; i++) {
    const token = tokens[i]!;
    const slot = slotAt(tokens, i);
    if (slot === undefined) continue;
    if (slot === 'at') {
      const signed = token.type === 'OPERATOR' && (token.key === '+' || token.key === '-');
      const value = signed ? tokens[i + 1] : token;
      if (value === undefined || value.pos >= limit) break;
      if (token.type === 'PREPROCESSOR' || value.type === 'NUMBER') continue;
      return syntaxError(tokens, signed ? i + 1 : i);
    }
    if (slot === 'offset' && isWord(token, 'OPERATOR', '-')) continue;
    if (slot === 'step' && token.type === 'RIGHT_BRACKET') continue;
    if (token.type !== 'DURATION') return syntaxError(tokens, i);
    try {
      parseNonZeroDuration(token.text);
    } catch (error) {
      if (error instanceof Error) return new ParseFailure(token.pos, error.message);
      throw error;
    }
  }
  return undefined;
}

/** What must stand at token i: a range, a subquery step, an offset, an @ time, or anything. */
function slotAt(tokens: readonly Token[], i: number): 'range' | 'step' | 'offset' | 'at' | undefined {
  const before = tokens[i - 1];
  if (before?.type === 'LEFT_BRACKET') return 'range';
  if (before?.type === 'COLON') return 'step';
  if (isWord(before, 'KEYWORD', 'offset') && !expectsOperand(tokens[i - 2])) return 'offset';
  if (isWord(before, 'OPERATOR', '-') && slotAt(tokens, i - 1) === 'offset') return 'offset';
  if (isWord(before, 'OPERATOR', '@')) return 'at';
  return undefined;
}

function isWordIn(token: Token | undefined, keywords: ReadonlySet<string>): boolean {
  return token?.type === 'KEYWORD' && keywords.has(token.key);
}

function isWord(token: Token | undefined, type: Token['type'], key: string): boolean {
  return token?.type === type && token.key === key;
}

/** The builder's first error over a tree with error nodes, if 2.42 notices it before `limit`. */
function earlyFailure(
  text: string,
  lexed: LexResult,
  tree: Tree,
  root: SyntaxNode,
  limit: number,
): ParseFailure | undefined {
  const errorPositions: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errorPositions.push(node.from);
    },
  });
  const builder = new AstBuilder(
    text,
    lexed.tokens,
    () => {
      throw new TreeGap('past the tokens');
    },
    errorPositions.sort((a, b) => a - b),
  );
  try {
    builder.expression(root);
  } catch (error) {
    // Anything else comes of the error nodes, which 2.42 never gets to.
    if (error instanceof ParseFailure && error.noticedAt < limit) return error;
  }
  return undefined;
}

/** Runs the builder; an error 2.42 would meet only after its lexer failed gives way to the lexer's. */
function build(text: string, lexed: LexResult, run: () => Expr): Expr {
  let expr: Expr;
  try {
    expr = run();
  } catch (error) {
    if (!(error instanceof ParseFailure)) throw error;
    if (lexed.error !== undefined && error.noticedAt >= lexed.error.pos) {
      throw formatParseError(text, lexed.error.pos, lexed.error.message);
    }
    throw formatParseError(text, error.pos, error.message);
  }
  if (lexed.error !== undefined) throw formatParseError(text, lexed.error.pos, lexed.error.message);
  return expr;
}

function firstErrorPos(tree: Tree): number | undefined {
  let pos: number | undefined;
  tree.iterate({
    enter(node) {
      if (pos !== undefined) return false;
      if (node.type.isError) {
        pos = node.from;
        return false;
      }
      return undefined;
    },
  });
  return pos;
}

/** The index of the first token that ends after `pos` (the EOF token at the end). */
function tokenIndexAfter(tokens: readonly Token[], pos: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.end <= pos && tokens[mid]!.type !== 'EOF') lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `f(…)`: a one-letter name no function has, which forGrammar could not stand a known one in for. */
function unknownFunction(tokens: readonly Token[], index: number): ParseFailure | undefined {
  const token = tokens[index]!;
  const before = tokens[index - 1];
  if (token.type !== 'LEFT_PAREN' || before?.type !== 'IDENTIFIER') return undefined;
  // Not in a label list: `on(a, b(`.
  let j = index - 2;
  while (j >= 0 && tokens[j]!.type !== 'LEFT_PAREN' && tokens[j]!.type !== 'RIGHT_PAREN') j--;
  const opener = tokens[j - 1];
  if (j >= 0 && tokens[j]!.type === 'LEFT_PAREN' && isWordIn(opener, GROUPING_WORDS)) {
    return undefined;
  }
  return new ParseFailure(before.pos, `unknown function with name ${goQuote(before.text)}`);
}

/**
 * Whether the query is past the grammar's limits (see MAX_OPERATOR_CHAIN): its nesting, its chains of
 * signs, and unless the grammar was given them as `^`, its chains of binary operators.
 */
function isTooDeep(tokens: readonly Token[], binaryChainsCount: boolean): boolean {
  let depth = 0;
  let maxDepth = 0;
  const chains: number[] = [0];
  let maxChain = 0;
  for (const [i, token] of tokens.entries()) {
    if (token.type === 'LEFT_PAREN' || token.type === 'LEFT_BRACE' || token.type === 'LEFT_BRACKET') {
      depth++;
      chains.push(0);
      maxDepth = Math.max(maxDepth, depth);
    } else if (
      token.type === 'RIGHT_PAREN' ||
      token.type === 'RIGHT_BRACE' ||
      token.type === 'RIGHT_BRACKET'
    ) {
      depth--;
      chains.pop();
    } else if (token.type === 'OPERATOR' && (binaryChainsCount || !isBinaryOperator(tokens, i))) {
      const count = (chains[chains.length - 1] ?? 0) + 1;
      chains[chains.length - 1] = count;
      maxChain = Math.max(maxChain, count);
    }
  }
  return maxDepth > MAX_NESTING || maxChain > MAX_OPERATOR_CHAIN;
}

/** A token a selector can start with: `{`, a name, or a keyword 2.42 takes as a name. */
function isSelectorStart(token: Token): boolean {
  return token.type === 'LEFT_BRACE' || isMetricIdentifier(token);
}

const GROUPING_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const GRAMMAR_NUMBER =
  /^(?:(?:\d+(?:_?\d)*(?:\.\d+(?:_?\d)*)?|\.\d+(?:_?\d)*)(?:[eE][+-]?\d+(?:_?\d)*)?|0x[0-9a-fA-F]+|[iI][nN][fF]|[nN][aA][nN])$/;
const GRAMMAR_DURATION = /^(?=\d)(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;

/**
 * The query as the grammar is given it, each change the same length so that positions hold: 2.42's
 * numbers and durations that the grammar's own tokens do not take (`5.`, `0X1F`, `1e`, `5m1h`)
 * become zeros; a function name the grammar does not know (`foo(`, `holt_winters(`) becomes `abs`;
 * a letter 2.42 reads as the subquery colon becomes `:`; `offset` used as a metric name becomes a
 * name. The builder reads the real text from 2.42's tokens and judges it as 2.42 does. With
 * operatorsAsPow, each binary operator becomes `^` (see parseTree).
 */
function forGrammar(text: string, tokens: readonly Token[], operatorsAsPow = false): string {
  let out = '';
  let copied = 0;
  let inGrouping = false;
  let inBraces = false;
  tokens.forEach((token, i) => {
    let stand: string | undefined;
    const before = tokens[i - 1];
    if (token.type === 'LEFT_PAREN') inGrouping = isWordIn(before, GROUPING_WORDS);
    if (token.type === 'RIGHT_PAREN') inGrouping = false;
    if (token.type === 'LEFT_BRACE' || token.type === 'RIGHT_BRACE') inBraces = token.type === 'LEFT_BRACE';
    // A space ends the stand-in, so that it cannot run into a following `.4`.
    if (token.type === 'NUMBER' && !GRAMMAR_NUMBER.test(token.text)) {
      stand = '0'.repeat(token.text.length - 1) + ' ';
    }
    if (token.type === 'DURATION' && !GRAMMAR_DURATION.test(token.text)) {
      stand = '0'.repeat(token.text.length - 1) + 's';
    }
    // The builder reads such a call through and then reports the name, in 2.42's order. A one-letter
    // name borrows the blank before it.
    let from = token.pos;
    if (
      token.type === 'IDENTIFIER' &&
      tokens[i + 1]?.type === 'LEFT_PAREN' &&
      !inGrouping &&
      !grammarKnowsFunction(token.text)
    ) {
      if (token.text.length >= 2) stand = token.text.length === 2 ? 'ln' : 'abs'.padEnd(token.text.length);
      else if (/[ \t\n\r]/.test(text[token.pos - 1] ?? '') && !/[\w:]/.test(text[token.pos - 2] ?? '')) {
        [stand, from] = ['ln', token.pos - 1];
      }
    }
    // 2.42 reads any letter inside brackets as the subquery's colon: `foo[5m x]` is `foo[5m:]`.
    if (token.type === 'COLON' && token.text !== ':') stand = ':';
    // `offset` where an operand belongs is a metric name to 2.42; the grammar only knows the keyword.
    if (token.type === 'KEYWORD' && token.key === 'offset' && expectsOperand(tokens[i - 1])) stand = 'offsex';
    if (operatorsAsPow && !inBraces && isBinaryOperator(tokens, i)) stand = '^'.padEnd(token.text.length);
    if (stand === undefined) return;
    out += text.slice(copied, from) + stand;
    copied = token.end;
  });
  return copied === 0 ? text : out + text.slice(copied);
}

/** Whether token i is a binary operator (not a sign, nor `@`, nor a word standing for a metric name). */
function isBinaryOperator(tokens: readonly Token[], i: number): boolean {
  const token = tokens[i]!;
  if (token.type !== 'OPERATOR' || token.key === '@') return false;
  return !expectsOperand(tokens[i - 1]) && slotAt(tokens, i) === undefined;
}
