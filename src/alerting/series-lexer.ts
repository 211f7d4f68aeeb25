/**
 * The PromQL lexer in its series-description mode (Prometheus's promql/parser/lex.go with
 * seriesDesc set), as far as promtool's series notation and ParseMetric need it: identifiers and
 * keywords, label sets, Go-quoted strings, numbers, and the value sequence's `+ - x _` tokens. Errors
 * carry lex.go's messages; strings are unquoted by the PromQL parser's unquoteString (strutil.Unquote),
 * numbers parse as the parser's number().
 */
import { goQuote } from './go-format.js';

export type TokenType =
  | 'EOF'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'KEYWORD'
  | 'AGGREGATOR'
  | 'OPERATOR'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'LEFT_BRACE'
  | 'RIGHT_BRACE'
  | 'COMMA'
  | 'EQL'
  | 'SPACE'
  | 'ADD'
  | 'SUB'
  | 'TIMES'
  | 'BLANK'
  | 'PUNCT';

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly pos: number;
}

/** Words the PromQL lexer turns into keywords, and the tokens a metric name may be (grammar's metric_identifier). */
const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
]);
const AGGREGATOR_WORDS = new Set([...AGGREGATORS, 'count_values', 'quantile']);
const OPERATOR_WORDS = new Set(['and', 'or', 'unless', 'atan2']);
const KEYWORDS = new Set([
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'start',
  'end',
]);
export const NOT_METRIC_NAMES = new Set(['on', 'ignoring', 'group_left', 'group_right', 'bool', 'atan2']);

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlphaNumeric = (c: string): boolean => isAlpha(c) || isDigit(c);

/** Go's %q of one rune: `'a'`, `'\''`, `'\x00'`. */
function quoteRune(char: string): string {
  if (char === "'") return "'\\''";
  const quoted = goQuote(char);
  return `'${quoted.slice(1, -1).replace('\\"', '"')}'`;
}

/** How the parser names a token in `unexpected …` (lexer Item.desc). */
export function describe(token: Token): string {
  switch (token.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${goQuote(token.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${goQuote(token.text)}`;
    case 'NUMBER':
      return `number ${goQuote(token.text)}`;
    case 'DURATION':
      return `duration ${goQuote(token.text)}`;
    case 'STRING':
      return `string ${token.text.length > 10 ? `${goQuote(token.text.slice(0, 10))}...` : goQuote(token.text)}`;
    case 'KEYWORD':
      return `<${token.text}>`;
    case 'AGGREGATOR':
      return `<aggr:${token.text}>`;
    case 'OPERATOR':
    case 'ADD':
    case 'SUB':
      return `<op:${token.text}>`;
    default:
      return goQuote(token.text);
  }
}

type Mode = 'statements' | 'braces' | 'sequence';

/** The PromQL lexer, as far as series descriptions and metrics need it; tokens are pulled one at a time. */
export class Lexer {
  private pos = 0;
  private mode: Mode = 'statements';

  constructor(
    private readonly input: string,
    private readonly seriesDesc: boolean,
    private readonly fail: (pos: number, message: string) => never,
  ) {}

  private peek(offset = 0): string {
    return this.input[this.pos + offset] ?? '';
  }

  next(): Token {
    for (;;) {
      const start = this.pos;
      const c = this.peek();
      if (this.mode === 'sequence') return this.sequenceToken(start, c);
      if (c === '') {
        if (this.mode === 'braces') this.fail(start, 'unexpected end of input inside braces');
        return { type: 'EOF', text: '', pos: start };
      }
      if (isSpace(c)) {
        this.pos++;
        continue;
      }
      return this.mode === 'braces' ? this.braceToken(start, c) : this.statementToken(start, c);
    }
  }

  private statementToken(start: number, c: string): Token {
    if (isAlpha(c) || c === ':') return this.word(start);
    if (isDigit(c) || (c === '.' && isDigit(this.peek(1)))) return this.number(start, true);
    this.pos++;
    switch (c) {
      case '{':
        this.mode = 'braces';
        return { type: 'LEFT_BRACE', text: c, pos: start };
      case '"':
      case "'":
      case '`':
        return this.string(start, c);
      case ',':
        return { type: 'COMMA', text: c, pos: start };
      case '+':
        return { type: 'ADD', text: c, pos: start };
      case '-':
        return { type: 'SUB', text: c, pos: start };
      case '*':
      case '/':
      case '%':
      case '^':
        return { type: 'OPERATOR', text: c, pos: start };
      case '(':
      case ')':
      case '[':
      case ']':
      case '@':
        return { type: 'PUNCT', text: c, pos: start };
      case '}':
        return this.fail(start, `unexpected right brace ${quoteRune(c)}`);
      default:
        return this.fail(start, `unexpected character: ${quoteRune(c)}`);
    }
  }

  private braceToken(start: number, c: string): Token {
    if (isAlpha(c)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      return { type: 'IDENTIFIER', text: this.input.slice(start, this.pos), pos: start };
    }
    this.pos++;
    switch (c) {
      case ',':
        return { type: 'COMMA', text: c, pos: start };
      case '"':
      case "'":
      case '`':
        return this.string(start, c);
      case '=':
        if (this.peek() === '~') {
          this.pos++;
          return { type: 'OPERATOR', text: '=~', pos: start };
        }
        return { type: 'EQL', text: c, pos: start };
      case '!': {
        const after = this.peek();
        this.pos++;
        if (after === '~' || after === '=') return { type: 'OPERATOR', text: `!${after}`, pos: start };
        return this.fail(start, `unexpected character after '!' inside braces: ${quoteRune(after)}`);
      }
      case '{':
        return this.fail(start, `unexpected left brace ${quoteRune(c)}`);
      case '}':
        this.mode = this.seriesDesc ? 'sequence' : 'statements';
        return { type: 'RIGHT_BRACE', text: c, pos: start };
      default:
        return this.fail(start, `unexpected character inside braces: ${quoteRune(c)}`);
    }
  }

  private sequenceToken(start: number, c: string): Token {
    if (c === '') return { type: 'EOF', text: '', pos: start };
    if (isSpace(c)) {
      while (isSpace(this.peek())) this.pos++;
      return { type: 'SPACE', text: c, pos: start };
    }
    if (isDigit(c) || (c === '.' && isDigit(this.peek(1)))) return this.number(start, false);
    if (isAlpha(c) && c !== '_' && c !== 'x') return this.word(start);
    this.pos++;
    if (c === '+') return { type: 'ADD', text: c, pos: start };
    if (c === '-') return { type: 'SUB', text: c, pos: start };
    if (c === 'x') return { type: 'TIMES', text: c, pos: start };
    if (c === '_') return { type: 'BLANK', text: c, pos: start };
    return this.fail(start, `unexpected character in series sequence: ${quoteRune(c)}`);
  }

  /** An identifier or keyword; `inf` and `nan` are numbers, as in PromQL. */
  private word(start: number): Token {
    while (isAlphaNumeric(this.peek()) || this.peek() === ':') this.pos++;
    const text = this.input.slice(start, this.pos);
    const lower = text.toLowerCase();
    let type: TokenType;
    if (lower === 'inf' || lower === 'nan') type = 'NUMBER';
    else if (KEYWORDS.has(lower)) type = 'KEYWORD';
    else if (AGGREGATOR_WORDS.has(lower)) type = 'AGGREGATOR';
    else if (OPERATOR_WORDS.has(lower)) type = 'OPERATOR';
    else type = text.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER';
    this.mode = this.seriesDesc && this.peek() !== '{' ? 'sequence' : 'statements';
    return { type, text, pos: start };
  }

  /** scanNumber: digits, a fraction, an exponent; in a series, `x` may follow (a repetition). */
  private number(start: number, statements: boolean): Token {
    const digits = (): void => {
      while (isDigit(this.peek())) this.pos++;
    };
    digits();
    if (this.peek() === '.') {
      this.pos++;
      digits();
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.pos++;
      if (this.peek() === '+' || this.peek() === '-') this.pos++;
      digits();
    }
    const after = this.peek();
    if ((this.seriesDesc && after === 'x') || !isAlphaNumeric(after)) {
      return { type: 'NUMBER', text: this.input.slice(start, this.pos), pos: start };
    }
    if (statements && /[smhdwy]/.test(after)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      return { type: 'DURATION', text: this.input.slice(start, this.pos), pos: start };
    }
    return this.fail(start, `bad number syntax: ${goQuote(this.input.slice(start, this.pos))}`);
  }

  private string(start: number, quote: string): Token {
    for (;;) {
      const c = this.peek();
      this.pos++;
      if (c === '') {
        return this.fail(start, quote === '`' ? 'unterminated raw string' : 'unterminated quoted string');
      }
      if (c === quote) return { type: 'STRING', text: this.input.slice(start, this.pos), pos: start };
      if (quote === '`') continue;
      if (c === '\n') return this.fail(start, 'unterminated quoted string');
      if (c === '\\') this.escape(start, quote);
    }
  }

  /** lexEscape: checks one escape sequence (the backslash is behind us). */
  private escape(start: number, quote: string): void {
    const c = this.peek();
    this.pos++;
    let count: number;
    let base: number;
    let max: number;
    if ('abfnrtv\\'.includes(c) || c === quote) return;
    if (c >= '0' && c <= '7') {
      [count, base, max] = [3, 8, 255];
      this.pos--;
    } else if (c === 'x') [count, base, max] = [2, 16, 255];
    else if (c === 'u') [count, base, max] = [4, 16, 0x10ffff];
    else if (c === 'U') [count, base, max] = [8, 16, 0x10ffff];
    else if (c === '') return this.fail(start, 'escape sequence not terminated');
    else {
      const code = c.codePointAt(0)!;
      return this.fail(
        start,
        `unknown escape sequence U+${code.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(c)}`,
      );
    }
    let value = 0;
    for (let i = 0; i < count; i++) {
      const d = this.peek();
      const digit = /^[0-9a-fA-F]$/.test(d) ? parseInt(d, 16) : 16;
      if (digit >= base) {
        if (d === '') return this.fail(start, 'escape sequence not terminated');
        const code = d.codePointAt(0)!;
        return this.fail(
          start,
          `illegal character U+${code.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(d)} in escape sequence`,
        );
      }
      value = value * base + digit;
      this.pos++;
    }
    if (value > max || (value >= 0xd800 && value < 0xe000)) {
      this.fail(start, 'escape sequence is an invalid Unicode code point');
    }
  }
}

/** The parser's number(): strconv.ParseInt(s, 0, 64) (so `010` is octal), else strconv.ParseFloat. */
export function parseNumber(text: string): number | string {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  const INT64_MAX = 2n ** 63n - 1n;
  if (/^\d+$/.test(text)) {
    const octal = text.length > 1 && text.startsWith('0');
    if (!octal || /^[0-7]+$/.test(text)) {
      const n = octal ? BigInt(`0o${text.slice(1)}`) : BigInt(text);
      if (n <= INT64_MAX) return Number(n);
    }
  }
  const value = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) return `strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`;
  if (!Number.isFinite(value)) return `strconv.ParseFloat: parsing ${goQuote(text)}: value out of range`;
  return value;
}
