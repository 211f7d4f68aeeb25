/**
 * Differential tests with the real Prometheus as the oracle. Every case (input series in promtool's
 * expanding notation, an expression, evaluation times) is evaluated by mcpulse directly; its answers
 * become the expected samples of a generated `promtool test rules` file, which promtool 2.42 must pass:
 * same label sets, float64-equal values. Answers holding NaN are checked through NaN-free stand-ins
 * (promql-diff-kit.ts). Where mcpulse refuses a query, promtool must refuse it too. The same files then
 * go through `mcpulse rules test`, which must report exactly what promtool reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runRuleUnitTests } from '../src/alerting/unit-test.js';
import { rulesTestOptions } from '../src/cli/rules-test.js';
import { hasBinary } from './binaries.js';
import { CASES, ERROR_CASES } from './promql-cases/index.js';
import { compareLabels } from '../src/store/labels.js';
import {
  EVALUATION_INTERVAL_MS,
  evaluateCase,
  firstSampleTimes,
  matchErrors,
  reportedErrors,
  unitTestFile,
  type Check,
} from './promql-diff-kit.js';

/** What the cases must cover: issue 11's list of supported selectors, functions and operators. */
const COVERAGE: readonly (readonly [string, RegExp])[] = [
  ['= matcher', /\{[^}]*\w="/],
  ['!= matcher', /\{[^}]*\w!="/],
  ['=~ matcher', /\{[^}]*\w=~"/],
  ['!~ matcher', /\{[^}]*\w!~"/],
  ['offset', /\boffset\b/],
  ...[
    'rate',
    'irate',
    'increase',
    'delta',
    'histogram_quantile',
    'absent',
    'absent_over_time',
    'scalar',
    'vector',
  ]
    .concat(['clamp_min', 'clamp_max', 'abs', 'round', 'label_replace'])
    .concat(['avg', 'min', 'max', 'sum', 'count', 'last', 'quantile'].map((f) => `${f}_over_time`))
    .map((f): [string, RegExp] => [f, new RegExp(`(^|[^\\w])${f}\\(`)]),
  ['time()', /\btime\(\)/],
  ...['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile'].flatMap(
    (op): [string, RegExp][] => [
      [`${op} by`, new RegExp(`\\b${op}( by \\([^)]*\\) \\(|\\(.*\\) by \\()`)],
      [`${op} without`, new RegExp(`\\b${op} without \\(`)],
    ],
  ),
  ...['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<='].map((op): [string, RegExp] => [
    `operator ${op}`,
    new RegExp(` ${op.replace(/[+*/^$]/g, '\\$&')} `),
  ]),
  ['bool', / bool /],
  ['and', / and /],
  ['or', / or /],
  ['unless', / unless /],
  ['on', / on\(/],
  ['ignoring', / ignoring\(/],
  ['group_left', / group_left\b/],
  ['group_right', / group_right\b/],
  ['subquery', /\[\d+[smh]:\d*[smh]?\]/],
];

function promtool(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('promtool', ['test', 'rules', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function mcpulseRulesTest(file: string): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runRuleUnitTests([file], {
    ...rulesTestOptions(),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { status, stdout, stderr };
}

describe.runIf(hasBinary('promtool'))('PromQL differential: mcpulse against promtool 2.42', () => {
  const all = [...CASES, ...ERROR_CASES];
  let dir: string;
  let checks: Check[];
  let answered: Check[];
  let refused: Check[];
  const label = (check: Check): string =>
    `${all[check.caseIndex]!.name} @ ${check.timeMs / 1000}s [${check.form}]`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpulse-promql-diff-'));
    checks = all.flatMap((testCase, i) => evaluateCase(testCase, i));
    answered = checks.filter((check) => Array.isArray(check.answer));
    refused = checks.filter((check) => !Array.isArray(check.answer));
    const nan = checks.filter((check) => check.form !== 'direct').length;
    const ordered = checks.filter((check) => check.orderSensitive).length;
    console.log(
      `promql differential: ${CASES.length} cases (+${ERROR_CASES.length} refused-query cases), ` +
        `${checks.length} checks: ${answered.length} answered (${nan} through NaN stand-ins, ${ordered} order-sensitive), ` +
        `${refused.length} refused`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has at least 200 cases, covering every supported function and operator', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    const exprs = CASES.map((c) => c.expr);
    const missing = COVERAGE.filter(([, pattern]) => !exprs.some((expr) => pattern.test(expr))).map(
      ([name]) => name,
    );
    expect(missing).toEqual([]);
    const values = CASES.flatMap((c) => c.series.map(([, v]) => v));
    expect(values.some((v) => /\bstale\b/.test(v))).toBe(true);
    expect(values.some((v) => /(^| )_( |x|$)/.test(v))).toBe(true);
  });

  it('answers that depend on series order come from cases whose series promtool creates in label order', () => {
    const sensitive = [
      ...new Set(checks.filter((check) => check.orderSensitive).map((check) => check.caseIndex)),
    ];
    const unordered = sensitive
      .filter((index) => {
        // The lazy loader creates a series at the first evaluation step at or after its first sample.
        const steps = firstSampleTimes(all[index]!)
          .sort((a, b) => compareLabels(a.labels, b.labels))
          .map(({ firstMs }) => Math.ceil(firstMs / EVALUATION_INTERVAL_MS));
        return !steps.every((step, i) => i === 0 || step > steps[i - 1]!);
      })
      .map((index) => all[index]!.name);
    expect(unordered).toEqual([]);
    expect(sensitive.length).toBeGreaterThan(0);
  });

  it('promtool passes every answer mcpulse gives, floats compared exactly', () => {
    const file = join(dir, 'answered.yml');
    writeFileSync(file, unitTestFile(all, answered));
    const report = promtool(file);
    const failed = matchErrors(answered, reportedErrors(report.stderr)).map(({ check, error }) =>
      check ? `${label(check)}\n${error.text}` : error.text,
    );
    expect(failed).toEqual([]);
    expect(report.status).toBe(0);
  });

  it('mcpulse rules test passes the same file, with promtool’s report', async () => {
    const file = join(dir, 'answered.yml');
    writeFileSync(file, unitTestFile(all, answered));
    const ours = await mcpulseRulesTest(file);
    expect(ours.stderr).toBe('');
    expect(ours.stdout).toBe(`Unit Testing:  ${file}\n  SUCCESS\n\n`);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(promtool(file).stdout);
  });

  it('promtool refuses every query mcpulse refuses, and mcpulse rules test reports the same', async () => {
    const refusedCases = new Set(refused.map((check) => check.caseIndex));
    const notRefused = ERROR_CASES.map((c, i) => [c, i + CASES.length] as const)
      .filter(([, index]) => !refusedCases.has(index))
      .map(([c]) => c.name);
    expect(notRefused).toEqual([]);
    const file = join(dir, 'refused.yml');
    writeFileSync(file, unitTestFile(all, refused));
    const report = promtool(file);
    const matched = matchErrors(refused, reportedErrors(report.stderr));
    const disagreements = matched
      .filter(({ check, error }) => check === undefined || error.queryError === undefined)
      .map(({ check, error }) => (check ? `${label(check)}\n${error.text}` : error.text));
    expect(disagreements).toEqual([]);
    expect(matched.map(({ check }) => check)).toEqual(refused);
    expect(report.status).toBe(1);
    const sameMessage = matched.filter(({ check, error }) => {
      const answer = check?.answer;
      return answer !== undefined && 'error' in answer && error.queryError?.endsWith(answer.error) === true;
    });
    console.log(
      `promql differential: ${sameMessage.length} of ${refused.length} refusals word their error as promtool does (promtool lists duplicate series in map order, so this count varies)`,
    );

    const ours = await mcpulseRulesTest(file);
    expect(ours.status).toBe(1);
    expect(ours.stdout).toBe(report.stdout);
    expect(reportedErrors(ours.stderr).map((error) => [error.expr, error.time])).toEqual(
      reportedErrors(report.stderr).map((error) => [error.expr, error.time]),
    );
  });
});
