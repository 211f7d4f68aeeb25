/**
 * The outcomes of docs/outcomes.md, each produced by a real SDK client and server:
 * cancelled, connection closed, and server→client requests recorded on the client side.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListRootsRequestSchema,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

import { key, parseExposition } from '../../test/exposition.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { OperationRecord } from './record.js';

let pulse: Mcpulse;
let records: OperationRecord[];
afterEach(() => pulse.shutdown());

function start(): void {
  pulse = quietMcpulse();
  records = [];
  pulse.onOperation((op) => records.push({ ...op }));
}

async function pair(server: McpServer | Server, client: Client): Promise<void> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
}

const D = 'mcp_server_operation_duration_seconds';

describe('operation outcomes', () => {
  it('a request the client cancels is cancelled, not an error', async () => {
    start();
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    server.registerTool('wait', {}, (extra) => {
      started();
      return new Promise((resolve) =>
        extra.signal.addEventListener('abort', () => resolve({ content: [{ type: 'text', text: 'late' }] })),
      );
    });
    const client = new Client({ name: 'c', version: '1' });
    await pair(server, client);
    const abort = new AbortController();
    const call = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: abort.signal });
    await running;
    abort.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();

    const wait = records.find((r) => r.toolName === 'wait')!;
    expect(wait).toMatchObject({
      outcome: 'cancelled',
      errorType: 'cancelled',
      errorMessage: 'user pressed stop',
    });
    const series = parseExposition(await pulse.registry.metrics());
    expect(
      series.get(
        key(`${D}_count`, {
          mcp_method_name: 'tools/call',
          gen_ai_tool_name: 'wait',
          error_type: 'cancelled',
          mcp_protocol_version: '2025-11-25',
        }),
      ),
    ).toBe(1);
    expect(series.get('mcp_server_operations_active{mcp_method_name="tools/call"}')).toBe(0);
  });

  it('a request still in flight when the connection closes is closed (_OTHER)', async () => {
    start();
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    server.registerTool('hang', {}, () => {
      started();
      return new Promise(() => {});
    });
    const client = new Client({ name: 'c', version: '1' });
    await pair(server, client);
    const call = client.callTool({ name: 'hang', arguments: {} });
    await running;
    await client.close();
    await expect(call).rejects.toThrow();

    expect(records.find((r) => r.toolName === 'hang')).toMatchObject({
      outcome: 'closed',
      errorType: '_OTHER',
    });
    const series = parseExposition(await pulse.registry.metrics());
    expect(series.get('mcp_server_operations_active{mcp_method_name="tools/call"}')).toBe(0);
    expect(series.get('mcp_server_sessions_active')).toBe(0);
    expect(series.get('mcp_server_session_duration_seconds_count{mcp_protocol_version="2025-11-25"}')).toBe(
      1,
    );
  });

  it('server→client requests (roots/list) become client-side records', async () => {
    start();
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    server.registerTool('roots', {}, async () => {
      const { roots } = await server.server.listRoots();
      return { content: [{ type: 'text', text: String(roots.length) }] };
    });
    const client = new Client({ name: 'c', version: '1' }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, () => ({
      roots: [{ uri: 'file:///tmp', name: 'tmp' }],
    }));
    await pair(server, client);
    const result = await client.callTool({ name: 'roots', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: '1' }]);
    await client.close();

    expect(records.filter((r) => r.side === 'client').map((r) => [r.method, r.outcome])).toEqual([
      ['roots/list', 'ok'],
    ]);
    const series = parseExposition(await pulse.registry.metrics());
    expect(
      series.get(
        key('mcp_client_operation_duration_seconds_count', {
          mcp_method_name: 'roots/list',
          mcp_protocol_version: '2025-11-25',
        }),
      ),
    ).toBe(1);
  });

  it('a low-level Server: a handler that throws is a JSON-RPC -32603 error; tools listed bound the label', async () => {
    start();
    const server = pulse.observe(new Server({ name: 'low', version: '1' }, { capabilities: { tools: {} } }));
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'explode', inputSchema: { type: 'object' as const } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, () => {
      throw new Error('handler blew up');
    });
    const client = new Client({ name: 'c', version: '1' });
    await pair(server, client);
    await client.listTools();
    await expect(client.callTool({ name: 'explode', arguments: {} })).rejects.toThrow('handler blew up');
    await expect(client.callTool({ name: 'unlisted', arguments: {} })).rejects.toThrow();
    await client.close();

    const series = parseExposition(await pulse.registry.metrics());
    const base = { mcp_method_name: 'tools/call', mcp_protocol_version: '2025-11-25', error_type: '-32603' };
    expect(series.get(key(`${D}_count`, { ...base, gen_ai_tool_name: 'explode' }))).toBe(1);
    expect(series.get(key(`${D}_count`, { ...base, gen_ai_tool_name: '_OTHER' }))).toBe(1);
    expect(records.find((r) => r.toolName === 'explode')).toMatchObject({
      outcome: 'error',
      errorCode: -32603,
      errorMessage: 'handler blew up',
      callerFault: false,
    });
  });
});
