/**
 * Alert templates against the real Prometheus 2.42. Every snippet of test/template-cases.ts is an
 * annotation of an alert whose one sample gives `$value` and `$labels`; mcpulse's expansion of each
 * becomes the expected annotation of a generated `promtool test rules` file, which promtool must
 * pass (where promtool prints something else, the test lists the case with both strings). The
 * snippets that do not parse go into a rule file that `promtool check rules` must refuse with
 * mcpulse's messages, which mcpulse's own rule-file loader reports the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { hasBinary } from '../../../test/binaries.js';
import { PromqlEngine } from '../../store/promql/engine.js';
import { loadRuleFile } from '../rule-file.js';
import { parseSeriesDescription } from '../series-notation.js';
import { UnitTestStorage } from '../test-storage.js';
import { checkTemplate, expandAlertTemplate, type TemplateSample } from './index.js';
import { CASES, DATA_SETS, PARSE_ERROR_CASES } from '../../../test/template-cases.js';

const EXTERNAL_LABELS = { cluster: 'c1' };
const EXTERNAL_URL = 'http://prom.example:9090/prom';
const SEVERITY = '{{ if gt $value 1000.0 }}page{{ else }}ticket{{ end }}';

const ruleName = (set: string): string => `T_${set}`;
const seriesLabels = (set: string): Record<string, string> => ({ ...DATA_SETS[set]!.labels, set });

function seriesText(set: string): string {
  const labels = Object.entries(seriesLabels(set)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `tmpl_case{${labels.join(', ')}}`;
}

/** The store promtool's test would hold (every data set's sample at t=0) and a query over it. */
function queryOverDataSets(): (expr: string, timeMs: number) => TemplateSample[] {
  const storage = new UnitTestStorage();
  const appender = storage.appender();
  for (const set of Object.keys(DATA_SETS)) {
    const description = parseSeriesDescription(`${seriesText(set)} ${DATA_SETS[set]!.value}`);
    const value = description.values[0];
    appender.append(description.labels, 0, typeof value === 'number' ? value : NaN);
  }
  appender.commit();
  const engine = new PromqlEngine(storage);
  return (expr, timeMs) => {
    const result = engine.instant(expr, timeMs);
    const toRecord = (labels: readonly { name: string; value: string }[]): Record<string, string> =>
      Object.fromEntries(labels.map((l) => [l.name, l.value]));
    if (result.type === 'vector')
      return result.samples.map((s) => ({ labels: toRecord(s.metric), value: s.v }));
    if (result.type === 'scalar') return [{ labels: {}, value: result.v }];
    throw new Error('rule result is not a vector or scalar');
  };
}

function valueOf(set: string): number {
  const value = parseSeriesDescription(`x ${DATA_SETS[set]!.value}`).values[0];
  return typeof value === 'number' ? value : NaN;
}

function mcpulseExpansions(): string[] {
  const query = queryOverDataSets();
  return CASES.map((testCase) => {
    const set = testCase.data;
    return expandAlertTemplate(
      testCase.template,
      {
        labels: { __name__: 'tmpl_case', ...seriesLabels(set) },
        externalLabels: EXTERNAL_LABELS,
        externalURL: EXTERNAL_URL,
        value: valueOf(set),
      },
      { name: ruleName(set), timeMs: 0, query },
    );
  });
}

/** Go's %q text back to a string (labels.String() quotes annotation values). */
function unquote(quoted: string): string {
  const json = quoted
    .replace(/\\x([0-9a-f]{2})/g, '\\u00$1')
    .replace(/\\a/g, '\\u0007')
    .replace(/\\v/g, '\\u000b')
    .replace(/\\U([0-9a-f]{8})/g, (_, hex: string) =>
      JSON.stringify(String.fromCodePoint(parseInt(hex, 16))).slice(1, -1),
    );
  return JSON.parse(json) as string;
}

/** The annotations promtool got, by case index, from its failure report. */
function promtoolGot(report: string): Map<number, string> {
  const got = new Map<number, string>();
  for (const block of report.split('got:[').slice(1)) {
    const annotations = /Annotations:\{(.*)\}\n/.exec(block)?.[1] ?? '';
    for (const match of annotations.matchAll(/c(\d+)="((?:[^"\\]|\\.)*)"/g))
      got.set(Number(match[1]), unquote(`"${match[2]}"`));
  }
  return got;
}

function run(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('alert template cases', () => {
  it('cover at least 60 snippets, and mcpulse prints every hand-written expectation', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    const ours = mcpulseExpansions();
    const wrong = CASES.flatMap((testCase, i) =>
      testCase.expect !== undefined && ours[i] !== testCase.expect
        ? [{ template: testCase.template, want: testCase.expect, got: ours[i] }]
        : [],
    );
    expect(wrong).toEqual([]);
    expect(CASES.filter((testCase) => testCase.expect !== undefined).length).toBeGreaterThanOrEqual(35);
  });
});

describe.runIf(hasBinary('promtool'))('alert templates: mcpulse against promtool 2.42', () => {
  let dir: string;
  let ours: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpulse-templates-'));
    ours = mcpulseExpansions();
    const sets = Object.keys(DATA_SETS);
    const annotationsOf = (set: string, values: readonly string[]): Record<string, string> =>
      Object.fromEntries(
        CASES.flatMap((testCase, i) => (testCase.data === set ? [[`c${i}`, values[i]!]] : [])),
      );
    const rules = sets.map((set) => ({
      alert: ruleName(set),
      expr: `tmpl_case{set="${set}"}`,
      labels: { severity: SEVERITY },
      annotations: annotationsOf(
        set,
        CASES.map((testCase) => testCase.template),
      ),
    }));
    writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [{ name: 'templates', rules }] }));
    const severity = (set: string): string =>
      expandAlertTemplate(SEVERITY, { labels: {}, value: valueOf(set) }, { name: ruleName(set), timeMs: 0 });
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          external_labels: EXTERNAL_LABELS,
          external_url: EXTERNAL_URL,
          input_series: sets.map((set) => ({ series: seriesText(set), values: DATA_SETS[set]!.value })),
          alert_rule_test: sets.map((set) => ({
            eval_time: '0m',
            alertname: ruleName(set),
            exp_alerts: [
              {
                exp_labels: { ...seriesLabels(set), severity: severity(set) },
                exp_annotations: annotationsOf(set, ours),
              },
            ],
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'test.yml'), stringify(tests));
    const bad = PARSE_ERROR_CASES.map((template, i) => ({
      alert: `P${i}`,
      expr: 'up',
      annotations: { a: template },
    }));
    writeFileSync(join(dir, 'bad.yml'), stringify({ groups: [{ name: 'bad', rules: bad }] }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`promtool test rules prints what mcpulse prints for all ${CASES.length} snippets`, () => {
    const report = run(['test', 'rules', 'test.yml'], dir);
    const got = promtoolGot(report.output);
    const differ = [...got].flatMap(([i, text]) =>
      text !== ours[i] ? [{ template: CASES[i]!.template, promtool: text, mcpulse: ours[i] }] : [],
    );
    expect(differ).toEqual([]);
    expect(report.output).toContain('SUCCESS');
    expect(report.status).toBe(0);
  });

  it(`promtool check rules refuses the ${PARSE_ERROR_CASES.length} unparsable templates with mcpulse's messages`, () => {
    const report = run(['check', 'rules', 'bad.yml'], dir);
    expect(report.status).toBe(1);
    const expected = PARSE_ERROR_CASES.map((template, i) => {
      const message = checkTemplate(`P${i}`, template);
      return `bad.yml: group "bad", rule ${i + 1}, "P${i}": annotation "a": ${message ?? 'parses'}`;
    });
    const promtoolLines = report.output.split('\n').filter((line) => line.startsWith('bad.yml: '));
    const wanted = expected.map((line) => line.replace(/\n/g, '\\n'));
    expect(promtoolLines.join('\n')).toBe(expected.join('\n'));
    void wanted;
    const loaded = loadRuleFile(join(dir, 'bad.yml'), () => undefined);
    expect(loaded.errors.map((error) => error.replace(`${join(dir, 'bad.yml')}: `, 'bad.yml: '))).toEqual(
      expected,
    );
  });
});
