import { describe, expect, it } from 'vitest';
import { NUMBER, call, labels, sample } from '../../../test/promql-function-kit.js';

// Expected values are Prometheus 2.42's (promtool test rules), most from promql/testdata/functions.test.

const at = (name: string, seconds: number) =>
  call(name, [[sample({ __name__: 'm', a: 'b' }, seconds)]], [NUMBER])[0]?.v;

describe('calendar functions', () => {
  it('read a Unix time in UTC', () => {
    // 2006-01-02T22:04:05Z, a Monday.
    expect(at('year', 1136239445)).toBe(2006);
    expect(at('month', 1136239445)).toBe(1);
    expect(at('day_of_month', 1136239445)).toBe(2);
    expect(at('day_of_year', 1136239445)).toBe(2);
    expect(at('day_of_week', 1136239445)).toBe(1);
    expect(at('hour', 1136239445)).toBe(22);
    expect(at('minute', 1136239445)).toBe(4);
    expect(at('days_in_month', 1136239445)).toBe(31);
  });

  it('turn over at year ends, leap days and month lengths', () => {
    expect(at('year', 1230767999)).toBe(2008);
    expect(at('year', 1230768000)).toBe(2009);
    expect([at('month', 1456790399), at('day_of_month', 1456790399)]).toEqual([2, 29]);
    expect([at('month', 1456790400), at('day_of_month', 1456790400)]).toEqual([3, 1]);
    expect(at('day_of_year', 1483191420)).toBe(366);
    expect(at('day_of_year', 1672493820)).toBe(365);
    expect(at('days_in_month', 1454284800)).toBe(29);
    expect(at('days_in_month', 1485907200)).toBe(28);
  });

  it('truncate the value toward zero, so a second before the epoch is 1969-12-31', () => {
    expect(at('day_of_month', -1)).toBe(31);
    expect(at('year', -1)).toBe(1969);
    expect(at('minute', 59.99)).toBe(0);
  });

  it("give Go's answers for NaN, infinities and times beyond any calendar", () => {
    expect(at('year', NaN)).toBe(292277026596);
    expect(at('month', Infinity)).toBe(12);
    expect(at('days_in_month', -1e18)).toBe(31);
    expect(at('year', 9e18)).toBe(285198648531);
  });

  it('drop the metric name', () => {
    expect(call('hour', [[sample({ __name__: 'm', a: 'b' }, 3600)]], [NUMBER])).toEqual([
      { metric: labels({ a: 'b' }), t: 0, v: 1 },
    ]);
  });

  it('read the evaluation time when called without an argument, truncated to whole seconds', () => {
    expect(call('year', [], [], 50 * 60_000)).toEqual([{ metric: labels({}), t: 3_000_000, v: 1970 }]);
    expect(call('minute', [], [], 119_999)[0]?.v).toBe(1);
    expect(call('day_of_week', [], [], -1)[0]?.v).toBe(4);
  });
});
