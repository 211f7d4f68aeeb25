/**
 * Reads that start half way through a block (from the mark the store keeps there, block.ts) must
 * give exactly what a read from the block's first value gives: every window over sealed blocks and
 * the open block, with changing values (so marks are kept), a staleness marker and a series that
 * skips passes (no mark).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { matcher, series } from '../../test/store-helpers.js';
import type { SelectedSeries } from './queryable.js';
import { SeriesStore } from './series-store.js';

const T0 = 1_764_000_000_000;
const STEP = 15_000;
const all = [matcher('__name__', '=~', '.+')];

function flat(found: readonly SelectedSeries[]): string[] {
  return found.flatMap((one) =>
    [...one.t].map((t, i) => `${one.labels[1]!.value}@${t}=${one.stale?.[i] === 1 ? 'stale' : one.v[i]}`),
  );
}

describe('SeriesStore reads from a block mark', () => {
  it('every window over 3.75 blocks of changing values reads the same as from the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { minLength: 60, maxLength: 60 }),
        fc.integer({ min: 0, max: 59 }),
        (values, gapAt) => {
          const store = new SeriesStore({ blockRows: 16 });
          const refs = ['a', 'b', 'c'].map((job) => store.resolve(series('m', { job }))!);
          for (let pass = 0; pass < 60; pass++) {
            const present = pass === gapAt ? [refs[0]!, refs[2]!] : refs; // b skips one pass
            const passValues = present.map((_, i) => values[(pass + i * 7) % 60]! * (i + 1));
            store.appendScrapeRefs(T0 + pass * STEP, present, passValues);
          }
          const everything = flat(store.select(all, -Infinity, Infinity));
          for (let from = 0; from < 60; from++) {
            for (const to of [from, from + 3, 59]) {
              const mint = T0 + from * STEP;
              const maxt = T0 + to * STEP;
              const expected = everything.filter((s) => {
                const t = Number(s.slice(s.indexOf('@') + 1, s.indexOf('=')));
                return t >= mint && t <= maxt;
              });
              expect(flat(store.select(all, mint, maxt))).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps a mark only in a series whose first half is long enough to be worth skipping', () => {
    const store = new SeriesStore({ blockRows: 16 });
    const changing = store.resolve(series('m', { job: 'changing' }))!;
    const constant = store.resolve(series('m', { job: 'constant' }))!;
    for (let pass = 0; pass < 16; pass++) {
      store.appendScrapeRefs(T0 + pass * STEP, [changing, constant], [Math.sqrt(pass + 2), 1]);
    }
    const block = (store as unknown as { blocks: { markIds: Uint32Array; markRow: number }[] }).blocks[0]!;
    expect([...block.markIds]).toEqual([0]);
    expect(block.markRow).toBe(8);
  });
});
