/**
 * PromQL's literals read as Prometheus 2.42 reads them: durations (prometheus/common's
 * model.ParseDuration), numbers (Go's strconv.ParseInt with base 0, else ParseFloat), quoted strings
 * (Prometheus's strutil.Unquote: Go escapes, single quotes like double ones) and label matchers
 * (labels.NewMatcher: regexes anchored and compiled as RE2). Also Go's %q and %f, which Prometheus's
 * error messages are written with.
 */
import { RE2JS } from 're2js';
import type { LabelMatcher, MatchType } from '../queryable.js';
import { badQuery } from './errors.js';

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 24 * 3600_000, 7 * 24 * 3600_000, 24 * 3600_000, 3600_000, 60_000, 1000, 1];
/** time.Duration (int64 nanoseconds) ends at 2^63-1 ns; Prometheus refuses longer durations. */
const MAX_DURATION_NS = (1n << 63n) - 1n;

/**
 * A duration in milliseconds, as Prometheus's model.ParseDuration reads it: units y w d h m s ms, each
 * at most once and in that order (`1h30m`, `5m`, `1d`, `100ms`); "0" alone needs no unit. Throws
 * badQuery with Prometheus's message otherwise.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw badQuery('empty duration string');
  const match = DURATION_RE.exec(text);
  if (match === null) throw badQuery(`not a valid duration string: ${goQuote(text)}`);
  let totalNs = 0n;
  let overflow = false;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const digits = match[i + 1];
    if (digits === undefined) continue;
    const unitNs = BigInt(UNIT_MS[i]!) * 1_000_000n;
    const n = BigInt(digits);
    if (n > MAX_DURATION_NS / unitNs) overflow = true;
    totalNs += n * unitNs;
    if (totalNs > MAX_DURATION_NS) overflow = true;
  }
  if (overflow) throw badQuery('duration out of range');
  return Number(totalNs / 1_000_000n);
}

/** A duration after `[`, `:` or `offset`: as parseDuration, and never zero (Prometheus's parser.parseDuration). */
export function parseNonZeroDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === 0) throw badQuery('duration must be greater than 0');
  return ms;
}

const INT64_MAX = (1n << 63n) - 1n;
const DECIMAL_FLOAT_RE = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number token's value as Prometheus's parser.number reads it: strconv.ParseInt(s, 0, 64) first
 * (so `0x1f` is hex and `010` is octal 8), else strconv.ParseFloat (`1.5`, `1e3`, `Inf`, `NaN`).
 * Throws badQuery (`error parsing number: …`) when neither reads it.
 */
export function parseNumber(text: string): number {
  const int = parseGoInt(text);
  if (int !== undefined) return Number(int);
  if (/^[+-]?(?:inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  if (!DECIMAL_FLOAT_RE.test(text)) {
    throw badQuery(`error parsing number: strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw badQuery(`error parsing number: strconv.ParseFloat: parsing ${goQuote(text)}: value out of range`);
  }
  return value;
}

function parseGoInt(text: string): bigint | undefined {
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = BigInt(text);
  else if (/^0[0-7]+$/.test(text)) value = BigInt('0o' + text.slice(1));
  else if (/^(?:0|[1-9]\d*)$/.test(text)) value = BigInt(text);
  else return undefined;
  return value <= INT64_MAX ? value : undefined;
}

/**
 * The value of a quoted string token, as Prometheus's strutil.Unquote reads it: `…` raw; "…" and '…'
 * with Go's escapes (\n, \x41, \101, \u00e9, \U0001F600, …). Byte escapes build UTF-8 bytes, as in Go.
 * The lexer has checked the escapes already, so this throws only on text no lexer would pass.
 */
export function unquoteString(text: string): string {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) throw unquoteError(text);
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw unquoteError(text);
    return body;
  }
  if ((quote !== '"' && quote !== "'") || body.includes('\n')) throw unquoteError(text);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === quote) throw unquoteError(text);
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    const simple = SIMPLE_ESCAPES[e ?? ''];
    if (simple !== undefined || e === quote) {
      bytes.push(simple ?? quote.charCodeAt(0));
      i += 2;
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const digits = body.slice(i + 1, i + 4);
      const v = /^[0-7]{3}$/.test(digits) ? parseInt(digits, 8) : 256;
      if (v > 255) throw unquoteError(text);
      bytes.push(v);
      i += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw unquoteError(text);
      const v = parseInt(digits, 16);
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw unquoteError(text);
      else bytes.push(...encoder.encode(String.fromCodePoint(v)));
      i += 2 + n;
    } else {
      throw unquoteError(text);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
};

function unquoteError(text: string): Error {
  return badQuery(`error unquoting string ${goQuote(text)}: invalid syntax`);
}

/**
 * A label matcher as Prometheus's labels.NewMatcher builds it. Regexes are fully anchored
 * (`^(?:…)$`) RE2, run by re2js in linear time; a regex that does not compile throws badQuery with
 * Go's message, which quotes it.
 */
export function makeMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  switch (type) {
    case '=':
      return { type, name, value, matches: (v) => v === value };
    case '!=':
      return { type, name, value, matches: (v) => v !== value };
    case '=~':
    case '!~': {
      const re = compileAnchored(value);
      const negate = type === '!~';
      return { type, name, value, matches: (v) => re.matches(v) !== negate };
    }
  }
}

function compileAnchored(value: string): RE2JS {
  // Go before 1.22 (which 2.42 was built with) has no `(?<name>…)`; re2js has.
  if (hasAngleNamedGroup(value)) {
    throw badQuery('error parsing regexp: invalid or unsupported Perl syntax: `(?<`');
  }
  try {
    const re = RE2JS.compile('^(?:' + value + ')$');
    // Prometheus also parses the regex alone (for its literal-prefix shortcut): `)(` fails there.
    RE2JS.compile(value);
    return re;
  } catch (error) {
    throw badQuery(error instanceof Error ? error.message : String(error));
  }
}

/** Whether the regex has `(?<` outside an escape, a \\Q…\\E quote and a character class. */
function hasAngleNamedGroup(regex: string): boolean {
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === '\\') {
      if (regex[i + 1] === 'Q') {
        const end = regex.indexOf('\\E', i + 2);
        if (end < 0) return false;
        i = end + 1;
      } else {
        i++;
      }
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` first in the class (after an optional `^`) is a literal.
      if (regex[i + 1] === '^') i++;
      if (regex[i + 1] === ']') i++;
    } else if (c === '(' && regex.startsWith('?<', i + 1)) {
      return true;
    }
  }
  return false;
}

/** Go's %q of a string (strconv.Quote): double quotes, Go escapes, printable non-ASCII kept. */
export function goQuote(text: string, maxRunes = Infinity): string {
  let out = '"';
  let runes = 0;
  for (const ch of text) {
    if (runes++ >= maxRunes) break;
    out += quoteRune(ch);
  }
  return out + '"';
}

function quoteRune(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp === 0xfffd) return '\\ufffd';
  if (cp >= 0x80 && !/[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(ch)) {
    return cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
  }
  return ch;
}

/** Go's %#U: `U+0071 'q'` (the character left out when it is not printable). */
export function goRuneU(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(cp);
  const printable = ch === '"' || ch === '\\' || (cp >= 0x20 && quoteRune(ch) === ch);
  return printable ? `${hex} '${ch}'` : hex;
}

/** Go's %f: six decimals, +Inf/-Inf/NaN spelled as Go spells them. */
export function goFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Math.abs(value) < 1e21) return value.toFixed(6);
  return BigInt(value).toString() + '.000000';
}
