/** The *_over_time functions over gauges with negatives, NaN and infinities. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, GAUGES } from './data.js';

export const OVER_TIME_CASES: DiffCase[] = casesOn(
  'over_time',
  GAUGES,
  ['3m', '5m', '8m', '16m'],
  [
    'avg_over_time(temperature[5m])',
    'min_over_time(temperature[5m])',
    'max_over_time(temperature[5m])',
    'sum_over_time(temperature[5m])',
    'count_over_time(temperature[5m])',
    'last_over_time(temperature[5m])',
    'quantile_over_time(0.5, temperature[5m])',
    'quantile_over_time(0, temperature[5m])',
    'quantile_over_time(1, temperature[5m])',
    'quantile_over_time(0.9, temperature[10m])',
    'quantile_over_time(-1, temperature[5m])',
    'quantile_over_time(2, temperature[5m])',
    'quantile_over_time(0.25, temperature[10m] offset 3m)',
    'stddev_over_time(temperature[5m])',
    'stdvar_over_time(pressure[10m])',
    'present_over_time(temperature[1m])',
    'avg_over_time(pressure[10m])',
    'sum_over_time(pressure[16m])',
    'max_over_time(temperature[1m])',
    'min_over_time(temperature[30s])',
    'avg_over_time(temperature{room!="oven"}[16m])',
  ],
);
