/** Matchers over the label index, and the label lookups behind /api/v1/labels, /label/<n>/values, /series. */
import { describe, expect, it } from 'vitest';

import { matcher, record, series } from '../../test/store-helpers.js';
import type { LabelMatcher } from './queryable.js';
import { SeriesStore } from './series-store.js';

/** Four series: up{a,x} and requests{a,200} from 1000 to 5000, up{b} at 3000 only, requests{a,500} from 6000. */
function store(): SeriesStore {
  const store = new SeriesStore();
  store.append(series('up', { job: 'a', instance: 'x' }), 1000, 1);
  store.append(series('up', { job: 'a', instance: 'x' }), 5000, 1);
  store.append(series('up', { job: 'b' }), 3000, 0);
  store.append(series('requests_total', { job: 'a', code: '200' }), 1000, 10);
  store.append(series('requests_total', { job: 'a', code: '200' }), 5000, 12);
  store.append(series('requests_total', { job: 'a', code: '500' }), 6000, 1);
  return store;
}

function selected(matchers: LabelMatcher[], mint = 0, maxt = 10_000): Record<string, string>[] {
  return store()
    .select(matchers, mint, maxt)
    .map((one) => record(one.labels));
}

describe('SeriesStore matchers', () => {
  it('matches equality, inequality and both regex kinds, a missing label as the empty string', () => {
    expect(selected([matcher('job', '=', 'b')])).toEqual([{ __name__: 'up', job: 'b' }]);
    expect(selected([matcher('instance', '=', '')]).map((one) => one.code ?? one.job)).toEqual([
      '200',
      '500',
      'b',
    ]);
    expect(selected([matcher('instance', '!=', '')])).toEqual([{ __name__: 'up', instance: 'x', job: 'a' }]);
    expect(selected([matcher('code', '=~', '2..')]).map((one) => one.code)).toEqual(['200']);
    expect(selected([matcher('code', '!~', '2..')]).map((one) => one.code ?? one.job)).toEqual([
      '500',
      'a',
      'b',
    ]);
    expect(selected([matcher('job', '=~', 'a|b'), matcher('__name__', '!=', 'up')]).length).toBe(2);
    expect(selected([matcher('code', '=~', '|500')]).map((one) => one.code ?? one.job)).toEqual([
      '500',
      'a',
      'b',
    ]);
    expect(selected([matcher('nothing', '=~', '.+')])).toEqual([]);
    expect(selected([matcher('job', '=', 'c')])).toEqual([]);
  });

  it('returns only series with a sample in the closed range, sorted by labels', () => {
    expect(selected([matcher('job', '=~', '.*')], 3000, 3000)).toEqual([{ __name__: 'up', job: 'b' }]);
    expect(selected([matcher('job', '=~', '.*')], 5000, 6000).map((one) => one.code ?? one.job)).toEqual([
      '200',
      '500',
      'a',
    ]);
    expect(selected([matcher('job', '=~', '.*')], 1001, 2999)).toEqual([]);
  });
});

describe('SeriesStore label lookups', () => {
  it('lists label names, all or of the matching series, in a time range', () => {
    const s = store();
    expect(s.labelNames()).toEqual(['__name__', 'code', 'instance', 'job']);
    expect(s.labelNames([matcher('job', '=', 'b')])).toEqual(['__name__', 'job']);
    expect(s.labelNames([], 6000, 9000)).toEqual(['__name__', 'code', 'job']);
    expect(s.labelNames([], 9000, 9999)).toEqual([]);
  });

  it('lists the values of a label, all or of the matching series, in a time range', () => {
    const s = store();
    expect(s.labelValues('job')).toEqual(['a', 'b']);
    expect(s.labelValues('code', [matcher('__name__', '=', 'requests_total')])).toEqual(['200', '500']);
    expect(s.labelValues('code', [], 0, 5500)).toEqual(['200']);
    expect(s.labelValues('__name__')).toEqual(['requests_total', 'up']);
    expect(s.labelValues('missing')).toEqual([]);
  });

  it('lists the label sets matching any matcher list, once each, sorted', () => {
    const found = store().series([
      [matcher('__name__', '=', 'up')],
      [matcher('code', '=', '500')],
      [matcher('job', '=', 'b')],
    ]);
    expect(found.map(record)).toEqual([
      { __name__: 'requests_total', code: '500', job: 'a' },
      { __name__: 'up', instance: 'x', job: 'a' },
      { __name__: 'up', job: 'b' },
    ]);
    expect(
      store()
        .series([[matcher('job', '=', 'a')]], 5500, 7000)
        .map(record),
    ).toEqual([{ __name__: 'requests_total', code: '500', job: 'a' }]);
  });

  it('shares one label object per name=value pair between series', () => {
    const s = store();
    const [first, second] = s.select([matcher('__name__', '=', 'requests_total')], 0, 10_000);
    expect(first!.labels[2]).toBe(second!.labels[2]); // job="a"
    expect(Object.isFrozen(first!.labels)).toBe(true);
  });

  it('runs a regex once per distinct value of its label, not once per series', () => {
    const s = new SeriesStore();
    for (let i = 0; i < 100; i++) s.append(series('x', { shard: String(i % 4), i: String(i) }), 1000, i);
    let calls = 0;
    const counting = matcher('shard', '=~', '[12]');
    const spy: LabelMatcher = { ...counting, matches: (value) => (calls++, counting.matches(value)) };
    expect(s.select([spy], 0, 2000).length).toBe(50);
    // candidates: each of the 4 values and ''; the per-series tests: the 4 values and '' again.
    expect(calls).toBe(10);
  });
});
