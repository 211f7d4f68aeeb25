/**
 * Random sampling passes and per-series appends against a plain-array model of what the store must
 * hold: every sample, staleness marker, refusal and range query the same. Small blocks, so passes
 * cross many block boundaries, with series skipping passes (presence bitmaps).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { matcher, series } from '../../test/store-helpers.js';
import type { SelectedSeries } from './queryable.js';
import { SeriesStore } from './series-store.js';

const POOL = ['a', 'b', 'c', 'd'].map((job) => series('m', { job }));
const STALE = 'stale';
type Value = number | typeof STALE;

type Op =
  | { kind: 'pass'; gap: number; present: boolean[]; values: number[]; twice: number }
  | { kind: 'own'; series: number; back: number; value: number; stale: boolean };

const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(NaN, -0, Infinity, 0.1),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pass' as const),
      gap: fc.integer({ min: -2000, max: 30_000 }),
      present: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      values: fc.array(value, { minLength: 4, maxLength: 4 }),
      twice: fc.integer({ min: -1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('own' as const),
      series: fc.integer({ min: 0, max: 3 }),
      back: fc.integer({ min: -5000, max: 5000 }),
      value,
      stale: fc.boolean(),
    }),
  },
);

class Model {
  readonly samples: [number, Value][][] = POOL.map(() => []);
  readonly lastT = POOL.map(() => -Infinity);
  previous = new Set<number>();
  lastPassT = -Infinity;
  refused = 0;

  pass(t: number, entries: [number, number][]): void {
    if (t <= this.lastPassT) {
      this.refused += entries.length;
      return;
    }
    this.lastPassT = t;
    const seen = new Set<number>();
    for (const [index, v] of entries) {
      if (seen.has(index) || t <= this.lastT[index]!) {
        this.refused += 1;
        continue;
      }
      seen.add(index);
      this.add(index, t, v);
    }
    for (const index of this.previous)
      if (!seen.has(index) && t > this.lastT[index]!) this.add(index, t, STALE);
    this.previous = seen;
  }

  own(index: number, t: number, v: Value): void {
    if (t <= this.lastT[index]!) this.refused += 1;
    else this.add(index, t, v);
  }

  private add(index: number, t: number, v: Value): void {
    this.samples[index]!.push([t, v]);
    this.lastT[index] = t;
  }
}

function asModel(found: readonly SelectedSeries[]): [number, Value][][] {
  const out: [number, Value][][] = POOL.map(() => []);
  for (const one of found) {
    const index = 'abcd'.indexOf(one.labels.find((label) => label.name === 'job')!.value);
    out[index] = [...one.t].map((t, i) => [t, one.stale?.[i] === 1 ? STALE : one.v[i]!]);
  }
  return out;
}

describe('SeriesStore against a model', () => {
  it('holds what the model holds, whatever the passes and appends', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 120 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 2_000_000 })), {
          maxLength: 4,
        }),
        (ops, ranges) => {
          const store = new SeriesStore({ blockRows: 8 });
          const model = new Model();
          let clock = 1_000_000;
          for (const step of ops) {
            if (step.kind === 'pass') {
              clock += step.gap;
              const entries: [number, number][] = [];
              step.present.forEach((present, index) => present && entries.push([index, step.values[index]!]));
              if (step.twice >= 0 && step.present[step.twice]) entries.push([step.twice, 99]);
              model.pass(clock, entries);
              store.appendScrape(
                clock,
                entries.map(([index, v]) => ({ labels: POOL[index]!, value: v })),
              );
            } else {
              const t = clock - step.back;
              model.own(step.series, t, step.stale ? STALE : step.value);
              if (step.stale) store.appendStale(POOL[step.series]!, t);
              else store.append(POOL[step.series]!, t, step.value);
            }
          }
          const all = [matcher('__name__', '=', 'm')];
          expect(asModel(store.select(all, -Infinity, Infinity))).toEqual(model.samples);
          for (const [from, length] of ranges) {
            const mint = 1_000_000 + from - 500_000;
            const maxt = mint + length;
            expect(asModel(store.select(all, mint, maxt))).toEqual(
              model.samples.map((samples) => samples.filter(([t]) => t >= mint && t <= maxt)),
            );
          }
          const held = model.samples.reduce((sum, samples) => sum + samples.length, 0);
          expect(store.stats()).toMatchObject({ samples: held, refusedSamples: model.refused });
        },
      ),
      { numRuns: 300 },
    );
  });
});
