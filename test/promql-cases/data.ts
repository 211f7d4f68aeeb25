/**
 * Input series shared by the differential cases, in promtool's expanding notation, and the helper that
 * turns one data set and many expressions into cases.
 */
import { parseModelDuration } from '../../src/alerting/go-format.js';
import { parseSeriesDescription } from '../../src/alerting/series-notation.js';
import { compareLabels, labelsFrom } from '../../src/store/labels.js';
import { EVALUATION_INTERVAL_MS, type DiffCase } from '../promql-diff-kit.js';

export type SeriesList = readonly (readonly [string, string])[];

/** One case per expression, all on the same series and evaluation times. */
export function casesOn(
  prefix: string,
  series: SeriesList,
  at: readonly string[],
  exprs: readonly string[],
  interval = '1m',
): DiffCase[] {
  return exprs.map((expr) => ({ name: `${prefix}: ${expr}`, interval, series, expr, at }));
}

/** Counters at 1m: steady, one reset (instance b), a gap (web/c 200), one that goes stale (web/c 404). */
export const HTTP: SeriesList = [
  ['http_requests_total{job="api", instance="a", code="200"}', '0+10x30'],
  ['http_requests_total{job="api", instance="b", code="200"}', '0+5x10 3+5x19'],
  ['http_requests_total{job="api", instance="a", code="500"}', '0+1x30'],
  ['http_requests_total{job="web", instance="c", code="200"}', '0+2x5 _x6 24+2x18'],
  ['http_requests_total{job="web", instance="c", code="404"}', '1 1 2 3 5 8 13 21 34 55 89 stale'],
];

/** Counters at 15 s, the demo's sampling interval, with a reset to a non-zero value. */
export const FAST: SeriesList = [
  ['calls_total{tool="echo"}', '0+3x40'],
  ['calls_total{tool="boom"}', '_x4 1+1x10 0+2x25'],
  ['calls_total{tool="slow"}', '100 100 100 _x10 103+0.5x25'],
];

/** Gauges with negatives, fractions, a NaN, infinities and a flat one. */
export const GAUGES: SeriesList = [
  ['temperature{room="kitchen"}', '20 21.5 19 22 23.5 -1 0 18.25 5 7 9 11 13 15 17 19 21'],
  ['temperature{room="hall"}', '10x16'],
  ['temperature{room="attic"}', '-5 -2.5 0.1 0.2 0.30000000000000004 1e-3 2 NaN 4 5 6 7 8 9 10 11 12'],
  ['temperature{room="oven"}', '100 200 Inf 300 -Inf 400 500 600 700 800 900 1000 1100 1200 1300 1400 1500'],
  [
    'pressure{room="kitchen"}',
    '1013 1012.5 1011 1010 1011.75 1012 1013 1014 1015 1016 1017 1018 1019 1020 1021 1022 1023',
  ],
];

/** Classic histogram buckets for two jobs, a job without +Inf, and one with non-monotonic counts. */
export const BUCKETS: SeriesList = [
  ['rpc_seconds_bucket{job="api", le="0.05"}', '0+4x20'],
  ['rpc_seconds_bucket{job="api", le="0.1"}', '0+10x20'],
  ['rpc_seconds_bucket{job="api", le="0.5"}', '0+30x20'],
  ['rpc_seconds_bucket{job="api", le="1"}', '0+45x20'],
  ['rpc_seconds_bucket{job="api", le="+Inf"}', '0+50x20'],
  ['rpc_seconds_count{job="api"}', '0+50x20'],
  ['rpc_seconds_sum{job="api"}', '0+12.5x20'],
  ['rpc_seconds_bucket{job="web", le="0.1"}', '0+1x20'],
  ['rpc_seconds_bucket{job="web", le="1"}', '0+2x20'],
  ['rpc_seconds_bucket{job="web", le="10"}', '0+9x20'],
  ['rpc_seconds_bucket{job="web", le="+Inf"}', '0+10x20'],
  ['rpc_seconds_bucket{job="batch", le="1"}', '0+3x20'],
  ['rpc_seconds_bucket{job="batch", le="5"}', '0+6x20'],
  ['rpc_seconds_bucket{job="odd", le="0.5"}', '0+5x20'],
  ['rpc_seconds_bucket{job="odd", le="1"}', '0+4x20'],
  ['rpc_seconds_bucket{job="odd", le="2"}', '0+8x20'],
  ['rpc_seconds_bucket{job="odd", le="+Inf"}', '0+8x20'],
  ['rpc_seconds_bucket{job="idle", le="1"}', '0x20'],
  ['rpc_seconds_bucket{job="idle", le="+Inf"}', '0x20'],
];

/** Series for vector matching: one-to-one pairs, an info metric, a many side. */
export const MATCHING: SeriesList = [
  ['requests{instance="a", job="api", method="get"}', '10+10x10'],
  ['requests{instance="a", job="api", method="post"}', '5+5x10'],
  ['requests{instance="b", job="api", method="get"}', '20+1x10'],
  ['errors{instance="a", job="api", method="get"}', '1+1x10'],
  ['errors{instance="b", job="api", method="get"}', '0x10'],
  ['errors{instance="c", job="api", method="get"}', '3x10'],
  ['instance_info{instance="a", zone="eu", version="1.2"}', '1x10'],
  ['instance_info{instance="b", zone="us", version="1.3"}', '1x10'],
  ['limits{instance="a"}', '15x10'],
  ['limits{instance="b"}', '25x10'],
];

/**
 * The same series, each starting one evaluation step after the one before it in label order. promtool
 * creates the series of one step in Go's random map order, and the TSDB hands series out in creation
 * order; answers that depend on the order (float sums, averages, ties in topk) are only reproducible
 * when creation order is label order, which is the order mcpulse's store hands them out in.
 */
export function staggered(series: SeriesList, interval = '1m'): SeriesList {
  const perStep = Math.ceil(EVALUATION_INTERVAL_MS / parseModelDuration(interval));
  const labelsOf = ([text, values]: readonly [string, string]) => {
    const parsed = parseSeriesDescription(`${text} ${values}`);
    return labelsFrom(Object.fromEntries(parsed.labels.map((l) => [l.name, l.value])));
  };
  return [...series]
    .sort((a, b) => compareLabels(labelsOf(a), labelsOf(b)))
    .map(([text, values], k) => [text, k === 0 ? values : `_x${k * perStep} ${values}`] as const);
}
