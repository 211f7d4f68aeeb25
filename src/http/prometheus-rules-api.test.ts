import { describe, expect, it } from 'vitest';

import { createPrometheusApi, type PrometheusQueryService } from './prometheus-api.js';
import {
  formatFloatLowerE,
  goTimeJson,
  type RuleGroupView,
  type RulesStatusService,
} from './prometheus-rules-api.js';

const T = Date.UTC(2026, 11, 2, 1, 2, 3, 450);

const groups: RuleGroupView[] = [
  {
    name: 'g',
    file: '/rules/a.yml',
    intervalMs: 15_000,
    limit: 0,
    lastEvaluationMs: T,
    evaluationDurationMs: 1.25,
    rules: [
      {
        type: 'recording',
        name: 'job:up:sum',
        query: 'sum by (job) (up)',
        labels: {},
        health: 'ok',
        lastError: '',
        lastEvaluationMs: T,
        evaluationDurationMs: 0.5000000001,
      },
      {
        type: 'alerting',
        name: 'Down',
        query: 'up == 0',
        labels: { severity: 'page', a: 'x' },
        health: 'err',
        lastError: 'boom <here>',
        lastEvaluationMs: 0,
        evaluationDurationMs: 0,
        durationMs: 300_000,
        keepFiringForMs: 0,
        annotations: { summary: '{{ $labels.job }} down' },
        state: 'firing',
        alerts: [
          {
            labels: { job: 'j', alertname: 'Down' },
            annotations: {},
            state: 'firing',
            activeAtMs: T,
            value: 0,
            keepFiringSinceMs: 0,
          },
          {
            labels: { job: 'k', alertname: 'Down' },
            annotations: { summary: 'k down' },
            state: 'pending',
            activeAtMs: T + 1,
            value: 1.5,
            keepFiringSinceMs: T + 2,
          },
        ],
      },
    ],
  },
];

const rules: RulesStatusService = {
  ruleGroups: () => groups,
  alertTransitions: () => [
    { atMs: T, group: 'g', rule: 'Down', labels: { job: 'j' }, from: 'pending', to: 'firing', value: 2 },
  ],
};

const noQueries = {} as PrometheusQueryService; // the rules endpoints never query
const api = createPrometheusApi(noQueries, '1.0.0', rules);

describe('Prometheus rules API JSON', () => {
  it.each([
    [0, '0e+00'],
    [1, '1e+00'],
    [-1.5, '-1.5e+00'],
    [123.45, '1.2345e+02'],
    [1e-7, '1e-07'],
    [1e300, '1e+300'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ])("writes the alert value %s as Go's %%e %s", (value, text) => {
    expect(formatFloatLowerE(value)).toBe(text);
  });

  it('writes times as Go marshals a time.Time', () => {
    expect(goTimeJson(0)).toBe('"0001-01-01T00:00:00Z"');
    expect(goTimeJson(T)).toBe('"2026-12-02T01:02:03.45Z"');
    expect(goTimeJson(Date.UTC(2026, 0, 1))).toBe('"2026-01-01T00:00:00Z"');
    expect(goTimeJson(T + 0.25)).toBe('"2026-12-02T01:02:03.45025Z"');
    expect(goTimeJson(T + 0.9999)).toBe('"2026-12-02T01:02:03.451Z"');
  });

  it('answers /api/v1/rules in 2.42 field order, recording labels and lastError omitted when empty', () => {
    const answer = api('rules', 'GET', new URLSearchParams());
    expect(answer?.status).toBe(200);
    expect(answer?.body).toBe(
      '{"status":"success","data":{"groups":[{"name":"g","file":"/rules/a.yml","rules":[' +
        '{"name":"job:up:sum","query":"sum by (job) (up)","health":"ok","evaluationTime":0.0005,' +
        '"lastEvaluation":"2026-12-02T01:02:03.45Z","type":"recording"},' +
        '{"state":"firing","name":"Down","query":"up == 0","duration":300,"keepFiringFor":0,' +
        '"labels":{"a":"x","severity":"page"},"annotations":{"summary":"{{ $labels.job }} down"},"alerts":[' +
        '{"labels":{"alertname":"Down","job":"j"},"annotations":{},"state":"firing",' +
        '"activeAt":"2026-12-02T01:02:03.45Z","value":"0e+00"},' +
        '{"labels":{"alertname":"Down","job":"k"},"annotations":{"summary":"k down"},"state":"pending",' +
        '"activeAt":"2026-12-02T01:02:03.451Z","keepFiringSince":"2026-12-02T01:02:03.452Z","value":"1.5e+00"}],' +
        '"health":"err","lastError":"boom \\u003chere\\u003e","evaluationTime":0,' +
        '"lastEvaluation":"0001-01-01T00:00:00Z","type":"alerting"}],' +
        '"interval":15,"limit":0,"evaluationTime":0.00125,"lastEvaluation":"2026-12-02T01:02:03.45Z"}]}}',
    );
  });

  it('filters by type=alert|record (any case) and refuses other types as 2.42 does', () => {
    const names = (type: string) =>
      (
        JSON.parse(api('rules', 'GET', new URLSearchParams({ type }))!.body) as {
          data: { groups: { rules: { name: string }[] }[] };
        }
      ).data.groups.map((group) => group.rules.map((rule) => rule.name));
    expect(names('alert')).toEqual([['Down']]);
    expect(names('RECORD')).toEqual([['job:up:sum']]);
    expect(names('')).toEqual([['job:up:sum', 'Down']]);
    expect(api('rules', 'GET', new URLSearchParams({ type: 'Alerting' }))).toEqual({
      status: 400,
      body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"type\\": not supported value \\"alerting\\""}',
    });
  });

  it('answers /api/v1/alerts with every active alert, and the transitions at /api/v1/alerts/transitions', () => {
    const alerts = JSON.parse(api('alerts', 'GET', new URLSearchParams())!.body);
    expect(alerts.data.alerts.map((alert: { labels: { job: string } }) => alert.labels.job)).toEqual([
      'j',
      'k',
    ]);
    expect(Object.keys(alerts.data.alerts[1])).toEqual([
      'labels',
      'annotations',
      'state',
      'activeAt',
      'keepFiringSince',
      'value',
    ]);
    expect(api('alerts/transitions', 'GET', new URLSearchParams())!.body).toBe(
      '{"status":"success","data":{"transitions":[{"time":"2026-12-02T01:02:03.45Z","group":"g","rule":"Down",' +
        '"labels":{"job":"j"},"from":"pending","to":"firing","value":"2e+00"}]}}',
    );
  });

  it('serves the rules endpoints to GET only, and lists none without a rules service', () => {
    expect(api('rules', 'POST', new URLSearchParams())?.status).toBe(405);
    const bare = createPrometheusApi(noQueries, '1.0.0');
    expect(bare('rules', 'GET', new URLSearchParams())?.body).toBe(
      '{"status":"success","data":{"groups":[]}}',
    );
    expect(bare('alerts', 'GET', new URLSearchParams())?.body).toBe(
      '{"status":"success","data":{"alerts":[]}}',
    );
  });
});
