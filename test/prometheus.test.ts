/**
 * The exposition against the real Prometheus tools: `promtool check metrics` on everything mcpulse
 * exports (process and host metrics included), and a real Prometheus scraping the monitoring endpoint.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMcpulse, type Mcpulse } from '../src/index.js';
import { hasBinary } from './binaries.js';
import { buildV1 } from './fixtures/servers.js';
import { promtoolCheckMetrics } from './promtool.js';
import { startPrometheus } from './prometheus-kit.js';

let pulse: Mcpulse;
let monitoringUrl: string;

beforeAll(async () => {
  pulse = createMcpulse({ monitoring: { port: 0 }, logLevel: 'silent', hostMetrics: { intervalMs: 1000 } });
  monitoringUrl = (await pulse.monitoring)!.url;
  const server = pulse.observe(buildV1((extra) => pulse.context(extra)));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'prom-client-test', version: '1' });
  await client.connect(clientTransport);
  for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
  await client.callTool({ name: 'boom', arguments: {} });
  await client.close();
});
afterAll(() => pulse.shutdown());

describe.runIf(hasBinary('promtool'))('promtool', () => {
  // promtool reads the text format only; the OpenMetrics rendering is what the real Prometheus below scrapes.
  it('check metrics passes on the whole exposition, process and host metrics included', async () => {
    const response = await fetch(`${monitoringUrl}/metrics`, { headers: { accept: 'text/plain' } });
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await response.text();
    const check = promtoolCheckMetrics(body);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});

describe.runIf(hasBinary('prometheus'))('a real Prometheus', () => {
  it('scrapes /metrics and answers a query on the operation count', async () => {
    const target = new URL(monitoringUrl).host;
    const prom = await startPrometheus(
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mcp\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    try {
      const query = encodeURIComponent(
        'mcp_server_operation_duration_seconds_count{job="mcp",mcp_method_name="tools/call",gen_ai_tool_name="echo"}',
      );
      const errorsQuery = encodeURIComponent(
        'sum(mcp_server_operation_duration_seconds_count{job="mcp",error_type="tool_error"})',
      );
      let value: string | undefined;
      let errors: string | undefined;
      for (let attempt = 0; attempt < 60 && value === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        try {
          const answer = (await (await fetch(`${prom.url}/api/v1/query?query=${query}`)).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          value = answer.data.result[0]?.value[1];
          const e = (await (await fetch(`${prom.url}/api/v1/query?query=${errorsQuery}`)).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          errors = e.data.result[0]?.value[1];
        } catch {
          // Prometheus is still starting.
        }
      }
      expect(value).toBe('3');
      expect(errors).toBe('1');
      const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      expect(targets.data.activeTargets[0]).toMatchObject({ health: 'up', lastError: '' });
    } finally {
      await prom.stop();
    }
  });
});
