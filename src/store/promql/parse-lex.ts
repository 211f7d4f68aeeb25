/**
 * Prometheus 2.42's PromQL lexer (promql/parser/lex.go), ported for two jobs the grammar of
 * @prometheus-io/lezer-promql cannot do: rejecting the literals 2.42 rejects (the grammar is newer
 * and takes `[5]`, `1_000`, unterminated strings and unknown escapes), and naming the token a syntax
 * error is at as 2.42 names it (`unexpected identifier "bar"`). It does not parse; parse.ts walks
 * the grammar's tree. Positions are UTF-16 indices into the query. Longer than most files: it is
 * lex.go's state machine kept whole, to be read against it.
 */
import { goQuote, goRuneU } from './parse-literals.js';

export type TokenType =
  | 'EOF'
  | 'COMMA'
  | 'COLON'
  | 'EQL'
  | 'LEFT_PAREN'
  | 'RIGHT_PAREN'
  | 'LEFT_BRACE'
  | 'RIGHT_BRACE'
  | 'LEFT_BRACKET'
  | 'RIGHT_BRACKET'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'OPERATOR'
  | 'AGGREGATOR'
  | 'KEYWORD'
  | 'PREPROCESSOR';

export interface Token {
  readonly type: TokenType;
  /** Lower-cased keyword, operator or aggregator (`sum`, `offset`, `+`, `=~`, `and`); else the text. */
  readonly key: string;
  readonly text: string;
  readonly pos: number;
  readonly end: number;
}

export interface LexResult {
  /** Comments left out; ends with an EOF token unless the lexer failed first. */
  readonly tokens: Token[];
  /** 2.42's lexer error, if any: it stands where the next token would be. */
  readonly error: { readonly pos: number; readonly message: string } | undefined;
}

const OPERATOR_WORDS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATOR_WORDS = new Set([
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
  'count_values',
  'quantile',
]);
const KEYWORD_WORDS = new Set([
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
]);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c === '_' || (c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')));
const isAlphaNumeric = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);

class LexError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs 2.42's lexer over the whole query. */
export function lex242(input: string): LexResult {
  const lexer = new Lexer(input);
  try {
    lexer.run();
    return { tokens: lexer.tokens, error: undefined };
  } catch (error) {
    if (!(error instanceof LexError)) throw error;
    return { tokens: lexer.tokens, error: { pos: error.pos, message: error.message } };
  }
}

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;

  constructor(private readonly input: string) {}

  run(): void {
    for (;;) {
      if (this.braceOpen) this.insideBraces();
      else if (this.statement()) return;
    }
  }

  private peek(): string | undefined {
    const cp = this.input.codePointAt(this.pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private next(): string | undefined {
    const c = this.peek();
    if (c !== undefined) this.pos += c.length;
    return c;
  }

  private accept(valid: string): boolean {
    const c = this.peek();
    if (c !== undefined && valid.includes(c)) {
      this.pos += c.length;
      return true;
    }
    return false;
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  private emit(type: TokenType, key?: string): void {
    const text = this.input.slice(this.start, this.pos);
    this.tokens.push({ type, key: key ?? text, text, pos: this.start, end: this.pos });
    this.start = this.pos;
  }

  private fail(message: string): never {
    throw new LexError(this.start, message);
  }

  private skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.start = this.pos;
  }

  private skipComment(): void {
    while (this.pos < this.input.length && this.input[this.pos] !== '\n' && this.input[this.pos] !== '\r') {
      this.pos++;
    }
    this.start = this.pos;
  }

  /** One step of lexStatements; true at the end of input. */
  private statement(): boolean {
    if (this.input.startsWith('#', this.pos)) {
      this.skipComment();
      return false;
    }
    const r = this.next();
    switch (r) {
      case undefined:
        if (this.parenDepth !== 0) this.fail('unclosed left parenthesis');
        if (this.bracketOpen) this.fail('unclosed left bracket');
        this.emit('EOF');
        return true;
      case ',':
        this.emit('COMMA');
        return false;
      case '*':
      case '/':
      case '%':
      case '+':
      case '-':
      case '^':
      case '@':
        this.emit('OPERATOR');
        return false;
      case '=': {
        const t = this.peek();
        if (t === '=') {
          this.pos++;
          this.emit('OPERATOR');
        } else if (t === '~') {
          this.fail(`unexpected character after '=': ${goRuneQuote(t)}`);
        } else {
          this.emit('EQL');
        }
        return false;
      }
      case '!': {
        const t = this.next();
        if (t !== '=') this.fail(`unexpected character after '!': ${goRuneQuote(t)}`);
        this.emit('OPERATOR');
        return false;
      }
      case '<':
      case '>':
        this.accept('=');
        this.emit('OPERATOR');
        return false;
      case '"':
      case "'":
        this.quotedString(r);
        return false;
      case '`':
        this.rawString();
        return false;
      case '(':
        this.emit('LEFT_PAREN');
        this.parenDepth++;
        return false;
      case ')':
        this.emit('RIGHT_PAREN');
        this.parenDepth--;
        if (this.parenDepth < 0) {
          // 2.42 overwrites the item it just emitted with the error.
          this.tokens.pop();
          this.fail(`unexpected right parenthesis ${goRuneQuote(r)}`);
        }
        return false;
      case '{':
        this.emit('LEFT_BRACE');
        this.braceOpen = true;
        return false;
      case '[':
        if (this.bracketOpen) this.fail(`unexpected left bracket ${goRuneQuote(r)}`);
        this.gotColon = false;
        this.emit('LEFT_BRACKET');
        this.skipSpaces();
        this.bracketOpen = true;
        this.duration();
        return false;
      case ']':
        if (!this.bracketOpen) this.fail(`unexpected right bracket ${goRuneQuote(r)}`);
        this.emit('RIGHT_BRACKET');
        this.bracketOpen = false;
        return false;
    }
    if (isSpace(r)) {
      this.skipSpaces();
    } else if (isDigit(r) || (r === '.' && isDigit(this.peek()))) {
      this.pos = this.start;
      this.numberOrDuration();
    } else if (isAlpha(r) || r === ':') {
      if (!this.bracketOpen) {
        this.pos = this.start;
        this.keywordOrIdentifier();
      } else {
        // 2.42 reads any letter inside brackets as the subquery colon.
        if (this.gotColon) this.fail(`unexpected colon ${goRuneQuote(r)}`);
        this.emit('COLON');
        this.gotColon = true;
      }
    } else {
      this.fail(`unexpected character: ${goRuneQuote(r)}`);
    }
    return false;
  }

  /** lexInsideBraces: keywords are plain identifiers here. */
  private insideBraces(): void {
    if (this.input.startsWith('#', this.pos)) {
      this.skipComment();
      return;
    }
    const r = this.next();
    if (r === undefined) this.fail('unexpected end of input inside braces');
    if (isSpace(r)) {
      this.skipSpaces();
    } else if (isAlpha(r)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      this.emit('IDENTIFIER');
    } else if (r === ',') {
      this.emit('COMMA');
    } else if (r === '"' || r === "'") {
      this.quotedString(r);
    } else if (r === '`') {
      this.rawString();
    } else if (r === '=') {
      this.accept('~');
      this.emit(this.pos - this.start === 2 ? 'OPERATOR' : 'EQL');
    } else if (r === '!') {
      const nr = this.next();
      if (nr !== '~' && nr !== '=')
        this.fail(`unexpected character after '!' inside braces: ${goRuneQuote(nr)}`);
      this.emit('OPERATOR');
    } else if (r === '{') {
      this.fail(`unexpected left brace ${goRuneQuote(r)}`);
    } else if (r === '}') {
      this.emit('RIGHT_BRACE');
      this.braceOpen = false;
    } else {
      this.fail(`unexpected character inside braces: ${goRuneQuote(r)}`);
    }
  }

  private quotedString(quote: string): void {
    for (;;) {
      const c = this.next();
      if (c === '\\') this.escape(quote);
      else if (c === '\ufffd') this.fail('invalid UTF-8 rune');
      else if (c === undefined || c === '\n') this.fail('unterminated quoted string');
      else if (c === quote) break;
    }
    this.emit('STRING');
  }

  private rawString(): void {
    for (;;) {
      const c = this.next();
      if (c === '\ufffd') this.fail('invalid UTF-8 rune');
      if (c === undefined) this.fail('unterminated raw string');
      if (c === '`') break;
    }
    this.emit('STRING');
  }

  /** lexEscape: the backslash has been read. */
  private escape(quote: string): void {
    let ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
      case quote:
        return;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        [n, base, max] = [3, 8, 255];
        break;
      case 'x':
        ch = this.next();
        [n, base, max] = [2, 16, 255];
        break;
      case 'u':
        ch = this.next();
        [n, base, max] = [4, 16, 0x10ffff];
        break;
      case 'U':
        ch = this.next();
        [n, base, max] = [8, 16, 0x10ffff];
        break;
      case undefined:
        this.fail('escape sequence not terminated');
        break;
      default:
        this.fail(`unknown escape sequence ${goRuneU(ch.codePointAt(0)!)}`);
    }
    let x = 0;
    for (;;) {
      const d = ch === undefined ? 16 : digitValue(ch);
      if (d >= base) {
        if (ch === undefined) this.fail('escape sequence not terminated');
        this.fail(`illegal character ${goRuneU(ch.codePointAt(0)!)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n === 0) break;
      ch = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) this.fail('escape sequence is an invalid Unicode code point');
  }

  /** lexDuration: right after `[`. */
  private duration(): void {
    if (this.scanNumber()) this.fail('missing unit character in duration');
    if (!this.acceptRemainingDuration()) {
      this.fail(`bad duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    }
    this.emit('DURATION');
  }

  private numberOrDuration(): void {
    if (this.scanNumber()) {
      this.emit('NUMBER');
    } else if (this.acceptRemainingDuration()) {
      this.emit('DURATION');
    } else {
      this.fail(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    }
  }

  /** On success the character after the duration is left unread (2.42 reads it, then backs up). */
  private acceptRemainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      this.acceptRun('0123456789');
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    const after = this.peek();
    if (isAlphaNumeric(after)) {
      this.pos += after!.length;
      return false;
    }
    return true;
  }

  private scanNumber(): boolean {
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) digits = '0123456789abcdefABCDEF';
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789');
    }
    return !isAlphaNumeric(this.peek());
  }

  private keywordOrIdentifier(): void {
    while (isAlphaNumeric(this.peek()) || this.peek() === ':') this.pos++;
    const word = this.input.slice(this.start, this.pos).toLowerCase();
    if (word === 'inf' || word === 'nan') this.emit('NUMBER');
    else if (OPERATOR_WORDS.has(word)) this.emit('OPERATOR', word);
    else if (AGGREGATOR_WORDS.has(word)) this.emit('AGGREGATOR', word);
    else if (KEYWORD_WORDS.has(word)) this.emit('KEYWORD', word);
    else if (word === 'start' || word === 'end') this.emit('PREPROCESSOR', word);
    else if (word.includes(':')) this.emit('METRIC_IDENTIFIER');
    else this.emit('IDENTIFIER');
  }
}

function digitValue(ch: string): number {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  if (ch >= 'a' && ch <= 'f') return ch.charCodeAt(0) - 87;
  if (ch >= 'A' && ch <= 'F') return ch.charCodeAt(0) - 55;
  return 16;
}

/** Go's %q of a rune: `'x'`; the end of input (-1) prints as the replacement character. */
function goRuneQuote(ch: string | undefined): string {
  if (ch === undefined) return "'\ufffd'";
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  const quoted = goQuote(ch);
  return "'" + quoted.slice(1, -1) + "'";
}

/** How 2.42 names a token in `unexpected …` (Item.desc). */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${goQuote(token.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${goQuote(token.text)}`;
    case 'NUMBER':
      return `number ${shortQuote(token.text)}`;
    case 'DURATION':
      return `duration ${shortQuote(token.text)}`;
    case 'STRING':
      return `string ${shortQuote(token.text)}`;
    case 'KEYWORD':
      return `<${token.text}>`;
    case 'OPERATOR':
      return `<op:${token.text}>`;
    case 'AGGREGATOR':
      return `<aggr:${token.text}>`;
    default:
      return shortQuote(token.text);
  }
}

/** Item.String's quoting: values longer than 10 bytes are cut to 10 runes and marked `...`. */
function shortQuote(text: string): string {
  return new TextEncoder().encode(text).length > 10 ? goQuote(text, 10) + '...' : goQuote(text);
}
