import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { FakeClock, settle } from '../../test/fake-clock.js';
import { labelsFrom } from '../store/labels.js';
import { PromqlEngine } from '../store/promql/engine.js';
import type { Expr } from '../store/promql/ast.js';
import type { QueryValue } from '../store/promql/value.js';
import { SeriesStore } from '../store/series-store.js';
import { RuleManager, slotAtOrBefore, slotOffsetMs, type RuleManagerOptions } from './manager.js';
import type { AlertSink, PostableAlert } from './notify/types.js';
import type { RuleGroupSpec, RuleSpec } from './rule-file.js';

const M = 60_000;
/** Not on a slot of any interval used here. */
const START = 1_800_000_000_123;

const record = (name: string, expr: string): RuleSpec => ({ kind: 'recording', name, expr, labels: {} });

function group(name: string, rules: RuleSpec[], intervalMs = 0, file = 'rules.yml'): RuleGroupSpec {
  return { file, name, intervalMs, limit: 0, rules };
}

/** A real store and engine; `slowdown(t)` lets a test stretch or block evaluations at query time. */
function setup(groups: RuleGroupSpec[], options: Partial<RuleManagerOptions> = {}) {
  const clock = new FakeClock(START);
  const store = new SeriesStore();
  const real = new PromqlEngine(store);
  const queries: number[] = [];
  let hook: ((timeMs: number) => Promise<void> | void) | undefined;
  const engine = {
    instant(expr: string | Expr, timeMs: number): QueryValue | Promise<QueryValue> {
      queries.push(timeMs);
      const wait = hook?.(timeMs);
      return wait === undefined ? real.instant(expr, timeMs) : wait.then(() => real.instant(expr, timeMs));
    },
  };
  const registry = new Registry();
  const errors: [unknown, string][] = [];
  const manager = new RuleManager({
    groups,
    storage: { store, engine },
    clock,
    registry,
    onError: (error, where) => errors.push([error, where]),
    ...options,
  });
  const samples = (series: string, from: number, to: number) =>
    store
      .select([{ type: '=', name: '__name__', value: series, matches: (v) => v === series }], from, to)
      .flatMap((s) => [...s.t]);
  const metric = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values.map((value) => [
      value.labels.rule_group,
      value.value,
    ]);
  return {
    clock,
    store,
    manager,
    queries,
    errors,
    samples,
    metric,
    setHook: (next: typeof hook) => (hook = next),
  };
}

describe('RuleManager', () => {
  it("takes Prometheus 2.42's slot offset: xxhash64 of {file, name} modulo the interval", async () => {
    // What /usr/bin/prometheus (2.42) stamped on `rec` of group "exp" in /tmp/mgr-exp/rules.yml, every 10 s.
    expect(await slotOffsetMs('/tmp/mgr-exp/rules.yml', 'exp', 10_000)).toBe(7571);
    expect(slotAtOrBefore(1_796_174_279_838, 10_000, 7571)).toBe(1_796_174_277_571);
    expect(slotAtOrBefore(1_796_174_277_571, 10_000, 7571)).toBe(1_796_174_277_571);
  });

  it('evaluates each group on its interval at its slots, from the first slot after start, rules in order', async () => {
    const { clock, manager, samples, store } = setup([
      group('a', [record('one', 'vector(1)'), record('two', 'one * 2')]),
      group('b', [record('three', 'vector(3)')], 15_000),
    ]);
    await manager.start();
    const offsetA = await slotOffsetMs('rules.yml', 'a', M);
    const offsetB = await slotOffsetMs('rules.yml', 'b', 15_000);
    expect(manager.slotOffsets()).toEqual({ 'rules.yml;a': offsetA, 'rules.yml;b': offsetB });
    const firstA = slotAtOrBefore(START, M, offsetA) + M;
    const firstB = slotAtOrBefore(START, 15_000, offsetB) + 15_000;
    expect(firstA).toBeGreaterThan(START);
    await clock.advanceTo(START + 5 * M);
    const slotsA = [0, 1, 2, 3, 4].map((i) => firstA + i * M).filter((t) => t <= START + 5 * M);
    const slotsB = Array.from({ length: 20 }, (_, i) => firstB + i * 15_000).filter(
      (t) => t <= START + 5 * M,
    );
    expect(samples('one', 0, Infinity)).toEqual(slotsA);
    expect(samples('two', 0, Infinity)).toEqual(slotsA); // read what `one` wrote at the same time
    expect(samples('three', 0, Infinity)).toEqual(slotsB);
    expect(new PromqlEngine(store).instant('two', slotsA.at(-1)!)).toMatchObject({
      type: 'vector',
      samples: [{ t: slotsA.at(-1), v: 2 }],
    });
    const [a, b] = manager.ruleGroups();
    expect(a).toMatchObject({ name: 'a', intervalMs: M, lastEvaluationMs: slotsA.at(-1) });
    expect(b).toMatchObject({ name: 'b', intervalMs: 15_000, lastEvaluationMs: slotsB.at(-1) });
    expect(a!.rules.map((rule) => [rule.name, rule.health, rule.lastEvaluationMs])).toEqual([
      ['one', 'ok', slotsA.at(-1)],
      ['two', 'ok', slotsA.at(-1)],
    ]);
    await manager.stop();
  });

  it('never overlaps an evaluation: the slots it outlasted are counted missed, the latest passed runs at once', async () => {
    const { clock, manager, samples, metric, setHook, queries } = setup([
      group('g', [record('r', 'vector(1)')]),
    ]);
    await manager.start();
    const first = slotAtOrBefore(START, M, await slotOffsetMs('rules.yml', 'g', M)) + M;
    let release: () => void = () => {};
    setHook((t) => {
      if (t !== first) return;
      return new Promise<void>((resolve) => (release = resolve));
    });
    await clock.advanceTo(first + 2.5 * M); // the first evaluation is blocked for two and a half intervals
    expect(queries).toEqual([first]);
    expect(clock.pending).toBe(0); // nothing is scheduled while it runs
    release();
    await clock.advanceTo(first + 4 * M);
    // The tick Go's ticker held fires when it ends: 1 slot missed, evaluated at the latest slot passed.
    expect(queries).toEqual([first, first + 2 * M, first + 3 * M, first + 4 * M]);
    expect(samples('r', 0, Infinity)).toEqual(queries);
    expect(await metric('prometheus_rule_group_iterations_missed_total')).toEqual([['rules.yml;g', 1]]);
    expect(await metric('prometheus_rule_group_iterations_total')).toEqual([['rules.yml;g', 5]]);
    expect(await metric('prometheus_rule_evaluations_total')).toEqual([['rules.yml;g', 4]]);
    await manager.stop();
  });

  it('counts missed slots when an evaluation outlasts several intervals on the clock', async () => {
    const { clock, manager, metric, setHook, queries } = setup([group('g', [record('r', 'vector(1)')])]);
    await manager.start();
    const first = slotAtOrBefore(START, M, await slotOffsetMs('rules.yml', 'g', M)) + M;
    setHook((t) => {
      if (t === first) clock.skip(3.5 * M); // a synchronous evaluation that takes 3.5 intervals
    });
    await clock.advanceTo(first + 5 * M);
    expect(queries).toEqual([first, first + 3 * M, first + 4 * M, first + 5 * M]);
    expect(await metric('prometheus_rule_group_iterations_missed_total')).toEqual([['rules.yml;g', 2]]);
    expect(manager.ruleGroups()[0]!.evaluationDurationMs).toBe(0);
    await manager.stop();
  });

  it('goes on at the slots of the new wall time when the clock is set back or forward', async () => {
    const { clock, manager, queries, metric } = setup([group('g', [record('r', 'vector(1)')])]);
    await manager.start();
    const first = slotAtOrBefore(START, M, await slotOffsetMs('rules.yml', 'g', M)) + M;
    await clock.advanceTo(first + M);
    clock.wallOffsetMs = -10 * M; // set back ten minutes between two evaluations
    await clock.advanceTo(first + 3 * M);
    clock.wallOffsetMs = 0; // and forward again: eight slots passed on the wall clock
    await clock.advanceTo(first + 4 * M);
    expect(queries.map((t) => (t - first) / M)).toEqual([0, 1, -8, -7, 4]);
    expect(await metric('prometheus_rule_group_iterations_missed_total')).toEqual([['rules.yml;g', 10]]);
    await manager.stop();
  });

  it('catches and counts failing rules; the others still run and the loop goes on', async () => {
    const { clock, manager, metric, samples, errors } = setup([
      group('g', [
        record('bad', '{__name__=~"one|two"}'),
        record('one', 'vector(1)'),
        record('two', 'vector(2)'),
      ]),
    ]);
    await manager.start();
    await clock.advanceTo(START + 3 * M);
    // `bad` clashes once one and two exist (from the second evaluation on): the same labels after renaming.
    expect(samples('one', 0, Infinity)).toHaveLength(3);
    const bad = manager.ruleGroups()[0]!.rules[0]!;
    expect([bad.health, bad.lastError]).toEqual([
      'err',
      'vector contains metrics with the same labelset after applying rule labels',
    ]);
    expect(await metric('prometheus_rule_evaluation_failures_total')).toEqual([['rules.yml;g', 2]]);
    expect(await metric('prometheus_rule_evaluations_total')).toEqual([['rules.yml;g', 9]]);
    expect(errors).toEqual([]);
    await manager.stop();
  });

  it('sends the alerts due to the sink (Go templates expanded, external labels, generatorURL) and keeps the newest transitions', async () => {
    const sent: PostableAlert[][] = [];
    const sink: AlertSink = { send: (alerts) => void sent.push([...alerts]), close: async () => {} };
    const { clock, manager, store, errors } = setup(
      [
        group('g', [
          {
            kind: 'alerting',
            name: 'High',
            expr: 'load > 1',
            forMs: 0,
            keepFiringForMs: 0,
            labels: { severity: 'page' },
            annotations: {
              summary: '{{ $labels.host }} high: {{ $value | humanize }}',
              seen: '{{ query "vector(7)" | first | value }} at {{ $externalURL }}',
            },
          },
        ]),
      ],
      { sink, externalLabels: { cluster: 'c1' }, externalURL: 'http://mcpulse:9464', maxTransitions: 3 },
    );
    await manager.start();
    const first = slotAtOrBefore(START, M, await slotOffsetMs('rules.yml', 'g', M)) + M;
    const load = labelsFrom({ __name__: 'load', host: 'h1' });
    // High at slots 0, 2, 4; low at 1, 3: it fires and resolves twice, then fires.
    for (let i = 0; i < 5; i++) store.append(load, first + i * M - 1000, i % 2 === 0 ? 5 : 0);
    await clock.advanceTo(first + 4 * M);
    expect(sent[0]).toEqual([
      {
        labels: { alertname: 'High', cluster: 'c1', host: 'h1', severity: 'page' },
        annotations: { seen: '7 at http://mcpulse:9464', summary: 'h1 high: 5' },
        startsAt: new Date(first).toISOString(),
        endsAt: new Date(first + 4 * M).toISOString(),
        generatorURL: 'http://mcpulse:9464/graph?g0.expr=load+%3E+1&g0.tab=1',
      },
    ]);
    expect(sent.map((batch) => batch[0]!.endsAt)).toEqual(
      [first + 4 * M, first + M, first + 2 * M + 4 * M, first + 3 * M, first + 4 * M + 4 * M].map((t) =>
        new Date(t).toISOString(),
      ),
    );
    const transitions = manager.alertTransitions();
    expect(transitions.map((t) => [t.atMs - first, t.from, t.to])).toEqual([
      [2 * M, 'resolved', 'firing'],
      [3 * M, 'firing', 'resolved'],
      [4 * M, 'resolved', 'firing'],
    ]);
    expect(transitions[0]).toMatchObject({
      group: 'g',
      rule: 'High',
      labels: { alertname: 'High', host: 'h1' },
    });
    const alerting = manager.ruleGroups()[0]!.rules[0]!;
    expect(alerting.type === 'alerting' && alerting.alerts.map((a) => [a.state, a.activeAtMs])).toEqual([
      ['firing', first + 4 * M],
    ]);
    expect(errors).toEqual([]);
    await manager.stop();
  });

  it('reports a sink that throws to onError and goes on', async () => {
    const sink: AlertSink = {
      send: () => {
        throw new Error('sink broke');
      },
      close: async () => {},
    };
    const { clock, manager, errors, queries } = setup(
      [
        group('g', [
          {
            kind: 'alerting',
            name: 'A',
            expr: 'vector(1)',
            forMs: 0,
            keepFiringForMs: 0,
            labels: {},
            annotations: {},
          },
        ]),
      ],
      { sink },
    );
    await manager.start();
    await clock.advanceTo(START + 2 * M);
    expect(queries).toHaveLength(2);
    expect(errors.map(([error, where]) => [(error as Error).message, where])).toEqual([
      ['sink broke', 'rule-notify'],
    ]);
    await manager.stop();
  });

  it('stops idempotently: no timer left, no evaluation after, one under way awaited', async () => {
    const { clock, manager, queries, setHook } = setup([group('g', [record('r', 'vector(1)')])]);
    expect(manager.start()).toBe(manager.start());
    await manager.start();
    let release: () => void = () => {};
    setHook(() => new Promise<void>((resolve) => (release = resolve)));
    await clock.advanceTo(START + M);
    expect(queries).toHaveLength(1);
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    expect(manager.stop()).toBe(manager.stop());
    await settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(clock.pending).toBe(0);
    await clock.advanceTo(START + 10 * M);
    expect(queries).toHaveLength(1);
  });

  it("waits for the storage's load (a snapshot) before scheduling anything", async () => {
    const clock = new FakeClock(START);
    const store = new SeriesStore();
    let load: () => void = () => {};
    const loaded = new Promise<void>((resolve) => (load = resolve));
    const manager = new RuleManager({
      groups: [group('g', [record('r', 'vector(1)')])],
      storage: { store, engine: new PromqlEngine(store), loaded },
      clock,
    });
    const starting = manager.start();
    await clock.advanceTo(START + 3 * M);
    expect([clock.pending, store.stats().series]).toEqual([0, 0]);
    load();
    await starting;
    expect(clock.pending).toBe(1);
    await clock.advanceTo(START + 4 * M);
    expect(store.stats().series).toBe(1);
    await manager.stop();
  });

  it('refuses bad options by name and value, and a group given twice', () => {
    const storage = { store: new SeriesStore(), engine: new PromqlEngine(new SeriesStore()) };
    expect(() => new RuleManager({ groups: [], storage, evaluationIntervalMs: 0 })).toThrow(
      'mcpulse: rules.evaluationIntervalMs must be an integer from 1 to 86400000, got 0',
    );
    expect(() => new RuleManager({ groups: [], storage, maxTransitions: 1.5 })).toThrow(
      'mcpulse: rules.maxTransitions must be an integer from 1 to 1000000, got 1.5',
    );
    expect(() => new RuleManager({ groups: [group('g', []), group('g', [])], storage })).toThrow(
      'mcpulse: rules.groups has rule group "g" of file "rules.yml" twice',
    );
  });
});
