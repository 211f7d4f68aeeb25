import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';

import { key, parseExposition, seriesOf } from '../../test/exposition.js';
import { buildV2 } from '../../test/fixtures/servers.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { OperationRecord } from './record.js';

let pulse: Mcpulse;
afterEach(() => pulse.shutdown());

const D = 'mcp_server_operation_duration_seconds';

describe('observe() with SDK v2 over the in-memory transport', () => {
  it('counts exactly, keeps thrown exceptions, and records an unknown tool as -32602', async () => {
    pulse = quietMcpulse();
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push({ ...op }));
    const server = pulse.observe(buildV2((extra) => pulse.context(extra)));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: 'v2-client', version: '2.0.0' });
    await client.connect(clientTransport);

    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.callTool({ name: 'echo', arguments: { text: 'b' } });
    expect((await client.callTool({ name: 'boom', arguments: {} })).isError).toBe(true);
    expect((await client.callTool({ name: 'soft_fail', arguments: {} })).isError).toBe(true);
    await expect(client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow(
      'Tool missing not found',
    );
    await client.close();

    const series = parseExposition(await pulse.registry.metrics());
    const v = { mcp_protocol_version: '2025-11-25' };
    const call = { ...v, mcp_method_name: 'tools/call' };
    expect(seriesOf(series, `${D}_count`)).toEqual({
      [key(`${D}_count`, { ...v, mcp_method_name: 'initialize' })]: 1,
      [key(`${D}_count`, { ...call, gen_ai_tool_name: 'echo' })]: 2,
      [key(`${D}_count`, { ...call, gen_ai_tool_name: 'boom', error_type: 'tool_error' })]: 1,
      [key(`${D}_count`, { ...call, gen_ai_tool_name: 'soft_fail', error_type: 'tool_error' })]: 1,
      [key(`${D}_count`, { ...call, gen_ai_tool_name: '_OTHER', error_type: '-32602' })]: 1,
    });
    expect(records.find((r) => r.toolName === 'boom')?.exception).toMatchObject({
      type: 'TypeError',
      message: 'kaboom',
    });
    expect(records.find((r) => r.toolName === 'soft_fail')?.exception).toBeUndefined();
    expect(records.find((r) => r.toolName === 'missing')).toMatchObject({
      outcome: 'error',
      errorCode: -32602,
      callerFault: true,
      clientName: 'v2-client',
    });
  });
});
