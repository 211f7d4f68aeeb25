/**
 * The lexer of Go's text/template (Go 1.19, which Prometheus 2.42 was built with): text between
 * `{{ }}` actions, `{{-`/`-}}` trim markers (a dash then a space), `{{/* comments *\/}}`, and inside an
 * action: spaces, `:=`, `=`, `|`, `(`, `)`, strings, raw strings, characters, numbers, booleans,
 * fields (`.x`), variables (`$x`), identifiers and keywords. Errors are Go's texts; the parser reports
 * them with the line they start on.
 */
import { goQuote } from '../go-format.js';

export type ItemType =
  | 'error'
  | 'eof'
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'comment'
  | 'space'
  | 'assign'
  | 'declare'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'string'
  | 'rawString'
  | 'charConstant'
  | 'number'
  | 'bool'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'char'
  | 'dot'
  | 'nil'
  // Keywords (Go's items after itemKeyword).
  | 'block'
  | 'break'
  | 'continue'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  readonly type: ItemType;
  /** Byte offset... as a UTF-16 offset: positions only feed error columns, see exec's byteColumn. */
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

export function isKeyword(type: ItemType): boolean {
  return KEYWORDS.has(type) || type === 'dot' || type === 'nil';
}

const LEFT = '{{';
const RIGHT = '}}';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

/** Lexes the whole text at once (Go streams items; the parser reads them in order). */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const countLines = (from: number, to: number): number => {
    let n = 0;
    for (let i = from; i < to; i++) if (input.charCodeAt(i) === 10) n++;
    return n;
  };
  const emit = (type: ItemType, end = pos): void => {
    items.push({ type, pos: start, val: input.slice(start, end), line: startLine });
    line = startLine + countLines(start, pos);
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line = startLine + countLines(start, pos);
    start = pos;
    startLine = line;
  };
  const fail = (message: string): void => {
    items.push({ type: 'error', pos: start, val: message, line: startLine });
  };
  const trimRight = (text: string): string => text.replace(/[ \t\r\n]+$/, '');
  const leftTrim = (at: number): boolean => input[at] === '-' && isSpace(input[at + 1]);
  const rightTrimAt = (at: number): boolean => isSpace(input[at]) && input.startsWith('-' + RIGHT, at + 1);
  const skipSpaceForward = (): void => {
    while (isSpace(input[pos])) pos++;
  };

  // lexText / lexLeftDelim / lexInsideAction as one loop; returns false after an error.
  const lexAction = (): boolean => {
    for (;;) {
      const rightTrim = rightTrimAt(pos);
      if (rightTrim || input.startsWith(RIGHT, pos)) {
        if (parenDepth !== 0) {
          fail('unclosed left paren');
          return false;
        }
        if (rightTrim) {
          pos += 2;
          ignore();
        }
        pos += RIGHT.length;
        emit('rightDelim');
        if (rightTrim) {
          skipSpaceForward();
          ignore();
        }
        return true;
      }
      const c = input[pos];
      if (c === undefined) {
        fail('unclosed action');
        return false;
      }
      if (isSpace(c)) {
        while (isSpace(input[pos]) && !rightTrimAt(pos)) pos++;
        emit('space');
        continue;
      }
      pos++;
      if (c === '=') emit('assign');
      else if (c === ':') {
        if (input[pos] !== '=') {
          fail('expected :=');
          return false;
        }
        pos++;
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"' || c === '`' || c === "'") {
        if (!lexQuote(c)) return false;
      } else if (c === '$') {
        if (!lexFieldOrVariable('variable')) return false;
      } else if (c === '.') {
        const next = input[pos];
        if (next !== undefined && next >= '0' && next <= '9') {
          pos--;
          if (!lexNumber()) return false;
        } else if (!lexFieldOrVariable('field')) return false;
      } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos--;
        if (!lexNumber()) return false;
      } else if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator()) {
          fail(`bad character ${goRuneName(input[pos] ?? '')}`);
          return false;
        }
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit(word as ItemType);
        else if (word === 'true' || word === 'false') emit('bool');
        else if (word === 'nil') emit('nil');
        else emit('identifier');
      } else if (c === '(') {
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        // Prometheus 2.42's Go lexes an unbalanced ')' too; the parser then finds it unexpected.
        parenDepth--;
        emit('rightParen');
      } else if (c.charCodeAt(0) <= 0x7e && c.charCodeAt(0) >= 0x20) {
        emit('char');
      } else {
        const rune = String.fromCodePoint(input.codePointAt(pos - 1)!);
        fail(`unrecognized character in action: ${goRuneName(rune)}`);
        return false;
      }
    }
  };

  const atTerminator = (): boolean => {
    const c = input[pos];
    return c === undefined || isSpace(c) || '.,|:)('.includes(c) || c === RIGHT[0];
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    while (isAlphaNumeric(input[pos])) pos++;
    if (!atTerminator()) {
      fail(`bad character ${goRuneName(input[pos] ?? '')}`);
      return false;
    }
    emit(type);
    return true;
  };

  const lexQuote = (quote: string): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\' && quote !== '`') {
        const next = input[pos];
        if (next !== undefined && next !== '\n') {
          pos++;
          continue;
        }
      }
      if (c === undefined || (c === '\n' && quote !== '`')) {
        const what = { '"': 'quoted string', '`': 'raw quoted string', "'": 'character constant' }[quote];
        fail(`unterminated ${what}`);
        return false;
      }
      if (c === quote) break;
    }
    emit(quote === '"' ? 'string' : quote === '`' ? 'rawString' : 'charConstant');
    return true;
  };

  const acceptRun = (chars: string): void => {
    while (input[pos] !== undefined && chars.includes(input[pos]!)) pos++;
  };
  const accept = (chars: string): boolean => {
    if (input[pos] === undefined || !chars.includes(input[pos]!)) return false;
    pos++;
    return true;
  };
  // Go's scanNumber: sign, 0x/0o/0b prefix, digits, fraction, exponent, imaginary suffix.
  const lexNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[pos])) {
      pos++;
      fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
      return false;
    }
    emit('number');
    return true;
  };

  while (pos <= input.length) {
    const next = input.indexOf(LEFT, pos);
    if (next < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      break;
    }
    const trim = leftTrim(next + LEFT.length);
    pos = next;
    if (next > start) {
      const text = input.slice(start, next);
      const kept = trim ? trimRight(text) : text;
      if (kept !== '') items.push({ type: 'text', pos: start, val: kept, line: startLine });
      ignore();
    }
    parenDepth = 0;
    pos = next + LEFT.length;
    const afterMarker = trim ? pos + 2 : pos;
    if (input.startsWith('/*', afterMarker)) {
      if (!lexComment(afterMarker)) return items;
      continue;
    }
    emit('leftDelim');
    if (trim) {
      pos = afterMarker;
      ignore();
    }
    if (!lexAction()) return items;
  }
  items.push({ type: 'eof', pos: input.length, val: '', line });
  return items;

  function lexComment(from: number): boolean {
    const close = input.indexOf('*/', from + 2);
    if (close < 0) {
      fail('unclosed comment');
      return false;
    }
    pos = close + 2;
    const rightTrim = rightTrimAt(pos);
    const delimAt = rightTrim ? pos + 2 : pos;
    if (!input.startsWith(RIGHT, delimAt)) {
      fail('comment ends before closing delimiter');
      return false;
    }
    pos = delimAt + RIGHT.length;
    ignore();
    if (rightTrim) {
      skipSpaceForward();
      ignore();
    }
    return true;
  }
}

/** fmt's %#U: `U+0021 '!'`. */
export function goRuneName(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return /^\P{C}$/u.test(char) ? `U+${hex} '${char}'` : `U+${hex}`;
}
