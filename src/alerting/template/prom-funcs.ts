/**
 * Prometheus 2.42's template functions (template/template.go's funcMap) over template values:
 * humanize and its kin print exactly what Go's `%.4g` prints; match and reReplaceAll are RE2 (re2js)
 * with Go's messages; query runs the injected callback at the alert's evaluation time.
 */
import { isIP } from 'node:net';

import { RE2JS } from 're2js';

import { expandTemplate, hasAngleBracketGroup } from '../../store/promql/functions-labels.js';
import { goQuote, parseModelDuration } from '../go-format.js';
import { queryEscape } from './builtins.js';
import { parseGoFloat } from './literals.js';
import { sprintf } from './fmt.js';
import { FuncError, NIL_DEREFERENCE, type TemplateFunc } from './funcs-types.js';
import { floatToTime, formatTime } from './time.js';
import { bool, float, lookup, str, typeName, type GoValue, type TemplateSample } from './values.js';

export interface PrometheusFuncOptions {
  /** The evaluation time, for `query`. */
  readonly timeMs: number;
  /** Runs a PromQL instant query; throws with the query's error message. */
  readonly query?: (expr: string, timeMs: number) => readonly TemplateSample[];
  /** The external URL `externalURL` and `pathPrefix` read; without one they fail as Go's nil *url.URL does. */
  readonly externalUrl?: string;
}

const g4 = (v: number, suffix = ''): string => sprintf('%.4g', [float(v)]) + suffix;

/** strconv.ParseFloat(text, 64) with its errors. */
function parseFloatGo(text: string): number {
  const syntax = `strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`;
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') {
      if (special[1] !== '') throw new FuncError(syntax);
      return NaN;
    }
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let value: number;
  const hex =
    /^[+-]?0[xX][\da-fA-F]*\.?[\da-fA-F]*[pP][+-]?\d+$/.test(text) && /[\da-fA-F]/.test(text.slice(2));
  if (hex || /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) value = parseGoFloat(text);
  else throw new FuncError(syntax);
  if (!Number.isFinite(value))
    throw new FuncError(`strconv.ParseFloat: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** Prometheus's convertToFloat. */
function toFloat(value: GoValue): number {
  switch (value.t) {
    case 'float64':
    case 'int':
      return value.v;
    case 'string':
      return parseFloatGo(value.v);
    default:
      throw new FuncError(`can't convert ${typeName(value)} to float`);
  }
}

function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  const prefixes =
    Math.abs(v) >= 1 ? ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'] : ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let prefix = '';
  for (const p of prefixes) {
    if (Math.abs(v) >= 1 ? Math.abs(v) < 1000 : Math.abs(v) >= 1) break;
    prefix = p;
    v = Math.abs(v) >= 1 ? v / 1000 : v * 1000;
  }
  return g4(v, prefix);
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v, prefix);
}

/** Go's int64(v) on amd64: truncation, and the minimum int64 for values past its range. */
function toInt64(v: number): bigint {
  return Math.abs(v) < 2 ** 63 ? BigInt(Math.trunc(v)) : -(2n ** 63n);
}

function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v, 's');
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const duration = toInt64(v);
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 3600n) % 24n;
    const days = duration / 86400n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v, prefix + 's');
}

function timeOf(value: GoValue): bigint | null {
  const result = floatToTime(toFloat(value));
  if (typeof result === 'string') throw new FuncError(result);
  return result;
}

function compile(pattern: string): RE2JS {
  if (hasAngleBracketGroup(pattern))
    throw new FuncError('error parsing regexp: invalid or unsupported Perl syntax: `(?<`');
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    throw new FuncError(error instanceof Error ? error.message : String(error));
  }
}

/** regexp's quote: backquoted when it can be, else strconv.Quote. */
const regexpQuote = (text: string): string =>
  /^[^`\p{Cc}]*$/u.test(text.replace(/\t/g, '')) ? '`' + text + '`' : goQuote(text);

/** Regexp.ReplaceAllString: Go's empty-match rules and $-expansion. */
function replaceAll(pattern: string, replacement: string, text: string): string {
  let regex: RE2JS;
  try {
    regex = compile(pattern);
  } catch (error) {
    throw new FuncError(`regexp: Compile(${regexpQuote(pattern)}): ${(error as Error).message}`);
  }
  const names = regex.namedGroups();
  const matcher = regex.matcher(text);
  let out = '';
  let lastEnd = 0;
  let search = 0;
  while (search <= text.length && matcher.find(search)) {
    const start = matcher.start();
    const end = matcher.end();
    out += text.slice(lastEnd, start);
    if (end > lastEnd || start === 0) {
      out += expandTemplate(replacement, (name) => {
        const index = typeof name === 'number' ? name : names[name];
        if (index === undefined || index > matcher.groupCount()) return '';
        return matcher.group(index) ?? '';
      });
    }
    lastEnd = end;
    const width = (text.codePointAt(search) ?? 0) > 0xffff ? 2 : 1;
    search = search + width > end ? search + width : end;
  }
  return out + text.slice(lastEnd);
}

/** net.SplitHostPort; undefined where it returns an error. */
function splitHostPort(hostPort: string): [string, string] | undefined {
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0 || end + 1 !== colon) return undefined;
    host = hostPort.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostPort.slice(0, colon);
    if (host.includes(':')) return undefined;
  }
  if (hostPort.slice(j).includes('[') || hostPort.slice(k).includes(']')) return undefined;
  return [host, hostPort.slice(colon + 1)];
}

const parseIP = (host: string): boolean => !host.includes('%') && isIP(host) !== 0;

function stripDomain(hostPort: string): string {
  const split = splitHostPort(hostPort);
  const port = split?.[1] ?? '';
  let host = split?.[0] ?? hostPort;
  if (parseIP(host)) return hostPort;
  host = host.split('.')[0]!;
  if (port === '') return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Go's unicode case mapping rune by rune. JS maps some runes to several (full case mapping): Go
 * keeps such a rune (ß), unless the rest are combining marks (İ lowers to i).
 */
function mapRunes(text: string, map: (c: string) => string): string {
  let out = '';
  for (const c of text) {
    const [first = c, ...rest] = [...map(c)];
    out += rest.length === 0 || /^\p{M}+$/u.test(rest.join('')) ? first : c;
  }
  return out;
}

/** strings.Title: the first letter of each word in title case. */
function title(text: string): string {
  let prev = ' ';
  return mapRunes(text, (c) => {
    const separator =
      prev.charCodeAt(0) <= 0x7f
        ? !/^[0-9A-Za-z_]$/.test(prev)
        : !/^[\p{L}\p{Nd}]$/u.test(prev) && /^\s$/u.test(prev);
    prev = c;
    return separator ? c.toUpperCase() : c;
  });
}

const s = (value: GoValue | undefined): string => (value as { v: string }).v;
const sample = (value: GoValue | undefined): TemplateSample => {
  const v = (value as { v: TemplateSample | null }).v;
  if (v === null) throw new FuncError(NIL_DEREFERENCE);
  return v;
};
const result = (samples: readonly TemplateSample[]): GoValue => ({ t: 'template.queryResult', v: samples });
const numberFunc = (format: (v: number) => string): TemplateFunc => ({
  params: ['interface {}'],
  call: ([v]) => str(format(toFloat(v!))),
});

/** Prometheus's functions for one expansion. */
export function prometheusFuncs(options: PrometheusFuncOptions): Map<string, TemplateFunc> {
  const url = (): string => {
    if (options.externalUrl === undefined) throw new FuncError(NIL_DEREFERENCE);
    return options.externalUrl;
  };
  return new Map<string, TemplateFunc>([
    [
      'query',
      {
        params: ['string'],
        call: ([q]) => {
          if (options.query === undefined) throw new FuncError(NIL_DEREFERENCE);
          try {
            return result(
              options.query(s(q), options.timeMs).map((x) => ({ labels: x.labels, value: x.value })),
            );
          } catch (error) {
            throw new FuncError(error instanceof Error ? error.message : String(error));
          }
        },
      },
    ],
    [
      'first',
      {
        params: ['template.queryResult'],
        call: ([v]) => {
          const first = (v as { v: readonly TemplateSample[] }).v[0];
          if (first === undefined) throw new FuncError('first() called on vector with no elements');
          return { t: '*template.sample', v: first };
        },
      },
    ],
    [
      'label',
      { params: ['string', '*template.sample'], call: ([l, x]) => str(lookup(sample(x).labels, s(l)) ?? '') },
    ],
    ['value', { params: ['*template.sample'], call: ([x]) => float(sample(x).value) }],
    [
      'strvalue',
      { params: ['*template.sample'], call: ([x]) => str(lookup(sample(x).labels, '__value__') ?? '') },
    ],
    [
      'args',
      {
        params: [],
        variadic: 'interface {}',
        call: (args) => ({ t: 'map[string]interface {}', v: new Map(args.map((a, i) => [`arg${i}`, a])) }),
      },
    ],
    [
      'reReplaceAll',
      { params: ['string', 'string', 'string'], call: ([p, r, t]) => str(replaceAll(s(p), s(r), s(t))) },
    ],
    ['safeHtml', { params: ['string'], call: ([t]) => ({ t: 'template.HTML', v: s(t) }) }],
    ['match', { params: ['string', 'string'], call: ([p, t]) => bool(compile(s(p)).matcher(s(t)).find()) }],
    ['title', { params: ['string'], call: ([t]) => str(title(s(t))) }],
    ['toUpper', { params: ['string'], call: ([t]) => str(mapRunes(s(t), (c) => c.toUpperCase())) }],
    ['toLower', { params: ['string'], call: ([t]) => str(mapRunes(s(t), (c) => c.toLowerCase())) }],
    ['graphLink', { params: ['string'], call: ([e]) => str(`/graph?g0.expr=${queryEscape(s(e))}&g0.tab=0`) }],
    ['tableLink', { params: ['string'], call: ([e]) => str(`/graph?g0.expr=${queryEscape(s(e))}&g0.tab=1`) }],
    [
      'sortByLabel',
      {
        params: ['string', 'template.queryResult'],
        call: ([l, v]) => {
          const samples = (v as { v: readonly TemplateSample[] }).v as TemplateSample[];
          const key = (x: TemplateSample): string => lookup(x.labels, s(l)) ?? '';
          // In place, as Go's sort.Stable on the same slice; Array.prototype.sort is stable.
          samples.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
          return result(samples);
        },
      },
    ],
    ['stripPort', { params: ['string'], call: ([h]) => str(splitHostPort(s(h))?.[0] ?? s(h)) }],
    ['stripDomain', { params: ['string'], call: ([h]) => str(stripDomain(s(h))) }],
    ['humanize', numberFunc(humanize)],
    ['humanize1024', numberFunc(humanize1024)],
    ['humanizeDuration', numberFunc(humanizeDuration)],
    ['humanizePercentage', numberFunc((v) => g4(v * 100, '%'))],
    [
      'humanizeTimestamp',
      {
        params: ['interface {}'],
        call: ([v]) => {
          const time = timeOf(v!);
          return str(time === null ? g4(toFloat(v!)) : formatTime(time));
        },
      },
    ],
    [
      'toTime',
      {
        params: ['interface {}'],
        call: ([v]) => {
          const time = timeOf(v!);
          if (time === null) throw new FuncError('value is NaN or Inf');
          return { t: '*time.Time', v: time };
        },
      },
    ],
    [
      'pathPrefix',
      { params: [], call: () => str(/^[a-zA-Z][\w+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url())?.[1] ?? '') },
    ],
    ['externalURL', { params: [], call: () => str(url()) }],
    [
      'parseDuration',
      {
        params: ['string'],
        call: ([d]) => {
          try {
            return float(parseModelDuration(s(d)) / 1000);
          } catch (error) {
            throw new FuncError((error as Error).message);
          }
        },
      },
    ],
  ]);
}
