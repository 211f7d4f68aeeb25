/** Subqueries: explicit and default steps (the evaluation interval), offsets, nesting, 2.42's step alignment. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, FAST, GAUGES, HTTP } from './data.js';

export const SUBQUERY_CASES: DiffCase[] = [
  ...casesOn(
    'subquery',
    HTTP,
    ['10m', '15m', '20m'],
    [
      'max_over_time(rate(http_requests_total[2m])[10m:1m])',
      'rate(http_requests_total[5m:30s])',
      'sum_over_time(http_requests_total[5m:2m])',
      'last_over_time(http_requests_total[7m:90s])',
      'max_over_time(sum by (job) (http_requests_total)[10m:1m] offset 3m)',
      'increase(http_requests_total[10m:1m])',
      'irate(http_requests_total[6m:2m])',
      'count_over_time(http_requests_total{code="404"}[20m:1m])',
      'max_over_time(http_requests_total[5m:7s])',
      'count_over_time(vector(1)[5m:1m])',
      'sum_over_time(vector(time())[3m:1m])',
      'absent_over_time(nonexistent[5m:1m])',
    ],
  ),
  ...casesOn(
    'subquery gauges',
    GAUGES,
    ['10m', '15m'],
    [
      'avg_over_time(temperature[10m:])',
      'avg_over_time(temperature[10m:30s])',
      'min_over_time((temperature > 10)[8m:1m])',
      'max_over_time(avg_over_time(temperature[3m:1m])[6m:2m])',
      'quantile_over_time(0.5, temperature[10m:1m])',
      'deriv(temperature[10m:1m])',
      'sum_over_time(temperature[1h:5m])',
    ],
  ),
  ...casesOn(
    'subquery 15s',
    FAST,
    ['3m', '6m'],
    ['min_over_time(rate(calls_total[1m])[3m:15s])', 'max_over_time(irate(calls_total[30s])[2m:])'],
    '15s',
  ),
];
