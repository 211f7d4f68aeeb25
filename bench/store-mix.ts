/**
 * The "realistic values" of the store bench (issue 11): what an MCP server's /metrics looks like over a
 * day, from a seeded generator so every run stores the same bytes. 10,000 series:
 *
 * - 225 tools × 43 series. Per tool, calls arrive at a Poisson rate per 15 s pass: 70% of tools 0.05–0.3
 *   (most around 0.2), 25% 0.3–2, 5% 2–10. Each call lands in
 *   - mcp_server_operation_duration_seconds (14 bounds + +Inf buckets, _sum, _count = 17 series),
 *     durations log-normal around a per-tool median of 20 ms – 2 s;
 *   - mcpulse_server_request_size_bytes and …_response_size_bytes (10 bounds + +Inf, _sum, _count = 13
 *     each), integer sizes log-normal around 300 B and 2 KB.
 *   So between two passes most buckets are unchanged, and the ones that move step by small integers.
 * - 200 counters at Poisson rates of 0.01–3 per pass (notifications, per-client outcomes).
 * - 100 integer gauges (sessions, operations in flight) stepping ±1 in 10% of passes.
 * - 25 float gauges random-walking, changing every pass (CPU seconds, heap bytes, event-loop lag).
 *
 * The tools' traffic (toolProfile, toolCalls) also feeds the rules bench (bench/rules.ts), which
 * observes it into a createMcpulse registry's own histograms instead.
 */
import { labelsFrom, type Labels } from '../src/store/labels.js';

const DURATION_BOUNDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const SIZE_BOUNDS = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

export const TOOLS = 225;
export const COUNTERS = 200;
export const INTEGER_GAUGES = 100;
export const FLOAT_GAUGES = 25;

/** mulberry32: a tiny seeded generator. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Events in one interval of a Poisson process of the given rate (Knuth's method). */
export function poisson(random: () => number, rate: number): number {
  const limit = Math.exp(-rate);
  let events = 0;
  for (let product = random(); product > limit; product *= random()) events += 1;
  return events;
}

export function logNormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

class HistogramState {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
  /** Cumulative buckets, sum, count into `out` from `at`; returns the next index. */
  write(out: Float64Array, at: number): number {
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) out[at++] = cumulative += this.counts[i]!;
    out[at++] = this.sum;
    out[at++] = this.count;
    return at;
  }
}

function histogramLabels(name: string, bounds: readonly number[], base: Record<string, string>): Labels[] {
  const out: Labels[] = [];
  for (const le of [...bounds.map(String), '+Inf'])
    out.push(labelsFrom({ ...base, __name__: `${name}_bucket`, le }));
  out.push(
    labelsFrom({ ...base, __name__: `${name}_sum` }),
    labelsFrom({ ...base, __name__: `${name}_count` }),
  );
  return out;
}

/** One tool's traffic: calls per 15 s pass (Poisson) and the median of its log-normal durations. */
export interface ToolProfile {
  rate: number;
  median: number;
}

/** A tool drawn from the mix's distribution: 70% slow-traffic tools, 25% busier, 5% hot. */
export function toolProfile(random: () => number): ToolProfile {
  const pick = random();
  const rate = pick < 0.7 ? 0.05 + random() * 0.25 : pick < 0.95 ? 0.3 + random() * 1.7 : 2 + random() * 8;
  return { rate, median: 0.02 * 100 ** random() };
}

/** The calls of `tool` in one pass: each one's duration (s) and request and response sizes (bytes). */
export function toolCalls(
  random: () => number,
  tool: ToolProfile,
  call: (seconds: number, requestBytes: number, responseBytes: number) => void,
): void {
  for (let calls = poisson(random, tool.rate); calls > 0; calls--) {
    call(
      logNormal(random, tool.median, 0.6),
      Math.round(logNormal(random, 300, 0.8)),
      Math.round(logNormal(random, 2048, 1.2)),
    );
  }
}

export class RealisticMix {
  readonly labels: Labels[] = [];
  readonly values: Float64Array;
  private readonly random = seeded(11);
  private readonly tools: (ToolProfile & {
    duration: HistogramState;
    request: HistogramState;
    response: HistogramState;
  })[] = [];
  private readonly counterRates: number[] = [];
  private readonly counters: Float64Array;
  private readonly integerGauges: Float64Array;
  private readonly floatGauges: Float64Array;

  constructor() {
    const random = this.random;
    for (let i = 0; i < TOOLS; i++) {
      const base = {
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: `tool_${i}`,
        network_transport: 'pipe',
        mcp_protocol_version: '2025-06-18',
      };
      this.labels.push(
        ...histogramLabels('mcp_server_operation_duration_seconds', DURATION_BOUNDS, base),
        ...histogramLabels('mcpulse_server_request_size_bytes', SIZE_BOUNDS, base),
        ...histogramLabels('mcpulse_server_response_size_bytes', SIZE_BOUNDS, base),
      );
      this.tools.push({
        ...toolProfile(random),
        duration: new HistogramState(DURATION_BOUNDS),
        request: new HistogramState(SIZE_BOUNDS),
        response: new HistogramState(SIZE_BOUNDS),
      });
    }
    for (let i = 0; i < COUNTERS; i++) {
      this.labels.push(
        labelsFrom({ __name__: 'mcpulse_server_notifications_received_total', method: `n_${i}` }),
      );
      this.counterRates.push(0.01 * 300 ** random());
    }
    for (let i = 0; i < INTEGER_GAUGES; i++) {
      this.labels.push(labelsFrom({ __name__: 'mcp_server_sessions_active', transport: `t_${i}` }));
    }
    for (let i = 0; i < FLOAT_GAUGES; i++) {
      this.labels.push(labelsFrom({ __name__: 'process_gauge', which: `g_${i}` }));
    }
    this.counters = new Float64Array(COUNTERS);
    this.integerGauges = new Float64Array(INTEGER_GAUGES).fill(5);
    this.floatGauges = Float64Array.from({ length: FLOAT_GAUGES }, () => 1 + random() * 1000);
    this.values = new Float64Array(this.labels.length);
  }

  /** Advances one 15 s pass; `values` then holds every series' value, in `labels` order. */
  step(): Float64Array {
    const random = this.random;
    const values = this.values;
    let at = 0;
    for (const tool of this.tools) {
      toolCalls(random, tool, (seconds, requestBytes, responseBytes) => {
        tool.duration.observe(seconds);
        tool.request.observe(requestBytes);
        tool.response.observe(responseBytes);
      });
      at = tool.duration.write(values, at);
      at = tool.request.write(values, at);
      at = tool.response.write(values, at);
    }
    for (let i = 0; i < COUNTERS; i++)
      values[at++] = this.counters[i]! += poisson(random, this.counterRates[i]!);
    for (let i = 0; i < INTEGER_GAUGES; i++) {
      const r = random();
      const gauge = this.integerGauges[i]!;
      this.integerGauges[i] = r < 0.05 ? gauge + 1 : r < 0.1 && gauge > 0 ? gauge - 1 : gauge;
      values[at++] = this.integerGauges[i]!;
    }
    for (let i = 0; i < FLOAT_GAUGES; i++) values[at++] = this.floatGauges[i]! *= 1 + (random() - 0.5) * 0.01;
    return values;
  }
}
