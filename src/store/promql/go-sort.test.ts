import { describe, expect, it } from 'vitest';
import { call, sample } from '../../../test/promql-function-kit.js';
import { goSort } from './go-sort.js';

// The orders below are what a running Prometheus 2.42 (go1.19.8) answered for sort()/sort_desc() on
// these values, given in label order (i = 0, 1, …): Go's unstable sort, ties and NaNs included.
const CASES = {
  twentyWithNaNs: {
    values: '33 0 26 15 38 45 22 39 NaN NaN 16 31 19 NaN NaN 39 33 NaN 40 NaN',
    sort: '1,3,10,12,6,2,11,16,0,4,15,7,18,5,19,17,14,13,8,9',
    sortDesc: '5,18,15,7,4,0,16,11,2,6,12,10,3,1,19,17,8,9,14,13',
  },
  sixtyFourFewValues: {
    values:
      '3 0 2 2 3 1 1 2 1 1 0 3 2 0 0 3 0 1 0 0 2 0 2 0 3 1 0 3 0 1 0 0 2 1 2 2 1 0 3 3 3 1 2 2 0 3 0 0 0 2 2 1 3 0 0 2 0 2 2 2 2 0 1 1',
    sort: '23,1,61,56,54,53,48,47,46,44,10,37,31,13,14,30,16,28,18,19,26,21,17,5,63,25,62,51,6,29,8,9,41,33,36,49,57,35,20,50,2,32,42,43,12,60,59,7,58,34,3,55,22,52,4,15,39,11,0,27,45,40,38,24',
    sortDesc:
      '11,0,27,24,4,38,39,40,45,15,52,7,20,50,49,55,57,43,42,32,12,58,22,59,3,35,34,2,60,33,17,63,29,62,5,25,36,6,8,9,51,41,46,53,44,16,30,47,48,14,13,19,10,18,54,21,56,23,37,26,1,61,28,31',
  },
  hundredWithNaNs: {
    values:
      '28 3 NaN 42 32 0 18 39 31 NaN 41 44 NaN NaN 3 0 41 48 11 2 NaN 7 25 22 7 29 4 8 15 29 NaN NaN NaN NaN 10 45 48 42 31 29 47 16 0 34 19 44 NaN NaN 26 40 24 14 24 NaN NaN NaN 33 46 26 NaN 44 39 NaN 41 3 35 4 5 17 2 49 26 14 42 5 39 23 NaN 35 2 36 24 5 NaN 29 46 1 49 49 46 NaN NaN NaN NaN 44 23 NaN 9 24 49',
    sort: '42,15,5,86,79,19,69,14,64,1,26,66,67,82,74,21,24,27,97,34,18,51,72,28,41,68,6,44,23,76,95,81,98,52,50,22,58,71,48,0,25,39,84,29,8,38,4,56,43,78,65,80,7,75,61,49,63,16,10,3,37,73,94,45,11,60,35,85,89,57,40,36,17,87,88,70,99,91,13,93,55,54,20,9,53,46,92,47,12,2,96,31,90,62,83,32,33,30,59,77',
    sortDesc:
      '87,99,70,88,36,17,40,57,89,85,35,11,45,94,60,73,37,3,63,10,16,49,7,75,61,80,78,65,43,56,4,38,8,25,29,84,39,0,58,48,71,22,81,98,52,50,76,95,23,44,6,68,41,28,51,72,18,34,97,27,21,24,67,82,74,26,66,14,1,64,79,69,19,86,15,5,42,59,13,31,30,91,2,92,77,53,90,55,62,9,54,20,96,47,83,46,33,32,93,12',
  },
};

describe('sort and sort_desc order as Prometheus 2.42 does', () => {
  for (const [name, { values, sort, sortDesc }] of Object.entries(CASES)) {
    const input = values.split(' ').map((v, i) => sample({ __name__: 'f', i: String(i) }, Number(v)));
    const order = (fn: string) =>
      call(fn, [input], []).map((s) => s.metric.find((l) => l.name === 'i')?.value);

    it(`${name}: ${input.length} samples`, () => {
      expect(order('sort').join(',')).toBe(sort);
      expect(order('sort_desc').join(',')).toBe(sortDesc);
    });
  }

  it('keeps the metric name', () => {
    expect(
      call('sort', [[sample({ __name__: 'f', i: '1' }, 2), sample({ __name__: 'f', i: '0' }, 1)]], []),
    ).toEqual([sample({ __name__: 'f', i: '0' }, 1), sample({ __name__: 'f', i: '1' }, 2)]);
  });
});

describe('goSort', () => {
  it('sorts a sorted, a reversed and a constant array (partial insertion sort, reversal, equal partitions)', () => {
    const ascending = Array.from({ length: 300 }, (_, i) => i);
    const check = (input: number[]) => {
      const data = [...input];
      goSort(data, (a, b) => a < b);
      expect(data).toEqual([...input].sort((a, b) => a - b));
    };
    check(ascending);
    check([...ascending].reverse());
    check(ascending.map((i) => (i * 7919) % 13));
    check(ascending.map(() => 5));
  });

  it('sorts an organ-pipe pattern, which defeats median-of-three pivots', () => {
    const data = Array.from({ length: 1000 }, (_, i) => (i < 500 ? i : 999 - i));
    goSort(data, (a, b) => a < b);
    expect(data.every((v, i) => i === 0 || data[i - 1]! <= v)).toBe(true);
  });
});
