/**
 * The store's bench (issue 11), apart from the request-path rounds of bench/run.ts, which may call
 * storeBench() and print its section:
 *
 * (a) memory: 10,000 series × 24 h at 15 s (5,760 passes, 57.6 M samples, timestamps jittered by
 *     ±5 ms) of the realistic mix in bench/store-mix.ts, in a fresh store per round; heap measured with
 *     global.gc() before and after, as heapUsed and as heapUsed + arrayBuffers (the packed blocks live
 *     in ArrayBuffers, outside V8's heap: the second number is the honest one);
 * (b) one sampling pass of a prom-client registry of 10,013 series (589 tools × a 14-bound histogram:
 *     15 buckets, sum, count), for prom-client's Histogram and mcpulse's SeriesHistogram, alternating
 *     in rounds so drift hits both alike; each pass after a few observations, as a live server's would.
 *     It reports the whole pass and, paired in the same rounds, prom-client's own read of the registry
 *     (`getForPromString()` on every metric), the part the sampler cannot make faster.
 *
 * Run: node --expose-gc --import tsx bench/store.ts   (STORE_BENCH_ROUNDS, default 3 memory rounds)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { Histogram, Registry } from 'prom-client';

import { SeriesHistogram } from '../src/metrics/series.js';
import { RegistrySampler } from '../src/store/sampler.js';
import { SeriesStore } from '../src/store/series-store.js';
import { FLOAT_GAUGES, INTEGER_GAUGES, RealisticMix, seeded, TOOLS, COUNTERS } from './store-mix.js';

const START_MS = 1_764_000_000_000;
const PASSES_PER_DAY = 5760;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run node with --expose-gc');
  collect();
  collect();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface MemoryRound {
  series: number;
  samples: number;
  heapBytes: number;
  arrayBufferBytes: number;
  dataBytes: number;
  appendMsPerPass: number;
}

function memoryRound(): MemoryRound {
  const mix = new RealisticMix();
  const jitter = seeded(5);
  gc();
  const before = process.memoryUsage();
  const store = new SeriesStore();
  const refs = mix.labels.map((labels) => store.resolve(labels));
  let appendMs = 0;
  for (let pass = 0; pass < PASSES_PER_DAY; pass++) {
    const values = mix.step();
    const t0 = performance.now();
    store.appendScrapeRefs(START_MS + pass * 15_000 + Math.floor(jitter() * 11) - 5, refs, values);
    appendMs += performance.now() - t0;
  }
  gc();
  const after = process.memoryUsage();
  const stats = store.stats();
  const round = {
    series: stats.series,
    samples: stats.samples,
    heapBytes: after.heapUsed - before.heapUsed,
    arrayBufferBytes: after.arrayBuffers - before.arrayBuffers,
    dataBytes: stats.bytes,
    appendMsPerPass: appendMs / PASSES_PER_DAY,
  };
  if (refs.length === 0) throw new Error('unreachable: keeps the store alive until measured');
  return round;
}

interface Sampled {
  name: string;
  registry: Registry;
  sampler: RegistrySampler;
  observe(round: number): void;
  passMs: number[];
  readMs: number[];
  series: number;
}

const BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const BENCH_TOOLS = 589;

function promClientSetup(): Sampled {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'bench_duration_seconds',
    help: 'bench',
    labelNames: ['tool'],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (let i = 0; i < BENCH_TOOLS; i++) histogram.observe({ tool: `tool_${i}` }, (i % 100) / 10);
  const observe = (round: number) => {
    for (let i = 0; i < 20; i++)
      histogram.observe({ tool: `tool_${(round * 31 + i * 7) % BENCH_TOOLS}` }, i / 10);
  };
  return setupWith('prom-client Histogram', registry, observe);
}

function seriesHistogramSetup(): Sampled {
  const registry = new Registry();
  const histogram = new SeriesHistogram({
    name: 'bench_duration_seconds',
    help: 'bench',
    labelNames: ['tool'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const handles = Array.from({ length: BENCH_TOOLS }, (_, i) => histogram.series({ tool: `tool_${i}` }));
  handles.forEach((handle, i) => handle.observe((i % 100) / 10));
  const observe = (round: number) => {
    for (let i = 0; i < 20; i++) handles[(round * 31 + i * 7) % BENCH_TOOLS]!.observe(i / 10);
  };
  return setupWith('mcpulse SeriesHistogram', registry, observe);
}

function setupWith(name: string, registry: Registry, observe: (round: number) => void): Sampled {
  const store = new SeriesStore();
  return {
    name,
    registry,
    sampler: new RegistrySampler(registry, store),
    observe,
    passMs: [],
    readMs: [],
    series: 0,
  };
}

async function readRegistry(registry: Registry): Promise<void> {
  const metrics = registry.getMetricsAsArray() as unknown as { getForPromString(): Promise<unknown> }[];
  await Promise.all(metrics.map((metric) => metric.getForPromString()));
}

export interface SamplingResult {
  name: string;
  series: number;
  passMedianMs: number;
  passMaxMs: number;
  readMedianMs: number;
}

async function samplingRounds(rounds: number): Promise<SamplingResult[]> {
  const setups = [promClientSetup(), seriesHistogramSetup()];
  let clock = START_MS;
  for (let warm = 0; warm < 5; warm++) {
    for (const setup of setups) {
      setup.observe(warm);
      await setup.sampler.sampleOnce((clock += 15_000));
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const setup of round % 2 ? [...setups].reverse() : setups) {
      setup.observe(round);
      let t0 = performance.now();
      await readRegistry(setup.registry);
      setup.readMs.push(performance.now() - t0);
      t0 = performance.now();
      setup.series = await setup.sampler.sampleOnce((clock += 15_000));
      setup.passMs.push(performance.now() - t0);
    }
  }
  return setups.map((setup) => ({
    name: setup.name,
    series: setup.series,
    passMedianMs: median(setup.passMs),
    passMaxMs: Math.max(...setup.passMs),
    readMedianMs: median(setup.readMs),
  }));
}

export interface StoreBenchResult {
  memory: MemoryRound[];
  sampling: SamplingResult[];
}

export async function storeBench(memoryRounds = 3, samplingRoundCount = 40): Promise<StoreBenchResult> {
  const memory: MemoryRound[] = [];
  for (let round = 0; round < memoryRounds; round++) memory.push(memoryRound());
  return { memory, sampling: await samplingRounds(samplingRoundCount) };
}

export function formatStoreBench(result: StoreBenchResult): string {
  const heap = median(result.memory.map((round) => round.heapBytes));
  const all = median(result.memory.map((round) => round.heapBytes + round.arrayBufferBytes));
  const first = result.memory[0]!;
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const perSample = (bytes: number) => (bytes / first.samples).toFixed(3);
  const lines = [
    `Store memory, ${first.series.toLocaleString('en')} series × 24 h at 15 s (${first.samples.toLocaleString('en')} samples; ` +
      `${TOOLS} tools × 43 histogram series, ${COUNTERS} Poisson counters, ${INTEGER_GAUGES} integer gauges, ` +
      `${FLOAT_GAUGES} float gauges; median of ${result.memory.length} rounds):`,
    '',
    '| measure | MB | bytes/sample |',
    '| --- | ---: | ---: |',
    `| heapUsed + arrayBuffers (all in) | ${mb(all)} | ${perSample(all)} |`,
    `| heapUsed alone | ${mb(heap)} | ${perSample(heap)} |`,
    `| encoded sample data (stats().bytes) | ${mb(first.dataBytes)} | ${perSample(first.dataBytes)} |`,
    '',
    `Appending one 10,000-series pass to the store: ${median(result.memory.map((r) => r.appendMsPerPass)).toFixed(2)} ms (mean over the day, median of rounds).`,
    '',
    `One sampling pass of a prom-client registry (${result.sampling.length} setups alternating):`,
    '',
    '| registry | series | pass p50 ms | pass max ms | prom-client read p50 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...result.sampling.map(
      (s) =>
        `| ${s.name} | ${s.series.toLocaleString('en')} | ${s.passMedianMs.toFixed(2)} | ${s.passMaxMs.toFixed(2)} | ${s.readMedianMs.toFixed(2)} |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await storeBench(Number(process.env.STORE_BENCH_ROUNDS ?? 3));
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(formatStoreBench(result) + '\n');
}
