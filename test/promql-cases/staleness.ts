/** Staleness markers, missing samples and the 5m lookback, at 1m and at 15 s. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, type SeriesList } from './data.js';

const UP: SeriesList = [
  ['up{job="a"}', '1 1 1 stale 1 1 _ _ _ _ _ _ _ 1'],
  ['up{job="b"}', '0 0 stale'],
  ['up{job="c"}', '1 _ _ _ _ _ _ _ 1'],
  ['up{job="d"}', 'stale 5 stale stale 6'],
];
const AT = ['0s', '1m', '2m59s', '3m', '3m30s', '4m', '6m', '7m', '11m', '11m1s', '13m'];

const FAST_STALE: SeriesList = [
  ['x{k="1"}', '1 2 3 stale 4 5'],
  ['x{k="2"}', '1 _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 2'],
];

export const STALENESS_CASES: DiffCase[] = [
  ...casesOn('staleness', UP, AT, [
    'up',
    'up == 1',
    'count_over_time(up[5m])',
    'last_over_time(up[10m])',
    'max_over_time(up[3m])',
    'present_over_time(up[2m])',
    'absent_over_time(up{job="b"}[1m])',
    'sum(up)',
    'timestamp(up)',
    'rate(up[5m])',
    'changes(up[10m])',
    'up offset 2m',
  ]),
  ...casesOn(
    'staleness 15s',
    FAST_STALE,
    ['30s', '44s', '45s', '46s', '1m', '5m', '5m15s', '5m30s'],
    ['x', 'count_over_time(x[1m])', 'last_over_time(x[30s])', 'sum_over_time(x[5m30s])'],
    '15s',
  ),
];
