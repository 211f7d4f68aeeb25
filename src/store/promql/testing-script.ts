/**
 * Runs scripts in the notation of Prometheus's promql/testdata (promql/test.go): `load <step>` blocks of
 * series descriptions, `clear`, and `eval[_fail|_ordered] instant at <time> <expr>` followed by the
 * expected samples. Like test.go, every eval also runs with `@ <time>` added to its selectors at
 * several other evaluation times, and as a range query over [t - 1m, t + 1m] at 1m whose point at t
 * must match; values compare with test.go's relative tolerance. Returns the failures, one a line.
 */
import { labelsFrom, labelsKey, formatLabels, type Labels } from '../labels.js';
import type { Expr } from './ast.js';
import { PromqlEngine } from './engine.js';
import { QueryError } from './errors.js';
import {
  arrayQueryable,
  expandSeriesValues,
  parseDuration,
  parseMetric,
  splitSeriesLine,
  type TestSample,
  type TestSeries,
} from './testing.js';
import type { QueryValue, Sample } from './value.js';

export type Parse = (text: string) => Expr;

interface Expected {
  readonly scalar: number | undefined;
  readonly samples: Map<string, { labels: Labels; value: number; position: number }>;
}

const EPSILON = 0.000001;
const MIN_NORMAL = 2.2250738585072014e-308;

/** test.go's almostEqual. */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

function expectedValue(text: string): number {
  const [value] = expandSeriesValues(text);
  if (typeof value !== 'number') throw new Error(`bad expected value ${JSON.stringify(text)}`);
  return value;
}

function parseExpected(lines: readonly string[]): Expected {
  const expected: Expected = { scalar: undefined, samples: new Map() };
  lines.forEach((line, i) => {
    if (/^[-+]?(\d|\.\d|Inf|NaN)/i.test(line)) {
      expected.samples.clear();
      (expected as { scalar: number | undefined }).scalar = expectedValue(line);
      return;
    }
    const [metric, values] = splitSeriesLine(line);
    const labels = labelsFrom(parseMetric(metric));
    expected.samples.set(labelsKey(labels), { labels, value: expectedValue(values), position: i + 1 });
  });
  return expected;
}

function compare(expected: Expected, result: QueryValue, ordered: boolean): string | undefined {
  if (result.type === 'scalar') {
    if (expected.scalar === undefined) return `expected a vector, got scalar ${result.v}`;
    return almostEqual(expected.scalar, result.v)
      ? undefined
      : `expected scalar ${expected.scalar}, got ${result.v}`;
  }
  if (result.type !== 'vector') return `unexpected ${result.type} result`;
  return compareVector(expected, result.samples, ordered);
}

function compareVector(expected: Expected, samples: readonly Sample[], ordered: boolean): string | undefined {
  if (expected.scalar !== undefined) return `expected scalar ${expected.scalar}, got a vector`;
  const seen = new Set<string>();
  for (const [position, sample] of samples.entries()) {
    const key = labelsKey(sample.metric);
    const want = expected.samples.get(key);
    if (want === undefined) return `unexpected metric ${formatLabels(sample.metric)} in result`;
    if (ordered && want.position !== position + 1) {
      return `expected ${formatLabels(sample.metric)} at position ${want.position}, was at ${position + 1}`;
    }
    if (!almostEqual(want.value, sample.v)) {
      return `expected ${want.value} for ${formatLabels(sample.metric)}, got ${sample.v}`;
    }
    seen.add(key);
  }
  for (const [key, want] of expected.samples) {
    if (!seen.has(key)) return `expected metric ${formatLabels(want.labels)} with ${want.value} not found`;
  }
  return undefined;
}

const AT_UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

/**
 * atModifierTestCases: expr with `@ t` on every selector and subquery lacking one (inside a subquery,
 * which gets one first, nothing changes), or undefined when a time-dependent function is outside.
 */
function withAt(expr: Expr, timeMs: number): Expr | undefined {
  let unsafe = false;
  const at = { kind: 'time', timeMs } as const;
  const walk = (e: Expr): Expr => {
    switch (e.kind) {
      // test.go sets the time where the parser left none: `@ start()` and `@ end()` get it too.
      case 'vector':
        return e.at?.kind === 'time' ? e : { ...e, at };
      case 'matrix':
        return { ...e, vector: e.vector.at?.kind === 'time' ? e.vector : { ...e.vector, at } };
      case 'subquery':
        return { ...e, at: e.at?.kind === 'time' ? e.at : at };
      case 'call':
        if (AT_UNSAFE.has(e.func)) unsafe = true;
        return { ...e, args: e.args.map((a) => walk(a)) };
      case 'aggregate':
        return { ...e, expr: walk(e.expr), param: e.param && walk(e.param) };
      case 'binary':
        return { ...e, lhs: walk(e.lhs), rhs: walk(e.rhs) };
      case 'unary':
      case 'paren':
        return { ...e, expr: walk(e.expr) };
      default:
        return e;
    }
  };
  const out = walk(expr);
  return unsafe ? undefined : out;
}

function failure(line: number, text: string, detail: string): string {
  return `line ${line}: ${text}: ${detail}`;
}

/** Runs a script; each failure is reported with its line. `evals` counts the queries run. */
export function runPromqlScript(script: string, parse: Parse): { failures: string[]; evals: number } {
  const lines = script.split('\n').map((l) => {
    const trimmed = l.trim();
    return trimmed.startsWith('#') ? '' : trimmed;
  });
  const failures: string[] = [];
  let evals = 0;
  let series = new Map<string, { labels: Record<string, string>; samples: TestSample[] }>();
  let engine: PromqlEngine | undefined;
  const block = (from: number): string[] => {
    const out: string[] = [];
    for (let j = from; j < lines.length && lines[j] !== ''; j++) out.push(lines[j]!);
    return out;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (line === 'clear') {
      series = new Map();
      engine = undefined;
      continue;
    }
    const load = /^load\s+(\S+)$/.exec(line);
    if (load) {
      const step = parseDuration(load[1]!);
      const defs = block(i + 1);
      for (const def of defs) {
        const [metric, values] = splitSeriesLine(def);
        const labels = parseMetric(metric);
        const key = labelsKey(labelsFrom(labels));
        const entry = series.get(key) ?? { labels, samples: [] };
        expandSeriesValues(values).forEach((v, n) => {
          if (v !== undefined) entry.samples.push([n * step, v]);
        });
        series.set(key, entry);
      }
      engine = undefined;
      i += defs.length;
      continue;
    }
    const ev = /^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(\S+?))?\s+(.+)$/.exec(line);
    if (!ev) {
      failures.push(failure(i + 1, line, 'unknown command'));
      continue;
    }
    const [, mode, at = '0s', text] = ev as unknown as [
      string,
      string | undefined,
      string | undefined,
      string,
    ];
    const expectedLines = block(i + 1);
    i += expectedLines.length;
    const expected = parseExpected(expectedLines);
    engine ??= new PromqlEngine(arrayQueryable([...series.values()] as TestSeries[]), { maxSamples: 10_000 });
    const timeMs = parseDuration(at);
    let expr: Expr;
    try {
      expr = parse(text);
    } catch (error) {
      failures.push(failure(i + 1, text, `parse: ${(error as Error).message}`));
      continue;
    }
    const cases: [Expr, number][] = [[expr, timeMs]];
    const atExpr = withAt(expr, timeMs);
    if (atExpr !== undefined) {
      const times =
        timeMs === 0 ? [-1000, 0, 1000] : [-10 * timeMs, 0, Math.trunc(timeMs / 5), timeMs, 10 * timeMs];
      for (const t of times) cases.push([atExpr, t]);
    }
    for (const [query, t] of cases) {
      evals++;
      const label = `${text} at ${t}ms${query === expr ? '' : ' with @'}`;
      let result: QueryValue;
      try {
        result = engine.instant(query, t);
      } catch (error) {
        if (mode === 'fail' && error instanceof QueryError) continue;
        failures.push(failure(i + 1, label, `error: ${(error as Error).message}`));
        continue;
      }
      if (mode === 'fail') {
        failures.push(failure(i + 1, label, 'expected an error, got none'));
        continue;
      }
      const mismatch = compare(expected, result, mode === 'ordered');
      if (mismatch !== undefined) failures.push(failure(i + 1, label, mismatch));
      try {
        const matrix = engine.range(query, t - 60_000, t + 60_000, 60_000);
        if (mode === 'ordered') continue;
        const atT: Sample[] = [];
        for (const s of matrix.series) {
          const point = s.points.find((p) => p.t === t);
          if (point) atT.push({ metric: s.metric, t, v: point.v });
        }
        const rangeMismatch =
          result.type === 'scalar'
            ? compare(expected, { type: 'scalar', t, v: atT[0]?.v ?? NaN }, false)
            : compareVector(expected, atT, false);
        if (rangeMismatch !== undefined) failures.push(failure(i + 1, label, `range mode: ${rangeMismatch}`));
      } catch (error) {
        failures.push(failure(i + 1, label, `range mode error: ${(error as Error).message}`));
      }
    }
  }
  return { failures, evals };
}
