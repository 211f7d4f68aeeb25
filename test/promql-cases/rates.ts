/** rate, irate, increase and delta with 2.42's extrapolation, over counters with resets and gaps. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, FAST, GAUGES, HTTP, type SeriesList } from './data.js';

const RESETS: SeriesList = [
  ['c{k="a"}', '1 5 10 2 8 15 1 4 _ _ 20 25 0 3'],
  ['c{k="b"}', '10 20 30 _ _ _ 40 50 60 5 10 15 20 25'],
  ['c{k="c"}', '0 0 0 1 1 0 0 1 1 1 1 0 0 0'],
];

export const RATE_CASES: DiffCase[] = [
  ...casesOn(
    'rate',
    HTTP,
    ['5m', '7m30s', '12m', '20m', '30m'],
    [
      'rate(http_requests_total[5m])',
      'rate(http_requests_total[1m])',
      'rate(http_requests_total[90s])',
      'rate(http_requests_total[30s])',
      'rate(http_requests_total[10m])',
      'rate(http_requests_total[5m] offset 2m)',
      'irate(http_requests_total[5m])',
      'irate(http_requests_total[1m])',
      'increase(http_requests_total[10m])',
      'increase(http_requests_total[3m])',
      'delta(http_requests_total[5m])',
      'sum without (instance, code) (increase(http_requests_total[15m]))',
      'rate(http_requests_total{code="404"}[5m])',
      'resets(http_requests_total[30m])',
      'changes(http_requests_total[10m])',
      'deriv(http_requests_total[5m])',
      'idelta(http_requests_total[5m])',
      'predict_linear(http_requests_total[10m], 600)',
    ],
  ),
  ...casesOn(
    'rate 15s',
    FAST,
    ['1m', '2m30s', '5m', '7m', '10m'],
    [
      'rate(calls_total[1m])',
      'rate(calls_total[2m])',
      'rate(calls_total[45s])',
      'rate(calls_total[20s])',
      'irate(calls_total[1m])',
      'increase(calls_total[5m])',
      'increase(calls_total[1m])',
      'increase(calls_total[10m] offset 1m)',
      'delta(calls_total[2m])',
      'resets(calls_total[10m])',
      'changes(calls_total[3m])',
      'sum(rate(calls_total[1m]))',
    ],
    '15s',
  ),
  ...casesOn(
    'delta gauge',
    GAUGES,
    ['5m', '8m', '16m'],
    [
      'delta(temperature[5m])',
      'delta(temperature[2m])',
      'idelta(temperature[5m])',
      'deriv(temperature[10m])',
      'rate(temperature[5m])',
    ],
  ),
  ...casesOn(
    'counter resets',
    RESETS,
    ['3m', '5m', '7m', '10m', '13m'],
    [
      'rate(c[3m])',
      'rate(c[5m])',
      'rate(c[2m])',
      'increase(c[5m])',
      'increase(c[13m])',
      'increase(c[1m])',
      'irate(c[3m])',
      'resets(c[5m])',
      'resets(c[13m])',
      'changes(c[5m])',
      'delta(c[4m])',
      'sum(increase(c[10m]))',
    ],
  ),
];
