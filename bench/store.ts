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
 * (c) reading back from a day of the mix: select() of 100 series over 24 h (576,000 samples, what a
 *     24 h query_range reads) and of every bucket series over the last 5 minutes (a rate[5m] reads
 *     its last block from the start: XOR streams decode in order).
 *
 * Run: node --expose-gc --import tsx bench/store.ts   (STORE_BENCH_ROUNDS, default 3 memory rounds)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { Histogram, Registry } from 'prom-client';

import { SeriesHistogram } from '../src/metrics/series.js';
import { RegistrySampler } from '../src/store/sampler.js';
import { SeriesStore, type SeriesStoreStats } from '../src/store/series-store.js';
import { FLOAT_GAUGES, INTEGER_GAUGES, RealisticMix, seeded, TOOLS, COUNTERS } from './store-mix.js';

const START_MS = 1_764_000_000_000;
const PASSES_PER_DAY = 5760;
const SAMPLING_ROUNDS = 40;

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
  /** heapUsed + arrayBuffers given back when the store is dropped (a cross-check of the two above). */
  releasedBytes: number;
  dataBytes: number;
  appendMsPerPass: number;
}

/** A day of the mix into a new store; the mix is garbage once this returns. */
function fillDay(): { store?: SeriesStore; stats: SeriesStoreStats; appendMs: number } {
  const mix = new RealisticMix();
  const jitter = seeded(5);
  const store = new SeriesStore();
  const refs = mix.labels.map((labels) => store.resolve(labels));
  let appendMs = 0;
  for (let pass = 0; pass < PASSES_PER_DAY; pass++) {
    const values = mix.step();
    const t0 = performance.now();
    store.appendScrapeRefs(START_MS + pass * 15_000 + Math.floor(jitter() * 11) - 5, refs, values);
    appendMs += performance.now() - t0;
  }
  return { store, stats: store.stats(), appendMs };
}

function memoryRound(): MemoryRound {
  gc();
  const before = process.memoryUsage();
  const filled = fillDay();
  gc();
  const after = process.memoryUsage();
  // The cross-check: what dropping the store gives back. (Touching the store here, even for stats(),
  // would keep it alive in this frame.)
  const stats = filled.stats;
  delete filled.store;
  gc();
  const dropped = process.memoryUsage();
  return {
    series: stats.series,
    samples: stats.samples,
    heapBytes: after.heapUsed - before.heapUsed,
    arrayBufferBytes: after.arrayBuffers - before.arrayBuffers,
    releasedBytes: after.heapUsed + after.arrayBuffers - dropped.heapUsed - dropped.arrayBuffers,
    dataBytes: stats.bytes,
    appendMsPerPass: filled.appendMs / PASSES_PER_DAY,
  };
}

interface Sampled {
  name: string;
  registry: Registry;
  sampler: RegistrySampler;
  observe(round: number): void;
  passMs: number[];
  /** CPU time of the pass (user + system, the whole process): steadier than wall time on a busy machine. */
  cpuMs: number[];
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
    cpuMs: [],
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
  cpuMedianMs: number;
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
      const cpu0 = process.cpuUsage();
      setup.series = await setup.sampler.sampleOnce((clock += 15_000));
      const cpu = process.cpuUsage(cpu0);
      setup.passMs.push(performance.now() - t0);
      setup.cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  return setups.map((setup) => ({
    name: setup.name,
    series: setup.series,
    passMedianMs: median(setup.passMs),
    passMaxMs: Math.max(...setup.passMs),
    cpuMedianMs: median(setup.cpuMs),
    readMedianMs: median(setup.readMs),
  }));
}

export interface SelectResult {
  name: string;
  series: number;
  samples: number;
  medianMs: number;
}

function selectRounds(rounds: number): SelectResult[] {
  const { store } = fillDay();
  const end = START_MS + (PASSES_PER_DAY - 1) * 15_000;
  const cases = [
    {
      name: '100 `_count` series × 24 h',
      matchers: [
        exact('__name__', 'mcp_server_operation_duration_seconds_count'),
        {
          type: '=~' as const,
          name: 'gen_ai_tool_name',
          value: 'tool_\\d\\d?',
          matches: (v: string) => /^tool_\d\d?$/.test(v),
        },
      ],
      mint: START_MS,
    },
    {
      name: 'every `_bucket` series × 5 min',
      matchers: [
        {
          type: '=~' as const,
          name: '__name__',
          value: '.*_bucket',
          matches: (v: string) => v.endsWith('_bucket'),
        },
      ],
      mint: end - 300_000,
    },
  ];
  return cases.map((one) => {
    const times: number[] = [];
    let series = 0;
    let samples = 0;
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      const found = store!.select(one.matchers, one.mint, end);
      times.push(performance.now() - t0);
      series = found.length;
      samples = found.reduce((sum, s) => sum + s.t.length, 0);
    }
    return { name: one.name, series, samples, medianMs: median(times) };
  });
}

function exact(name: string, value: string) {
  return { type: '=' as const, name, value, matches: (v: string) => v === value };
}

export interface StoreBenchResult {
  memory: MemoryRound[];
  sampling: SamplingResult[];
  select: SelectResult[];
}

export async function storeBench(
  memoryRounds = 3,
  samplingRoundCount = SAMPLING_ROUNDS,
): Promise<StoreBenchResult> {
  const memory: MemoryRound[] = [];
  for (let round = 0; round < memoryRounds; round++) memory.push(memoryRound());
  const sampling = await samplingRounds(samplingRoundCount);
  return { memory, sampling, select: selectRounds(15) };
}

export function formatStoreBench(result: StoreBenchResult): string {
  const heap = median(result.memory.map((round) => round.heapBytes));
  const all = median(result.memory.map((round) => round.heapBytes + round.arrayBufferBytes));
  const released = median(result.memory.map((round) => round.releasedBytes));
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
    `| given back when the store is dropped | ${mb(released)} | ${perSample(released)} |`,
    `| encoded sample data (stats().bytes) | ${mb(first.dataBytes)} | ${perSample(first.dataBytes)} |`,
    '',
    `Appending one 10,000-series pass to the store: ${median(result.memory.map((r) => r.appendMsPerPass)).toFixed(2)} ms (mean over the day, median of rounds).`,
    '',
    `One sampling pass of a prom-client registry (the two registries alternating, median and max of ${SAMPLING_ROUNDS} rounds):`,
    '',
    '| registry | series | pass p50 ms | pass max ms | pass CPU p50 ms | prom-client read p50 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...result.sampling.map(
      (s) =>
        `| ${s.name} | ${s.series.toLocaleString('en')} | ${s.passMedianMs.toFixed(2)} | ${s.passMaxMs.toFixed(2)} | ${s.cpuMedianMs.toFixed(2)} | ${s.readMedianMs.toFixed(2)} |`,
    ),
    '',
    'select() from the day of the mix (median of 15):',
    '',
    '| read | series | samples | ms |',
    '| --- | ---: | ---: | ---: |',
    ...result.select.map(
      (s) =>
        `| ${s.name} | ${s.series.toLocaleString('en')} | ${s.samples.toLocaleString('en')} | ${s.medianMs.toFixed(1)} |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await storeBench(Number(process.env.STORE_BENCH_ROUNDS ?? 3));
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(formatStoreBench(result) + '\n');
}
