/**
 * mcpulse's /api/v1/query against a real Prometheus scraping the same demo: after a known sequence of
 * calls, with the load off, both answer the per-tool counts, `sum by (gen_ai_tool_name)` and
 * `histogram_quantile` over the buckets with the same values, in JSON of the same shape. Prometheus
 * adds its target labels (`job`, `instance`) to what it scrapes; they are the one difference, and are
 * taken off its answers before comparing.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { serveDemoHttp, type DemoHttpServer } from '../src/demo/http.js';
import { createMcpulse, type Mcpulse } from '../src/index.js';
import { hasBinary } from './binaries.js';
import { startPrometheus, type RunningPrometheus } from './prometheus-kit.js';

interface ApiAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

const QUERIES = [
  'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call"}',
  'sum by (gen_ai_tool_name) (mcp_server_operation_duration_seconds_count)',
  'sum by (gen_ai_tool_name, error_type) (mcp_server_operation_duration_seconds_count)',
  'histogram_quantile(0.5, sum by (le, gen_ai_tool_name) (mcp_server_operation_duration_seconds_bucket))',
  'histogram_quantile(0.99, sum by (le) (mcp_server_operation_duration_seconds_bucket{gen_ai_tool_name="slow_search"}))',
  'count(mcp_server_operation_duration_seconds_bucket) > 0',
];

/** An answer with Prometheus's target labels removed and the series in label order. */
function normalized(answer: ApiAnswer): ApiAnswer {
  const result = answer.data.result
    .map(({ metric, value }) => {
      const { job: _job, instance: _instance, ...rest } = metric;
      return { metric: rest, value };
    })
    .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
  return { ...answer, data: { ...answer.data, result } };
}

async function ask(base: string, query: string, time: number): Promise<ApiAnswer> {
  const body = new URLSearchParams({ query, time: String(time) });
  const response = await fetch(`${base}/api/v1/query`, { method: 'POST', body });
  expect(response.status).toBe(200);
  return (await response.json()) as ApiAnswer;
}

describe.runIf(hasBinary('prometheus'))('mcpulse /api/v1/query against a real Prometheus', () => {
  let pulse: Mcpulse;
  let demo: DemoHttpServer;
  let monitoringUrl: string;
  let prometheusUrl: string;
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    pulse = createMcpulse({
      monitoring: { port: 0 },
      logLevel: 'silent',
      hostMetrics: false,
      store: { intervalMs: 1000 },
    });
    monitoringUrl = (await pulse.monitoring)!.url;
    // Draws chosen so slow_search spreads over several buckets and flaky_fetch fails both ways.
    const draws = [0.0, 0.3, 0.6, 0.9, 0.99, 0.02, 0.1, 0.5, 0.7];
    demo = await serveDemoHttp(pulse, {
      port: 0,
      demo: { random: () => draws.shift() ?? 0.5, sleepScale: 0.05 },
    });
    const client = new Client({ name: 'compare', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.url)));
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'slow_search', arguments: { query: `q${i}` } });
    for (let i = 0; i < 4; i++)
      await client.callTool({ name: 'flaky_fetch', arguments: { url: `https://x/${i}` } });
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
    await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    await client.close();

    prometheus = await startPrometheus(
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['${new URL(monitoringUrl).host}']\n`,
    );
    prometheusUrl = prometheus.url;
  });

  afterAll(async () => {
    await prometheus?.stop();
    await demo?.close();
    await pulse?.shutdown();
  });

  it('answers the same values in the same shape', { timeout: 90_000 }, async () => {
    // Both must have taken a sample after the last call: Prometheus a scrape, mcpulse a sampling pass.
    const loadEnded = Date.now();
    const probe = 'sum(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call"})';
    let at = 0;
    for (let attempt = 0; attempt < 120; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      at = Date.now() / 1000;
      try {
        const [theirs, ours] = await Promise.all([
          ask(prometheusUrl, probe, at),
          ask(monitoringUrl, probe, at),
        ]);
        const sampledAfter = (answer: ApiAnswer) => answer.data.result[0]?.value[1] === '13';
        if (sampledAfter(theirs) && sampledAfter(ours) && Date.now() - loadEnded > 2500) break;
      } catch {
        // Prometheus is still starting.
      }
    }
    for (const query of QUERIES) {
      const [theirs, ours] = await Promise.all([
        ask(prometheusUrl, query, at),
        ask(monitoringUrl, query, at),
      ]);
      expect(theirs.data.result.length, query).toBeGreaterThan(0);
      expect(normalized(ours), query).toEqual(normalized(theirs));
    }
  });
});
