import { describe, expect, it } from 'vitest';

import { McpulseError, McpulseOptionError } from '../core/errors.js';
import { matcher, record, series } from '../../test/store-helpers.js';
import type { SelectedSeries } from './queryable.js';
import { SeriesStore } from './series-store.js';

const T0 = 1_764_000_000_000;
const STEP = 15_000;
const at = (pass: number): number => T0 + pass * STEP;

const up = (job: string) => series('up', { job });
const all = [matcher('__name__', '=~', '.+')];

/** select() as plain arrays, staleness markers as 'stale'. */
function samples(found: readonly SelectedSeries[]): Record<string, [number, number | 'stale'][]> {
  const out: Record<string, [number, number | 'stale'][]> = {};
  for (const one of found) {
    const key = one.labels.map((label) => `${label.name}=${label.value}`).join(',');
    out[key] = [...one.t].map((t, i) => [t, one.stale?.[i] === 1 ? 'stale' : one.v[i]!]);
  }
  return out;
}

describe('SeriesStore options', () => {
  it('defaults to 24 h, 50,000 series and a day of 15 s samples plus two blocks', () => {
    const store = new SeriesStore();
    expect([store.retentionMs, store.maxSeries, store.maxSamplesPerSeries, store.blockRows]).toEqual([
      86_400_000, 50_000, 6000, 120,
    ]);
    expect(new SeriesStore({ retentionMs: 3_600_000, intervalMs: 5000 }).maxSamplesPerSeries).toBe(960);
  });

  it.each([
    [{ retentionMs: 999 }, 'mcpulse: store.retentionMs must be an integer from 1000 to 31622400000, got 999'],
    [{ maxSeries: 0 }, 'mcpulse: store.maxSeries must be an integer from 1 to 1000000, got 0'],
    [{ maxSeries: 1.5 }, 'mcpulse: store.maxSeries must be an integer from 1 to 1000000, got 1.5'],
    [
      { maxSamplesPerSeries: 5_000_001 },
      'mcpulse: store.maxSamplesPerSeries must be an integer from 1 to 5000000, got 5000001',
    ],
    [{ blockRows: 4 }, 'mcpulse: store.blockRows must be an integer from 8 to 4096, got 4'],
    [{ intervalMs: '15s' }, 'mcpulse: store.intervalMs must be an integer from 1 to 3600000, got "15s"'],
    [
      { retention: 1 },
      'mcpulse: unknown option "store.retention" (known: retentionMs, maxSeries, intervalMs, maxSamplesPerSeries, blockRows)',
    ],
  ])('refuses %j', (options, message) => {
    const attempt = () => new SeriesStore(options as never);
    expect(attempt).toThrow(McpulseOptionError);
    expect(attempt).toThrow(message);
  });
});

describe('SeriesStore sampling passes', () => {
  it('stores a pass per timestamp and selects the samples in a closed range', () => {
    const store = new SeriesStore();
    for (let pass = 0; pass < 4; pass++) {
      store.appendScrape(at(pass), [
        { labels: up('a'), value: pass },
        { labels: up('b'), value: 10 + pass },
      ]);
    }
    expect(samples(store.select([matcher('job', '=', 'a')], at(1), at(3)))).toEqual({
      '__name__=up,job=a': [
        [at(1), 1],
        [at(2), 2],
        [at(3), 3],
      ],
    });
    const both = store.select([matcher('__name__', '=', 'up')], at(3), at(9));
    expect(both.map((one) => record(one.labels))).toEqual([
      { __name__: 'up', job: 'a' },
      { __name__: 'up', job: 'b' },
    ]);
    expect(both[1]!.stale).toBeUndefined();
    expect(store.select([matcher('job', '=', 'a')], at(4), at(9))).toEqual([]);
    expect(store.stats()).toMatchObject({ series: 2, samples: 8, refusedSamples: 0 });
  });

  it('writes a staleness marker when a series of the last pass is missing, once, and takes it back after', () => {
    const store = new SeriesStore();
    store.appendScrape(at(0), [
      { labels: up('a'), value: 1 },
      { labels: up('b'), value: 1 },
    ]);
    store.appendScrape(at(1), [{ labels: up('a'), value: 2 }]);
    store.appendScrape(at(2), [{ labels: up('a'), value: 3 }]);
    store.appendScrape(at(3), [
      { labels: up('a'), value: 4 },
      { labels: up('b'), value: 5 },
    ]);
    store.appendScrape(at(4), []);
    expect(samples(store.select(all, 0, at(9)))).toEqual({
      '__name__=up,job=a': [
        [at(0), 1],
        [at(1), 2],
        [at(2), 3],
        [at(3), 4],
        [at(4), 'stale'],
      ],
      '__name__=up,job=b': [
        [at(0), 1],
        [at(1), 'stale'],
        [at(3), 5],
        [at(4), 'stale'],
      ],
    });
    const b = store.select([matcher('job', '=', 'b')], 0, at(9))[0]!;
    expect([...b.stale!]).toEqual([0, 1, 0, 1]);
    expect(Number.isNaN(b.v[1])).toBe(true);
  });

  it('refuses a pass at or before the last one, and a series twice in a pass, and counts them', () => {
    const store = new SeriesStore();
    expect(store.appendScrape(at(1), [{ labels: up('a'), value: 1 }])).toBe(1);
    expect(store.appendScrape(at(1), [{ labels: up('a'), value: 2 }])).toBe(0);
    expect(
      store.appendScrape(at(0), [
        { labels: up('a'), value: 3 },
        { labels: up('b'), value: 3 },
      ]),
    ).toBe(0);
    expect(
      store.appendScrape(at(2), [
        { labels: up('a'), value: 4 },
        { labels: up('a'), value: 5 },
      ]),
    ).toBe(1);
    expect(store.stats()).toMatchObject({ samples: 2, refusedSamples: 4 });
    expect(samples(store.select(all, 0, at(9)))['__name__=up,job=a']).toEqual([
      [at(1), 1],
      [at(2), 4],
    ]);
  });

  it('keeps every value bit for bit: -0, ±Inf, NaN, subnormals, 2^53 + 2', () => {
    const store = new SeriesStore({ blockRows: 8 });
    const values = [0, -0, Infinity, -Infinity, NaN, 5e-324, -1.7976931348623157e308, 2 ** 53 + 2, 0.1, 0.1];
    values.forEach((value, pass) => store.appendScrape(at(pass), [{ labels: up('a'), value }]));
    const [found] = store.select(all, 0, at(99));
    expect([...found!.v]).toEqual(values);
    expect(Object.is(found!.v[1], -0)).toBe(true);
    expect(found!.stale).toBeUndefined();
  });

  it('reads across sealed blocks, with series that come and go mid-block', () => {
    const store = new SeriesStore({ blockRows: 8 });
    const expectedA: [number, number | 'stale'][] = [];
    const expectedB: [number, number | 'stale'][] = [];
    let bWasThere = false;
    for (let pass = 0; pass < 30; pass++) {
      const batch = [{ labels: up('a'), value: pass * 1.5 }];
      expectedA.push([at(pass), pass * 1.5]);
      const bThere = pass % 7 >= 3; // in for 4 passes, out for 3
      if (bThere) {
        batch.push({ labels: up('b'), value: 100 - pass });
        expectedB.push([at(pass), 100 - pass]);
      } else if (bWasThere) {
        expectedB.push([at(pass), 'stale']);
      }
      bWasThere = bThere;
      store.appendScrape(at(pass), batch);
    }
    expect(store.stats().blocks).toBe(3);
    const found = samples(store.select(all, 0, at(99)));
    expect(found['__name__=up,job=a']).toEqual(expectedA);
    expect(found['__name__=up,job=b']).toEqual(expectedB);
    const window = samples(store.select([matcher('job', '=', 'b')], at(9), at(17)));
    expect(window['__name__=up,job=b']).toEqual(expectedB.filter(([t]) => t >= at(9) && t <= at(17)));
  });

  it('throws on a timestamp that is not an integer of milliseconds, and a value that is not a number', () => {
    const store = new SeriesStore();
    expect(() => store.appendScrape(1.5, [])).toThrow(McpulseError);
    expect(() => store.appendScrape(2 ** 53, [])).toThrow(
      'sample timestamp must be an integer of milliseconds within ±2^52, got 9007199254740992',
    );
    expect(() => store.appendScrape(at(0), [{ labels: up('a'), value: '1' as never }])).toThrow(
      'sample value must be a number, got string',
    );
    expect(() =>
      store.append(
        [
          { name: 'b', value: '1' },
          { name: 'a', value: '1' },
        ],
        at(0),
        1,
      ),
    ).toThrow('labels must be sorted by name with no name twice, got {b="1", a="1"}');
  });
});

describe('SeriesStore samples at their own times', () => {
  it('takes per-series samples in order, refuses and counts the rest, and merges them with passes', () => {
    const store = new SeriesStore();
    expect(store.append(up('a'), 1000, 1)).toBe(true);
    expect(store.append(up('a'), 1000, 2)).toBe(false);
    expect(store.append(up('a'), 500, 2)).toBe(false);
    expect(store.append(up('b'), 500, 7)).toBe(true);
    expect(store.appendStale(up('a'), 2000)).toBe(true);
    store.appendScrape(3000, [{ labels: up('a'), value: 3 }]);
    expect(store.append(up('a'), 3000, 4)).toBe(false);
    expect(store.append(up('a'), 3500, 4)).toBe(true);
    store.appendScrape(4000, [{ labels: up('a'), value: 5 }]);
    expect(samples(store.select(all, 0, 9999))).toEqual({
      '__name__=up,job=a': [
        [1000, 1],
        [2000, 'stale'],
        [3000, 3],
        [3500, 4],
        [4000, 5],
      ],
      '__name__=up,job=b': [[500, 7]],
    });
    expect(store.stats()).toMatchObject({ series: 2, samples: 6, refusedSamples: 3 });
  });

  it('packs full chunks and reads across them', () => {
    const store = new SeriesStore();
    for (let i = 0; i < 500; i++) store.append(up('a'), i * 60_000, i % 3 === 0 ? i : i / 7);
    const [found] = store.select(all, 119 * 60_000, 241 * 60_000);
    expect(found!.t.length).toBe(123);
    expect(found!.t[0]).toBe(119 * 60_000);
    expect(found!.v[122]).toBe(241 / 7);
    expect(store.stats().samples).toBe(500);
  });
});
