/**
 * `error_type` on client-side records is bounded: a peer's error reply can carry any code, and only
 * known ones become label values.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListRootsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

import { key, parseExposition } from '../../test/exposition.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { OperationRecord } from '../instrument/record.js';
import { errorTypeLabel } from './labels.js';

describe('errorTypeLabel', () => {
  it.each([
    ['tool_error', 'tool_error'],
    ['cancelled', 'cancelled'],
    ['_OTHER', '_OTHER'],
    ['-32700', '-32700'],
    ['-32603', '-32603'],
    ['-32000', '-32000'],
    ['-32002', '-32002'],
    ['-32042', '-32042'],
    ['-32099', '-32099'],
    ['-1', '-1'],
    ['-32100', '_OTHER'],
    ['-31999', '_OTHER'],
    ['0', '_OTHER'],
    ['42', '_OTHER'],
    ['987654321', '_OTHER'],
    ['-032602', '_OTHER'],
    ['-32602.0', '_OTHER'],
    ['1e3', '_OTHER'],
    ['', '_OTHER'],
    ['boom', '_OTHER'],
  ])('%j → %j', (errorType, label) => {
    expect(errorTypeLabel(errorType)).toBe(label);
  });
});

describe('client-side error_type', () => {
  let pulse: Mcpulse;
  afterEach(() => pulse.shutdown());

  it("takes known codes from a peer's error reply and makes any other code _OTHER", async () => {
    pulse = quietMcpulse();
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push(op));
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    server.registerTool('roots', {}, async () => {
      const failures: string[] = [];
      for (let i = 0; i < 4; i++) {
        await server.server.listRoots().catch((error: McpError) => failures.push(String(error.code)));
      }
      return { content: [{ type: 'text', text: failures.join(' ') }] };
    });
    // A hostile client: every roots/list answered with an error code of its choosing.
    const codes = [987_654_321, 123_456_789, -32601, -1];
    const client = new Client({ name: 'hostile', version: '1' }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, () => {
      throw new McpError(codes.shift()!, 'no roots for you');
    });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    const result = await client.callTool({ name: 'roots', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: '987654321 123456789 -32601 -1' }]);
    await client.close();

    // The records keep what the peer sent; the label does not.
    expect(records.filter((r) => r.side === 'client').map((r) => r.errorType)).toEqual([
      '987654321',
      '123456789',
      '-32601',
      '-1',
    ]);
    const series = parseExposition(await pulse.registry.metrics());
    const count = (errorType: string) =>
      key('mcp_client_operation_duration_seconds_count', {
        mcp_method_name: 'roots/list',
        error_type: errorType,
        mcp_protocol_version: '2025-11-25',
      });
    const clientCounts = [...series].filter(([name]) =>
      name.startsWith('mcp_client_operation_duration_seconds_count{'),
    );
    expect(new Map(clientCounts)).toEqual(
      new Map([
        [count('_OTHER'), 2],
        [count('-32601'), 1],
        [count('-1'), 1],
      ]),
    );
  });
});
