import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { McpulseError } from '../core/errors.js';
import { matcher, series } from '../../test/store-helpers.js';
import type { SelectedSeries } from './queryable.js';
import { SeriesStore } from './series-store.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  loadSnapshot,
  saveSnapshot,
  saveSnapshotSync,
  SNAPSHOT_VERSION,
} from './snapshot.js';

const T0 = 1_764_000_000_000;
const at = (pass: number): number => T0 + pass * 15_000;
const all = [matcher('__name__', '=~', '.+')];
const up = (job: string) => series('up', { job });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpulse-snapshot-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a store holds, as plain data (stale markers as 'stale'). */
function contents(store: SeriesStore): [string, [number, number | 'stale'][]][] {
  return store
    .select(all, -Infinity, Infinity)
    .map((one: SelectedSeries) => [
      one.labels.map((label) => `${label.name}=${label.value}`).join(','),
      [...one.t].map((t, i) => [t, one.stale?.[i] === 1 ? 'stale' : one.v[i]!]),
    ]);
}

/** Three sealed blocks and an open one, series coming and going, one series gone for good (a hole), chunks. */
function busyStore(): SeriesStore {
  const store = new SeriesStore({ blockRows: 8, retentionMs: 600_000 });
  for (let pass = 0; pass < 70; pass++) {
    const batch = [{ labels: up('steady'), value: pass * 0.5 }];
    if (pass < 5) batch.push({ labels: up('early'), value: 1 });
    if (pass % 5 !== 0) batch.push({ labels: up('flaky'), value: pass });
    if (pass > 60) batch.push({ labels: up('late'), value: -pass });
    store.appendScrape(at(pass), batch);
  }
  for (let i = 0; i < 130; i++) store.append(series('rule_input', { i: '1' }), at(30) + i * 1000, i % 7);
  store.appendStale(series('rule_input', { i: '1' }), at(30) + 130_000);
  return store;
}

describe('store snapshots', () => {
  it('round-trip every sample, staleness marker and series, and let sampling carry on', async () => {
    const store = busyStore();
    expect(store.stats().series).toBe(4); // 'early' was swept with its blocks: ids have a hole
    const path = join(dir, 'store.snap');
    const saved = await saveSnapshot(store, path);
    expect(saved).toMatchObject({ ok: true, series: 4 });
    expect(readdirSync(dir)).toEqual(['store.snap']);

    const loaded = new SeriesStore({ blockRows: 8, retentionMs: 600_000 });
    const result = await loadSnapshot(loaded, path, { nowMs: at(69) });
    expect(result).toEqual({
      status: 'loaded',
      series: 4,
      samples: store.stats().samples,
      expiredSamples: 0,
      droppedSeries: 0,
    });
    expect(contents(loaded)).toEqual(contents(store));

    // The next pass misses 'late' and 'flaky' (both in the last pass): they get staleness markers.
    for (const target of [store, loaded]) target.appendScrape(at(70), [{ labels: up('steady'), value: 1 }]);
    expect(contents(loaded)).toEqual(contents(store));
    expect(loaded.append(series('rule_input', { i: '1' }), at(30) + 130_000, 1)).toBe(false);
  });

  it('leaves out the blocks and chunks older than the retention on load, and series past the limit', async () => {
    const path = join(dir, 'store.snap');
    await saveSnapshot(busyStore(), path);
    const later = new SeriesStore({ blockRows: 8, retentionMs: 600_000 });
    // Ten minutes before at(90) is at(50): blocks ending before it go (passes 0-47), so do the chunks.
    const result = await loadSnapshot(later, path, { nowMs: at(90) });
    expect(result).toMatchObject({ status: 'loaded', series: 3 });
    expect(result.expiredSamples).toBeGreaterThan(0);
    expect(later.select(all, -Infinity, Infinity).map((one) => one.t[0])).toEqual([at(48), at(61), at(48)]);

    const small = new SeriesStore({ blockRows: 8, maxSeries: 2 });
    expect(await loadSnapshot(small, path, { nowMs: at(69) })).toMatchObject({ series: 2, droppedSeries: 2 });
  });

  it('writes atomically and synchronously too, and reports a save that fails without throwing', async () => {
    const path = join(dir, 'store.snap');
    writeFileSync(path, 'the old snapshot');
    expect(saveSnapshotSync(busyStore(), path)).toMatchObject({ ok: true, series: 4 });
    expect(readdirSync(dir)).toEqual(['store.snap']);
    expect((await loadSnapshot(new SeriesStore({ blockRows: 8 }), path, { nowMs: at(69) })).status).toBe(
      'loaded',
    );

    const errors: unknown[] = [];
    const missingDir = join(dir, 'no', 'such', 'dir', 'store.snap');
    const failed = await saveSnapshot(busyStore(), missingDir, { onError: (error) => errors.push(error) });
    expect(failed).toMatchObject({ ok: false, bytes: 0 });
    expect(failed.error!.message).toMatch(
      /^mcpulse: could not save the store snapshot to .*store\.snap: ENOENT/,
    );
    expect(saveSnapshotSync(busyStore(), missingDir).ok).toBe(false);
    expect(errors).toEqual([failed.error]);
    expect(readdirSync(dir)).toEqual(['store.snap']);
  });

  it('starts fresh when there is no snapshot', async () => {
    expect(await loadSnapshot(new SeriesStore(), join(dir, 'none.snap'))).toEqual({ status: 'missing' });
  });
});

describe('store snapshots refused', () => {
  async function refusal(bytes: Uint8Array | string): Promise<string> {
    const path = join(dir, 'bad.snap');
    writeFileSync(path, bytes);
    const errors: McpulseError[] = [];
    const store = new SeriesStore();
    const result = await loadSnapshot(store, path, {
      onError: (error) => {
        errors.push(error);
        throw new Error('the callback fails too');
      },
    });
    expect(result.status).toBe('refused');
    expect(errors).toEqual([result.error]);
    expect(result.error).toBeInstanceOf(McpulseError);
    expect(store.stats().series).toBe(0);
    return result.error!.message.replace(path, 'FILE');
  }

  function good(): Uint8Array {
    return encodeSnapshot(busyStore().exportImage(), T0);
  }

  /** The snapshot with `edit` applied and its checksum made right again. */
  function resealed(edit: (bytes: Uint8Array, view: DataView) => void): Uint8Array {
    const bytes = good();
    const view = new DataView(bytes.buffer);
    edit(bytes, view);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    return bytes;
  }

  it('names what is wrong with a foreign, newer, damaged or cut file', async () => {
    expect(await refusal('{"not": "a snapshot"}')).toBe(
      'mcpulse: store snapshot FILE was not loaded: it is not an mcpulse snapshot',
    );
    expect(await refusal('')).toBe(
      'mcpulse: store snapshot FILE was not loaded: it is not an mcpulse snapshot',
    );
    const newer = good();
    new DataView(newer.buffer).setUint32(12, SNAPSHOT_VERSION + 1, true);
    expect(await refusal(newer)).toBe(
      'mcpulse: store snapshot FILE was not loaded: it is snapshot version 2; this mcpulse reads version 1',
    );
    const damaged = good();
    damaged[200] = damaged[200]! ^ 0x10;
    expect(await refusal(damaged)).toBe(
      'mcpulse: store snapshot FILE was not loaded: its checksum does not match (the file is damaged)',
    );
    expect(await refusal(good().subarray(0, 1000))).toBe(
      'mcpulse: store snapshot FILE was not loaded: its checksum does not match (the file is damaged)',
    );
  });

  it('refuses a file whose checksum holds but whose insides do not', async () => {
    // The first series' first label name is at 39 (after the 28-byte header, the series count, its
    // flags, label count and name length): 8 bytes, "__name__". Renaming it to "zz" sorts it after "job".
    const unsorted = resealed((bytes, view) => {
      expect(new TextDecoder().decode(bytes.subarray(39, 47))).toBe('__name__');
      bytes.set(new TextEncoder().encode('zzzzzzzz'), 39);
      expect(view.getUint32(35, true)).toBe(8);
    });
    expect(await refusal(unsorted)).toMatch(
      /^mcpulse: store snapshot FILE was not loaded: series 0 has bad labels: a series' labels must be sorted by name/,
    );
    const extra = resealed(() => {});
    const longer = new Uint8Array(extra.length + 4);
    longer.set(extra.subarray(0, extra.length - 4));
    new DataView(longer.buffer).setUint32(
      longer.length - 4,
      crc32(longer.subarray(0, longer.length - 4)),
      true,
    );
    expect(await refusal(longer)).toBe(
      'mcpulse: store snapshot FILE was not loaded: it has bytes after its last section',
    );
  });

  it('refuses a block whose timestamps go back', () => {
    const image = busyStore().exportImage();
    const bytes = encodeSnapshot(image, T0);
    const firstBlockAt = bytes.length - 4 - trailingBytes(image);
    const view = new DataView(bytes.buffer);
    const rows = view.getUint32(firstBlockAt, true);
    expect(rows).toBe(8);
    view.setFloat64(firstBlockAt + 4 + 8, view.getFloat64(firstBlockAt + 4, true), true); // row 1 = row 0
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(() => decodeSnapshot(bytes)).toThrow('block 0 has timestamps out of order');
  });

  it('refuses to load into a store that already holds series', async () => {
    const path = join(dir, 'store.snap');
    await saveSnapshot(busyStore(), path);
    const used = new SeriesStore();
    used.append(up('x'), 1, 1);
    const result = await loadSnapshot(used, path);
    expect(result.error!.message).toBe(
      `mcpulse: store snapshot ${path} was not loaded: a snapshot loads into a new store only`,
    );
  });

  it('refuses a path it cannot read', async () => {
    mkdirSync(join(dir, 'bad.snap'));
    const result = await loadSnapshot(new SeriesStore(), join(dir, 'bad.snap'));
    expect(result.status).toBe('refused');
    expect(result.error!.message).toMatch(/was not loaded: EISDIR/);
  });
});

/** Bytes from the first block's start to the trailer: blocks and chunks sections, less the block count. */
function trailingBytes(image: ReturnType<SeriesStore['exportImage']>): number {
  let size = 4; // chunk count
  for (const block of image.blocks) {
    size += 4 + block.rows * 8 + 4 + block.offsets.length * 4 + 4 + block.partialIds.length * 4;
    size += block.partialBits.length + 4 + block.data.length;
  }
  for (const one of image.series) for (const chunk of one.chunks) size += 32 + chunk.data.length;
  return size;
}

describe('store snapshots, any store', () => {
  it('load back what was saved, whatever the passes', () => {
    const pass = fc.record({
      gap: fc.integer({ min: 1, max: 40_000 }),
      present: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      value: fc.double(),
    });
    fc.assert(
      fc.property(fc.array(pass, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (passes, ownCount) => {
        const store = new SeriesStore({ blockRows: 8 });
        let clock = T0;
        for (const step of passes) {
          clock += step.gap;
          const batch = step.present.flatMap((present, i) =>
            present ? [{ labels: up(`s${i}`), value: step.value + i }] : [],
          );
          store.appendScrape(clock, batch);
        }
        for (let i = 0; i < ownCount * 50; i++) store.append(up('own'), clock + 1 + i, i / 3);
        const loaded = new SeriesStore({ blockRows: 8 });
        loaded.importImage(decodeSnapshot(encodeSnapshot(store.exportImage(), T0)), clock);
        expect(contents(loaded)).toEqual(contents(store));
        expect(loaded.stats().samples).toBe(store.stats().samples);
      }),
      { numRuns: 150 },
    );
  });
});
