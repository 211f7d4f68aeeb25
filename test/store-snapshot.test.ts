/**
 * The store's snapshot through the public options: saved on shutdown, loaded by the next instance, so
 * a restart keeps the day; a damaged file is refused, counted and logged, and the new instance starts
 * empty rather than failing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createMcpulse, type Mcpulse } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpulse-snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function newPulse(file: string): Mcpulse {
  return createMcpulse({
    monitoring: false,
    logLevel: 'silent',
    hostMetrics: false,
    processMetrics: false,
    store: { intervalMs: 3_600_000, snapshotFile: file },
  });
}

async function until<T>(read: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

describe('store snapshot', () => {
  it('a restart keeps what was sampled', async () => {
    const file = join(dir, 'store.snapshot');
    const first = newPulse(file);
    const calls = first.metrics.counter({ name: 'calls_total', help: 'h', labelNames: ['tool'] });
    const now = Date.now();
    calls.inc({ tool: 'a' }, 3);
    await first.sampleStore(now - 60_000);
    calls.inc({ tool: 'a' }, 4);
    await first.sampleStore(now - 30_000);
    await first.shutdown();
    expect(readFileSync(file).length).toBeGreaterThan(0);

    const second = newPulse(file);
    const answer = await until(() => {
      const value = second.query('calls_total', now - 30_000);
      return value.type === 'vector' && value.samples.length > 0 ? value : undefined;
    });
    expect(answer).toEqual({
      type: 'vector',
      samples: [
        {
          metric: [
            { name: '__name__', value: 'calls_total' },
            { name: 'tool', value: 'a' },
          ],
          t: now - 30_000,
          v: 7,
        },
      ],
    });
    // 3 then 7, 30 s apart, in a 1 m window: Prometheus extrapolates to the window's start, at most
    // down to where the counter would have been 0 (22.5 s before the first sample): 4 × 52.5 / 30.
    expect(second.query('increase(calls_total[1m])', now - 30_000)).toMatchObject({
      type: 'vector',
      samples: [{ v: 7 }],
    });
    await second.shutdown();
  });

  it('a damaged file is refused and counted; the instance starts empty', async () => {
    const file = join(dir, 'damaged.snapshot');
    writeFileSync(file, 'not a snapshot at all');
    const pulse = newPulse(file);
    const line = /mcpulse_internal_errors_total\{where="store-snapshot-load"\} (\d+)/;
    let count: string | undefined;
    for (let attempt = 0; attempt < 200 && count === undefined; attempt++) {
      count = line.exec(await pulse.registry.metrics())?.[1];
      if (count === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(count).toBe('1');
    expect(pulse.query('count(calls_total) or vector(0)')).toMatchObject({ samples: [{ v: 0 }] });
    await pulse.shutdown();
  });
});
