/** histogram_quantile over classic le buckets: interpolation, quantile bounds, missing +Inf, non-monotonic counts. */
import type { DiffCase } from '../promql-diff-kit.js';
import { BUCKETS, casesOn } from './data.js';

export const HISTOGRAM_CASES: DiffCase[] = casesOn(
  'histogram',
  BUCKETS,
  ['0s', '5m', '10m', '20m'],
  [
    'histogram_quantile(0.5, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(0.9, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(rpc_seconds_bucket[5m])))',
    'histogram_quantile(0, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(1, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(-0.5, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(1.5, rate(rpc_seconds_bucket[5m]))',
    'histogram_quantile(0.25, rpc_seconds_bucket)',
    'histogram_quantile(0.5, sum by (job, le) (increase(rpc_seconds_bucket[10m])))',
    'histogram_quantile(0.75, rpc_seconds_bucket{job="batch"})',
    'histogram_quantile(0.5, rpc_seconds_bucket{job="idle"})',
    'histogram_quantile(0.5, rpc_seconds_bucket{job="odd"})',
    'histogram_quantile(0.9, rpc_seconds_bucket{job="odd"})',
    'histogram_quantile(scalar(vector(0.8)), rate(rpc_seconds_bucket{job="web"}[5m]))',
    'histogram_quantile(0.5, rpc_seconds_bucket{le="+Inf"})',
    'histogram_quantile(0.05, rate(rpc_seconds_bucket{job="api"}[5m]))',
    'histogram_quantile(0.5, rpc_seconds_bucket{job="web"} offset 5m)',
    'histogram_quantile(0.95, sum without (job) (rate(rpc_seconds_bucket{job=~"api|web"}[10m])))',
    'rate(rpc_seconds_sum[5m]) / rate(rpc_seconds_count[5m])',
  ],
);
