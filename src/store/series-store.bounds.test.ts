/** Retention, the series limit and the per-series sample bound, with what each drops counted. */
import { describe, expect, it } from 'vitest';

import { matcher, series } from '../../test/store-helpers.js';
import { SeriesStore } from './series-store.js';

const T0 = 1_764_000_000_000;
const at = (pass: number): number => T0 + pass * 15_000;
const up = (job: string) => series('up', { job });
const all = [matcher('__name__', '=~', '.+')];

function times(store: SeriesStore, job: string): number[] {
  return [...(store.select([matcher('job', '=', job)], -Infinity, Infinity)[0]?.t ?? [])];
}

describe('SeriesStore retention', () => {
  it('drops whole blocks older than the retention as blocks seal, and the series left with nothing', () => {
    // 8 passes a block (2 minutes), 5 minutes kept: sealing block k drops the blocks ending before
    // at(8k + 7) - 5 min = at(8k - 13), so blocks up to k - 3.
    const store = new SeriesStore({ retentionMs: 300_000, blockRows: 8 });
    for (let pass = 0; pass < 48; pass++) {
      const batch = [{ labels: up('a'), value: pass }];
      if (pass < 10) batch.push({ labels: up('b'), value: pass });
      store.appendScrape(at(pass), batch);
    }
    expect(times(store, 'a')).toEqual(Array.from({ length: 24 }, (_, i) => at(24 + i)));
    expect(store.stats()).toMatchObject({ series: 1, samples: 24, blocks: 3, evictedSamples: 0 });
    expect(store.labelValues('job')).toEqual(['a']);
    expect(store.select([matcher('job', '=', 'b')], -Infinity, Infinity)).toEqual([]);
  });

  it('keeps a series while a block still holds its samples, even ones before the cutoff', () => {
    const store = new SeriesStore({ retentionMs: 300_000, blockRows: 8 });
    for (let pass = 0; pass < 40; pass++) {
      store.appendScrape(at(pass), pass === 20 ? [] : [{ labels: up('a'), value: pass }]);
    }
    // Sealing at pass 39 dropped blocks 0 and 1 (passes 0-15); block 2 (16-23) ends after the cutoff.
    expect(times(store, 'a')[0]).toBe(at(16));
    expect(store.stats().samples).toBe(24 - 1 + 1); // pass 20 had only a's staleness marker
  });

  it('truncates on request, before any given time', () => {
    const store = new SeriesStore({ blockRows: 8 });
    for (let pass = 0; pass < 20; pass++) store.appendScrape(at(pass), [{ labels: up('a'), value: pass }]);
    store.truncate(at(8)); // block 0 ends at(7): dropped; block 1 ends at(15): kept
    expect(times(store, 'a')[0]).toBe(at(8));
    store.truncate(at(100)); // both blocks go; the open block's passes 16-19 stay
    expect(times(store, 'a')).toEqual([at(16), at(17), at(18), at(19)]);
    expect(store.stats()).toMatchObject({ series: 1, samples: 4, blocks: 0 });
  });

  it('truncates samples at their own times by whole chunks, counting retention from the newest sample', () => {
    const store = new SeriesStore({ retentionMs: 3_600_000 });
    store.append(up('b'), 0, 1);
    for (let i = 0; i < 600; i++) store.append(up('a'), i * 60_000, i);
    // Newest 599 min: chunks ending before 539 min go (chunks of 120: 0-119 … 360-479), and b.
    expect(times(store, 'a')[0]).toBe(480 * 60_000);
    expect(store.stats()).toMatchObject({ series: 1, samples: 120 });
  });
});

describe('SeriesStore bounds', () => {
  it('drops new series past maxSeries, counting every sample refused, and takes them once there is room', () => {
    const store = new SeriesStore({ maxSeries: 2, retentionMs: 300_000, blockRows: 8 });
    for (let pass = 0; pass < 3; pass++) {
      const batch = [{ labels: up('c'), value: pass }];
      if (pass === 0) batch.push({ labels: up('a'), value: 0 }, { labels: up('b'), value: 0 });
      store.appendScrape(at(pass), batch);
    }
    expect(store.labelValues('job')).toEqual(['a', 'c']);
    expect(store.stats()).toMatchObject({ series: 2, droppedSeries: 1, samples: 3 + 2 });
    expect(store.append(up('d'), at(3), 1)).toBe(false);
    expect(store.resolve(up('e'))).toBeUndefined();
    expect(store.stats().droppedSeries).toBe(3);
    // a went stale at pass 1; once retention drops its block it is gone, and e fits.
    for (let pass = 3; pass < 40; pass++) store.appendScrape(at(pass), [{ labels: up('c'), value: pass }]);
    expect(store.labelValues('job')).toEqual(['c']);
    expect(store.resolve(up('e'))).toBeDefined();
    expect(store.stats().series).toBe(2);
  });

  it('evicts the oldest blocks past maxSamplesPerSeries, and counts their samples', () => {
    const store = new SeriesStore({ maxSamplesPerSeries: 20, blockRows: 8 });
    for (let pass = 0; pass < 30; pass++) {
      store.appendScrape(at(pass), [
        { labels: up('a'), value: pass },
        { labels: up('b'), value: pass },
      ]);
    }
    // Sealing the third block (24 passes) passes 20: the first block goes, 16 samples of two series.
    expect(times(store, 'a')[0]).toBe(at(8));
    expect(store.stats()).toMatchObject({ samples: 2 * 22, evictedSamples: 16, blocks: 2 });
  });

  it('evicts the oldest chunks of samples at their own times past maxSamplesPerSeries', () => {
    const store = new SeriesStore({ maxSamplesPerSeries: 200 });
    for (let i = 0; i < 500; i++) store.append(up('a'), i * 1000, i);
    // Each filled chunk of 120 past 200 held drops the oldest: after 240, 360 and 480 samples.
    expect(times(store, 'a')[0]).toBe(360_000);
    expect(store.stats()).toMatchObject({ samples: 140, evictedSamples: 360 });
  });

  it('counts sample bytes', () => {
    const store = new SeriesStore({ blockRows: 8 });
    for (let pass = 0; pass < 8; pass++) store.appendScrape(at(pass), [{ labels: up('a'), value: 1 }]);
    // A sealed block: 8 timestamps (64 bytes), the value stream (64 bits + 7 zero bits = 9 bytes),
    // offsets for one id (8 bytes), no presence bitmaps.
    expect(store.stats()).toMatchObject({ blocks: 1, bytes: 64 + 9 + 8 });
    expect(store.select(all, 0, Infinity)[0]!.t.length).toBe(8);
  });
});
