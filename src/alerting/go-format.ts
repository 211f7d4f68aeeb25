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
