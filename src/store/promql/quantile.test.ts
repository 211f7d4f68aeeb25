import { describe, expect, it } from 'vitest';
import { call, labels, sample, scalar } from '../../../test/promql-function-kit.js';
import type { Expr } from './ast.js';
import { bucketQuantile, quantile } from './quantile.js';
import type { Sample } from './value.js';

// Expected values are Prometheus 2.42's (promtool test rules); the bucket sets are those of
// promql/testdata/histograms.test at 50m.

const ARGS: Expr[] = [
  { kind: 'number', value: 0 },
  { kind: 'vector', name: undefined, matchers: [], offsetMs: 0, at: undefined },
];

function histogramQuantile(q: number, buckets: Sample[]): Sample[] {
  return call('histogram_quantile', [scalar(q), buckets], ARGS, 0);
}

function valuesOf(out: Sample[]): Record<string, number> {
  return Object.fromEntries(out.map((s) => [s.metric.map((l) => `${l.name}=${l.value}`).join(','), s.v]));
}

const twoHistograms = [
  sample({ __name__: 'h', le: '0.1', start: 'positive' }, 50),
  sample({ __name__: 'h', le: '.2', start: 'positive' }, 70),
  sample({ __name__: 'h', le: '1e0', start: 'positive' }, 110),
  sample({ __name__: 'h', le: '+Inf', start: 'positive' }, 120),
  sample({ __name__: 'h', le: '-.2', start: 'negative' }, 10),
  sample({ __name__: 'h', le: '-0.1', start: 'negative' }, 20),
  sample({ __name__: 'h', le: '0.3', start: 'negative' }, 20),
  sample({ __name__: 'h', le: '+Inf', start: 'negative' }, 30),
];

describe('histogram_quantile', () => {
  it('interpolates within the bucket holding the rank, per label set without le and the name', () => {
    expect(histogramQuantile(0.2, twoHistograms)).toEqual([
      { metric: labels({ start: 'positive' }), t: 0, v: 0.048 },
      { metric: labels({ start: 'negative' }), t: 0, v: -0.2 },
    ]);
    expect(valuesOf(histogramQuantile(0.5, twoHistograms))).toEqual({
      'start=positive': 0.15000000000000002,
      'start=negative': -0.15000000000000002,
    });
    expect(valuesOf(histogramQuantile(0.8, twoHistograms))).toEqual({
      'start=positive': 0.72,
      'start=negative': 0.3,
    });
  });

  it('starts the lowest bucket at 0 unless its bound is not positive; the top is the highest finite bound', () => {
    expect(valuesOf(histogramQuantile(0, twoHistograms))).toEqual({
      'start=positive': 0,
      'start=negative': -0.2,
    });
    expect(valuesOf(histogramQuantile(1, twoHistograms))).toEqual({
      'start=positive': 1,
      'start=negative': 0.3,
    });
  });

  it('answers ±Inf for q outside [0, 1] and NaN for NaN q', () => {
    expect(valuesOf(histogramQuantile(-0.1, twoHistograms))).toEqual({
      'start=positive': -Infinity,
      'start=negative': -Infinity,
    });
    expect(valuesOf(histogramQuantile(1.01, twoHistograms))).toEqual({
      'start=positive': Infinity,
      'start=negative': Infinity,
    });
    expect(Object.values(valuesOf(histogramQuantile(NaN, twoHistograms))).every(Number.isNaN)).toBe(true);
  });

  it('raises non-monotonic counts to the running maximum', () => {
    const nonMonotonic = [
      sample({ le: '0.1' }, 20),
      sample({ le: '1' }, 10),
      sample({ le: '10' }, 50),
      sample({ le: '100' }, 40),
      sample({ le: '1000' }, 90),
      sample({ le: '+Inf' }, 80),
    ];
    expect(histogramQuantile(0.01, nonMonotonic)[0]?.v).toBe(0.0045);
    expect(histogramQuantile(0.5, nonMonotonic)[0]?.v).toBe(8.5);
    expect(histogramQuantile(0.99, nonMonotonic)[0]?.v).toBe(979.7499999999999);
  });

  it('merges spellings of one bound; a histogram without observations is NaN', () => {
    const mixed = [
      sample({ i: '1', le: '0.1' }, 0.1),
      sample({ i: '1', le: '0.2' }, 0.1),
      sample({ i: '1', le: '2e-1' }, 0.1),
      sample({ i: '1', le: '2.0e-1' }, 0.1),
      sample({ i: '1', le: '+Inf' }, 0.4),
      sample({ i: '2', le: '+inf' }, 0),
      sample({ i: '2', le: '+Inf' }, 0),
    ];
    const out = valuesOf(histogramQuantile(0.5, mixed));
    expect(out['i=1']).toBe(0.15);
    expect(out['i=2']).toBeNaN();
    expect(histogramQuantile(0.75, mixed.slice(0, 5))[0]?.v).toBe(0.2);
  });

  it('reads le as Go does: hex, underscores, any-case infinity; unparseable and out-of-range bounds are skipped', () => {
    const goSyntax = [
      sample({ le: '0x1p-3' }, 1),
      sample({ le: '1_000' }, 2),
      sample({ le: 'Infinity' }, 10),
    ];
    expect(histogramQuantile(0.15, goSyntax)[0]?.v).toBe(500.0625);
    const skipped = [
      sample({ a: 'x', le: '1' }, 2),
      sample({ a: 'x', le: 'abc' }, 3),
      sample({ a: 'x' }, 3),
      sample({ a: 'x', le: '+Inf' }, 4),
    ];
    expect(histogramQuantile(0.5, skipped)).toEqual([{ metric: labels({ a: 'x' }), t: 0, v: 1 }]);
    const overflow = [sample({ le: '1e400' }, 2), sample({ le: '+Inf' }, 4), sample({ le: '3' }, 3)];
    expect(histogramQuantile(0.6, overflow)[0]?.v).toBe(2.4);
  });

  it('gives NaN without a +Inf bucket, with only one bucket, or with no observations', () => {
    expect(histogramQuantile(0.5, [sample({ le: '0.1' }, 1), sample({ le: '0.2' }, 3)])[0]?.v).toBeNaN();
    expect(histogramQuantile(0.5, [sample({ le: '+Inf' }, 3)])[0]?.v).toBeNaN();
    expect(histogramQuantile(0.5, [sample({ le: '0.5' }, 0), sample({ le: '+Inf' }, 0)])[0]?.v).toBeNaN();
  });

  it('carries NaN and Inf counts as Go compares them', () => {
    expect(histogramQuantile(0.5, [sample({ le: '0.5' }, NaN), sample({ le: '+Inf' }, 4)])[0]?.v).toBe(0.5);
    const infinite = [
      sample({ le: '0.5' }, 2),
      sample({ le: '1' }, Infinity),
      sample({ le: '+Inf' }, Infinity),
    ];
    expect(histogramQuantile(0.5, infinite)[0]?.v).toBeNaN();
  });

  it('returns the highest finite bound when the rank falls in the +Inf bucket', () => {
    const buckets = [sample({ le: '0.1' }, 1), sample({ le: '0.2' }, 2), sample({ le: '0.3' }, 3)];
    expect(histogramQuantile(1, [...buckets, sample({ le: '+Inf' }, 3)])[0]?.v).toBe(0.3);
    expect(histogramQuantile(0.9, [...buckets, sample({ le: '+Inf' }, 10)])[0]?.v).toBe(0.3);
    expect(
      histogramQuantile(0.3, [
        sample({ le: '0.1' }, 0.3),
        sample({ le: '0.2' }, 0.7),
        sample({ le: '+Inf' }, 0.9),
      ])[0]?.v,
    ).toBe(0.09000000000000002);
  });

  it('gives nothing for no buckets', () => {
    expect(histogramQuantile(0.5, [])).toEqual([]);
  });
});

describe('bucketQuantile', () => {
  it('sorts the buckets it is given', () => {
    const buckets = [
      { upperBound: Infinity, count: 3 },
      { upperBound: 4, count: 2 },
      { upperBound: 2, count: 1 },
      { upperBound: 6, count: 3 },
      { upperBound: 0, count: 0 },
    ];
    expect(bucketQuantile(1 / 6, buckets)).toBe(1);
    expect(bucketQuantile(0.5, buckets)).toBe(3);
    expect(bucketQuantile(5 / 6, buckets)).toBe(5);
  });
});

describe('quantile', () => {
  it('interpolates between ranks, NaN first', () => {
    expect(quantile(0.3, [1.5, 2.25, -3, 7.125, 0.1])).toBe(0.37999999999999995);
    expect(quantile(0.5, [4, NaN, 1, 2])).toBe(1.5);
    expect(quantile(0, [4, NaN, 1, 2])).toBeNaN();
    expect(quantile(1, [4, NaN, 1, 2])).toBe(4);
  });

  it('answers the edge cases', () => {
    expect(quantile(0.5, [])).toBeNaN();
    expect(quantile(NaN, [1])).toBeNaN();
    expect(quantile(-1, [1])).toBe(-Infinity);
    expect(quantile(2, [1])).toBe(Infinity);
    expect(quantile(0.9, [7])).toBe(7);
  });
});
