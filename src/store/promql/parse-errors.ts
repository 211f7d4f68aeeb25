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

const GROUPING_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

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
  let aggregation = 'none' as 'none' | 'afterOp' | 'afterBy' | 'inGrouping' | 'afterGrouping';
  for (let i = 0; i < index; i++) {
    const t = tokens[i]!;
    const before = tokens[i - 1];
    if (t.type === 'LEFT_PAREN') {
      let kind: Group['kind'] = 'other';
      if (before?.type === 'KEYWORD' && GROUPING_KEYWORDS.has(before.key)) kind = 'grouping';
      else if (aggregation === 'afterOp' || aggregation === 'afterGrouping') kind = 'aggregation';
      groups.push({ open: 'paren', kind, index: i });
      aggregation = kind === 'grouping' && aggregation === 'afterBy' ? 'inGrouping' : 'none';
    } else if (t.type === 'LEFT_BRACE' || t.type === 'LEFT_BRACKET') {
      groups.push({ open: t.type === 'LEFT_BRACE' ? 'brace' : 'bracket', kind: 'other', index: i });
      aggregation = 'none';
    } else if (t.type === 'RIGHT_PAREN' || t.type === 'RIGHT_BRACE' || t.type === 'RIGHT_BRACKET') {
      groups.pop();
      aggregation = aggregation === 'inGrouping' ? 'afterGrouping' : 'none';
    } else if (t.type === 'AGGREGATOR') {
      aggregation = 'afterOp';
    } else if (aggregation === 'afterOp' && t.type === 'KEYWORD' && (t.key === 'by' || t.key === 'without')) {
      aggregation = 'afterBy';
    } else if (aggregation !== 'inGrouping') {
      aggregation = 'none';
    }
  }
  const top = groups[groups.length - 1];
  const sinceOpen = top === undefined ? tokens.slice(0, index) : tokens.slice(top.index + 1, index);

  if (
    token.type === 'RIGHT_PAREN' &&
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
  if (isKeyword(p1, 'offset') || (isOperator(p1, '-') && isKeyword(p2, 'offset'))) {
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
  if (
    p1?.type === 'KEYWORD' &&
    GROUPING_KEYWORDS.has(p1.key) &&
    p1.key !== 'group_left' &&
    p1.key !== 'group_right'
  ) {
    return unexpected('grouping opts', '"("');
  }
  if (
    aggregation === 'afterOp' ||
    aggregation === 'afterGrouping' ||
    groups.some((g) => g.kind === 'aggregation')
  ) {
    return unexpected('aggregation');
  }
  return unexpected('');
}

const BRACKET_CONTEXTS: readonly (readonly [string, string])[] = [
  ['subquery selector', 'duration'],
  ['subquery or range', '":" or "]"'],
  ['subquery selector', 'duration or "]"'],
  ['subquery selector', '"]"'],
];

function isKeyword(token: Token | undefined, key: string): boolean {
  return token?.type === 'KEYWORD' && token.key === key;
}

function isOperator(token: Token | undefined, key: string): boolean {
  return token?.type === 'OPERATOR' && token.key === key;
}
