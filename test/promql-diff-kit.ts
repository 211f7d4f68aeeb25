/**
 * The differential suite's machinery: a case (input series in promtool's expanding notation, an
 * expression, evaluation times) evaluated by mcpulse directly (SeriesStore + PromqlEngine), then
 * written as a promtool unit-test file whose expected samples are mcpulse's answers, and promtool's
 * report on that file read back to name the cases it failed.
 *
 * NaN answers cannot be expected (promtool compares with ==, so NaN never equals NaN). A case whose
 * answer holds a NaN is checked through two NaN-free expressions instead, both evaluated by mcpulse too:
 * `(E) >= -Inf` (every non-NaN element, labels and values exact; vectors only) and `(E) >= bool -Inf`
 * (1 per element, 0 where E is NaN: which elements are NaN).
 */
import { labelsFrom, labelsKey, type Labels } from '../src/store/labels.js';
import type { SelectedSeries } from '../src/store/queryable.js';
import { PromqlEngine } from '../src/store/promql/engine.js';
import { parseExpr } from '../src/store/promql/parse.js';
import type { QueryValue } from '../src/store/promql/value.js';
import { SeriesStore } from '../src/store/series-store.js';
import {
  formatGoLabels,
  formatModelDuration,
  goQuote,
  parseModelDuration,
} from '../src/alerting/go-format.js';
import { OMITTED, parseSeriesDescription, STALE } from '../src/alerting/series-notation.js';

export interface DiffCase {
  readonly name: string;
  /** The input series' interval (promtool's `interval`); default 1m. */
  readonly interval?: string;
  /** [series, values] in promtool's notation. */
  readonly series: readonly (readonly [string, string])[];
  readonly expr: string;
  /** Evaluation times, as promtool's durations (`5m`, `7m30s`). */
  readonly at: readonly string[];
}

/** promtool's evaluation_interval default: the rule loop's step, and how far input samples are loaded. */
export const EVALUATION_INTERVAL_MS = 60_000;

export interface Answer {
  readonly labels: Labels;
  readonly value: number;
}

/** One promql_expr_test entry: mcpulse's answer (samples), or the error it gave. */
export interface Check {
  readonly caseIndex: number;
  readonly expr: string;
  readonly timeMs: number;
  readonly answer: readonly Answer[] | { readonly error: string };
  /** 'direct' for the case's own expression, 'nan-filter' / 'nan-bool' for the NaN stand-ins. */
  readonly form: 'direct' | 'nan-filter' | 'nan-bool';
  /** The answer changes with the order the store hands series out (float sums, ties in topk…). */
  readonly orderSensitive: boolean;
}

function answerOf(value: QueryValue): Answer[] {
  if (value.type === 'vector') return value.samples.map((s) => ({ labels: s.metric, value: s.v }));
  if (value.type === 'scalar') return [{ labels: [], value: value.v }];
  // promtool's query() refuses these the same way.
  throw new Error('rule result is not a vector or scalar');
}

/** FNV-1a of a label set's key, to shuffle series in a fixed order. */
function hashOf(labels: Labels, seed: number): number {
  let hash = seed;
  for (const char of labelsKey(labels)) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0;
  return hash;
}

/**
 * The orders a store might hand series out in besides label order. promtool's TSDB hands them out in
 * the order they were created, and its lazy loader creates the series of one batch in Go's random map
 * order: an answer that depends on the order is only reproducible when each series starts in a batch
 * of its own, in label order.
 */
const ORDERS: readonly ((series: SelectedSeries[]) => SelectedSeries[])[] = [
  (series) => [...series].reverse(),
  // Each of three series last once, with the two above: what a sum of three depends on.
  (series) => (series.length < 2 ? series : [series[series.length - 1]!, ...series.slice(0, -1)]),
  (series) => [...series].sort((a, b) => hashOf(a.labels, 2_166_136_261) - hashOf(b.labels, 2_166_136_261)),
  (series) => [...series].sort((a, b) => hashOf(a.labels, 7) - hashOf(b.labels, 7)),
];

function sameAnswer(a: Answer[] | { error: string }, b: Answer[] | { error: string }): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return !Array.isArray(a) && !Array.isArray(b);
  if (a.length !== b.length) return false;
  const values = new Map(a.map((x) => [labelsKey(x.labels), x.value]));
  return b.every((y) => {
    const x = values.get(labelsKey(y.labels));
    return x !== undefined && (x === y.value || (Number.isNaN(x) && Number.isNaN(y.value)));
  });
}

/** Each series' first sample time, for checking that an order-sensitive case has a fixed creation order. */
export function firstSampleTimes(testCase: DiffCase): { labels: Labels; firstMs: number }[] {
  const intervalMs = parseModelDuration(testCase.interval ?? '1m');
  return testCase.series.map(([series, values]) => {
    const parsed = parseSeriesDescription(`${series} ${values}`);
    const labels = labelsFrom(Object.fromEntries(parsed.labels.map((l) => [l.name, l.value])));
    const first = parsed.values.findIndex((value) => value !== OMITTED);
    return { labels, firstMs: first < 0 ? Infinity : first * intervalMs };
  });
}

/**
 * Evaluates a case with mcpulse. The store holds what promtool's lazy loader would have appended by
 * the case's last evaluation step (samples up to the latest time, rounded down to the evaluation
 * interval), so offsets reaching forward see the same data in both.
 */
export function evaluateCase(testCase: DiffCase, caseIndex: number): Check[] {
  const intervalMs = parseModelDuration(testCase.interval ?? '1m');
  const times = testCase.at.map(parseModelDuration);
  const loadedUntil = Math.floor(Math.max(...times) / EVALUATION_INTERVAL_MS) * EVALUATION_INTERVAL_MS;
  const store = new SeriesStore({ retentionMs: 366 * 24 * 3_600_000 });
  for (const [series, values] of testCase.series) {
    const parsed = parseSeriesDescription(`${series} ${values}`);
    const labels = labelsFrom(Object.fromEntries(parsed.labels.map((l) => [l.name, l.value])));
    parsed.values.forEach((value, k) => {
      const t = k * intervalMs;
      if (value === OMITTED || t > loadedUntil) return;
      if (value === STALE) store.appendStale(labels, t);
      else store.append(labels, t, value);
    });
  }
  const settings = { lookbackDeltaMs: 300_000, subqueryStepMs: EVALUATION_INTERVAL_MS, maxSamples: 10_000 };
  const engine = new PromqlEngine(store, settings);
  const reordered = ORDERS.map(
    (order) => new PromqlEngine({ select: (m, mint, maxt) => order(store.select(m, mint, maxt)) }, settings),
  );
  const run = (
    on: PromqlEngine,
    expr: string,
    timeMs: number,
  ): { value?: QueryValue; answer: Answer[] | { error: string } } => {
    try {
      const value = on.instant(parseExpr(expr), timeMs);
      return { value, answer: answerOf(value) };
    } catch (error) {
      return { answer: { error: error instanceof Error ? error.message : String(error) } };
    }
  };
  const check = (expr: string, timeMs: number, form: Check['form']): Check & { value?: QueryValue } => {
    const { value, answer } = run(engine, expr, timeMs);
    const orderSensitive = reordered.some((other) => !sameAnswer(answer, run(other, expr, timeMs).answer));
    return { caseIndex, expr, timeMs, answer, form, orderSensitive, value };
  };
  const checks: Check[] = [];
  for (const timeMs of times) {
    const { value, ...direct } = check(testCase.expr, timeMs, 'direct');
    const answer = direct.answer;
    if (!(Array.isArray(answer) && answer.some((a) => Number.isNaN(a.value)))) {
      checks.push(direct);
      continue;
    }
    if (value?.type !== 'scalar')
      checks.push(withoutValue(check(`(${testCase.expr}) >= -Inf`, timeMs, 'nan-filter')));
    checks.push(withoutValue(check(`(${testCase.expr}) >= bool -Inf`, timeMs, 'nan-bool')));
  }
  return checks;
}

function withoutValue({ value: _value, ...rest }: Check & { value?: QueryValue }): Check {
  return rest;
}

/** A float as YAML that Go's yaml reads back to the same float64. */
function yamlFloat(value: number): string {
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  return String(value);
}

/**
 * A promtool unit-test file: one test group per case, holding the given checks. Each group also
 * evaluates at its case's latest time, so promtool loads the same samples however the checks split.
 */
export function unitTestFile(cases: readonly DiffCase[], checks: readonly Check[]): string {
  let out = `evaluation_interval: ${formatModelDuration(EVALUATION_INTERVAL_MS)}\ntests:\n`;
  const byCase = new Map<number, Check[]>();
  for (const check of checks) byCase.set(check.caseIndex, [...(byCase.get(check.caseIndex) ?? []), check]);
  for (const [caseIndex, caseChecks] of byCase) {
    const testCase = cases[caseIndex]!;
    out += `  - name: ${JSON.stringify(testCase.name)}\n    interval: ${testCase.interval ?? '1m'}\n    input_series:\n`;
    for (const [series, values] of testCase.series) {
      out += `      - series: ${JSON.stringify(series)}\n        values: ${JSON.stringify(values)}\n`;
    }
    out += '    promql_expr_test:\n';
    for (const check of caseChecks) {
      out += `      - expr: ${JSON.stringify(check.expr)}\n        eval_time: ${formatModelDuration(check.timeMs)}\n`;
      if (!Array.isArray(check.answer) || check.answer.length === 0) {
        out += '        exp_samples: []\n';
        continue;
      }
      out += '        exp_samples:\n';
      for (const sample of check.answer) {
        out += `          - labels: ${JSON.stringify(formatGoLabels(sample.labels))}\n            value: ${yamlFloat(sample.value)}\n`;
      }
    }
    const latest = Math.max(...testCase.at.map(parseModelDuration));
    if (!caseChecks.some((check) => check.timeMs === latest)) {
      out += `      - expr: "vector(1)"\n        eval_time: ${formatModelDuration(latest)}\n        exp_samples: [{value: 1}]\n`;
    }
  }
  return out;
}

/** One error of promtool's report on a unit-test file: for a promql_expr_test, its expr and time. */
export interface ReportedError {
  /** The expression as promtool quoted it (Go's %q). */
  readonly expr: string | undefined;
  readonly time: string | undefined;
  readonly text: string;
  /** The query error's message, when the entry is `…, err: <message>`. */
  readonly queryError: string | undefined;
}

const EXPR_LINE = /^ {4}expr: ("(?:[^"\\]|\\.)*"), time: ([^,]+),(?: err: (.*))?$/;

/** Splits promtool's stderr (after `  FAILED:`) into its errors. */
export function reportedErrors(stderr: string): ReportedError[] {
  const errors: ReportedError[] = [];
  for (const line of stderr.split('\n')) {
    if (line === '' || line === '  FAILED:' || line.startsWith('  WARNING:')) continue;
    const match = EXPR_LINE.exec(line);
    const last = errors[errors.length - 1];
    if (match) {
      errors.push({ expr: match[1], time: match[2], text: line, queryError: match[3] });
    } else if (line.startsWith('        ') && last) {
      errors[errors.length - 1] = { ...last, text: `${last.text}\n${line}` };
    } else errors.push({ expr: undefined, time: undefined, text: line, queryError: undefined });
  }
  return errors;
}

/** Pairs reported errors with the checks, in file order; returns each error's check (or undefined). */
export function matchErrors(
  checks: readonly Check[],
  errors: readonly ReportedError[],
): { check: Check | undefined; error: ReportedError }[] {
  const ordered = [...checks].sort((a, b) => a.caseIndex - b.caseIndex);
  let next = 0;
  return errors.map((error) => {
    for (let i = next; i < ordered.length; i++) {
      const check = ordered[i]!;
      if (goQuote(check.expr) === error.expr && formatModelDuration(check.timeMs) === error.time) {
        next = i + 1;
        return { check, error };
      }
    }
    return { check: undefined, error };
  });
}
