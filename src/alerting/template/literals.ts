/**
 * The literals a template holds. unquoteGo is Go's strconv.Unquote: "double-quoted" with Go's
 * escapes, `raw` (carriage returns dropped) and 'c'haracter constants; undefined where Go's Unquote
 * fails (ErrSyntax). Bytes written with \x or octal escapes become the code point of that value (JS
 * strings hold no raw bytes). numberValue is text/template/parse's newNumber (no complex numbers).
 */
import { goQuote } from '../go-format.js';
import type { NumberValue } from './nodes.js';

const SIMPLE: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

export function unquoteGo(quoted: string): string | undefined {
  const quote = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== quote) return undefined;
  const body = quoted.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === quote || c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === quote) {
      out += e;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const size = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + size);
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) return undefined;
      const code = parseInt(hex, 16);
      if (e !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code < 0xe000))) return undefined;
      out += String.fromCodePoint(code);
      i += 2 + size;
    } else if (e >= '0' && e <= '7') {
      const octal = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) return undefined;
      out += String.fromCharCode(parseInt(octal, 8));
      i += 4;
    } else return undefined;
  }
  return out;
}

/** newNumber: what a number (or character constant) is as int and float, or Go's error text. */
export function numberValue(text: string, isChar: boolean): NumberValue | string {
  if (isChar) {
    const rune = unquoteGo(text);
    const chars = rune === undefined ? [] : [...rune];
    if (chars.length !== 1) {
      return rune === undefined || rune === '' ? 'invalid syntax' : `malformed character constant: ${text}`;
    }
    const code = chars[0]!.codePointAt(0)!;
    return { isInt: true, isFloat: true, int: code, float: code };
  }
  const integer = parseGoInt(text);
  if (integer !== undefined) return { isInt: true, isFloat: true, int: integer, float: integer };
  const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text);
  if (decimal || /^[+-]?0[xX][\da-fA-F]*\.?[\da-fA-F]*[pP][+-]?\d+$/.test(text)) {
    const float = parseGoFloat(text);
    // ParseFloat fails past the float64 range, which Go reports as bad syntax.
    if (!Number.isFinite(float)) return `illegal number syntax: ${goQuote(text)}`;
    if (!/[.eEpP]/.test(text)) return `integer overflow: ${goQuote(text)}`;
    const isInt = Number.isInteger(float) && Math.abs(float) < 2 ** 63;
    return { isInt, isFloat: true, int: isInt ? float : 0, float };
  }
  return `illegal number syntax: ${goQuote(text)}`;
}

/** strconv.ParseInt(text, 0, 64): 0x, 0o, 0b, a leading 0 for octal, underscores between digits. */
function parseGoInt(text: string): number | undefined {
  const match = /^([+-]?)(0[xX][_\da-fA-F]+|0[oO][_0-7]+|0[bB][_01]+|0[_0-7]*|[1-9][_\d]*)$/.exec(text);
  if (!match) return undefined;
  let body = match[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const value = BigInt(body) * (match[1] === '-' ? -1n : 1n);
  if (value >= 2n ** 63n || value < -(2n ** 63n)) return undefined;
  return Number(value);
}

/** strconv.ParseFloat for decimal and hexadecimal (p-exponent) floats. */
export function parseGoFloat(text: string): number {
  const hex = /^([+-]?)0[xX]([\da-fA-F]*)\.?([\da-fA-F]*)[pP]([+-]?\d+)$/.exec(text);
  if (!hex) return Number(text);
  const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
  const mantissa = parseInt(whole + fraction || '0', 16) / 16 ** fraction.length;
  return (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
}
