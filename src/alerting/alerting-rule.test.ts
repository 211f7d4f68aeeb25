/**
 * The alert state machine on a fake clock: every evaluation at an explicit time, on the real PromQL
 * engine over the unit-test storage, checking states, times, the ALERTS and ALERTS_FOR_STATE series,
 * what is sent and the transitions, against Prometheus 2.42's rules.AlertingRule.
 */
import { describe, expect, it } from 'vitest';

import { labelsFrom } from '../store/labels.js';
import { PromqlEngine } from '../store/promql/engine.js';
import { parseExpr } from '../store/promql/parse.js';
import { goQueryEscape } from './alerting-rule.js';
import type { AlertingRuleSpec } from './rule-file.js';
import { RuleGroup, resultVector, type RuleGroupOptions } from './rule-group.js';
import type { AlertingRuleStatus } from './rule-status.js';
import { parseMetric } from './series-notation.js';
import { expandAlertTemplate } from './template/index.js';
import { UnitTestStorage } from './test-storage.js';

const M = 60_000;

function alertRule(name: string, expr: string, extra: Partial<AlertingRuleSpec> = {}): AlertingRuleSpec {
  return {
    kind: 'alerting',
    name,
    expr,
    forMs: 0,
    keepFiringForMs: 0,
    labels: {},
    annotations: {},
    ...extra,
  };
}

/** A group over one storage; `set` appends input samples, `at` evaluates the group at a time. */
function harness(rules: AlertingRuleSpec[], options: Partial<RuleGroupOptions> = {}, limit = 0) {
  const storage = new UnitTestStorage();
  const engine = new PromqlEngine(storage);
  const query = (expr: string, t: number) => engine.instant(parseExpr(expr), t);
  const group = new RuleGroup(
    { file: 'f.yml', name: 'g', intervalMs: M, limit, rules },
    { expandTemplate: expandAlertTemplate, externalURL: 'http://prom:9090', clock: () => 0, ...options },
  );
  return {
    group,
    set(series: string, t: number, v: number) {
      const appender = storage.appender();
      appender.append(
        labelsFrom(Object.fromEntries(parseMetric(series).map((l) => [l.name, l.value]))),
        t,
        v,
      );
      appender.commit();
    },
    at: (t: number) => group.evaluate(query, storage, t),
    /** The instant vector of `expr` at `t`, as `labels value` strings. */
    read(expr: string, t: number): Promise<string[]> {
      const samples = resultVector(query(expr, t));
      const lines = samples.map((s) => `${s.metric.map((l) => `${l.name}=${l.value}`).join(',')} ${s.v}`);
      return Promise.resolve(lines.sort());
    },
    rule: (i = 0) => group.status().rules[i] as AlertingRuleStatus,
    storage,
  };
}

describe('alerting rule states', () => {
  it('is pending, then fires once active for `for`; ALERTS and ALERTS_FOR_STATE follow; sent with its link', async () => {
    const h = harness([alertRule('Down', 'up==0', { forMs: 3 * M, labels: { severity: 'page' } })]);
    for (let t = 0; t <= 4 * M; t += M) h.set('up{job="api"}', t, t === 0 ? 1 : 0);
    expect(await h.at(0)).toEqual([]);
    expect(h.rule().state).toBe('inactive');
    for (const t of [M, 2 * M, 3 * M]) {
      expect(await h.at(t)).toEqual([]);
      expect(h.rule().alerts.map((a) => [a.state, a.activeAtMs])).toEqual([['pending', M]]);
    }
    expect(await h.read('ALERTS', 3 * M)).toEqual([
      '__name__=ALERTS,alertname=Down,alertstate=pending,job=api,severity=page 1',
    ]);
    expect(await h.read('ALERTS_FOR_STATE', 3 * M)).toEqual([
      '__name__=ALERTS_FOR_STATE,alertname=Down,job=api,severity=page 60',
    ]);
    const sent = await h.at(4 * M);
    expect(h.rule().alerts).toEqual([
      {
        labels: { alertname: 'Down', job: 'api', severity: 'page' },
        annotations: {},
        state: 'firing',
        activeAtMs: M,
        firedAtMs: 4 * M,
        resolvedAtMs: 0,
        value: 0,
        keepFiringSinceMs: 0,
      },
    ]);
    expect(sent).toEqual([
      {
        labels: { alertname: 'Down', job: 'api', severity: 'page' },
        annotations: {},
        startsAt: '1970-01-01T00:04:00.000Z',
        endsAt: '1970-01-01T00:08:00.000Z',
        generatorURL: 'http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
      },
    ]);
    expect(await h.read('ALERTS', 4 * M)).toEqual([
      '__name__=ALERTS,alertname=Down,alertstate=firing,job=api,severity=page 1',
    ]);
    // The pending series ends with a staleness marker when the firing one starts.
    const pending = h.storage.select(
      parseMetric('ALERTS{alertstate="pending"}').map((l) => ({
        type: '=' as const,
        ...l,
        matches: (v: string) => v === l.value,
      })),
      0,
      4 * M,
    );
    expect([...pending[0]!.t]).toEqual([M, 2 * M, 3 * M, 4 * M]);
    expect([...pending[0]!.stale!]).toEqual([0, 0, 0, 1]);
  });

  it('fires at once with for 0, resolves when the expression stops, keeps the resolved alert 15 minutes', async () => {
    const h = harness([alertRule('Down', 'up == 0')], { resendDelayMs: 5 * M });
    h.set('up', 0, 0);
    h.set('up', M, 1);
    const first = await h.at(0);
    expect(first.map((a) => [a.startsAt, a.endsAt])).toEqual([
      ['1970-01-01T00:00:00.000Z', '1970-01-01T00:20:00.000Z'],
    ]);
    expect(h.rule().state).toBe('firing');
    const resolved = await h.at(M);
    expect(resolved.map((a) => [a.startsAt, a.endsAt])).toEqual([
      ['1970-01-01T00:00:00.000Z', '1970-01-01T00:01:00.000Z'],
    ]);
    expect(h.rule().alerts).toEqual([]);
    expect(h.rule().state).toBe('inactive');
    expect(await h.read('ALERTS', M)).toEqual([]);
    // Resent as resolved every resend delay while kept: at 7 m (1 m + 5 m < 7 m) and 13 m.
    const sentAt: number[] = [];
    for (let t = 2 * M; t <= 17 * M; t += M) if ((await h.at(t)).length > 0) sentAt.push(t / M);
    expect(sentAt).toEqual([7, 13]);
    const alerting = h.group.rules[0]!.alerting!;
    expect(alerting.currentAlerts().map((a) => a.resolvedAtMs)).toEqual([]);
  });

  it('drops a resolved alert only once more than 15 minutes have passed', async () => {
    const h = harness([alertRule('Down', 'up == 0')]);
    h.set('up', 0, 0);
    h.set('up', M, 1);
    await h.at(0);
    await h.at(M);
    const alerting = h.group.rules[0]!.alerting!;
    await h.at(16 * M);
    expect(alerting.currentAlerts().map((a) => [a.state, a.resolvedAtMs])).toEqual([['inactive', M]]);
    await h.at(16 * M + 1);
    expect(alerting.currentAlerts()).toEqual([]);
  });

  it('flapping: pending, gone, pending again starts a new ActiveAt', async () => {
    const h = harness([alertRule('Down', 'up == 0', { forMs: 2 * M })]);
    [0, 1, 0, 0, 0].forEach((v, i) => h.set('up', i * M, v));
    await h.at(0);
    expect(h.rule().alerts.map((a) => a.activeAtMs)).toEqual([0]);
    await h.at(M);
    expect(h.rule().alerts).toEqual([]);
    await h.at(2 * M);
    await h.at(3 * M);
    expect(h.rule().alerts.map((a) => [a.state, a.activeAtMs])).toEqual([['pending', 2 * M]]);
    await h.at(4 * M);
    expect(h.rule().alerts.map((a) => [a.state, a.activeAtMs, a.firedAtMs])).toEqual([
      ['firing', 2 * M, 4 * M],
    ]);
    expect(await h.read('ALERTS_FOR_STATE', 4 * M)).toEqual(['__name__=ALERTS_FOR_STATE,alertname=Down 120']);
    const { transitions, dropped } = h.group.drainTransitions();
    expect(dropped).toBe(0);
    expect(transitions.map((t) => `${t.atMs / M}:${t.from}->${t.to}`)).toEqual([
      '0:inactive->pending',
      '1:pending->inactive',
      '2:inactive->pending',
      '4:pending->firing',
    ]);
    expect(transitions[0]).toEqual({
      atMs: 0,
      group: 'g',
      rule: 'Down',
      labels: { alertname: 'Down' },
      from: 'inactive',
      to: 'pending',
      value: 0,
    });
    expect(h.group.drainTransitions().transitions).toEqual([]);
  });

  it('keep_firing_for keeps it firing after the expression stops, then resolves; a return resets it', async () => {
    const h = harness([alertRule('Down', 'up == 0', { keepFiringForMs: 3 * M })]);
    [0, 1, 1, 0, 1, 1, 1, 1].forEach((v, i) => h.set('up', i * M, v));
    const seen: string[] = [];
    for (let t = 0; t <= 7 * M; t += M) {
      await h.at(t);
      const alert = h.group.rules[0]!.alerting!.currentAlerts()[0];
      seen.push(
        `${alert?.state}@${alert?.keepFiringSinceMs === undefined ? '-' : alert.keepFiringSinceMs / M}`,
      );
    }
    // Stops at 1 m (kept: 1 m, 2 m), back at 3 m (reset), stops at 4 m (kept 4, 5, 6 m), resolved at 7 m.
    expect(seen).toEqual([
      'firing@-',
      'firing@1',
      'firing@1',
      'firing@-',
      'firing@4',
      'firing@4',
      'firing@4',
      'inactive@4',
    ]);
    expect(await h.read('ALERTS', 6 * M)).toEqual(['__name__=ALERTS,alertname=Down,alertstate=firing 1']);
    expect(await h.read('ALERTS', 7 * M)).toEqual([]);
    expect(h.rule().alerts).toEqual([]);
  });

  it('resends a firing alert only after the resend delay has passed', async () => {
    const h = harness([alertRule('Down', 'up == 0')]);
    const sentAt: number[] = [];
    for (let t = 0; t <= 6 * M; t += M) {
      h.set('up', t, 0);
      if ((await h.at(t)).length > 0) sentAt.push(t / M);
    }
    expect(sentAt).toEqual([0, 2, 4, 6]);
  });
});

describe('alerting rule labels, templates and errors', () => {
  it('labels are the sample labels without __name__, the rule labels expanded, and alertname', async () => {
    const h = harness([
      alertRule('High', 'load > 1', {
        labels: { team: '{{ $labels.job }}-ops', empty: '{{ $labels.missing }}' },
        annotations: { summary: 'load {{ $value }} on {{ $labels.instance }}', blank: '' },
      }),
    ]);
    h.set('load{job="api",instance="a"}', 0, 2.5);
    h.set('load{job="web",instance="b"}', 0, 0.5);
    await h.at(0);
    expect(h.rule().alerts.map((a) => [a.labels, a.annotations])).toEqual([
      [
        { alertname: 'High', instance: 'a', job: 'api', team: 'api-ops' },
        { blank: '', summary: 'load 2.5 on a' },
      ],
    ]);
    // ALERTS takes the rule's raw labels where the alert has none of that name (Prometheus's quirk).
    expect(await h.read('ALERTS', 0)).toEqual([
      '__name__=ALERTS,alertname=High,alertstate=firing,empty={{ $labels.missing }},instance=a,job=api,team=api-ops 1',
    ]);
  });

  it('a template that fails leaves its error in the text', async () => {
    const h = harness([alertRule('A', 'vector(1)', { annotations: { x: '{{ .Nope }}' } })]);
    await h.at(0);
    expect(h.rule().alerts[0]!.annotations).toEqual({
      x:
        '<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" ' +
        "at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels " +
        'map[string]string; ExternalURL string; Value float64 }>',
    });
  });

  it('refuses a result whose label sets clash once the rule labels are applied', async () => {
    const h = harness([alertRule('A', 'x', { labels: { a: 'same' } })]);
    h.set('x{a="1"}', 0, 1);
    h.set('x{a="2"}', 0, 1);
    expect(await h.at(0)).toEqual([]);
    expect(h.rule()).toMatchObject({
      health: 'err',
      lastError: 'vector contains metrics with the same labelset after applying alert labels',
      alerts: [],
    });
    expect(await h.read('ALERTS', 0)).toEqual([]);
  });

  it('refuses more alerts than the limit and forgets them all', async () => {
    const h = harness([alertRule('A', 'x > 0')], {}, 1);
    h.set('x{a="1"}', 0, 1);
    await h.at(0);
    expect(h.rule()).toMatchObject({ health: 'ok', lastError: '', state: 'firing' });
    h.set('x{a="1"}', M, 1);
    h.set('x{a="2"}', M, 1);
    expect(await h.at(M)).toEqual([]);
    expect(h.rule()).toMatchObject({
      health: 'err',
      lastError: 'exceeded limit of 1 with 2 alerts',
      alerts: [],
    });
    expect(h.group.rules[0]!.alerting!.currentAlerts()).toEqual([]);
  });

  it('reports the group and its rules as /api/v1/rules reads them', async () => {
    const h = harness([
      alertRule('A', 'vector(1)', { forMs: M, keepFiringForMs: 2 * M, annotations: { s: 'x' } }),
    ]);
    expect(h.rule()).toMatchObject({ health: 'unknown', lastEvaluationMs: 0, state: 'inactive' });
    await h.at(5 * M);
    expect(h.group.status()).toEqual({
      name: 'g',
      file: 'f.yml',
      intervalMs: M,
      limit: 0,
      lastEvaluationMs: 5 * M,
      evaluationDurationMs: 0,
      rules: [
        {
          type: 'alerting',
          name: 'A',
          query: 'vector(1)',
          labels: {},
          annotations: { s: 'x' },
          durationMs: M,
          keepFiringForMs: 2 * M,
          health: 'ok',
          lastError: '',
          lastEvaluationMs: 5 * M,
          evaluationDurationMs: 0,
          state: 'pending',
          alerts: [
            {
              labels: { alertname: 'A' },
              annotations: { s: 'x' },
              state: 'pending',
              activeAtMs: 5 * M,
              firedAtMs: 0,
              resolvedAtMs: 0,
              value: 1,
              keepFiringSinceMs: 0,
            },
          ],
        },
      ],
    });
  });

  it('keeps at most maxTransitions until drained, dropping the oldest and counting them', async () => {
    const h = harness([alertRule('A', 'x > 0', { forMs: M })], { maxTransitions: 2 });
    [1, 1, 0].forEach((v, i) => h.set('x', i * M, v));
    for (const t of [0, M, 2 * M]) await h.at(t);
    const { transitions, dropped } = h.group.drainTransitions();
    expect(transitions.map((t) => `${t.atMs / M}:${t.from}->${t.to}`)).toEqual([
      '1:pending->firing',
      '2:firing->resolved',
    ]);
    expect(dropped).toBe(1);
  });

  it('a storage that throws makes the rule unhealthy, and the group goes on', async () => {
    const group = new RuleGroup(
      {
        file: 'f',
        name: 'g',
        intervalMs: M,
        limit: 0,
        rules: [alertRule('A', 'vector(1)'), alertRule('B', 'vector(2)')],
      },
      { expandTemplate: expandAlertTemplate },
    );
    const storage = new UnitTestStorage();
    const engine = new PromqlEngine(storage);
    let appends = 0;
    const broken = {
      appender: () => ({
        append: () => {
          if (appends++ === 0) throw new Error('disk full');
          return undefined;
        },
        commit: () => undefined,
      }),
    };
    const sent = await group.evaluate((expr, t) => engine.instant(parseExpr(expr), t), broken, 0);
    expect(sent.map((a) => a.labels.alertname)).toEqual(['B']);
    expect(group.status().rules.map((r) => [r.health, r.lastError])).toEqual([
      ['err', 'disk full'],
      ['ok', ''],
    ]);
  });

  it('validates its options by name', () => {
    const spec = { file: 'f', name: 'g', intervalMs: 0, limit: 0, rules: [] };
    expect(() => new RuleGroup(spec, { expandTemplate: expandAlertTemplate, resendDelayMs: -1 })).toThrow(
      'RuleGroup: resendDelayMs must be a positive integer, got -1',
    );
    expect(() => new RuleGroup(spec, {} as RuleGroupOptions)).toThrow(
      'RuleGroup: expandTemplate must be a function, got undefined',
    );
  });

  it("escapes generator URLs as Go's url.QueryEscape does", () => {
    expect(goQueryEscape("sum(rate(x{a='b'}[5m])) * 100 > 1 ~_.-!")).toBe(
      'sum%28rate%28x%7Ba%3D%27b%27%7D%5B5m%5D%29%29+%2A+100+%3E+1+~_.-%21',
    );
  });
});
