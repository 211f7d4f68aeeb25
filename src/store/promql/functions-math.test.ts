import { describe, expect, it } from 'vitest';
import { NUMBER, call, labels, sample, scalar, selector } from '../../../test/promql-function-kit.js';
import type { Expr } from './ast.js';
import { FUNCTIONS, absentLabels } from './functions.js';

// Expected values are Prometheus 2.42's (promtool test rules), most from promql/testdata/functions.test.

const clampInput = [
  sample({ __name__: 'test_clamp', src: 'clamp-a' }, -50),
  sample({ __name__: 'test_clamp', src: 'clamp-b' }, 0),
  sample({ __name__: 'test_clamp', src: 'clamp-c' }, 100),
];
const values = (out: { v: number }[]) => out.map((s) => s.v);

describe('element-wise functions', () => {
  it('drop the metric name and keep the other labels', () => {
    for (const name of [
      'abs',
      'ceil',
      'floor',
      'exp',
      'sqrt',
      'ln',
      'log2',
      'log10',
      'sin',
      'cos',
      'tan',
      'asin',
      'acos',
    ]) {
      expect(call(name, [clampInput], [NUMBER]).map((s) => s.metric)).toEqual([
        labels({ src: 'clamp-a' }),
        labels({ src: 'clamp-b' }),
        labels({ src: 'clamp-c' }),
      ]);
    }
    for (const name of [
      'atan',
      'sinh',
      'cosh',
      'tanh',
      'asinh',
      'acosh',
      'atanh',
      'rad',
      'deg',
      'sgn',
      'timestamp',
    ]) {
      expect(call(name, [clampInput], [NUMBER])[0]?.metric).toEqual(labels({ src: 'clamp-a' }));
    }
  });

  it('give nothing for nothing', () => {
    expect(call('abs', [[]], [NUMBER])).toEqual([]);
    expect(call('round', [[], scalar(0.1)], [NUMBER, NUMBER])).toEqual([]);
  });

  it('convert angles', () => {
    expect(values(call('deg', [[sample({}, 1)]], [NUMBER]))).toEqual([57.29577951308232]);
    expect(values(call('rad', [[sample({}, 180)]], [NUMBER]))).toEqual([Math.PI]);
    expect(call('pi', [], [], 5000)).toEqual([{ metric: labels({}), t: 5000, v: Math.PI }]);
  });

  it('take the sign, keeping NaN and a signed zero', () => {
    const input = [-Infinity, Infinity, NaN, -50, 0, 100, -0].map((v) => sample({}, v));
    expect(values(call('sgn', [input], [NUMBER]))).toEqual([-1, 1, NaN, -1, 0, 1, -0]);
  });

  it('are the same functions FUNCTIONS lists, with no prototype behind the names', () => {
    expect(FUNCTIONS['toString']).toBeUndefined();
    expect(FUNCTIONS['constructor']).toBeUndefined();
    // All 70 of Go's FunctionCalls.
    expect(Object.keys(FUNCTIONS).length).toBe(70);
    expect(call('histogram_count', [[sample({ a: 'b' }, 1)]], [NUMBER])).toEqual([]);
  });
});

describe('clamp, clamp_min, clamp_max', () => {
  it('bound the values', () => {
    expect(values(call('clamp_max', [clampInput, scalar(75)], [NUMBER, NUMBER]))).toEqual([-50, 0, 75]);
    expect(values(call('clamp_min', [clampInput, scalar(-25)], [NUMBER, NUMBER]))).toEqual([-25, 0, 100]);
    expect(values(call('clamp', [clampInput, scalar(-25), scalar(75)], [NUMBER, NUMBER, NUMBER]))).toEqual([
      -25, 0, 75,
    ]);
    expect(values(call('clamp', [[sample({}, 3)], scalar(1), scalar(1)], [NUMBER, NUMBER, NUMBER]))).toEqual([
      1,
    ]);
  });

  it('give NaN for a NaN bound, and nothing when min > max', () => {
    expect(values(call('clamp', [clampInput, scalar(0), scalar(NaN)], [NUMBER, NUMBER, NUMBER]))).toEqual([
      NaN,
      NaN,
      NaN,
    ]);
    expect(values(call('clamp', [clampInput, scalar(NaN), scalar(0)], [NUMBER, NUMBER, NUMBER]))).toEqual([
      NaN,
      NaN,
      NaN,
    ]);
    expect(call('clamp', [clampInput, scalar(5), scalar(-5)], [NUMBER, NUMBER, NUMBER])).toEqual([]);
  });

  it("order zeros as Go's math.Max and math.Min do", () => {
    expect(values(call('clamp_min', [[sample({}, -0)], scalar(0)], [NUMBER, NUMBER]))).toEqual([0]);
    expect(values(call('clamp_max', [[sample({}, 0)], scalar(-0)], [NUMBER, NUMBER]))).toEqual([-0]);
  });
});

describe('round', () => {
  const round = (v: number, toNearest?: number) =>
    toNearest === undefined
      ? call('round', [[sample({ a: 'b' }, v)]], [NUMBER])[0]?.v
      : call('round', [[sample({ a: 'b' }, v)], scalar(toNearest)], [NUMBER, NUMBER])[0]?.v;

  it('rounds half up, through the inverse of to_nearest', () => {
    expect(round(-2.5)).toBe(-2);
    expect(round(2.5)).toBe(3);
    expect(round(-0.4)).toBe(0);
    expect(round(0.55, 0.1)).toBe(0.6);
    expect(round(1234.5678, 0.001)).toBe(1234.568);
    expect(round(2.5, -2)).toBe(2);
    expect(round(2.5, 0)).toBeNaN();
  });
});

describe('timestamp', () => {
  it("is the sample's time in seconds, not the evaluation time", () => {
    expect(call('timestamp', [[sample({ __name__: 'm', a: 'b' }, 5, 2500)]], [NUMBER], 5000)).toEqual([
      { metric: labels({ a: 'b' }), t: 5000, v: 2.5 },
    ]);
  });
});

describe('time, vector, scalar', () => {
  it('time is the evaluation time in seconds', () => {
    expect(call('time', [], [], 1)).toEqual([{ metric: labels({}), t: 1, v: 0.001 }]);
    expect(call('time', [], [], 3_000_000)[0]?.v).toBe(3000);
  });

  it('vector wraps a scalar without labels', () => {
    expect(call('vector', [scalar(7)], [NUMBER], 10)).toEqual([{ metric: labels({}), t: 10, v: 7 }]);
  });

  it('scalar takes a single sample, else NaN', () => {
    expect(call('scalar', [[sample({ a: 'b' }, 7)]], [NUMBER])).toEqual([{ metric: labels({}), t: 0, v: 7 }]);
    expect(call('scalar', [[sample({ a: 'b' }, 1), sample({ a: 'c' }, 1)]], [NUMBER])[0]?.v).toBeNaN();
    expect(call('scalar', [[]], [NUMBER])[0]?.v).toBeNaN();
  });
});

describe('absent', () => {
  const absent = (arg: Expr) => call('absent', [[]], [arg], 3000);

  it('gives 1 labelled by the equality matchers of a selector', () => {
    expect(absent(selector([['=', '__name__', 'nonexistent']]))).toEqual([
      { metric: labels({}), t: 3000, v: 1 },
    ]);
    const pinned = selector([
      ['=', '__name__', 'nonexistent'],
      ['=', 'job', 'testjob'],
      ['=', 'instance', 'testinstance'],
      ['=~', 'method', '.x'],
    ]);
    expect(absent(pinned)[0]?.metric).toEqual(labels({ instance: 'testinstance', job: 'testjob' }));
  });

  it('leaves out a label matched twice or by another matcher, and an empty one', () => {
    const twice = selector([
      ['=', 'job', 'testjob'],
      ['=', 'job', 'testjob2'],
      ['=', 'foo', 'bar'],
    ]);
    expect(absent(twice)[0]?.metric).toEqual(labels({ foo: 'bar' }));
    const regexToo = selector([
      ['=', 'job', 'testjob'],
      ['=~', 'job', 'testjob2'],
      ['=', 'foo', 'bar'],
    ]);
    expect(absent(regexToo)[0]?.metric).toEqual(labels({ foo: 'bar' }));
    expect(
      absent(
        selector([
          ['=', 'job', ''],
          ['=', 'foo', 'bar'],
        ]),
      )[0]?.metric,
    ).toEqual(labels({ foo: 'bar' }));
  });

  it('has no labels for anything but a selector, and reads through parentheses', () => {
    const sum: Expr = {
      kind: 'aggregate',
      op: 'sum',
      expr: selector([['=', 'job', 'x']]),
      param: undefined,
      grouping: [],
      without: false,
    };
    expect(absent(sum)[0]?.metric).toEqual(labels({}));
    expect(absent({ kind: 'paren', expr: selector([['=', 'job', 'x']]) })[0]?.metric).toEqual(
      labels({ job: 'x' }),
    );
  });

  it('gives nothing when the vector has samples', () => {
    expect(call('absent', [[sample({ a: 'b' }, 1)]], [selector([['=', 'a', 'b']])])).toEqual([]);
  });

  it('labels absent_over_time from a matrix selector', () => {
    const matrix: Expr = {
      kind: 'matrix',
      vector: selector([
        ['=', 'job', 'x'],
        ['=~', 'a', 'b'],
      ]),
      rangeMs: 300_000,
    };
    expect(absentLabels(matrix)).toEqual(labels({ job: 'x' }));
  });
});
