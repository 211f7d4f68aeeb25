/**
 * Test helpers for the PromQL engine: a Queryable over plain arrays, label matchers, and Prometheus's
 * series-description notation (`load 5m` blocks of promql/testdata: `0+10x100 _ stale 1x3`), so tests
 * need neither the real store nor the parser. Times are ms since the epoch.
 */
import { RE2JS } from 're2js';
import { labelValue, labelsFrom, type Labels } from '../labels.js';
import type { LabelMatcher, MatchType, Queryable, SelectedSeries } from '../queryable.js';
import {
  typeOf,
  type AggregateExpr,
  type AggregateOp,
  type AtModifier,
  type BinaryExpr,
  type BinaryOp,
  type Call,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type ParenExpr,
  type StringLiteral,
  type SubqueryExpr,
  type UnaryExpr,
  type VectorSelector,
} from './ast.js';

export type TestSample = readonly [t: number, v: number | 'stale'];

export interface TestSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly TestSample[];
}

/** A matcher as Prometheus builds one: regexes fully anchored, RE2 syntax. */
export function labelMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  let test: (v: string) => boolean;
  if (type === '=' || type === '!=') {
    test = (v) => v === value;
  } else {
    const re = RE2JS.compile('^(?:' + value + ')$');
    test = (v) => re.matches(v);
  }
  const negate = type === '!=' || type === '!~';
  return { type, name, value, matches: (v) => test(v) !== negate };
}

interface StoredSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly stale: Uint8Array;
}

/** A Queryable over arrays; series come back in the order given, samples sliced to [mint, maxt]. */
export function arrayQueryable(series: readonly TestSeries[]): Queryable & { selects: number } {
  const stored: StoredSeries[] = series.map((s) => {
    const sorted = [...s.samples].sort((a, b) => a[0] - b[0]);
    return {
      labels: labelsFrom(s.labels),
      t: Float64Array.from(sorted, (x) => x[0]),
      v: Float64Array.from(sorted, (x) => (x[1] === 'stale' ? NaN : x[1])),
      stale: Uint8Array.from(sorted, (x) => (x[1] === 'stale' ? 1 : 0)),
    };
  });
  const queryable = {
    selects: 0,
    select(matchers: readonly LabelMatcher[], mint: number, maxt: number): SelectedSeries[] {
      queryable.selects++;
      const out: SelectedSeries[] = [];
      for (const s of stored) {
        if (!matchers.every((m) => m.matches(labelValue(s.labels, m.name)))) continue;
        let lo = 0;
        while (lo < s.t.length && s.t[lo]! < mint) lo++;
        let hi = lo;
        while (hi < s.t.length && s.t[hi]! <= maxt) hi++;
        if (hi === lo) continue;
        const stale = s.stale.subarray(lo, hi);
        out.push({
          labels: s.labels,
          t: s.t.slice(lo, hi),
          v: s.v.slice(lo, hi),
          stale: stale.includes(1) ? stale.slice() : undefined,
        });
      }
      return out;
    },
  };
  return queryable;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Prometheus's model.ParseDuration (`1h30m`, `5m`, `10s`, `1ms`), in ms. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== text.length || end === 0) throw new Error(`bad duration ${JSON.stringify(text)}`);
  return total;
}

/** One series-description value: a number, or undefined for `_` (omitted), or 'stale'. */
export type SeriesValue = number | 'stale' | undefined;

const NUMBER = String.raw`(?:[iI][nN][fF]|[nN][aA][nN]|\d*\.?\d+(?:[eE][+-]?\d+)?)`;
const ITEM = new RegExp(String.raw`^(?:(stale)|([+-]?${NUMBER}))(?:([+-]${NUMBER})?x(\d+))?$`);

function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(text);
}

/** The values of a series description (`1+2x3 _x2 stale` → 1 3 5 7 _ _ stale), as promql/parser expands them. */
export function expandSeriesValues(text: string): SeriesValue[] {
  const out: SeriesValue[] = [];
  for (const item of text.split(/\s+/).filter(Boolean)) {
    const blanks = /^_(?:x(\d+))?$/.exec(item);
    if (blanks) {
      const n = blanks[1] === undefined ? 1 : Number(blanks[1]);
      for (let i = 0; i < n; i++) out.push(undefined);
      continue;
    }
    const m = ITEM.exec(item);
    if (!m) throw new Error(`bad series value ${JSON.stringify(item)}`);
    let value: number | 'stale' = m[1] ? 'stale' : parseNumber(m[2]!);
    if (m[4] === undefined) {
      out.push(value);
      continue;
    }
    const delta = m[3] === undefined ? 0 : parseNumber(m[3]);
    // n+1 values, the first for time 0; the step is added cumulatively (float rounding as in Go).
    for (let i = 0; i <= Number(m[4]); i++) {
      out.push(value);
      if (value !== 'stale') value += delta;
    }
  }
  return out;
}

/** `name{a="b", c="d"}` (either part optional) as a label record. */
export function parseMetric(text: string): Record<string, string> {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (!m) throw new Error(`bad metric ${JSON.stringify(text)}`);
  const record: Record<string, string> = {};
  if (m[1]) record['__name__'] = m[1];
  const body = m[2] ?? '';
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*(?:,|$)/gy;
  let end = 0;
  for (let p = pair.exec(body); p; p = pair.exec(body)) {
    const quoted = p[2]!;
    record[p[1]!] = quoted.startsWith('"')
      ? (JSON.parse(quoted) as string)
      : (JSON.parse('"' + quoted.slice(1, -1).replace(/"/g, '\\"') + '"') as string);
    end = pair.lastIndex;
  }
  if (body.slice(end).trim() !== '') throw new Error(`bad labels ${JSON.stringify(body)}`);
  return record;
}

/** Splits `metric{…} values…` at the end of the metric. */
export function splitSeriesLine(line: string): [metric: string, values: string] {
  const trimmed = line.trim();
  const brace = trimmed.indexOf('{');
  const space = trimmed.search(/\s/);
  if (brace !== -1 && (space === -1 || brace < space)) {
    const close = trimmed.lastIndexOf('}');
    return [trimmed.slice(0, close + 1), trimmed.slice(close + 1)];
  }
  return space === -1 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space)];
}

/** The lines of a `load <step>` block as series, sample i at i × step from time 0. */
export function loadSeries(stepMs: number, lines: readonly string[]): TestSeries[] {
  return lines.map((line) => {
    const [metric, values] = splitSeriesLine(line);
    const samples: TestSample[] = [];
    expandSeriesValues(values).forEach((v, i) => {
      if (v !== undefined) samples.push([i * stepMs, v]);
    });
    return { labels: parseMetric(metric), samples };
  });
}

// Syntax-tree builders, for tests that do not go through the parser.

export interface SelectorOptions {
  readonly offsetMs?: number;
  readonly at?: AtModifier;
  readonly matchers?: readonly LabelMatcher[];
}

/** `name{label="value", …}`: equality matchers from the record, more matchers from options. */
export function selector(
  name: string | undefined,
  labels: Readonly<Record<string, string>> = {},
  options: SelectorOptions = {},
): VectorSelector {
  const matchers: LabelMatcher[] = [];
  if (name !== undefined) matchers.push(labelMatcher('=', '__name__', name));
  for (const [label, value] of Object.entries(labels)) matchers.push(labelMatcher('=', label, value));
  matchers.push(...(options.matchers ?? []));
  return { kind: 'vector', name, matchers, offsetMs: options.offsetMs ?? 0, at: options.at };
}

export function rangeSelector(vector: VectorSelector, rangeMs: number): MatrixSelector {
  return { kind: 'matrix', vector, rangeMs };
}

export function subquery(
  expr: Expr,
  rangeMs: number,
  stepMs = 0,
  options: { readonly offsetMs?: number; readonly at?: AtModifier } = {},
): SubqueryExpr {
  return { kind: 'subquery', expr, rangeMs, stepMs, offsetMs: options.offsetMs ?? 0, at: options.at };
}

export function num(value: number): NumberLiteral {
  return { kind: 'number', value };
}

export function str(value: string): StringLiteral {
  return { kind: 'string', value };
}

export function call(func: string, ...args: Expr[]): Call {
  return { kind: 'call', func, args };
}

export function paren(expr: Expr): ParenExpr {
  return { kind: 'paren', expr };
}

export function neg(expr: Expr): UnaryExpr {
  return { kind: 'unary', op: '-', expr };
}

export interface BinaryOptions {
  readonly bool?: boolean;
  readonly on?: readonly string[];
  readonly ignoring?: readonly string[];
  readonly groupLeft?: readonly string[];
  readonly groupRight?: readonly string[];
}

export function binary(op: BinaryOp, lhs: Expr, rhs: Expr, options: BinaryOptions = {}): BinaryExpr {
  const vectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  const setOp = op === 'and' || op === 'or' || op === 'unless';
  const card = setOp
    ? 'many-to-many'
    : options.groupLeft
      ? 'many-to-one'
      : options.groupRight
        ? 'one-to-many'
        : 'one-to-one';
  return {
    kind: 'binary',
    op,
    lhs,
    rhs,
    matching: vectors
      ? {
          card,
          matchingLabels: options.on ?? options.ignoring ?? [],
          on: options.on !== undefined,
          include: options.groupLeft ?? options.groupRight ?? [],
        }
      : undefined,
    returnBool: options.bool ?? false,
  };
}

export function aggregate(
  op: AggregateOp,
  expr: Expr,
  options: {
    readonly by?: readonly string[];
    readonly without?: readonly string[];
    readonly param?: Expr;
  } = {},
): AggregateExpr {
  return {
    kind: 'aggregate',
    op,
    expr,
    param: options.param,
    grouping: options.by ?? options.without ?? [],
    without: options.without !== undefined,
  };
}
