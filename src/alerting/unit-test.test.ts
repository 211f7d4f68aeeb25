/**
 * The unit-test runner on test files whose promtool 2.42 report is known (taken from promtool and
 * kept below): a passing file with recording rules (group order, rule labels, staleness of a rule's
 * series, a group interval), failures of every kind, rule errors, bad series, bad YAML. mcpulse must
 * print promtool's stdout and stderr and exit as it does. Where promtool is installed, it is run on the
 * same files too, so the expectations below are checked against the oracle itself. The file is long
 * because the test files and promtool's reports are inline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hasBinary } from '../../test/binaries.js';
import { rulesTestOptions } from '../cli/rules-test.js';
import { runRuleUnitTests } from './unit-test.js';

const FILES: Readonly<Record<string, string>> = {
  'rules.yml': `groups:
  - name: base
    rules:
      - record: job:requests:rate1m
        expr: sum by (job) (rate(requests_total[1m]))
      - record: job:requests:rate1m_x2
        expr: job:requests:rate1m * 2
        labels:
          scaled: "yes"
      - record: up:filtered
        expr: up == 1
      - record: constant
        expr: 42
        labels:
          source: rule
  - name: derived
    interval: 30s
    rules:
      - record: total:requests:rate1m
        expr: sum(job:requests:rate1m)
`,
  'limit-rules.yml': `groups:
  - name: limited
    limit: 1
    rules:
      - record: many
        expr: g
`,
  'clash-rules.yml': `groups:
  - name: clash
    rules:
      - record: g
        expr: g * 10
`,
  'bad-rules.yml': `groups:
  - name: g1
    rules:
      - record: a
        expr: vector(1)
        for: 5m
        annotations: {x: y}
        labels: {"bad-name": v}
      - expr: vector(1)
      - record: "bad name"
        alert: X
        expr: ""
      - record: ok
        expr: sum(
      - alert: Named
        expr: up == 0
        labels: {__name__: z}
        annotations: {"bad annotation": x}
  - name: g1
    rules: []
  - rules: []
`,
  'scalar-rules.yml': `groups: 5
`,
  'seq-name-rules.yml': `groups:
 - name: [1]
`,
  'pass.yml': `rule_files:
  - rules.yml
evaluation_interval: 1m
group_eval_order: [base, derived]
tests:
  - name: rates
    interval: 15s
    input_series:
      - series: 'requests_total{job="api", instance="a"}'
        values: '0+15x40'
      - series: 'requests_total{job="api", instance="b"}'
        values: '0+30x40'
      - series: 'requests_total{job="web", instance="c"}'
        values: '0+6x20 0+6x19'
      - series: 'up{job="api"}'
        values: '1x8 0x8 1x8 stale'
    promql_expr_test:
      - expr: job:requests:rate1m
        eval_time: 5m
        exp_samples:
          - labels: 'job:requests:rate1m{job="api"}'
            value: 3
          - labels: 'job:requests:rate1m{job="web"}'
            value: 0.4
      - expr: job:requests:rate1m_x2{job="api"}
        eval_time: 5m
        exp_samples:
          - labels: 'job:requests:rate1m_x2{job="api", scaled="yes"}'
            value: 6
      - expr: total:requests:rate1m
        eval_time: 6m
        exp_samples:
          - labels: total:requests:rate1m
            value: 3.3
      - expr: up:filtered
        eval_time: 2m
        exp_samples:
          - labels: 'up:filtered{job="api"}'
            value: 1
      - expr: up:filtered
        eval_time: 4m
        exp_samples: []
      - expr: count_over_time(up:filtered[10m])
        eval_time: 10m
        exp_samples:
          - labels: '{job="api"}'
            value: 5
      - expr: constant
        eval_time: 1m30s
        exp_samples:
          - labels: 'constant{source="rule"}'
            value: 42
      - expr: timestamp(constant)
        eval_time: 1m30s
        exp_samples:
          - labels: '{source="rule"}'
            value: 60
  - interval: 1m
    input_series:
      - series: 'g{a="1"}'
        values: '1 2 3'
    promql_expr_test:
      - expr: g
        eval_time: 1m
        exp_samples:
          - labels: 'g{a="1"}'
            value: 2
      - expr: vector(1)
        eval_time: 0
        exp_samples:
          - value: 1
      - expr: 1 + 1
        eval_time: 0
        exp_samples:
          - value: 2
`,
  'fail.yml': `tests:
  - interval: 1m
    input_series:
      - series: 'g{a="1"}'
        values: '1 NaN 3 stale 5'
      - series: 'g{a="2"}'
        values: '0.1+0.2x4'
    promql_expr_test:
      - expr: g
        eval_time: 1m
        exp_samples:
          - labels: 'g{a="1"}'
            value: .nan
          - labels: 'g{a="2"}'
            value: 0.30000000000000004
      - expr: g{a="2"}
        eval_time: 2m
        exp_samples:
          - labels: 'g{a="2"}'
            value: 0.5
      - expr: g
        eval_time: 3m
        exp_samples: []
      - expr: g{a="1"}
        eval_time: 4m
        exp_samples:
          - labels: 'g{a="1"'
            value: 5
      - expr: sum(
        eval_time: 0
      - expr: g + on(a) group_left g
        eval_time: 0
        exp_samples:
          - labels: '{a="1"}'
            value: 2
      - expr: -g{a="2"}
        eval_time: 0
        exp_samples:
          - labels: '{a="2"}'
            value: -0.1
          - labels: '{a=""}'
            value: 0
      - expr: 1 / 0
        eval_time: 0
        exp_samples:
          - value: .inf
      - expr: -1 / 0 * g{a="2"}
        eval_time: 90s
        exp_samples:
          - labels: '{a="2"}'
            value: -.inf
`,
  'rule-errors.yml': `rule_files: [limit-rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'g{a="1"}'
        values: '1 2'
      - series: 'g{a="2"}'
        values: '_ 2'
    promql_expr_test:
      - expr: many
        eval_time: 2m
`,
  'clash.yml': `rule_files: [clash-rules.yml, missing-*.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'g{a="1"}'
        values: '1 2'
    promql_expr_test:
      - expr: g
        eval_time: 2m
`,
  'order.yml': `group_eval_order: [a, b, a]
tests: []
`,
  'series-errors.yml': `evaluation_interval: 30s
tests:
  - interval: 1m
    input_series:
      - series: 'g{a="1"'
        values: '1 2'
  - input_series:
      - series: '{}'
        values: '1 2'
    promql_expr_test:
      - expr: vector(1)
        eval_time: 1m
        exp_samples: [{value: 1}]
  - interval: 1m
    input_series:
      - series: 'g'
        values: '1 2x'
  - input_series:
      - series: 'g'
        values: '1 2 3'
    promql_expr_test:
      - expr: g
        eval_time: 1m
        exp_samples: [{labels: g, value: 1}]
`,
  'yaml-errors.yml': `evaluation_interval: 1m
tests:
  - interval: 1m
    unknown: true
    promql_expr_test:
      - expr: vector(1)
        eval_time: 0
        exp_samples: [{value: one}, {value: yes}, {value: [1]}]
`,
  'duration-error.yml': `tests:
  - interval: 90
`,
  'bad-rules-test.yml': `rule_files: [bad-rules.yml]
tests:
  - interval: 1m
`,
  'scalar-rules-test.yml': `rule_files: [scalar-rules.yml]
tests:
  - interval: 1m
`,
  'seq-name-rules-test.yml': `rule_files: [seq-name-rules.yml]
tests:
  - interval: 1m
`,
};

/** What promtool 2.42 writes to stderr for each test file; stdout is the heading and one blank line per error. */
const PROMTOOL_STDERR: Readonly<Record<string, string>> = {
  'pass.yml': ``,
  'fail.yml': `  FAILED:
    expr: "g", time: 1m,
        exp: {__name__="g", a="1"} NaN, {__name__="g", a="2"} 3.0000000000000004E-01
        got: {__name__="g", a="1"} NaN, {__name__="g", a="2"} 3.0000000000000004E-01
    expr: "g", time: 3m,
        exp: nil
        got: {__name__="g", a="2"} 7E-01
    expr: "g{a=\\"1\\"}", time: 4m, err: labels "g{a=\\"1\\"": 1:8: parse error: unexpected end of input inside braces
    expr: "sum(", time: 0s, err: 1:5: parse error: unclosed left parenthesis
    expr: "g + on(a) group_left g", time: 0s,
        exp: {a="1"} 2E+00
        got: {a="1"} 2E+00, {a="2"} 2E-01
    expr: "-g{a=\\"2\\"}", time: 0s,
        exp: {a=""} 0E+00, {a="2"} -1E-01
        got: {a="2"} -1E-01
`,
  'rule-errors.yml': `  FAILED:
    rule: many, time: 1m0s, err: exceeded limit of 1 with 2 series
`,
  'clash.yml': `  WARNING: no file match pattern missing-*.yml
  FAILED:
    rule: g, time: 0s, err: duplicate sample for timestamp
`,
  'order.yml': `  FAILED:
group name repeated in evaluation order: a
`,
  'series-errors.yml': `  FAILED:
1:9: parse error: unexpected character inside braces: '1'
empty labelset: invalid sample
empty labelset: invalid sample
empty labelset: invalid sample
1:7: parse error: unexpected end of input in series values
`,
  'yaml-errors.yml': `  FAILED:
yaml: unmarshal errors:
  line 4: field unknown not found in type main.testGroup
  line 8: cannot unmarshal !!str \`one\` into float64
  line 8: cannot unmarshal !!bool \`yes\` into float64
  line 8: cannot unmarshal !!seq into float64
`,
  'duration-error.yml': `  FAILED:
not a valid duration string: "90"
`,
  'bad-rules-test.yml': `  FAILED:
bad-rules.yml: 4:17: group "g1", rule 1, "a": invalid field 'annotations' in recording rule
bad-rules.yml: 4:17: group "g1", rule 1, "a": invalid field 'for' in recording rule
bad-rules.yml: group "g1", rule 1, "a": invalid label name: bad-name
bad-rules.yml: 0:0: group "g1", rule 2, "": one of 'record' or 'alert' must be set
bad-rules.yml: 10:17: 11:16: group "g1", rule 3, "X": only one of 'record' and 'alert' must be set
bad-rules.yml: 12:15: group "g1", rule 3, "X": field 'expr' must be set in rule
bad-rules.yml: 10:17: group "g1", rule 3, "X": invalid recording rule name: bad name
bad-rules.yml: 14:15: group "g1", rule 4, "ok": could not parse expression: 1:5: parse error: unclosed left parenthesis
bad-rules.yml: group "g1", rule 5, "Named": invalid label name: __name__
bad-rules.yml: group "g1", rule 5, "Named": invalid annotation name: bad annotation
bad-rules.yml: 19:5: groupname: "g1" is repeated in the same file
bad-rules.yml: 21:5: Groupname must not be empty
`,
  'scalar-rules-test.yml': `  FAILED:
scalar-rules.yml: yaml: unmarshal errors:
  line 1: cannot unmarshal !!int \`5\` into []rulefmt.RuleGroup
scalar-rules.yml: yaml: unmarshal errors:
  line 1: cannot unmarshal !!int \`5\` into []yaml.Node
`,
  'seq-name-rules-test.yml': `  FAILED:
seq-name-rules.yml: yaml: unmarshal errors:
  line 2: cannot unmarshal !!seq into string
`,
};

const ERROR_COUNTS: Readonly<Record<string, number>> = {
  'pass.yml': 0,
  'fail.yml': 6,
  'rule-errors.yml': 1,
  'clash.yml': 1,
  'order.yml': 1,
  'series-errors.yml': 5,
  'yaml-errors.yml': 1,
  'duration-error.yml': 1,
  'bad-rules-test.yml': 12,
  'scalar-rules-test.yml': 2,
  'seq-name-rules-test.yml': 1,
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpulse-unit-test-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs mcpulse's runner on files of the temporary directory; paths in the report are made relative. */
async function run(...names: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runRuleUnitTests(
    names.map((name) => join(dir, name)),
    {
      ...rulesTestOptions(),
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
    },
  );
  const relative = (text: string) => text.replaceAll(`${dir}/`, '');
  return { status, stdout: relative(stdout), stderr: relative(stderr) };
}

function stdoutOf(name: string, errors: number): string {
  return `Unit Testing:  ${name}\n${errors === 0 ? '  SUCCESS\n' : '\n'.repeat(errors)}\n`;
}

describe('mcpulse rules test reports as promtool test rules does', () => {
  for (const [name, errors] of Object.entries(ERROR_COUNTS)) {
    it(`${name}: exit ${errors === 0 ? 0 : 1}, ${errors} error(s), promtool's text`, async () => {
      const result = await run(name);
      expect(result.stderr).toBe(PROMTOOL_STDERR[name]);
      expect(result.stdout).toBe(stdoutOf(name, errors));
      expect(result.status).toBe(errors === 0 ? 0 : 1);
    });
  }

  it('runs several files in order and fails when any fails', async () => {
    const result = await run('pass.yml', 'order.yml');
    expect(result.stdout).toBe(stdoutOf('pass.yml', 0) + stdoutOf('order.yml', 1));
    expect(result.stderr).toBe(PROMTOOL_STDERR['order.yml']);
    expect(result.status).toBe(1);
  });
});

describe.runIf(hasBinary('promtool'))('the expectations, against promtool itself', () => {
  it('promtool prints the same reports on the same files', () => {
    for (const [name, errors] of Object.entries(ERROR_COUNTS)) {
      const result = spawnSync('promtool', ['test', 'rules', name], { cwd: dir, encoding: 'utf8' });
      expect({ name, stderr: result.stderr, stdout: result.stdout, status: result.status }).toEqual({
        name,
        stderr: PROMTOOL_STDERR[name],
        stdout: stdoutOf(name, errors),
        status: errors === 0 ? 0 : 1,
      });
    }
  });
});
