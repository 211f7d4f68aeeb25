/**
 * alert_rule_test under both engines: rule files with `for`, `keep_firing_for`, labels and annotations
 * expanded by the Go template engine (functions, `query`, external labels and URL, failing templates,
 * templates that do not parse), the same alert name in two groups, rules reading ALERTS, rule errors
 * (clashing label sets, the group limit), and test files that pass and fail in every way promtool reports. mcpulse's runner must print
 * promtool 2.42's report (recorded below) byte for byte and exit as it does; where promtool is
 * installed, it is run on the same files and must print exactly what mcpulse prints. The file is long
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
  'alerts.yml': `groups:
  - name: alerts
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels:
          severity: page
        annotations:
          summary: 'Instance {{ $labels.instance }} down'
          value: '{{ $value }}'
      - alert: HighLoad
        expr: load > 1
        keep_firing_for: 3m
        labels:
          team: '{{ $labels.job }}'
        annotations:
          load: '{{ $value }}'
      - alert: AlwaysFiring
        expr: vector(1)
  - name: meta
    rules:
      - record: alerts:firing
        expr: count by (alertname) (ALERTS{alertstate="firing"})
      - alert: TooManyAlerts
        expr: count(ALERTS{alertstate="firing"}) > 2
      - alert: AlwaysFiring
        expr: vector(2)
        labels:
          source: meta
`,
  'clash-rules.yml': `groups:
  - name: clash
    rules:
      - alert: Clash
        expr: up == 0
        labels:
          instance: same
  - name: limited
    limit: 1
    rules:
      - alert: Many
        expr: up
`,
  'pass.test.yml': `rule_files: [alerts.yml]
evaluation_interval: 1m
group_eval_order: [alerts, meta]
tests:
  - name: states
    interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '1 1 0 0 0 0 1 0 0 0'
      - series: 'up{job="node", instance="b"}'
        values: '0x10'
      - series: 'load{job="api"}'
        values: '2 2 0 0 3 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 0m
        alertname: InstanceDown
      - eval_time: 2m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: b}
            exp_annotations: {summary: 'Instance b down', value: '0'}
      - eval_time: 5m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: b}
            exp_annotations: {summary: 'Instance b down', value: '0'}
          - exp_labels: {severity: page, job: node, instance: a}
            exp_annotations: {summary: 'Instance a down', value: '0'}
      - eval_time: 6m30s
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: b}
            exp_annotations: {summary: 'Instance b down', value: '0'}
      - eval_time: 3m
        alertname: HighLoad
        exp_alerts:
          - exp_labels: {team: api, job: api}
            exp_annotations: {load: '2'}
      - eval_time: 7m
        alertname: HighLoad
        exp_alerts:
          - exp_labels: {team: api, job: api}
            exp_annotations: {load: '3'}
      - eval_time: 8m
        alertname: HighLoad
      - eval_time: 1m
        alertname: AlwaysFiring
        exp_alerts:
          - exp_labels: {}
          - exp_labels: {source: meta}
    promql_expr_test:
      - expr: ALERTS{alertname="InstanceDown"}
        eval_time: 3m
        exp_samples:
          - labels: 'ALERTS{alertname="InstanceDown", alertstate="firing", instance="b", job="node", severity="page"}'
            value: 1
          - labels: 'ALERTS{alertname="InstanceDown", alertstate="pending", instance="a", job="node", severity="page"}'
            value: 1
      - expr: ALERTS_FOR_STATE{alertname="InstanceDown"}
        eval_time: 4m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="InstanceDown", instance="b", job="node", severity="page"}'
            value: 0
          - labels: 'ALERTS_FOR_STATE{alertname="InstanceDown", instance="a", job="node", severity="page"}'
            value: 120
      - expr: alerts:firing
        eval_time: 4m
        exp_samples:
          - labels: 'alerts:firing{alertname="AlwaysFiring"}'
            value: 2
          - labels: 'alerts:firing{alertname="HighLoad"}'
            value: 1
          - labels: 'alerts:firing{alertname="InstanceDown"}'
            value: 2
          - labels: 'alerts:firing{alertname="TooManyAlerts"}'
            value: 1
      - expr: ALERTS{alertname="HighLoad"}
        eval_time: 8m
      - expr: ALERTS_FOR_STATE{alertname="InstanceDown", instance="a"}
        eval_time: 8m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="InstanceDown", instance="a", job="node", severity="page"}'
            value: 420
      - expr: ALERTS{alertname="InstanceDown", instance="a"}
        eval_time: 9m
        exp_samples:
          - labels: 'ALERTS{alertname="InstanceDown", alertstate="firing", instance="a", job="node", severity="page"}'
            value: 1
  - name: external
    interval: 30s
    external_labels: {cluster: eu}
    external_url: http://prom.example
    input_series:
      - series: 'up{job="x", instance="c"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 90s
        alertname: InstanceDown
      - eval_time: 2m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: x, instance: c}
            exp_annotations: {summary: 'Instance c down', value: '0'}
`,
  'fail.test.yml': `rule_files: [alerts.yml]
evaluation_interval: 1m
group_eval_order: [alerts, meta]
tests:
  - name: wrong
    interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '0x10'
      - series: 'up{job="node", instance="b"}'
        values: '0x10'
      - series: 'load{job="api"}'
        values: '2 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 1m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: a}
      - eval_time: 2m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: a}
            exp_annotations: {summary: 'Instance a down', value: '0'}
      - eval_time: 3m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: node, instance: a, extra: ""}
            exp_annotations: {summary: 'Instance a down', value: '0'}
          - exp_labels: {severity: page, job: node, instance: b}
            exp_annotations: {summary: "Instance \\"b\\"\\tdown", value: '0'}
      - eval_time: 4m
        alertname: HighLoad
      - eval_time: 5m
        alertname: HighLoad
        exp_alerts:
          - exp_labels: {team: api, job: api}
            exp_annotations: {load: '2'}
      - eval_time: 2m
        alertname: NoSuchAlert
        exp_alerts:
          - exp_labels: {x: y}
    promql_expr_test:
      - expr: ALERTS{alertname="HighLoad"}
        eval_time: 4m
      - expr: ALERTS_FOR_STATE{alertname="InstanceDown", instance="a"}
        eval_time: 4m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="InstanceDown", instance="a", job="node", severity="page"}'
            value: 60
  - interval: 1m
    input_series:
      - series: 'up{job="node", instance="a"}'
        values: '0x3'
    alert_rule_test:
      - eval_time: 3m
        alertname: AlwaysFiring
`,
  'clash.test.yml': `rule_files: [clash-rules.yml]
# Without an order, promtool evaluates the groups in Go's random map order.
group_eval_order: [clash, limited]
tests:
  - interval: 1m
    input_series:
      - series: 'up{instance="a"}'
        values: '1 0'
      - series: 'up{instance="b"}'
        values: '_ 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: Clash
  - interval: 1m
    input_series:
      - series: 'up{instance="a"}'
        values: '1 1'
    alert_rule_test:
      - eval_time: 2m
        alertname: Many
        exp_alerts:
          - exp_labels: {instance: a}
`,
  'templates.yml': `groups:
  - name: t
    rules:
      - alert: Templated
        expr: errors / requests > 0.1
        for: 1m
        labels:
          severity: '{{ if gt $value 0.5 }}page{{ else }}ticket{{ end }}'
          source: '{{ $externalLabels.cluster }}'
        annotations:
          summary: '{{ $labels.job }} errors at {{ $value | humanizePercentage }}'
          big: '{{ 1234567 | humanize }} {{ 3725 | humanizeDuration }} {{ printf "%.2f" $value }}'
          link: '{{ $externalURL }}/alerts'
          query: '{{ with query "requests" }}{{ . | first | value }}{{ end }}'
          broken: '{{ .Nope }}'
          nourl: '{{ externalURL }}'
          empty: '{{ if false }}x{{ end }}'
`,
  'templates.test.yml': `rule_files: [templates.yml]
evaluation_interval: 1m
tests:
  - name: templates
    interval: 1m
    external_labels: {cluster: eu-1}
    external_url: http://prom.example:9090
    input_series:
      - series: 'errors{job="api"}'
        values: '0 30 30 80'
      - series: 'requests{job="api"}'
        values: '100x4'
    alert_rule_test:
      - eval_time: 2m
        alertname: Templated
        exp_alerts:
          - exp_labels: {job: api, severity: ticket, source: eu-1}
            exp_annotations:
              summary: 'api errors at 30%'
              big: '1.235M 1h 2m 5s 0.30'
              link: 'http://prom.example:9090/alerts'
              query: '100'
              empty: ''
      - eval_time: 3m
        alertname: Templated
        exp_alerts:
          - exp_labels: {job: api, severity: ticket, source: eu-1}
`,
  'badtmpl.yml': `groups:
  - name: g
    rules:
      - alert: Bad
        expr: up == 0
        labels:
          severity: '{{ .Foo'
        annotations:
          summary: '{{ nosuchfunc }}'
`,
  'badtmpl.test.yml': `rule_files: [badtmpl.yml]
tests:
  - interval: 1m
`,
};

/** promtool 2.42's stderr on each test file (recorded from it; re-checked below where it is installed). */
const PROMTOOL_STDERR: Readonly<Record<string, string>> = {
  'pass.test.yml': ``,
  'fail.test.yml': `  FAILED:
    name: wrong,
    alertname: InstanceDown, time: 1m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{}
            ], 
        got:[]
    name: wrong,
    alertname: InstanceDown, time: 2m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance a down", value="0"}
            ], 
        got:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance a down", value="0"},
            1:
              Labels:{alertname="InstanceDown", instance="b", job="node", severity="page"}
              Annotations:{summary="Instance b down", value="0"}
            ]
    name: wrong,
    alertname: NoSuchAlert, time: 2m, 
        exp:[
            0:
              Labels:{alertname="NoSuchAlert", x="y"}
              Annotations:{}
            ], 
        got:[]
    name: wrong,
    alertname: InstanceDown, time: 3m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", extra="", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance a down", value="0"},
            1:
              Labels:{alertname="InstanceDown", instance="b", job="node", severity="page"}
              Annotations:{summary="Instance \\"b\\"\\tdown", value="0"}
            ], 
        got:[
            0:
              Labels:{alertname="InstanceDown", instance="a", job="node", severity="page"}
              Annotations:{summary="Instance a down", value="0"},
            1:
              Labels:{alertname="InstanceDown", instance="b", job="node", severity="page"}
              Annotations:{summary="Instance b down", value="0"}
            ]
    name: wrong,
    alertname: HighLoad, time: 5m, 
        exp:[
            0:
              Labels:{alertname="HighLoad", job="api", team="api"}
              Annotations:{load="2"}
            ], 
        got:[]
    expr: "ALERTS_FOR_STATE{alertname=\\"InstanceDown\\", instance=\\"a\\"}", time: 4m,
        exp: {__name__="ALERTS_FOR_STATE", alertname="InstanceDown", instance="a", job="node", severity="page"} 6E+01
        got: {__name__="ALERTS_FOR_STATE", alertname="InstanceDown", instance="a", job="node", severity="page"} 0E+00
    alertname: AlwaysFiring, time: 3m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="AlwaysFiring"}
              Annotations:{},
            1:
              Labels:{alertname="AlwaysFiring", source="meta"}
              Annotations:{}
            ]
`,
  'clash.test.yml': `  FAILED:
    rule: Clash, time: 1m0s, err: vector contains metrics with the same labelset after applying alert labels
    rule: Many, time: 1m0s, err: exceeded limit of 1 with 2 alerts
`,
  'templates.test.yml': `  FAILED:
    name: templates,
    alertname: Templated, time: 2m, 
        exp:[
            0:
              Labels:{alertname="Templated", job="api", severity="ticket", source="eu-1"}
              Annotations:{big="1.235M 1h 2m 5s 0.30", empty="", link="http://prom.example:9090/alerts", query="100", summary="api errors at 30%"}
            ], 
        got:[
            0:
              Labels:{alertname="Templated", job="api", severity="ticket", source="eu-1"}
              Annotations:{big="1.235M 1h 2m 5s 0.30", broken="<error expanding template: error executing template __alert_Templated: template: __alert_Templated:1:115: executing \\"__alert_Templated\\" at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>", empty="", link="http://prom.example:9090/alerts", nourl="<error expanding template: error executing template __alert_Templated: template: __alert_Templated:1:115: executing \\"__alert_Templated\\" at <externalURL>: error calling externalURL: runtime error: invalid memory address or nil pointer dereference>", query="100", summary="api errors at 30%"}
            ]
    name: templates,
    alertname: Templated, time: 3m, 
        exp:[
            0:
              Labels:{alertname="Templated", job="api", severity="ticket", source="eu-1"}
              Annotations:{}
            ], 
        got:[]
`,
  'badtmpl.test.yml': `  FAILED:
badtmpl.yml: group "g", rule 1, "Bad": label "severity": template: __alert_Bad:1: unclosed action
badtmpl.yml: group "g", rule 1, "Bad": annotation "summary": template: __alert_Bad:1: function "nosuchfunc" not defined
`,
};

const ERROR_COUNTS: Readonly<Record<string, number>> = {
  'pass.test.yml': 0,
  'fail.test.yml': 7,
  'clash.test.yml': 2,
  'templates.test.yml': 2,
  'badtmpl.test.yml': 2,
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpulse-alert-test-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  status: number | null;
  stdout: string;
  stderr: string;
}

const relative = (text: string): string => text.replaceAll(`${dir}/`, '');

/** mcpulse's runner on a file of the directory; the directory is cut from the report. */
async function mcpulse(name: string): Promise<Report> {
  let stdout = '';
  let stderr = '';
  const status = await runRuleUnitTests([join(dir, name)], {
    ...rulesTestOptions(),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { status, stdout: relative(stdout), stderr: relative(stderr) };
}

const stdoutOf = (name: string, errors: number): string =>
  `Unit Testing:  ${name}\n${errors === 0 ? '  SUCCESS\n' : '\n'.repeat(errors)}\n`;

describe('alert_rule_test in mcpulse rules test', () => {
  for (const [name, errors] of Object.entries(ERROR_COUNTS)) {
    it(`${name}: exit ${errors === 0 ? 0 : 1}, ${errors} error(s), promtool's text`, async () => {
      expect(await mcpulse(name)).toEqual({
        status: errors === 0 ? 0 : 1,
        stdout: stdoutOf(name, errors),
        stderr: PROMTOOL_STDERR[name],
      });
    });
  }
});

describe.runIf(hasBinary('promtool'))('alert_rule_test under promtool itself', () => {
  it('prints exactly what mcpulse prints, with the same exit code, on every file', async () => {
    for (const name of Object.keys(ERROR_COUNTS)) {
      const result = spawnSync('promtool', ['test', 'rules', join(dir, name)], { encoding: 'utf8' });
      const promtool = {
        status: result.status,
        stdout: relative(result.stdout),
        stderr: relative(result.stderr),
      };
      expect({ name, ...promtool }).toEqual({ name, ...(await mcpulse(name)) });
    }
  });
});
