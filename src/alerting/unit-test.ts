/**
 * `promtool test rules` against mcpulse's engine: the same unit-test files, the same report on stdout
 * and stderr, the same exit code (0 when every file passes, 1 otherwise). Per test group, as promtool
 * 2.42 does it: the input series are appended lazily, up to each evaluation time; the rule groups are
 * evaluated every `evaluation_interval` from 0 to the latest `eval_time`, in `group_eval_order`, their
 * results appended; then each `promql_expr_test` is queried and its samples compared exactly (sorted by
 * labels, float64 equality, so NaN never equals NaN); each `alert_rule_test` is checked right after
 * the evaluation at or just before its eval_time (unit-test-alerts.ts). Alerting rules write ALERTS and
 * ALERTS_FOR_STATE as Prometheus does, so expressions may read them.
 */
import { dirname, isAbsolute, join } from 'node:path';

import { compareLabels, type Label } from '../store/labels.js';
import type { Queryable } from '../store/queryable.js';
import type { QueryValue } from '../store/promql/value.js';
import { goGlob } from './go-glob.js';
import { formatFloatE, formatGoDuration, formatGoLabels, formatModelDuration, goQuote } from './go-format.js';
import { loadRuleFile, type ExpressionCheck, type RuleGroupSpec } from './rule-file.js';
import type { AlertTemplateExpander } from './alerting-rule.js';
import { resultVector, RuleGroup } from './rule-group.js';
import { parseMetric } from './series-notation.js';
import { UnitTestStorage } from './test-storage.js';
import { checkAlertTests } from './unit-test-alerts.js';
import {
  LazyLoader,
  loadSeries,
  readUnitTestFile,
  type LoadedSeries,
  type PromqlTestCase,
  type TestGroup,
  type UnitTestFile,
} from './unit-test-file.js';
import { YamlDecodeError } from './yaml-decode.js';

/** The engine settings promtool's unit tests run with. */
export interface UnitTestEngineSettings {
  /** Prometheus's default, 5 minutes. */
  readonly lookbackDeltaMs: number;
  /** A subquery without a step uses the file's evaluation_interval. */
  readonly noStepSubqueryIntervalMs: number;
  /** promtool's test engine refuses a query that would load more samples than this. */
  readonly maxSamples: number;
}

export interface UnitTestEngine {
  /** Evaluates `expr` at `timeMs`; throws (a QueryError) when the query fails. */
  instant(expr: string, timeMs: number): QueryValue | Promise<QueryValue>;
}

export interface UnitTestOptions {
  readonly createEngine: (queryable: Queryable, settings: UnitTestEngineSettings) => UnitTestEngine;
  /** Checks a rule's expression; returns the parse error's message, or undefined. */
  readonly checkExpression: ExpressionCheck;
  /** Expands alerting rules' label and annotation templates. */
  readonly expandTemplate: AlertTemplateExpander;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
const LOOKBACK_DELTA_MS = 300_000;
const MAX_SAMPLES = 10_000;

/** A sample to compare, with the raw label list (an expected one may hold empty values). */
interface ComparedSample {
  readonly labels: readonly Label[];
  readonly value: number;
}

function sampleString(sample: ComparedSample): string {
  return `${formatGoLabels(sample.labels)} ${formatFloatE(sample.value)}`;
}

function samplesString(samples: readonly ComparedSample[]): string {
  return samples.length === 0 ? 'nil' : samples.map(sampleString).join(', ');
}

function sameSamples(a: readonly ComparedSample[], b: readonly ComparedSample[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    if (x.value !== y.value || x.labels.length !== y.labels.length) return false;
    return x.labels.every(
      (label, j) => label.name === y.labels[j]!.name && label.value === y.labels[j]!.value,
    );
  });
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Manager.LoadGroups, then orderedGroups: every group of every file (keyed by file and name, so a file
 * listed twice counts once), sorted by group_eval_order (groups it does not name count as first).
 */
function loadRuleGroups(
  ruleFiles: readonly string[],
  order: ReadonlyMap<string, number>,
  checkExpression: ExpressionCheck,
  create: (spec: RuleGroupSpec) => RuleGroup,
): { groups: RuleGroup[]; errors?: undefined } | { groups?: undefined; errors: string[] } {
  const specs = new Map<string, RuleGroupSpec>();
  for (const file of ruleFiles) {
    const loaded = loadRuleFile(file, checkExpression);
    if (loaded.errors.length > 0) return { errors: loaded.errors };
    for (const spec of loaded.groups) specs.set(`${file};${spec.name}`, spec);
  }
  const groups = [...specs.values()].map(create);
  return { groups: groups.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)) };
}

/** One promql_expr_test: its error in promtool's words, or undefined when it passes. */
async function checkPromqlTest(
  test: PromqlTestCase,
  query: (expr: string, timeMs: number) => QueryValue | Promise<QueryValue>,
): Promise<string | undefined> {
  const expr = test.expr ?? '';
  const head = `    expr: ${goQuote(expr)}, time: ${formatModelDuration(test.eval_time ?? 0)}`;
  let got: ComparedSample[];
  try {
    const vector = resultVector(await query(expr, test.eval_time ?? 0));
    got = vector.map((sample) => ({ labels: sample.metric, value: sample.v }));
  } catch (error) {
    return `${head}, err: ${message(error)}`;
  }
  const expected: ComparedSample[] = [];
  for (const sample of test.exp_samples ?? []) {
    const text = sample?.labels ?? '';
    try {
      expected.push({ labels: parseMetric(text), value: sample?.value ?? 0 });
    } catch (error) {
      return `${head}, err: labels ${goQuote(text)}: ${message(error)}`;
    }
  }
  expected.sort((a, b) => compareLabels(a.labels, b.labels));
  got.sort((a, b) => compareLabels(a.labels, b.labels));
  if (sameSamples(expected, got)) return undefined;
  return `${head},\n        exp: ${samplesString(expected)}\n        got: ${samplesString(got)}`;
}

/** testGroup.test: one group's errors, in promtool's wording (empty when it passes). */
async function runTestGroup(
  group: TestGroup,
  evalIntervalMs: number,
  order: ReadonlyMap<string, number>,
  ruleFiles: readonly string[],
  options: UnitTestOptions,
): Promise<string[]> {
  let series: LoadedSeries[];
  try {
    series = loadSeries(group);
  } catch (error) {
    return [message(error)];
  }
  const storage = new UnitTestStorage();
  const engine = options.createEngine(storage, {
    lookbackDeltaMs: LOOKBACK_DELTA_MS,
    noStepSubqueryIntervalMs: evalIntervalMs,
    maxSamples: MAX_SAMPLES,
  });
  const query = (expr: string, timeMs: number) => engine.instant(expr, timeMs);

  const loaded = loadRuleGroups(ruleFiles, order, options.checkExpression, (spec) => {
    return new RuleGroup(spec, {
      expandTemplate: options.expandTemplate,
      externalLabels: group.external_labels,
      externalURL: group.external_url,
      // promtool's rule manager has no web URL: the externalURL and pathPrefix functions fail.
      templateURL: null,
      defaultIntervalMs: group.interval || undefined,
    });
  });
  if (loaded.errors !== undefined) return loaded.errors;
  const groups = loaded.groups;

  const alertTests = (group.alert_rule_test ?? []).map((test) => test ?? {});
  for (const test of alertTests) {
    if (!test.alertname) {
      const where = group.name ? ` (in TestGroup ${group.name})` : '';
      return [
        `an item under alert_rule_test misses required attribute alertname at eval_time ${formatModelDuration(test.eval_time ?? 0)}${where}`,
      ];
    }
  }
  const alertTimes = [...new Set(alertTests.map((test) => test.eval_time ?? 0))].sort((a, b) => a - b);
  const promqlTests = (group.promql_expr_test ?? []).map((test) => test ?? {});
  const maxt = Math.max(0, ...alertTimes, ...promqlTests.map((test) => test.eval_time ?? 0));

  const errors: string[] = [];
  const loader = new LazyLoader(series, storage);
  let nextAlertTime = 0;
  for (let ts = 0; ts <= maxt; ts += evalIntervalMs) {
    const evalErrors: string[] = [];
    const refused = loader.appendTill(ts);
    if (refused !== undefined) errors.push(refused);
    else {
      for (const ruleGroup of groups) {
        await ruleGroup.evaluate(query, storage, ts);
        for (const rule of ruleGroup.rules) {
          if (rule.lastError !== undefined) {
            evalErrors.push(`    rule: ${rule.name}, time: ${formatGoDuration(ts)}, err: ${rule.lastError}`);
          }
        }
      }
    }
    errors.push(...evalErrors);
    if (evalErrors.length > 0) return errors;
    for (
      ;
      nextAlertTime < alertTimes.length && alertTimes[nextAlertTime]! < ts + evalIntervalMs;
      nextAlertTime++
    ) {
      const time = alertTimes[nextAlertTime]!;
      const due = alertTests.filter((t) => (t.eval_time ?? 0) === time);
      errors.push(...checkAlertTests(due, groups, group.name));
    }
  }

  for (const test of promqlTests) {
    const error = await checkPromqlTest(test, query);
    if (error !== undefined) errors.push(error);
  }
  return errors;
}

/** ruleUnitTest: one file's errors (empty when it passes); prints its heading and warnings. */
async function runUnitTestFile(file: string, options: UnitTestOptions): Promise<string[]> {
  options.stdout(`Unit Testing:  ${file}\n`);
  let parsed: UnitTestFile | string[];
  try {
    parsed = readUnitTestFile(file);
  } catch (error) {
    if (error instanceof YamlDecodeError) return [error.message];
    throw error;
  }
  if (Array.isArray(parsed)) return parsed;
  const ruleFiles: string[] = [];
  for (const entry of parsed.rule_files ?? []) {
    const pattern = entry && !isAbsolute(entry) ? join(dirname(file), entry) : (entry ?? '');
    let matches: string[];
    try {
      matches = goGlob(pattern);
    } catch (error) {
      return [message(error)];
    }
    if (matches.length === 0) options.stderr(`  WARNING: no file match pattern ${pattern}\n`);
    ruleFiles.push(...matches);
  }
  const evalIntervalMs = parsed.evaluation_interval || DEFAULT_EVALUATION_INTERVAL_MS;
  const order = new Map<string, number>();
  for (const [i, name] of (parsed.group_eval_order ?? []).entries()) {
    if (order.has(name ?? '')) return [`group name repeated in evaluation order: ${name ?? ''}`];
    order.set(name ?? '', i);
  }
  const errors: string[] = [];
  for (const group of parsed.tests ?? []) {
    errors.push(...(await runTestGroup(group ?? {}, evalIntervalMs, order, ruleFiles, options)));
  }
  return errors;
}

/** RulesUnitTest: runs every file, prints promtool's report; resolves with its exit code (0 or 1). */
export async function runRuleUnitTests(files: readonly string[], options: UnitTestOptions): Promise<number> {
  let failed = false;
  for (const file of files) {
    const errors = await runUnitTestFile(file, options);
    if (errors.length > 0) {
      options.stderr('  FAILED:\n');
      for (const error of errors) {
        options.stderr(`${error}\n`);
        options.stdout('\n');
      }
      failed = true;
    } else options.stdout('  SUCCESS\n');
    options.stdout('\n');
  }
  return failed ? 1 : 0;
}
