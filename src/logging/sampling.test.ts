import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { McpulseOptionError } from '../core/errors.js';
import { LineSampler, validateSampling } from './sampling.js';

/** mulberry32: a small seeded PRNG, so the expected decisions can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function sampledOut(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('mcpulse_log_lines_sampled_out_total')!.get();
  const values: Record<string, number> = {};
  for (const v of metric.values) values[String(v.labels.outcome)] = v.value;
  return values;
}

describe('LineSampler', () => {
  it('keeps the successful lines the seed selects, every failure, and counts the rest', async () => {
    const replay = seeded(42);
    let expectedKept = 0;
    for (let i = 0; i < 1000; i++) if (replay() < 0.25) expectedKept++;
    expect(expectedKept).toBeGreaterThan(200);
    expect(expectedKept).toBeLessThan(300);

    const registry = new Registry();
    const sampler = new LineSampler({ successRate: 0.25, random: seeded(42) }, registry);
    let kept = 0;
    for (let i = 0; i < 1000; i++) {
      if (sampler.keep('ok')) kept++;
      // Failures draw nothing and are always kept: they do not shift the sequence of ok decisions.
      for (const outcome of ['error', 'tool_error', 'closed', 'anything'])
        expect(sampler.keep(outcome)).toBe(true);
    }
    expect(kept).toBe(expectedKept);
    expect(await sampledOut(registry)).toEqual({ ok: 1000 - expectedKept, cancelled: 0 });
  });

  it('samples cancelled lines too, with their own label', async () => {
    const registry = new Registry();
    const sampler = new LineSampler({ successRate: 0 }, registry);
    for (let i = 0; i < 7; i++) expect(sampler.keep('cancelled')).toBe(false);
    for (let i = 0; i < 3; i++) expect(sampler.keep('ok')).toBe(false);
    expect(sampler.keep('error')).toBe(true);
    expect(await sampledOut(registry)).toEqual({ ok: 3, cancelled: 7 });
  });

  it('draws nothing at rate 1 or 0', async () => {
    let draws = 0;
    const random = (): number => {
      draws++;
      return 0;
    };
    const registry = new Registry();
    const all = new LineSampler({ successRate: 1, random }, registry);
    const none = new LineSampler({ successRate: 0, random }, registry);
    for (let i = 0; i < 10; i++) {
      expect(all.keep('ok')).toBe(true);
      expect(none.keep('ok')).toBe(false);
    }
    expect(draws).toBe(0);
    // Two samplers on one registry share the counter.
    expect(await sampledOut(registry)).toEqual({ ok: 10, cancelled: 0 });
  });

  it('keeps a line when the draw is below the rate, and skips it at the rate', () => {
    const draws = [0.4999, 0.5];
    const sampler = new LineSampler({ successRate: 0.5, random: () => draws.shift()! }, new Registry());
    expect(sampler.keep('ok')).toBe(true);
    expect(sampler.keep('ok')).toBe(false);
  });
});

describe('validateSampling', () => {
  it('accepts rates from 0 to 1 and defaults to 1', () => {
    expect(validateSampling({})).toEqual({ successRate: 1 });
    expect(validateSampling({ successRate: 0 })).toEqual({ successRate: 0 });
    expect(validateSampling({ successRate: 0.1 })).toEqual({ successRate: 0.1 });
    const random = (): number => 0.5;
    expect(validateSampling({ successRate: 1, random })).toEqual({ successRate: 1, random });
  });

  it.each([
    [{ successRate: 1.5 }, 'mcpulse: logSampling.successRate must be a number from 0 to 1, got 1.5'],
    [{ successRate: -0.1 }, 'mcpulse: logSampling.successRate must be a number from 0 to 1, got -0.1'],
    [{ successRate: Number.NaN }, 'mcpulse: logSampling.successRate must be a number from 0 to 1, got NaN'],
    [{ successRate: '0.5' }, 'mcpulse: logSampling.successRate must be a number from 0 to 1, got "0.5"'],
    [{ successRate: null }, 'mcpulse: logSampling.successRate must be a number from 0 to 1, got null'],
    [
      { successRate: 0.5, random: 1 },
      'mcpulse: logSampling.random must be a function returning [0, 1), got 1',
    ],
    [{ rate: 0.5 }, 'mcpulse: unknown option "logSampling.rate" (known: successRate, random)'],
    [0.5, 'mcpulse: logSampling must be an object such as { successRate: 0.1 }, got 0.5'],
    [[], 'mcpulse: logSampling must be an object such as { successRate: 0.1 }, got []'],
  ])('rejects %j', (value, message) => {
    expect(() => validateSampling(value)).toThrow(McpulseOptionError);
    expect(() => validateSampling(value)).toThrow(new McpulseOptionError(message));
  });

  it('is applied by the LineSampler constructor', () => {
    expect(() => new LineSampler({ successRate: 2 }, new Registry())).toThrow(
      'mcpulse: logSampling.successRate must be a number from 0 to 1, got 2',
    );
  });
});
