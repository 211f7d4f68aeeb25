/**
 * Text as promtool (Go) writes and reads it, so `mcpulse rules test` prints what `promtool test rules`
 * prints: strconv.Quote, strconv.FormatFloat(v, 'E', -1, 64), labels.Labels.String(), Prometheus's
 * model.Duration (parse and print) and Go's time.Duration.String().
 */
import { badArgument } from '../core/errors.js';
import type { Label } from '../store/labels.js';

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** strconv.Quote: a double-quoted Go string literal, printable characters kept as they are. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) {
      out += short;
      continue;
    }
    if (PRINTABLE.test(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (code < 0x80) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + '"';
}

/** strconv.FormatFloat(v, 'E', -1, 64): the shortest digits that read back exactly, e.g. 1.5E+00. */
export function formatFloatE(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const negative = value < 0 || Object.is(value, -0);
  const [mantissa = '0', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const power = Number(exponent);
  const digits = String(Math.abs(power)).padStart(2, '0');
  return `${negative ? '-' : ''}${mantissa}E${power < 0 ? '-' : '+'}${digits}`;
}

/** labels.Labels.String(): `{a="1", b="2"}`. Takes raw label lists, empty values included. */
export function formatGoLabels(labels: readonly Label[]): string {
  return '{' + labels.map((label) => `${label.name}=${goQuote(label.value)}`).join(', ') + '}';
}

const MS_PER = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
/** time.Duration's range, in milliseconds (about 292 years). */
const MAX_DURATION_MS = 9_223_372_036_854;

/** model.ParseDuration: `1h30m`, `90s`, `0`; milliseconds, or an Error with Prometheus's message. */
export function parseModelDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw badArgument('empty duration string');
  const match = DURATION.exec(text);
  if (!match) throw badArgument(`not a valid duration string: ${goQuote(text)}`);
  const units = [MS_PER.y, MS_PER.w, MS_PER.d, MS_PER.h, MS_PER.m, MS_PER.s, MS_PER.ms];
  let total = 0;
  units.forEach((unit, i) => {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * unit;
  });
  if (total > MAX_DURATION_MS) throw badArgument('duration out of range');
  return total;
}

/** model.Duration.String(): `1m`, `1h30m`, `1d`, `2w`, `1y`, `0s` (years and weeks only when exact). */
export function formatModelDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const unit = (name: string, size: number, exact: boolean): void => {
    if (exact && rest % size !== 0) return;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${name}`;
      rest -= count * size;
    }
  };
  unit('y', MS_PER.y, true);
  unit('w', MS_PER.w, true);
  unit('d', MS_PER.d, false);
  unit('h', MS_PER.h, false);
  unit('m', MS_PER.m, false);
  unit('s', MS_PER.s, false);
  unit('ms', MS_PER.ms, false);
  return out;
}

/** Go's time.Duration.String() for whole milliseconds: `0s`, `500ms`, `1m0s`, `1h2m3.5s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs}ms`;
  const hours = Math.floor(abs / MS_PER.h);
  const minutes = Math.floor((abs % MS_PER.h) / MS_PER.m);
  const millis = abs % MS_PER.m;
  const fraction = String(millis % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  const seconds = `${Math.floor(millis / 1000)}${fraction === '' ? '' : `.${fraction}`}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return sign + seconds;
}

/** A decimal as Go's strconv holds it: digits without leading or trailing zeros, point after dp of them. */
interface Decimal {
  digits: string;
  dp: number;
}

/** The exact decimal value of a positive finite double (every double is m·2^e, so it is finite). */
function exactDecimal(value: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  let exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  if (exponent === 0) exponent = 1;
  else mantissa |= 1n << 52n;
  exponent -= 1075;
  const text = exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * 5n ** BigInt(-exponent)).toString();
  const dp = exponent >= 0 ? text.length : text.length + exponent;
  const digits = text.replace(/0+$/, '');
  const lead = digits.length - digits.replace(/^0+/, '').length;
  return { digits: digits.slice(lead), dp: dp - lead };
}

/** The shortest digits that read back as the double (JS and Go pick the same ones). */
function shortestDecimal(value: number): Decimal {
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exponent) + 1 };
}

/** Go's decimal.Round to nd digits: half to even on an exact tie (the digits are exact). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', dp: 0 };
  if (nd >= d.digits.length) return d;
  const next = d.digits[nd]!;
  const half = next === '5' && nd + 1 === d.digits.length;
  const up = half ? nd > 0 && Number(d.digits[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) {
    const digits = d.digits.slice(0, nd).replace(/0+$/, '');
    return digits === '' ? { digits: '', dp: 0 } : { digits, dp: d.dp };
  }
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i) + String(Number(d.digits[i]) + 1), dp: d.dp };
}

function fmtE(neg: boolean, d: Decimal, prec: number, letter: string): string {
  let out = (neg ? '-' : '') + (d.digits[0] ?? '0');
  if (prec > 0) out += '.' + d.digits.slice(1, prec + 1).padEnd(prec, '0');
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${letter}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  out += d.dp > 0 ? d.digits.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

/**
 * strconv.FormatFloat(value, fmt, prec, 64) for fmt e, E, f, g, G; prec -1 = the shortest digits.
 * `%.4g` (humanize), `%.2f`, `%e` and `%v` in templates print through this.
 */
export function formatFloat(value: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const neg = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  const shortest = prec < 0;
  let d: Decimal;
  if (abs === 0) d = { digits: '', dp: 0 };
  else if (shortest) d = shortestDecimal(abs);
  else {
    const exact = exactDecimal(abs);
    if (fmt === 'f') d = roundDecimal(exact, exact.dp + prec);
    else if (fmt === 'e' || fmt === 'E') d = roundDecimal(exact, prec + 1);
    else d = roundDecimal(exact, prec === 0 ? 1 : prec);
  }
  const nd = d.digits.length;
  if (shortest) prec = fmt === 'e' || fmt === 'E' ? nd - 1 : fmt === 'f' ? Math.max(nd - d.dp, 0) : nd;
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, d, prec, fmt);
  if (fmt === 'f') return fmtF(neg, d, prec);
  if (prec === 0) prec = 1;
  let eprec = prec;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) return fmtE(neg, d, Math.min(prec, nd) - 1, fmt === 'g' ? 'e' : 'E');
  return fmtF(neg, d, Math.max((prec > d.dp ? nd : prec) - d.dp, 0));
}
