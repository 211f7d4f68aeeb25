/**
 * `npm run bench`: tools/call round trips on the in-memory transport, bare SDK against observed
 * (metrics + operation log to a file) in the same run, alternating rounds so drift hits both alike;
 * then the cost of rendering a 10,000-series scrape. Writes BENCHMARKS.md. It measures the built package
 * (`dist/`, what users run; `npm run bench` builds first), not the TypeScript sources through tsx.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { pino } from 'pino';
import { Histogram, Registry } from 'prom-client';
import { z } from 'zod';

import { createMcpulse, type Mcpulse } from '../dist/index.js';
import { TransportObserver, type InstrumentHub, type TransportLike } from '../dist/instrument/transport.js';
import { renderMetrics } from '../dist/metrics/render.js';
import { sessionListener } from '../test/http-sessions.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const YIELD_EVERY = 64;

interface Setup {
  client: Client;
  close(): Promise<void>;
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function setup(pulse: Mcpulse | undefined): Promise<Setup> {
  const server = buildServer();
  if (pulse) pulse.observe(server);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'bench-client', version: '1.0.0' });
  await client.connect(clientTransport);
  return { client, close: () => client.close() };
}

interface Round {
  calls: number;
  seconds: number;
  latencies: Float64Array;
}

async function round(client: Client, ms: number): Promise<Round> {
  const latencies: number[] = [];
  const deadline = performance.now() + ms;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      latencies.push(performance.now() - t0);
      // The in-memory transport is all promises: without this the event loop would not turn once in a
      // round, so no write, timer or export could run (a real transport returns to the loop on every
      // read). Every YIELD_EVERY calls, bare and observed alike.
      if (latencies.length % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return {
    calls: latencies.length,
    seconds: (performance.now() - start) / 1000,
    latencies: Float64Array.from(latencies),
  };
}

function summarize(rounds: Round[]) {
  const calls = rounds.reduce((n, r) => n + r.calls, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const all = new Float64Array(calls);
  let offset = 0;
  for (const r of rounds) {
    all.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  all.sort();
  const q = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))]! * 1000; // µs
  return { calls, perSecond: calls / seconds, p50: q(0.5), p99: q(0.99) };
}

/** The same comparison over Streamable HTTP on loopback (SDK v1, one session), where the transport dominates. */
async function httpThroughput() {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-bench-'));
  const pulse = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    logDestination: join(dir, 'ops.jsonl'),
  });
  const serve = async (observe: boolean) => {
    const { listener, transports } = sessionListener(() => {
      const mcp = buildServer();
      return observe ? pulse.observe(mcp) : mcp;
    });
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Client({ name: 'bench-http', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`),
      ),
    );
    return {
      client,
      close: async () => {
        await client.close();
        for (const t of transports.values()) await t.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  };
  const bare = await serve(false);
  const observed = await serve(true);
  await round(bare.client, 500);
  await round(observed.client, 500);
  const bareRounds: Round[] = [];
  const observedRounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRounds.push(await round(bare.client, ROUND_MS));
    observedRounds.push(await round(observed.client, ROUND_MS));
  }
  await bare.close();
  await observed.close();
  await pulse.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return { bare: summarize(bareRounds), observed: summarize(observedRounds) };
}

/**
 * bare, observed (metrics + log file) and metrics-only, alternating rounds. AsyncLocalStorage, once
 * used, slows every promise in the process, bare ones included; so each context setting runs in a
 * process of its own (see main below).
 */
async function throughput(context: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-bench-'));
  const base = { monitoring: false, hostMetrics: false, context } as const;
  const pulse = createMcpulse({
    ...base,
    processMetrics: process.env.BENCH_PROCESS_METRICS !== '0',
    logDestination: join(dir, 'ops.jsonl'),
  });
  const quiet = createMcpulse({ ...base, processMetrics: false, logLevel: 'silent' });
  const setups = [await setup(undefined), await setup(pulse), await setup(quiet)];
  // Warm every path up before measuring.
  for (const s of setups) await round(s.client, 500);
  const rounds: Round[][] = setups.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [j, s] of setups.entries()) rounds[j]!.push(await round(s.client, ROUND_MS));
  }
  for (const s of setups) await s.close();
  for (const p of [pulse, quiet]) await p.shutdown();
  rmSync(dir, { recursive: true, force: true });
  const [bare, observed, metrics] = rounds.map(summarize);
  return { bare: bare!, observed: observed!, metrics: metrics! };
}

type Summary = ReturnType<typeof summarize>;

/** Runs one measurement in a fresh process (`--child=NAME`), so process-wide state cannot leak between them. */
function inChild<T>(name: string): T {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), `--child=${name}`],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  if (result.status !== 0) throw new Error(`bench child ${name} failed with ${result.status}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * bare against observed with tracing on: spans through the BatchSpanProcessor of mcpulse/otel to an
 * exporter that accepts and discards (no network), context on (the defaults).
 */
async function tracedThroughput() {
  const { setupTracing } = await import('../dist/tracing/setup.js');
  const tracing = setupTracing({
    serviceName: 'bench',
    exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() },
  });
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-bench-'));
  const pulse = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    logDestination: join(dir, 'ops.jsonl'),
  });
  const setups = [await setup(undefined), await setup(pulse)];
  for (const s of setups) await round(s.client, 500);
  const rounds: Round[][] = setups.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [j, s] of setups.entries()) rounds[j]!.push(await round(s.client, ROUND_MS));
  }
  for (const s of setups) await s.close();
  await pulse.shutdown();
  const stats = tracing.stats();
  await tracing.shutdown();
  rmSync(dir, { recursive: true, force: true });
  const [bare, observed] = rounds.map(summarize);
  return { bare: bare!, observed: observed!, exported: stats.exported };
}

const child = process.argv.find((arg) => arg.startsWith('--child='))?.slice('--child='.length);
if (child !== undefined) {
  const run: Record<string, () => Promise<unknown>> = {
    'throughput-plain': () => throughput(false),
    'throughput-context': () => throughput(true),
    'throughput-traced': () => tracedThroughput(),
    http: () => httpThroughput(),
    hot: () => hotPath(),
  };
  const job = run[child];
  if (!job) throw new Error(`unknown bench child ${child}`);
  process.stdout.write(JSON.stringify(await job()));
  process.exit(0);
}

async function scrape() {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'bench_duration_seconds',
    help: 'bench',
    labelNames: ['tool'],
    buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  // 17 series per label value (15 buckets, sum, count): 589 tools ≈ 10,013 series.
  for (let i = 0; i < 589; i++) histogram.observe({ tool: `tool_${i}` }, (i % 100) / 10);
  const text = (await renderMetrics(registry, 'prometheus')).body;
  const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    await renderMetrics(registry, i % 2 ? 'openmetrics' : 'prometheus');
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { series, p50: times[15]!, max: times.at(-1)! };
}

/** What `observe()` adds when SDK v2 style code builds a server per request: build + observe + connect. */
async function observeCost() {
  const pulse = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    logLevel: 'silent',
  });
  const perServer = async (observe: boolean, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const server = buildServer();
      if (observe) pulse.observe(server);
      const [, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      await server.close();
    }
    return ((performance.now() - t0) * 1000) / n;
  };
  await perServer(false, 500);
  await perServer(true, 500);
  const bareUs: number[] = [];
  const observedUs: number[] = [];
  for (let i = 0; i < 5; i++) {
    bareUs.push(await perServer(false, 2000));
    observedUs.push(await perServer(true, 2000));
  }
  await pulse.shutdown();
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { bare: median(bareUs), observed: median(observedUs) };
}

/**
 * The transport observer alone, fed a tools/call request and its reply in a loop (no SDK): with a hub
 * that does nothing, with metrics only, and with metrics + the operation log line.
 */
async function hotPath() {
  let sequence = 0;
  const nullHub: InstrumentHub = {
    logger: pino({ level: 'silent' }),
    contextEnabled: false,
    defaultClientLogLevel: undefined,
    clientLogRate: 20,
    capturePayloads: false,
    accepting: true,
    tracer: undefined,
    withOtelContext: (_context, fn) => fn(),
    spanTarget: () => undefined,
    dropped() {},
    maxInflightPerTransport: 1e6,
    nextRequestId: () => `x-${(++sequence).toString(36)}`,
    operationStarted() {},
    operationEnded() {},
    notificationReceived() {},
    transportError() {},
    sessionStarted() {},
    sessionEnded() {},
    toolsListed() {},
    promptsListed() {},
    internalError() {},
  };
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-bench-'));
  const logged = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    logDestination: join(dir, 'hot.jsonl'),
  });
  const silent = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    logLevel: 'silent',
  });
  const hubOf = (pulse: Mcpulse) => (pulse as unknown as { _hub: InstrumentHub })._hub;
  const transport = { send: () => Promise.resolve(), sessionId: undefined } as unknown as TransportLike;
  const perOp = (hub: InstrumentHub) => {
    hub.toolsListed(['echo']);
    const observer = new TransportObserver(hub, transport, {});
    const run = (count: number) => {
      for (let i = 0; i < count; i++) {
        observer.inbound({
          jsonrpc: '2.0',
          id: i,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'hello' } },
        });
        observer.outbound({ jsonrpc: '2.0', id: i, result: { content: [{ type: 'text', text: 'hello' }] } });
      }
    };
    run(50_000);
    const t0 = performance.now();
    run(200_000);
    return ((performance.now() - t0) * 1000) / 200_000;
  };
  const result = { nothing: perOp(nullHub), metrics: perOp(hubOf(silent)), all: perOp(hubOf(logged)) };
  await logged.shutdown();
  await silent.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const f = (n: number, d = 0) => n.toFixed(d);
const plain = inChild<{ bare: Summary; observed: Summary; metrics: Summary }>('throughput-plain');
const withContext = inChild<{ bare: Summary; observed: Summary; metrics: Summary }>('throughput-context');
const t = {
  bare: plain.bare,
  observed: withContext.observed,
  metrics: plain.metrics,
  noContext: plain.observed,
};
const http = inChild<{ bare: Summary; observed: Summary }>('http');
const traced = inChild<{ bare: Summary; observed: Summary; exported: number }>('throughput-traced');
const s = await scrape();
const o = await observeCost();
const h = await hotPath();
const ratio = t.observed.perSecond / t.bare.perSecond;
const perCallUs = (1e6 / t.observed.perSecond - 1e6 / t.bare.perSecond).toFixed(2);
const logUs = (1e6 / t.noContext.perSecond - 1e6 / t.metrics.perSecond).toFixed(2);
const contextUs = (1e6 / t.observed.perSecond - 1e6 / t.noContext.perSecond).toFixed(2);
const report = `# Benchmarks

Produced by \`npm run bench\` (\`bench/run.ts\`) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}. Each figure is the same run: bare and observed
alternate ${ROUNDS} rounds of ${ROUND_MS} ms each after a warm-up, ${CONCURRENCY} call(s) in flight, SDK v1
\`McpServer\` + \`Client\` on the in-memory transport, tool \`echo\`.

## tools/call round trips

Two processes: the first never turns the request context on, the second does (it is on by default).
AsyncLocalStorage slows every promise of a Node 20 process once used, bare calls included, so the
reference is the first process's bare SDK.

| setup | calls/s | p50 latency | p99 latency |
|---|---:|---:|---:|
| bare SDK | ${f(t.bare.perSecond)} | ${f(t.bare.p50, 1)} µs | ${f(t.bare.p99, 1)} µs |
| observed, defaults: metrics + operation log to a file + request context | ${f(t.observed.perSecond)} | ${f(t.observed.p50, 1)} µs | ${f(t.observed.p99, 1)} µs |
| observed, \`context: false\`: metrics + operation log to a file | ${f(t.noContext.perSecond)} | ${f(t.noContext.p50, 1)} µs | ${f(t.noContext.p99, 1)} µs |
| observed, \`context: false\`: metrics only (log level silent) | ${f(t.metrics.perSecond)} | ${f(t.metrics.p50, 1)} µs | ${f(t.metrics.p99, 1)} µs |
| bare SDK, in the process where the context is on | ${f(withContext.bare.perSecond)} | ${f(withContext.bare.p50, 1)} µs | ${f(withContext.bare.p99, 1)} µs |

Observed / bare: **${ratio.toFixed(3)}** with the defaults, **${(t.noContext.perSecond / t.bare.perSecond).toFixed(3)}**
with \`context: false\` (target ≥ 0.9). Added cost per call: ${perCallUs} µs with the defaults; of it, the request
context is ${contextUs} µs, the operation log line ${logUs} µs (cost per logged operation), and metrics with the
record the rest (metrics-only / bare: ${(t.metrics.perSecond / t.bare.perSecond).toFixed(3)}).

## With tracing

A third process with \`mcpulse/otel\` set up (BatchSpanProcessor, an exporter that discards: ${traced.exported} spans
exported) and the defaults otherwise: metrics, operation log to a file, request context, a SERVER span per call.

| setup | calls/s | p50 latency | p99 latency |
|---|---:|---:|---:|
| bare SDK (first process) | ${f(t.bare.perSecond)} | ${f(t.bare.p50, 1)} µs | ${f(t.bare.p99, 1)} µs |
| observed + tracing | ${f(traced.observed.perSecond)} | ${f(traced.observed.p50, 1)} µs | ${f(traced.observed.p99, 1)} µs |

Observed + tracing / bare: **${(traced.observed.perSecond / t.bare.perSecond).toFixed(3)}** (target ≥ 0.8). Tracing's
cost per operation: ${(1e6 / traced.observed.perSecond - 1e6 / t.observed.perSecond).toFixed(2)} µs.

## tools/call over Streamable HTTP (loopback)

The same alternating rounds, SDK v1 \`StreamableHTTPServerTransport\` behind \`node:http\` and the SDK's HTTP
client; observed means metrics + operation log to a file, as above.

| setup | calls/s | p50 latency | p99 latency |
|---|---:|---:|---:|
| bare SDK | ${f(http.bare.perSecond)} | ${f(http.bare.p50, 1)} µs | ${f(http.bare.p99, 1)} µs |
| observed | ${f(http.observed.perSecond)} | ${f(http.observed.p50, 1)} µs | ${f(http.observed.p99, 1)} µs |

Observed / bare: **${(http.observed.perSecond / http.bare.perSecond).toFixed(3)}**.

## The hot path alone

The transport observer fed a \`tools/call\` request and its reply 200,000 times, no SDK involved
(message sizes and the record included in every line):

| sinks | µs per operation |
|---|---:|
| none (record only) | ${f(h.nothing, 2)} |
| metrics | ${f(h.metrics, 2)} |
| metrics + operation log line | ${f(h.all, 2)} |

## observe() per server

SDK v2 builds a server per HTTP request, so \`observe()\` runs per request. Building an \`McpServer\` with one
tool, connecting and closing it: ${f(o.bare, 1)} µs bare, ${f(o.observed, 1)} µs observed
(**+${f(o.observed - o.bare, 1)} µs** per server, median of 5 × 2000).

## Scrape

Rendering a registry of ${s.series} series (text format and OpenMetrics alternating, 30 renders):
p50 ${f(s.p50, 1)} ms, max ${f(s.max, 1)} ms (target < 50 ms).

## Reading these numbers

The in-memory round trip is the harshest case: a bare call costs only ${f(1e6 / t.bare.perSecond, 1)} µs, so every
microsecond of bookkeeping shows. The hot-path table splits what mcpulse adds: the record itself with exact
message sizes, then prom-client (three histogram observations per operation, each validating, hashing and
allocating its labels), then the log line. The rest of the gap is the wrappers on the SDK's path and the
garbage collection the extra allocations cause. Over a real transport (Streamable HTTP above) the same work
disappears in the transport's own cost.
`;
process.stdout.write(report);
if (!process.argv.includes('--no-write')) writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), report);
