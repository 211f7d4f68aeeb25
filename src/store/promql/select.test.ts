import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../labels.js';
import { PromqlEngine } from './engine.js';
import { SlidingWindow, evalVectorSelector, lowerBound, upperBound, type SampleSource } from './select.js';
import { arrayQueryable, call, rangeSelector, selector } from './testing.js';
import type { VectorValue } from './value.js';

const MIN = 60_000;

function source(samples: [number, number | 'stale'][]): SampleSource {
  return {
    labels: labelsFrom({ __name__: 'x' }),
    t: Float64Array.from(samples, (s) => s[0]),
    v: Float64Array.from(samples, (s) => (s[1] === 'stale' ? NaN : s[1])),
    stale: Uint8Array.from(samples, (s) => (s[1] === 'stale' ? 1 : 0)),
  };
}

function values(result: ReturnType<PromqlEngine['instant']>): number[] {
  return (result as VectorValue).samples.map((s) => s.v);
}

describe('binary searches', () => {
  it('find the first time >= and > a time', () => {
    const t = Float64Array.of(10, 20, 20, 30);
    expect([lowerBound(t, 20), upperBound(t, 20), lowerBound(t, 5), upperBound(t, 30)]).toEqual([1, 3, 0, 4]);
    expect(lowerBound(t, 25, 3)).toBe(3);
  });
});

describe('instant selectors', () => {
  const engine = new PromqlEngine(
    arrayQueryable([
      {
        labels: { __name__: 'x', s: 'a' },
        samples: [
          [0, 1],
          [5 * MIN, 2],
        ],
      },
      {
        labels: { __name__: 'x', s: 'b' },
        samples: [
          [MIN, 7],
          [2 * MIN, 'stale'],
          [3 * MIN, 8],
          [4 * MIN, 'stale'],
        ],
      },
    ]),
  );
  const x = selector('x');

  it('take the newest sample in the closed window [t - 5m, t]', () => {
    expect(values(engine.instant(selector('x', { s: 'a' }), 5 * MIN - 1))).toEqual([1]);
    expect(values(engine.instant(selector('x', { s: 'a' }), 5 * MIN))).toEqual([2]);
    expect(values(engine.instant(selector('x', { s: 'a' }), 10 * MIN))).toEqual([2]);
    expect(values(engine.instant(selector('x', { s: 'a' }), 10 * MIN + 1))).toEqual([]);
  });

  it('find nothing when the newest sample is a staleness marker', () => {
    expect(values(engine.instant(x, MIN))).toEqual([1, 7]);
    expect(values(engine.instant(x, 2 * MIN))).toEqual([1]);
    expect(values(engine.instant(x, 3 * MIN + 30_000))).toEqual([1, 8]);
    expect(values(engine.instant(x, 4 * MIN))).toEqual([1]);
  });

  it('apply an offset before the lookback', () => {
    expect(values(engine.instant(selector('x', { s: 'a' }, { offsetMs: 5 * MIN }), 10 * MIN))).toEqual([2]);
    expect(values(engine.instant(selector('x', { s: 'a' }, { offsetMs: 5 * MIN }), 10 * MIN - 1))).toEqual([
      1,
    ]);
    expect(values(engine.instant(selector('x', { s: 'a' }, { offsetMs: -5 * MIN }), 0))).toEqual([2]);
  });

  it('walk every step of a range once per series', () => {
    const steps = { start: 0, end: 6 * MIN, interval: MIN };
    const budget = { currentSamples: 0, maxSamples: 100 };
    const series = arrayQueryable([
      {
        labels: { s: 'b' },
        samples: [
          [MIN, 7],
          [2 * MIN, 'stale'],
          [3 * MIN, 8],
        ],
      },
    ]).select([], -Infinity, Infinity);
    const [only] = evalVectorSelector(series, 0, 5 * MIN, steps, budget);
    expect(Array.from(only!.t)).toEqual([MIN, 3 * MIN, 4 * MIN, 5 * MIN, 6 * MIN]);
    expect(Array.from(only!.v)).toEqual([7, 8, 8, 8, 8]);
    expect(budget.currentSamples).toBe(5);
  });
});

describe('range selectors', () => {
  it('take every sample in the closed window [t - range, t] but the staleness markers', () => {
    const engine = new PromqlEngine(
      arrayQueryable([
        {
          labels: { __name__: 'x' },
          samples: [
            [0, 1],
            [MIN, 2],
            [2 * MIN, 'stale'],
            [3 * MIN, 4],
            [4 * MIN, 5],
          ],
        },
      ]),
    );
    const count = (rangeMs: number, at: number) =>
      values(engine.instant(call('count_over_time', rangeSelector(selector('x'), rangeMs)), at));
    expect(count(3 * MIN, 3 * MIN)).toEqual([3]);
    expect(count(3 * MIN - 1, 3 * MIN)).toEqual([2]);
    expect(count(4 * MIN, 4 * MIN)).toEqual([4]);
    expect(count(MIN, 2 * MIN + 30_000)).toEqual([]);
    const matrix = engine.instant(rangeSelector(selector('x'), 4 * MIN), 4 * MIN);
    expect(matrix).toEqual({
      type: 'matrix',
      series: [
        {
          metric: labelsFrom({ __name__: 'x' }),
          points: [
            { t: 0, v: 1 },
            { t: MIN, v: 2 },
            { t: 3 * MIN, v: 4 },
            { t: 4 * MIN, v: 5 },
          ],
        },
      ],
    });
  });

  it('slide a window forward, rewriting its points in place and counting them', () => {
    const window = new SlidingWindow(
      source([
        [0, 1],
        [10, 2],
        [20, 'stale'],
        [30, 4],
        [40, 5],
        [50, 6],
      ]),
    );
    const budget = { currentSamples: 0, maxSamples: 100 };
    expect(window.moveTo(0, 20, budget).map((p) => p.v)).toEqual([1, 2]);
    const objects = [...window.points];
    expect(window.moveTo(10, 30, budget).map((p) => p.v)).toEqual([2, 4]);
    // Rewritten in place: the same two objects, now holding the new window.
    expect(window.points[0]).toBe(objects[0]);
    expect(window.points[1]).toBe(objects[1]);
    expect(budget.currentSamples).toBe(2);
    expect(window.moveTo(45, 50, budget).map((p) => p.v)).toEqual([6]);
    expect(window.moveTo(100, 200, budget)).toEqual([]);
    expect(budget.currentSamples).toBe(0);
    expect(window.moveTo(0, 10, budget).map((p) => p.v)).toEqual([1, 2]);
    window.release(budget);
    expect(budget.currentSamples).toBe(0);
  });

  it('refuse to hold more samples than the budget', () => {
    const window = new SlidingWindow(
      source([
        [0, 1],
        [10, 2],
        [20, 3],
      ]),
    );
    expect(() => window.moveTo(0, 20, { currentSamples: 0, maxSamples: 2 })).toThrow(
      'query processing would load too many samples into memory in query execution',
    );
  });
});
