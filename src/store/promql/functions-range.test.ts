import { describe, expect, it } from 'vitest';
import {
  MINUTE,
  call,
  expand,
  labels,
  matrix,
  rangeCall,
  rangeValue,
  scalar,
  subquery,
  window,
} from '../../../test/promql-function-kit.js';
import { queryFailed } from './errors.js';
import { rangeOf } from './functions.js';

// Expected values are Prometheus 2.42's (promtool test rules), to the last bit; most inputs are
// those of promql/testdata/functions.test.

describe('rangeOf', () => {
  it('reads a matrix selector and a subquery, through parentheses', () => {
    expect(rangeOf(matrix(5 * MINUTE, MINUTE))).toEqual({ rangeMs: 5 * MINUTE, offsetMs: MINUTE });
    expect(rangeOf({ kind: 'paren', expr: subquery(10 * MINUTE, 2 * MINUTE) })).toEqual({
      rangeMs: 10 * MINUTE,
      offsetMs: 2 * MINUTE,
    });
  });

  it('refuses anything else', () => {
    expect(() => rangeOf({ kind: 'number', value: 1 })).toThrow(
      queryFailed('expected a range vector argument, got number'),
    );
  });
});

describe('rate, increase, delta', () => {
  const at = (name: string, notation: string, interval: number, time: number, range: number, offset = 0) =>
    rangeCall(name, expand(notation, interval), time, range, offset);

  it('adds counter resets back', () => {
    expect(at('increase', '0 1 2 3 2 3 4', 5 * MINUTE, 30 * MINUTE, 30 * MINUTE)).toBe(7);
    expect(at('increase', '0+10x5 0+10x5', 5 * MINUTE, 50 * MINUTE, 50 * MINUTE)).toBe(90);
    expect(at('rate', '0+10x4 0+10x5', 5 * MINUTE, 50 * MINUTE, 50 * MINUTE)).toBe(0.03);
  });

  it('gives 0 when the only change is a reset at the window end', () => {
    expect(at('rate', '0+10x9 0 10', 5 * MINUTE, 50 * MINUTE, 5 * MINUTE)).toBe(0);
  });

  it('is per second, and honours offset', () => {
    expect(at('rate', '0+80x10', 5 * MINUTE, 50 * MINUTE, 50 * MINUTE)).toBe(0.26666666666666666);
    expect(at('rate', '0+10x10', 5 * MINUTE, 50 * MINUTE, 10 * MINUTE, 5 * MINUTE)).toBe(0.03333333333333333);
  });

  it('extrapolates a counter back no further than its zero point', () => {
    expect(at('rate', '0+240x10', 4 * MINUTE, 10 * MINUTE, 20 * MINUTE)).toBe(0.5);
    expect(at('rate', '60+240x10', 4 * MINUTE, 10 * MINUTE, 20 * MINUTE)).toBe(0.55);
    expect(at('rate', '300+240x10', 4 * MINUTE, 10 * MINUTE, 20 * MINUTE)).toBe(0.6);
    expect(at('rate', '60+240x10', 4 * MINUTE, 50 * MINUTE, 20 * MINUTE)).toBe(0.6);
  });

  it('extrapolates by half an interval when the samples stop short of the window edges', () => {
    // Samples at 0..4m in [−1m, 6m]: 1.1 intervals is 66 s, so both ends get 30 s.
    expect(at('rate', '1 5 2 9 3', MINUTE, 6 * MINUTE, 7 * MINUTE)).toBe(0.04523809523809524);
    expect(at('delta', '-5 -2 4', MINUTE, 4 * MINUTE, 10 * MINUTE)).toBe(13.5);
    // Within the threshold, to the edges: [30 s, 3m30s] around samples at 1m..3m.
    expect(at('increase', '7 9 20', MINUTE, 3.5 * MINUTE, 3 * MINUTE)).toBe(22);
  });

  it('is 0 for a flat counter, and gives nothing for a single sample', () => {
    expect(at('rate', '1 1 1 1', MINUTE, 3 * MINUTE, 1.5 * MINUTE)).toBe(0);
    expect(at('rate', '3', MINUTE, MINUTE, 5 * MINUTE)).toBeUndefined();
    expect(at('delta', '3', MINUTE, MINUTE, 5 * MINUTE)).toBeUndefined();
  });

  it('carries NaN and Inf samples through as Go does', () => {
    // NaN < x is false, so no reset is seen: (3 - 0) extrapolated over 5 minutes.
    expect(at('rate', '0 NaN 3', MINUTE, 2 * MINUTE, 5 * MINUTE)).toBe(0.01);
    expect(at('increase', '0 Inf 3', MINUTE, 2 * MINUTE, 5 * MINUTE)).toBe(Infinity);
  });

  it('handles delta of a falling gauge', () => {
    expect(at('delta', '200 150 100 50 0', 5 * MINUTE, 20 * MINUTE, 20 * MINUTE)).toBe(-200);
    expect(at('delta', '0 50 100 150 200', 5 * MINUTE, 20 * MINUTE, 20 * MINUTE)).toBe(200);
  });

  it('drops the metric name and stamps the evaluation time', () => {
    const points = expand('0+10x10', 5 * MINUTE);
    const values = rangeValue({ __name__: 'x', path: '/foo' }, window(points, 50 * MINUTE, 50 * MINUTE));
    expect(call('rate', [values], [matrix(50 * MINUTE)], 50 * MINUTE)).toEqual([
      { metric: labels({ path: '/foo' }), t: 50 * MINUTE, v: 0.03333333333333333 },
    ]);
  });

  it('takes a subquery window', () => {
    const values = rangeValue({}, [
      { t: 0, v: 0 },
      { t: MINUTE, v: 6 },
    ]);
    expect(call('rate', [values], [subquery(2 * MINUTE)], MINUTE)[0]?.v).toBe(0.05);
  });
});

describe('irate, idelta', () => {
  it('uses the last two samples', () => {
    const points = expand('0+10x10', 5 * MINUTE);
    expect(rangeCall('irate', points, 50 * MINUTE, 50 * MINUTE)).toBe(0.03333333333333333);
    expect(rangeCall('irate', expand('0+10x5 0+10x5', 5 * MINUTE), 30 * MINUTE, 50 * MINUTE)).toBe(0);
    expect(rangeCall('idelta', expand('0 50 100 50', 5 * MINUTE), 20 * MINUTE, 20 * MINUTE)).toBe(-50);
    expect(rangeCall('idelta', expand('0 50 100 150', 5 * MINUTE), 20 * MINUTE, 20 * MINUTE)).toBe(50);
    expect(rangeCall('irate', expand('5', MINUTE), MINUTE, 5 * MINUTE)).toBeUndefined();
  });

  it('gives nothing for two samples at one time', () => {
    const values = rangeValue({}, [
      { t: 0, v: 1 },
      { t: 0, v: 2 },
    ]);
    expect(call('irate', [values], [matrix(MINUTE)], 0)).toEqual([]);
  });
});

describe('deriv, predict_linear, holt_winters', () => {
  const counter = expand('0+10x4 0+10x5', 5 * MINUTE);

  it('fits a least-squares line', () => {
    expect(rangeCall('deriv', counter, 50 * MINUTE, 30 * MINUTE)).toBe(0.015476190476190477);
  });

  it('predicts from the line through the window, relative to the evaluation time', () => {
    const predict = (points: typeof counter, range: number) =>
      call(
        'predict_linear',
        [rangeValue({}, window(points, 50 * MINUTE, range)), scalar(3600)],
        [matrix(range)],
        50 * MINUTE,
      )[0]?.v;
    expect(predict(expand('0+80x10', 5 * MINUTE), 50 * MINUTE)).toBe(1760);
    expect(predict(counter, 30 * MINUTE)).toBe(96.78571428571428);
  });

  it('gives 0 slope for a constant series, NaN for a constant infinite one', () => {
    expect(rangeCall('deriv', expand('3 3 3', MINUTE), 2 * MINUTE, 5 * MINUTE)).toBe(0);
    expect(rangeCall('deriv', expand('Inf Inf', MINUTE), 2 * MINUTE, 5 * MINUTE)).toBeNaN();
  });

  it('smooths doubly', () => {
    const values = rangeValue({}, window(counter, 50 * MINUTE, 50 * MINUTE));
    const out = call('holt_winters', [values, scalar(0.5), scalar(0.1)], [matrix(50 * MINUTE)], 50 * MINUTE);
    expect(out[0]?.v).toBe(47.0806953125);
  });

  it('refuses factors outside (0, 1) as Go panics', () => {
    const values = rangeValue({}, counter);
    expect(() => call('holt_winters', [values, scalar(1), scalar(0.1)], [matrix(MINUTE)])).toThrow(
      queryFailed('invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000'),
    );
    expect(() => call('holt_winters', [values, scalar(0.5), scalar(-2)], [matrix(MINUTE)])).toThrow(
      queryFailed('invalid trend factor. Expected: 0 < tf < 1, got: -2.000000'),
    );
  });
});

describe('changes, resets', () => {
  const foo = expand('1 2 3 0 1 0 0 1 2 0', 5 * MINUTE);
  const bar = expand('1 2 3 4 5 1 2 3 4 5', 5 * MINUTE);

  it('counts', () => {
    expect(rangeCall('resets', foo, 50 * MINUTE, 30 * MINUTE)).toBe(2);
    expect(rangeCall('resets', bar, 50 * MINUTE, 30 * MINUTE)).toBe(1);
    expect(rangeCall('changes', foo, 50 * MINUTE, 50 * MINUTE)).toBe(8);
    expect(rangeCall('changes', bar, 50 * MINUTE, 50 * MINUTE)).toBe(9);
  });

  it('sees no change from NaN to NaN', () => {
    expect(rangeCall('changes', expand('NaN NaN NaN', 5 * MINUTE), 15 * MINUTE, 15 * MINUTE)).toBe(0);
    expect(rangeCall('changes', expand('0 NaN 0', 5 * MINUTE), 15 * MINUTE, 15 * MINUTE)).toBe(2);
  });
});

describe('*_over_time', () => {
  const over = (name: string, notation: string) =>
    rangeCall(name, expand(notation, MINUTE), 6 * MINUTE, 60 * MINUTE);

  it('sums and averages with compensation, as 2.42 does', () => {
    expect(over('sum_over_time', '0.1 0.2 0.3 1e16 -1e16 0.1')).toBe(0.7);
    expect(over('avg_over_time', '0.1 0.2 0.3 1e16 -1e16 0.1')).toBe(0.21666666666666665);
    expect(over('avg_over_time', '1.5 2.25 -3 7.125 0.1')).toBe(1.595);
    expect(over('sum_over_time', '1 Inf NaN 3')).toBeNaN();
  });

  it('keeps an infinite mean unless the other infinity arrives', () => {
    expect(over('avg_over_time', '1 Inf 3 Inf')).toBe(Infinity);
    expect(over('avg_over_time', '1 Inf 3 -Inf')).toBeNaN();
  });

  it('averages infinities and near-overflowing values as 2.42 does', () => {
    const at1m = (name: string, notation: string) =>
      rangeCall(name, expand(notation, 10_000), MINUTE, MINUTE);
    expect(at1m('avg_over_time', '1 2 3 4 Inf')).toBe(Infinity);
    expect(at1m('avg_over_time', '1 2 3 4 -Inf')).toBe(-Infinity);
    expect(at1m('avg_over_time', '1 2 3 Inf -Inf')).toBeNaN();
    expect(at1m('avg_over_time', 'Inf 0 Inf')).toBe(Infinity);
    expect(at1m('avg_over_time', 'Inf Inf Inf -Inf')).toBeNaN();
    expect(at1m('avg_over_time', '-Inf 0 -Inf')).toBe(-Infinity);
    expect(at1m('avg_over_time', '1 2 -Inf -Inf Inf')).toBeNaN();
    expect(at1m('avg_over_time', '9.988465674311579e+307 9.988465674311579e+307')).toBe(9.98846567431158e307);
    expect(at1m('sum_over_time', '9.988465674311579e+307 9.988465674311579e+307')).toBe(Infinity);
    expect(at1m('avg_over_time', '-9.988465674311579e+307 9.988465674311579e+307')).toBe(0);
  });

  it('computes variance and deviation', () => {
    const at1m = (name: string, notation: string) =>
      rangeCall(name, expand(notation, 10_000), MINUTE, MINUTE);
    expect(at1m('stdvar_over_time', '0 8 8 2 3')).toBe(10.559999999999999);
    expect(at1m('stddev_over_time', '0 8 8 2 3')).toBe(3.249615361854384);
    expect(at1m('stdvar_over_time', '1.5990505637277868 1.5990505637277868 1.5990505637277868')).toBe(0);
    expect(over('stdvar_over_time', '1.5 2.25 -3 7.125 0.1')).toBe(10.8736);
    expect(over('stddev_over_time', '0.1 0.2 0.3 1e16 -1e16 0.1')).toBe(5773502691896257);
  });

  it('takes min and max past a leading NaN', () => {
    expect(over('max_over_time', 'NaN 1 5 3')).toBe(5);
    expect(over('min_over_time', '2 NaN 1 5 3')).toBe(1);
  });

  it('counts, and is present', () => {
    expect(over('count_over_time', '1 _ 2 3')).toBe(3);
    expect(over('present_over_time', '1 _ 2 3')).toBe(1);
  });

  it('interpolates quantiles', () => {
    const uneven = expand('0 1 4', 10_000);
    const q = (phi: number) =>
      call(
        'quantile_over_time',
        [scalar(phi), rangeValue({}, uneven)],
        [{ kind: 'number', value: phi }, matrix(MINUTE)],
        MINUTE,
      )[0]?.v;
    expect(q(0.75)).toBe(2.5);
    expect(q(0.8)).toBe(2.8000000000000003);
    expect(q(-1)).toBe(-Infinity);
    expect(q(2)).toBe(Infinity);
    const values = rangeValue({ __name__: 'x', a: 'b' }, expand('1.5 2.25 -3 7.125 0.1', MINUTE));
    expect(
      call('quantile_over_time', [scalar(0.3), values], [{ kind: 'number', value: 0.3 }, matrix(MINUTE)], 0),
    ).toEqual([{ metric: labels({ a: 'b' }), t: 0, v: 0.37999999999999995 }]);
  });

  it('keeps the metric name for last_over_time only', () => {
    const values = rangeValue({ __name__: 'x', a: 'b' }, expand('1 2 7', MINUTE));
    expect(call('last_over_time', [values], [matrix(5 * MINUTE)], 0)).toEqual([
      { metric: labels({ __name__: 'x', a: 'b' }), t: 0, v: 7 },
    ]);
    expect(call('max_over_time', [values], [matrix(5 * MINUTE)], 0)).toEqual([
      { metric: labels({ a: 'b' }), t: 0, v: 7 },
    ]);
  });

  it('answers absent_over_time with an unlabelled 1 for a covered window', () => {
    const values = rangeValue({ __name__: 'x', a: 'b' }, expand('1', MINUTE));
    expect(call('absent_over_time', [values], [matrix(MINUTE)], 0)).toEqual([
      { metric: labels({}), t: 0, v: 1 },
    ]);
  });
});
