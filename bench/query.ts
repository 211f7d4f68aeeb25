/**
 * The PromQL engine's bench (issue 11): query latency over a full day in the embedded store.
 *
 * - a day (24 h at 15 s, 5,760 passes) of 1,000 `mcp_server_operation_duration_seconds_count` series
 *   (100 tools × 10 series each: error types × clients), counters rising at Poisson rates;
 * - (a) the instant query `sum by (gen_ai_tool_name) (rate(…[5m]))` over all 1,000 series, at the end
 *   of the day;
 * - (b) a 24 h `query_range` at 60 s steps (1,441 steps) of the same expression over 100 of them
 *   (`gen_ai_tool_name=~"tool_00."`, 10 tools).
 *
 * Each is run WARMUP times, then ROUNDS times; the median and the 90th percentile are reported. The
 * engine runs on the caller's thread, so these are also the time the event loop is held.
 *
 * Run: node --import tsx bench/query.ts   (QUERY_BENCH_ROUNDS, default 50)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { labelsFrom } from '../src/store/labels.js';
import { PromqlEngine } from '../src/store/promql/engine.js';
import { SeriesStore } from '../src/store/series-store.js';
import { poisson, seeded } from './store-mix.js';

const START_MS = 1_764_000_000_000;
const INTERVAL_MS = 15_000;
const PASSES = 5760;
const TOOLS = 100;
const PER_TOOL = 10;
const WARMUP = 5;
const ROUNDS = Number(process.env.QUERY_BENCH_ROUNDS ?? 50);

const INSTANT = 'sum by (gen_ai_tool_name) (rate(mcp_server_operation_duration_seconds_count[5m]))';
const RANGE =
  'sum by (gen_ai_tool_name) (rate(mcp_server_operation_duration_seconds_count{gen_ai_tool_name=~"tool_00."}[5m]))';

export function buildDay(): { store: SeriesStore; endMs: number; series: number; samples: number } {
  const random = seeded(11);
  const store = new SeriesStore({ maxSeries: TOOLS * PER_TOOL });
  const labels = [];
  const rates: number[] = [];
  for (let tool = 0; tool < TOOLS; tool++) {
    for (let i = 0; i < PER_TOOL; i++) {
      labels.push(
        labelsFrom({
          __name__: 'mcp_server_operation_duration_seconds_count',
          gen_ai_tool_name: `tool_${String(tool).padStart(3, '0')}`,
          mcp_method_name: 'tools/call',
          error_type: i < 7 ? '' : ['tool_error', 'timeout', '-32603'][i - 7]!,
          mcp_client_name: `client_${i % 7}`,
        }),
      );
      rates.push(i < 7 ? 0.5 + random() * 4 : random() * 0.3);
    }
  }
  const refs = labels.map((l) => store.resolve(l));
  const values = new Float64Array(labels.length);
  for (let pass = 0; pass < PASSES; pass++) {
    for (let s = 0; s < values.length; s++) values[s]! += poisson(random, rates[s]!);
    store.appendScrapeRefs(START_MS + pass * INTERVAL_MS, refs, values);
  }
  const stats = store.stats();
  return {
    store,
    endMs: START_MS + (PASSES - 1) * INTERVAL_MS,
    series: stats.series,
    samples: stats.samples,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export interface QueryBenchResult {
  series: number;
  samples: number;
  instant: { median: number; p90: number; resultSeries: number };
  range: { median: number; p90: number; resultSeries: number; points: number };
}

export function queryBench(): QueryBenchResult {
  const { store, endMs, series, samples } = buildDay();
  const engine = new PromqlEngine(store);
  const instantTimes: number[] = [];
  const rangeTimes: number[] = [];
  let instantSeries = 0;
  let rangeSeries = 0;
  let rangePoints = 0;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Alternate the two so drift hits both alike.
    let t0 = performance.now();
    const instant = engine.instant(INSTANT, endMs);
    const instantMs = performance.now() - t0;
    t0 = performance.now();
    const range = engine.range(RANGE, endMs - 86_400_000, endMs, 60_000);
    const rangeMs = performance.now() - t0;
    if (round < WARMUP) continue;
    instantTimes.push(instantMs);
    rangeTimes.push(rangeMs);
    instantSeries = instant.type === 'vector' ? instant.samples.length : -1;
    rangeSeries = range.series.length;
    rangePoints = range.series.reduce((sum, s) => sum + s.points.length, 0);
  }
  instantTimes.sort((a, b) => a - b);
  rangeTimes.sort((a, b) => a - b);
  return {
    series,
    samples,
    instant: {
      median: percentile(instantTimes, 0.5),
      p90: percentile(instantTimes, 0.9),
      resultSeries: instantSeries,
    },
    range: {
      median: percentile(rangeTimes, 0.5),
      p90: percentile(rangeTimes, 0.9),
      resultSeries: rangeSeries,
      points: rangePoints,
    },
  };
}

export function queryBenchSection(result: QueryBenchResult): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return [
    '## PromQL over the embedded store',
    '',
    `A day (24 h at 15 s) of ${result.series.toLocaleString('en-US')} counter series (${result.samples.toLocaleString('en-US')} samples) in the store; ` +
      `each query run ${WARMUP} times to warm up, then ${ROUNDS} times, alternating (\`node --import tsx bench/query.ts\`).`,
    '',
    '| query | series read | result | median | p90 | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| \`${INSTANT}\` (instant) | 1,000 | ${result.instant.resultSeries} series | ${ms(result.instant.median)} | ${ms(result.instant.p90)} | ≤ 5 ms |`,
    `| the same over \`gen_ai_tool_name=~"tool_00."\`, 24 h \`query_range\` at 60 s | 100 | ${result.range.resultSeries} series × ${result.range.points / Math.max(1, result.range.resultSeries)} points | ${ms(result.range.median)} | ${ms(result.range.p90)} | ≤ 50 ms |`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = queryBench();
  console.log(queryBenchSection(result));
}
