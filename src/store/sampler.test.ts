import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { McpulseOptionError } from '../core/errors.js';
import { SeriesHistogram } from '../metrics/series.js';
import { key } from '../../test/exposition.js';
import { matcher, record } from '../../test/store-helpers.js';
import { RegistrySampler } from './sampler.js';
import { SeriesStore } from './series-store.js';

const T = 1_764_000_000_000;
const all = [matcher('__name__', '=~', '.+')];

/** The store's samples at `t`, keyed as test/exposition.ts keys a parsed exposition. */
function storedAt(store: SeriesStore, t: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const one of store.select(all, t, t)) {
    const { __name__: name, ...labels } = record(one.labels);
    if (one.stale?.[0] !== 1) out.set(key(name!, labels), one.v[0]!);
  }
  return out;
}

/**
 * A text exposition as Prometheus reads it (model/textparse): `+Inf`/`-Inf`/`Nan` are floats, and a
 * label with an empty value is no label. Keys as test/exposition.ts makes them.
 */
function scraped(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [, name, labelText = '', value] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/s.exec(line)!;
    const labels: Record<string, string> = {};
    for (const [, label, quoted] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      const unquoted = quoted!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      if (unquoted !== '') labels[label!] = unquoted;
    }
    const float = /^[+-]?inf$/i.test(value!)
      ? value!.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(value!.replace(/^nan$/i, 'NaN'));
    out.set(key(name!, labels), float);
  }
  return out;
}

function registryOfEveryKind(): Registry {
  const registry = new Registry();
  const calls = new Counter({
    name: 'calls_total',
    help: 'h',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  calls.inc({ tool: 'search', outcome: 'ok' }, 3);
  calls.inc({ tool: 'a "quoted"\\ \n tool', outcome: 'error' });
  calls.inc({ tool: '', outcome: 'ok' }, 2); // an empty value: no label, as Prometheus reads it
  new Counter({ name: 'plain_total', help: 'h', registers: [registry] }).inc(0.5);
  new Gauge({
    name: 'temperature',
    help: 'h',
    registers: [registry],
    collect() {
      this.set(-0.000125);
    },
  });
  const odd = new Gauge({ name: 'odd_values', help: 'h', labelNames: ['kind'], registers: [registry] });
  odd.set({ kind: 'nan' }, NaN);
  odd.set({ kind: 'inf' }, Infinity);
  odd.set({ kind: 'big' }, 1.5e300);
  const duration = new Histogram({
    name: 'duration_seconds',
    help: 'h',
    labelNames: ['tool'],
    buckets: [0.005, 0.1, 1, 2.5],
    registers: [registry],
  });
  duration.observe({ tool: 'search' }, 0.05);
  duration.observe({ tool: 'search' }, 3);
  duration.observe({ tool: 'fetch' }, 0.001);
  const handles = new SeriesHistogram({
    name: 'handle_seconds',
    help: 'h',
    labelNames: ['method'],
    buckets: [0.01, 1],
    registers: [registry],
  });
  handles.series({ method: 'tools/call' }).observe(0.5);
  const sizes = new Summary({
    name: 'size_bytes',
    help: 'h',
    percentiles: [0.5, 0.99],
    registers: [registry],
  });
  for (const size of [10, 20, 30]) sizes.observe(size);
  return registry;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RegistrySampler', () => {
  it('stores exactly the series and values of the text exposition', async () => {
    const registry = registryOfEveryKind();
    registry.setDefaultLabels({ service: 'demo', tool: 'default-loses' });
    const store = new SeriesStore();
    const sampler = new RegistrySampler(registry, store);
    expect(await sampler.sampleOnce(T)).toBe(storedAt(store, T).size);
    const exposed = scraped(await registry.metrics());
    expect(storedAt(store, T)).toEqual(exposed);
    expect(exposed.size).toBe(31); // 3 + 1 + 1 + 3 counter and gauge series, 14 + 5 histogram, 4 summary
    expect(exposed.get('duration_seconds_bucket{le="0.005",service="demo",tool="search"}')).toBe(0);
    expect(exposed.get('duration_seconds_bucket{le="+Inf",service="demo",tool="search"}')).toBe(2);
    expect(exposed.get('size_bytes{quantile="0.99",service="demo",tool="default-loses"}')).toBe(30);
  });

  it('keeps matching the exposition pass after pass while label objects change under its cache', async () => {
    const registry = registryOfEveryKind();
    const store = new SeriesStore();
    const sampler = new RegistrySampler(registry, store);
    const reused = { tool: 'first', outcome: 'ok' };
    const calls = registry.getSingleMetric('calls_total') as Counter;
    calls.inc(reused);
    const duration = registry.getSingleMetric('duration_seconds') as Histogram;
    const edits = [
      () => {},
      () => {
        reused.tool = 'renamed'; // prom-client keeps the caller's object and prints it as it now reads
      },
      () => registry.setDefaultLabels({ region: 'eu' }),
      () => {
        duration.reset();
        duration.observe({ tool: 'later' }, 0.2);
      },
      () => (registry.getSingleMetric('size_bytes') as Summary).observe(1000),
      () => registry.setDefaultLabels({}),
    ];
    for (const [pass, edit] of edits.entries()) {
      edit();
      const t = T + pass * 15_000;
      await sampler.sampleOnce(t);
      expect(storedAt(store, t)).toEqual(scraped(await registry.metrics()));
    }
    expect(store.stats().refusedSamples).toBe(0);
  });

  it('follows the registry from pass to pass: new values, new series, and staleness for the ones gone', async () => {
    const registry = new Registry();
    const calls = new Counter({
      name: 'calls_total',
      help: 'h',
      labelNames: ['tool'],
      registers: [registry],
    });
    calls.inc({ tool: 'a' });
    const store = new SeriesStore();
    const sampler = new RegistrySampler(registry, store);
    await sampler.sampleOnce(T);
    calls.inc({ tool: 'a' }, 2);
    calls.inc({ tool: 'b' });
    await sampler.sampleOnce(T + 15_000);
    calls.remove({ tool: 'a' });
    await sampler.sampleOnce(T + 30_000);
    const found = store
      .select(all, 0, Infinity)
      .map((one) => [
        record(one.labels).tool,
        [...one.t].map((t, i) => [t - T, one.stale?.[i] === 1 ? 'stale' : one.v[i]]),
      ]);
    expect(found).toEqual([
      [
        'a',
        [
          [0, 1],
          [15_000, 3],
          [30_000, 'stale'],
        ],
      ],
      [
        'b',
        [
          [15_000, 1],
          [30_000, 1],
        ],
      ],
    ]);
    expect(sampler.stats()).toMatchObject({ passes: 3, errors: 0, lastSamples: 1 });
  });

  it('leaves out a metric whose collect fails, reports the error, and samples the rest', async () => {
    const registry = new Registry();
    new Gauge({ name: 'fine', help: 'h', registers: [registry] }).set(1);
    const failure = new Error('collect failed');
    new Gauge({
      name: 'broken',
      help: 'h',
      registers: [registry],
      collect() {
        throw failure;
      },
    });
    const errors: unknown[] = [];
    const store = new SeriesStore();
    const sampler = new RegistrySampler(registry, store, {
      onError: (error) => {
        errors.push(error);
        throw new Error('the callback fails too');
      },
    });
    expect(await sampler.sampleOnce(T)).toBe(1);
    expect(errors).toEqual([failure]);
    expect([...storedAt(store, T).keys()]).toEqual(['fine']);
    expect(sampler.stats()).toMatchObject({ passes: 1, errors: 1 });
  });

  it('catches a pass the store refuses outright, and a clock that goes back', async () => {
    const registry = new Registry();
    new Gauge({ name: 'g', help: 'h', registers: [registry] }).set(1);
    const store = new SeriesStore();
    const errors: unknown[] = [];
    const sampler = new RegistrySampler(registry, store, { onError: (error) => errors.push(error) });
    expect(await sampler.sampleOnce(1.5)).toBe(0);
    expect(errors.length).toBe(1);
    expect(await sampler.sampleOnce(T)).toBe(1);
    expect(await sampler.sampleOnce(T - 1)).toBe(0);
    expect(store.stats().refusedSamples).toBe(1);
  });

  it('keeps trying series dropped at the series limit, counting each pass', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'g', help: 'h', labelNames: ['i'], registers: [registry] });
    for (let i = 0; i < 3; i++) gauge.set({ i: String(i) }, i);
    const store = new SeriesStore({ maxSeries: 2 });
    const sampler = new RegistrySampler(registry, store);
    await sampler.sampleOnce(T);
    await sampler.sampleOnce(T + 1000);
    expect(store.stats()).toMatchObject({ series: 2, samples: 4, droppedSeries: 2 });
  });

  it('samples every intervalMs on an unref’d timer once started, and stops', async () => {
    vi.useFakeTimers({ now: T });
    const registry = new Registry();
    new Gauge({ name: 'g', help: 'h', registers: [registry] }).set(1);
    const store = new SeriesStore();
    const sampler = new RegistrySampler(registry, store, { intervalMs: 5000 });
    sampler.start();
    await vi.advanceTimersByTimeAsync(15_000);
    sampler.stop();
    await vi.advanceTimersByTimeAsync(15_000);
    expect([...store.select(all, 0, Infinity)[0]!.t]).toEqual([T + 5000, T + 10_000, T + 15_000]);
    vi.useRealTimers();
    sampler.start();
    const timer = (sampler as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    sampler.stop();
  });

  it('refuses bad options, naming the value', () => {
    const store = new SeriesStore();
    expect(() => new RegistrySampler(new Registry(), store, { intervalMs: 50 })).toThrow(McpulseOptionError);
    expect(() => new RegistrySampler(new Registry(), store, { intervalMs: 50 })).toThrow(
      'mcpulse: sampler.intervalMs must be an integer from 100 to 3600000, got 50',
    );
    expect(() => new RegistrySampler(new Registry(), store, { onError: 'log' as never })).toThrow(
      'mcpulse: sampler.onError must be a function, got "log"',
    );
  });
});
