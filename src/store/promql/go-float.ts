/**
 * Go's strconv.ParseFloat(s, 64), as histogram_quantile reads an `le` label: decimal and hexadecimal
 * literals, digit-separating underscores, case-free inf/infinity/nan; out-of-range values are errors
 * (Prometheus then skips the bucket). Decimal results come from Number(), which rounds correctly as
 * Go does; hexadecimal ones are rounded half to even by roundScaled.
 */
import { roundScaled } from './go-fma.js';

/** The float64 Go parses from s, or undefined where ParseFloat returns an error. */
export function parseGoFloat(s: string): number | undefined {
  const special = parseSpecial(s);
  if (special !== undefined) return special;
  const lexed = lexFloat(s);
  if (lexed === undefined) return undefined;
  const value = lexed.hex ? hexValue(lexed) : Number(lexed.digits);
  // ±Inf from finite digits is Go's ErrRange.
  return Number.isFinite(value) ? value : undefined;
}

function lowerAscii(c: string): string {
  return c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
}

function commonPrefixLengthIgnoreCase(s: string, prefix: string): number {
  const n = Math.min(prefix.length, s.length);
  for (let i = 0; i < n; i++) if (lowerAscii(s[i]!) !== prefix[i]) return i;
  return n;
}

/** Go's special(): the value when all of s is one of its spellings. */
function parseSpecial(s: string): number | undefined {
  if (s === '') return undefined;
  let sign = 1;
  let rest = s;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    rest = s.slice(1);
  } else if (s[0] === 'n' || s[0] === 'N') {
    return commonPrefixLengthIgnoreCase(s, 'nan') === 3 && s.length === 3 ? NaN : undefined;
  } else if (s[0] !== 'i' && s[0] !== 'I') {
    return undefined;
  }
  let n = commonPrefixLengthIgnoreCase(rest, 'infinity');
  if (n > 3 && n < 8) n = 3;
  if ((n === 3 || n === 8) && n === rest.length) return sign * Infinity;
  return undefined;
}

interface LexedFloat {
  readonly hex: boolean;
  readonly negative: boolean;
  /** Decimal: the literal without underscores, for Number(). Hex: the mantissa's hex digits. */
  readonly digits: string;
  /** Hex only: the binary exponent applied to the integer mantissa. */
  readonly exponent: number;
}

/** Go's readFloat, requiring it to consume all of s (ParseFloat's rule). */
function lexFloat(s: string): LexedFloat | undefined {
  let i = 0;
  let negative = false;
  let underscores = false;
  if (s[i] === '+') i++;
  else if (s[i] === '-') {
    i++;
    negative = true;
  }
  let hex = false;
  if (i + 2 < s.length && s[i] === '0' && lowerAscii(s[i + 1]!) === 'x') {
    hex = true;
    i += 2;
  }
  let sawDot = false;
  let sawDigits = false;
  let mantissa = '';
  let fractionDigits = 0;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '_') {
      underscores = true;
      continue;
    }
    if (c === '.') {
      if (sawDot) break;
      sawDot = true;
      continue;
    }
    const isDigit = c >= '0' && c <= '9';
    const isHexLetter = hex && lowerAscii(c) >= 'a' && lowerAscii(c) <= 'f';
    if (!isDigit && !isHexLetter) break;
    sawDigits = true;
    mantissa += c;
    if (sawDot) fractionDigits++;
  }
  if (!sawDigits) return undefined;
  let exponent = 0;
  const exponentChar = hex ? 'p' : 'e';
  if (i < s.length && lowerAscii(s[i]!) === exponentChar) {
    i++;
    if (i >= s.length) return undefined;
    let sign = 1;
    if (s[i] === '+') i++;
    else if (s[i] === '-') {
      i++;
      sign = -1;
    }
    if (i >= s.length || s[i]! < '0' || s[i]! > '9') return undefined;
    let e = 0;
    for (; i < s.length && ((s[i]! >= '0' && s[i]! <= '9') || s[i] === '_'); i++) {
      if (s[i] === '_') {
        underscores = true;
        continue;
      }
      if (e < 10000) e = e * 10 + (s.charCodeAt(i) - 48);
    }
    exponent = e * sign;
  } else if (hex) {
    return undefined; // a hexadecimal mantissa needs a 'p' exponent
  }
  if (i !== s.length) return undefined;
  if (underscores && !underscoreOk(s)) return undefined;
  if (hex) return { hex, negative, digits: mantissa, exponent: exponent - 4 * fractionDigits };
  return { hex, negative, digits: s.replaceAll('_', ''), exponent: 0 };
}

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOk(str: string): boolean {
  let saw = '^';
  let i = 0;
  let s = str;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lowerAscii(s[1]!))) {
    i = 2;
    saw = '0';
    hex = lowerAscii(s[1]!) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && lowerAscii(c) >= 'a' && lowerAscii(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function hexValue(lexed: LexedFloat): number {
  const mantissa = BigInt('0x' + lexed.digits);
  if (mantissa === 0n) return lexed.negative ? -0 : 0;
  return roundScaled(lexed.negative ? -mantissa : mantissa, lexed.exponent);
}

/** Go's fmt %f (six decimals) for an error message. */
export function formatGoFixed(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0.000000';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return (v < 0 ? '-' : '') + BigInt(Math.abs(v)).toString() + '.000000';
}
