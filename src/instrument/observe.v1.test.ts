import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { logSink } from '../../test/log-sink.js';
import { key, parseExposition, seriesOf } from '../../test/exposition.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { OperationRecord } from './record.js';

function buildServer(): McpServer {
  const server = new McpServer({ name: 'test-server', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('boom', {}, () => {
    throw new TypeError('kaboom');
  });
  server.registerTool('soft_fail', {}, () => ({
    isError: true,
    content: [{ type: 'text', text: 'upstream 503' }],
  }));
  server.registerPrompt('summarize', { argsSchema: { text: z.string() } }, ({ text }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${text}` } }],
  }));
  return server;
}

let pulse: Mcpulse | undefined;
afterEach(async () => {
  await pulse?.shutdown();
  pulse = undefined;
});

async function connect(server: McpServer): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'test-client', version: '9.9.9' });
  await client.connect(clientTransport);
  return client;
}

const D = 'mcp_server_operation_duration_seconds';
const V = '2025-11-25';

describe('observe() with SDK v1 over the in-memory transport', () => {
  it('counts each operation once per label set, with thrown and isError failures both tool_error', async () => {
    const { stream, lines } = logSink();
    pulse = quietMcpulse({ logDestination: stream });
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push({ ...op }));
    const server = pulse.observe(buildServer());
    pulse.observe(server); // observing twice never double-counts
    const client = await connect(server);

    for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
    const thrown = await client.callTool({ name: 'boom', arguments: {} });
    const soft = await client.callTool({ name: 'soft_fail', arguments: {} });
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} });
    await client.listTools();
    await client.getPrompt({ name: 'summarize', arguments: { text: 'x' } });
    await client.ping();
    await expect(client.request({ method: 'no/such/method', params: {} }, z.object({}))).rejects.toThrow();
    await client.close();

    expect(thrown.isError).toBe(true);
    expect(soft.isError).toBe(true);
    expect(unknown.isError).toBe(true);

    const series = parseExposition(await pulse.registry.metrics());
    const counts = seriesOf(series, `${D}_count`);
    const v = { mcp_protocol_version: V };
    expect(counts).toEqual({
      [key(`${D}_count`, { ...v, mcp_method_name: 'initialize' })]: 1,
      [key(`${D}_count`, { ...v, mcp_method_name: 'tools/call', gen_ai_tool_name: 'echo' })]: 3,
      [key(`${D}_count`, {
        ...v,
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: 'boom',
        error_type: 'tool_error',
      })]: 1,
      [key(`${D}_count`, {
        ...v,
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: 'soft_fail',
        error_type: 'tool_error',
      })]: 1,
      [key(`${D}_count`, {
        ...v,
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: '_OTHER',
        error_type: '-32602',
      })]: 1,
      [key(`${D}_count`, { ...v, mcp_method_name: 'tools/list' })]: 1,
      [key(`${D}_count`, { ...v, mcp_method_name: 'prompts/get', gen_ai_prompt_name: 'summarize' })]: 1,
      [key(`${D}_count`, { ...v, mcp_method_name: 'ping' })]: 1,
      [key(`${D}_count`, { ...v, mcp_method_name: '_OTHER', error_type: '-32601' })]: 1,
    });

    // Buckets are cumulative and +Inf equals _count, for every label set.
    const buckets = seriesOf(series, `${D}_bucket`);
    for (const [countKey, count] of Object.entries(counts)) {
      const labels = countKey.slice(`${D}_count`.length);
      const bounds = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, '+Inf'];
      const values = bounds.map((le) => {
        const inner = labels === '' ? '' : labels.slice(1, -1);
        const all = Object.fromEntries(
          [...inner.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
            m[1]!,
            JSON.parse(`"${m[2]!}"`) as string,
          ]),
        );
        return buckets[key(`${D}_bucket`, { ...all, le: String(le) })];
      });
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
      expect(values.at(-1)).toBe(count);
    }

    expect(series.get('mcp_server_operations_active{mcp_method_name="tools/call"}')).toBe(0);
    expect(series.get('mcp_server_sessions_active')).toBe(0);
    expect(series.get('mcp_server_session_duration_seconds_count{mcp_protocol_version="2025-11-25"}')).toBe(
      1,
    );
    expect(
      series.get('mcpulse_server_notifications_received_total{mcp_method_name="notifications/initialized"}'),
    ).toBe(1);
    expect(
      series.get('mcpulse_server_operations_by_client_total{client_name="test-client",outcome="ok"}'),
    ).toBe(7);

    // The record and the log line tell a throw from an isError result.
    const boom = records.find((r) => r.toolName === 'boom')!;
    expect(boom.outcome).toBe('tool_error');
    expect(boom.exception?.type).toBe('TypeError');
    expect(boom.exception?.message).toBe('kaboom');
    expect(boom.exception?.stack).toContain('kaboom');
    const softRecord = records.find((r) => r.toolName === 'soft_fail')!;
    expect(softRecord.outcome).toBe('tool_error');
    expect(softRecord.exception).toBeUndefined();
    expect(softRecord.errorMessage).toBe('upstream 503');
    const unknownRecord = records.find((r) => r.toolName === 'no_such_tool')!;
    expect(unknownRecord).toMatchObject({ outcome: 'error', errorType: '-32602', callerFault: true });

    const boomLine = lines.find((l) => l.tool === 'boom')!;
    expect(boomLine).toMatchObject({
      level: 50,
      method: 'tools/call',
      outcome: 'tool_error',
      error_type: 'tool_error',
      client: 'test-client',
      service: 'mcp-server',
      exception: { type: 'TypeError', message: 'kaboom' },
    });
    const softLine = lines.find((l) => l.tool === 'soft_fail')!;
    expect(softLine).toMatchObject({ level: 40, outcome: 'tool_error', error_message: 'upstream 503' });
    expect(softLine.exception).toBeUndefined();
    const echoLines = lines.filter((l) => l.tool === 'echo');
    expect(echoLines).toHaveLength(3);
    expect(echoLines[0]).toMatchObject({
      level: 30,
      outcome: 'ok',
      protocol_version: V,
      client_version: '9.9.9',
    });
    expect(typeof echoLines[0]!.duration_ms).toBe('number');
    expect(new Set(echoLines.map((l) => l.request_id)).size).toBe(3);
  });

  it('observes a server that is already connected', async () => {
    pulse = quietMcpulse();
    const server = buildServer();
    const client = await connect(server);
    pulse.observe(server);
    await client.callTool({ name: 'echo', arguments: { text: 'late' } });
    await client.close();
    const series = parseExposition(await pulse.registry.metrics());
    expect(
      series.get(key(`${D}_count`, { mcp_method_name: 'tools/call', gen_ai_tool_name: 'echo' })) ??
        series.get(
          key(`${D}_count`, {
            mcp_method_name: 'tools/call',
            gen_ai_tool_name: 'echo',
            mcp_protocol_version: V,
          }),
        ),
    ).toBe(1);
  });
});
