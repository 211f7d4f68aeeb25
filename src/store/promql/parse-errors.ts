/**
 * Parse errors worded and placed as Prometheus 2.42 words them: `1:9: parse error: unexpected
 * identifier "bar" in aggregation`. The line and column count UTF-8 bytes, as Go does. For a syntax
 * error, the context ("in aggregation", "in label matching, expected string") is the one of the
 * innermost error rule of 2.42's yacc grammar (generated_parser.y) that would catch the bad token.
 */
import { badQuery, type QueryError } from './errors.js';
import { describeToken, type Token } from './parse-lex.js';

/** A parse error before it is formatted: where it is reported, and where 2.42 would notice it. */
export class ParseFailure extends Error {
  constructor(
    /** UTF-16 index the message points at. */
    readonly pos: number,
    message: string,
    /** UTF-16 index of the token being read when 2.42 raises it, to order it against lexer errors. */
    readonly noticedAt: number = pos,
  ) {
    super(message);
  }
}

/** `line:col: parse error: message`, the column in UTF-8 bytes from the line start, 1-based. */
export function formatParseError(query: string, pos: number, message: string): QueryError {
  const before = query.slice(0, pos);
  const lastBreak = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const col = utf8Length(before.slice(lastBreak + 1)) + 1;
  return badQuery(`${line}:${col}: parse error: ${message}`);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

interface Group {
  readonly open: 'paren' | 'brace' | 'bracket';
  /** For parens: an aggregation's body, a grouping label list, or anything else. */
  readonly kind: 'aggregation' | 'grouping' | 'other';
  readonly index: number;
}

/**
 * The syntax error 2.42 reports when the token at `index` cannot be read: `unexpected <token>` with
 * the context of the error rule that catches it.
 */
export function syntaxError(tokens: readonly Token[], index: number): ParseFailure {
  const token = tokens[index]!;
  const prev = (n: number): Token | undefined => tokens[index - n];
  const groups: Group[] = [];
  // Where an aggregation stands: `sum`, `sum by`, `sum by (job)` all still await the body's "(".
  let aggregation = 'none' as
    | 'none'
    | 'afterOp'
    | 'afterBy'
    | 'inGrouping'
    | 'afterGrouping'
    | 'afterBody'
    | 'afterBodyBy'
    | 'inBodyGrouping';
  // Whether by/without/on/ignoring/group_left/group_right at i is a modifier (else a metric name).
  const modifier: boolean[] = [];
  let lastClosed: Group | undefined;
  for (let i = 0; i < index; i++) {
    const t = tokens[i]!;
    const before = tokens[i - 1];
    modifier[i] = t.type === 'KEYWORD' && isModifier(t, before, aggregation, lastClosed);
    if (t.type === 'LEFT_PAREN') {
      let kind: Group['kind'] = 'other';
      if (modifier[i - 1] === true) kind = 'grouping';
      else if (aggregation === 'afterOp' || aggregation === 'afterGrouping') kind = 'aggregation';
      groups.push({ open: 'paren', kind, index: i });
      if (kind === 'grouping' && aggregation === 'afterBy') aggregation = 'inGrouping';
      else if (kind === 'grouping' && aggregation === 'afterBodyBy') aggregation = 'inBodyGrouping';
      else aggregation = 'none';
    } else if (t.type === 'LEFT_BRACE' || t.type === 'LEFT_BRACKET') {
      groups.push({ open: t.type === 'LEFT_BRACE' ? 'brace' : 'bracket', kind: 'other', index: i });
      aggregation = 'none';
    } else if (t.type === 'RIGHT_PAREN' || t.type === 'RIGHT_BRACE' || t.type === 'RIGHT_BRACKET') {
      lastClosed = groups.pop();
      if (aggregation === 'inGrouping') aggregation = 'afterGrouping';
      else aggregation = lastClosed?.kind === 'aggregation' ? 'afterBody' : 'none';
      continue;
    } else if (t.type === 'AGGREGATOR') {
      aggregation = 'afterOp';
    } else if (modifier[i] === true && (t.key === 'by' || t.key === 'without')) {
      aggregation = aggregation === 'afterBody' ? 'afterBodyBy' : 'afterBy';
    } else if (aggregation !== 'inGrouping' && aggregation !== 'inBodyGrouping') {
      aggregation = 'none';
    }
    lastClosed = undefined;
  }
  const top = groups[groups.length - 1];
  const sinceOpen = top === undefined ? tokens.slice(0, index) : tokens.slice(top.index + 1, index);

  if (
    !startsExpression(token) &&
    prev(1)?.type === 'COMMA' &&
    top?.open === 'paren' &&
    top.kind !== 'grouping'
  ) {
    return new ParseFailure(prev(1)!.pos, 'trailing commas not allowed in function call args');
  }
  const unexpected = (context: string, expected = ''): ParseFailure =>
    new ParseFailure(
      token.pos,
      `unexpected ${describeToken(token)}${context === '' ? '' : ' in ' + context}${expected === '' ? '' : ', expected ' + expected}`,
    );
  if (top?.open === 'brace') {
    const lastComma = sinceOpen.map((t) => t.type).lastIndexOf('COMMA');
    const matcher = sinceOpen.slice(lastComma + 1);
    const expected = ['identifier or "}"', 'label matching operator', 'string', '"," or "}"'][matcher.length];
    return unexpected('label matching', expected ?? '"," or "}"');
  }
  if (top?.open === 'bracket') {
    const [context, expected] = BRACKET_CONTEXTS[Math.min(sinceOpen.length, 3)]!;
    return unexpected(context, expected);
  }
  const p1 = prev(1);
  const p2 = prev(2);
  const p3 = prev(3);
  // (`offset` where an operand belongs is a metric name.)
  if (
    (isKeyword(p1, 'offset') && !expectsOperand(p2)) ||
    (isOperator(p1, '-') && isKeyword(p2, 'offset') && !expectsOperand(p3))
  ) {
    return unexpected('offset', 'duration');
  }
  if (
    isOperator(p1, '@') ||
    ((isOperator(p1, '+') || isOperator(p1, '-') || p1?.type === 'PREPROCESSOR') && isOperator(p2, '@')) ||
    (p1?.type === 'LEFT_PAREN' && p2?.type === 'PREPROCESSOR' && isOperator(p3, '@'))
  ) {
    return unexpected('@', 'timestamp');
  }
  if (top?.open === 'paren' && top.kind === 'grouping') {
    const last = sinceOpen[sinceOpen.length - 1];
    return unexpected('grouping opts', last === undefined || last.type === 'COMMA' ? 'label' : '"," or ")"');
  }
  if (modifier[index - 1] === true) {
    return unexpected('grouping opts', '"("');
  }
  // Right after `sum`, 2.42 takes `sum` for a metric name: the error there is a plain one.
  if (aggregation === 'afterGrouping' || groups.some((g) => g.kind === 'aggregation')) {
    return unexpected('aggregation');
  }
  return unexpected('');
}

/**
 * Whether a grouping keyword is a modifier where it stands: by/without after an aggregation's
 * operator or body, on/ignoring after a binary operator or bool, group_x after on(…)/ignoring(…).
 * Elsewhere 2.42 reads by and without as metric names.
 */
function isModifier(
  token: Token,
  before: Token | undefined,
  aggregation: string,
  lastClosed: Group | undefined,
): boolean {
  switch (token.key) {
    case 'by':
    case 'without':
      return aggregation === 'afterOp' || aggregation === 'afterBody';
    case 'on':
    case 'ignoring':
      return (before?.type === 'OPERATOR' && before.key !== '@') || isKeyword(before, 'bool');
    case 'group_left':
    case 'group_right':
      return lastClosed?.kind === 'grouping';
    default:
      return false;
  }
}

const BRACKET_CONTEXTS: readonly (readonly [string, string])[] = [
  ['subquery selector', 'duration'],
  ['subquery or range', '":" or "]"'],
  ['subquery selector', 'duration or "]"'],
  ['subquery selector', '"]"'],
];

/** Whether an operand comes next after this token (the start, an operator, `(`, `,`, `bool`). */
export function expectsOperand(before: Token | undefined): boolean {
  if (before === undefined) return true;
  if (before.type === 'OPERATOR' || before.type === 'LEFT_PAREN' || before.type === 'COMMA') return true;
  return before.type === 'KEYWORD' && before.key === 'bool';
}

/** Whether an expression can begin with this token (keywords 2.42 takes for metric names included). */
function startsExpression(token: Token): boolean {
  switch (token.type) {
    case 'IDENTIFIER':
    case 'METRIC_IDENTIFIER':
    case 'NUMBER':
    case 'STRING':
    case 'LEFT_PAREN':
    case 'LEFT_BRACE':
    case 'AGGREGATOR':
    case 'PREPROCESSOR':
      return true;
    case 'OPERATOR':
      return ['+', '-', 'and', 'or', 'unless'].includes(token.key);
    case 'KEYWORD':
      return token.key === 'by' || token.key === 'without' || token.key === 'offset';
    default:
      return false;
  }
}

function isKeyword(token: Token | undefined, key: string): boolean {
  return token?.type === 'KEYWORD' && token.key === key;
}

function isOperator(token: Token | undefined, key: string): boolean {
  return token?.type === 'OPERATOR' && token.key === key;
}
