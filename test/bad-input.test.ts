/**
 * Hostile and malformed input: the server keeps serving, the exposition stays valid, and nothing is
 * thrown out of mcpulse.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createMcpulse, type Mcpulse } from '../src/index.js';
import { hasBinary } from './binaries.js';
import { key, parseExposition } from './exposition.js';
import { buildV1 } from './fixtures/servers.js';
import { promtoolCheckMetrics } from './promtool.js';
import { quietMcpulse } from './quiet.js';

const D = 'mcp_server_operation_duration_seconds';
const HOSTILE = 'quote" back\\slash\nnewline ☃ \u2028 é';
let pulse: Mcpulse | undefined;
afterEach(async () => {
  await pulse?.shutdown();
  pulse = undefined;
});

function newPulse(): Mcpulse {
  pulse = quietMcpulse();
  return pulse;
}

describe('bad input', () => {
  it('survives garbage messages on the transport and keeps serving', async () => {
    const p = newPulse();
    const server = p.observe(buildV1((extra) => p.context(extra)));
    server.registerTool(HOSTILE, {}, () => ({ content: [{ type: 'text', text: 'ok' }] }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: `client ${HOSTILE}`, version: '1' });
    await client.connect(clientTransport);

    // Messages no SDK would send: mcpulse must not throw whatever arrives.
    const garbage: unknown[] = [
      null,
      42,
      'text',
      [],
      [{ jsonrpc: '2.0', id: 1, method: 'ping' }],
      { jsonrpc: '2.0' },
      { jsonrpc: '2.0', id: {}, method: 'tools/call' },
      { jsonrpc: '2.0', id: 99, method: 12 },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: { nested: true } } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: null },
      { jsonrpc: '2.0', id: 7, result: { tools: 'not-a-list' } },
      { jsonrpc: '2.0', id: 8, error: 'not-an-object' },
    ];
    const deliver = serverTransport.onmessage!;
    for (const message of garbage) expect(() => deliver(message as never)).not.toThrow();

    // Unknown methods, a hostile unknown tool name, a registered hostile name, and a 5 MB argument.
    await expect(client.request({ method: `x/${HOSTILE}`, params: {} }, z.object({}))).rejects.toThrow();
    const unknown = await client.callTool({ name: HOSTILE.repeat(3), arguments: {} });
    expect(unknown.isError).toBe(true);
    const hostile = await client.callTool({ name: HOSTILE, arguments: {} });
    expect(hostile.content).toEqual([{ type: 'text', text: 'ok' }]);
    const big = 'x'.repeat(5 * 1024 * 1024);
    const sized = await client.callTool({ name: 'size', arguments: { blob: big } });
    expect(sized.content).toEqual([{ type: 'text', text: String(big.length) }]);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'still here' }]);
    await client.close();

    const exposition = await p.registry.metrics();
    const series = parseExposition(exposition);
    const v = { mcp_protocol_version: '2025-11-25', mcp_method_name: 'tools/call' };
    expect(series.get(key(`${D}_count`, { ...v, gen_ai_tool_name: HOSTILE }))).toBe(1);
    expect(series.get(key(`${D}_count`, { ...v, gen_ai_tool_name: '_OTHER', error_type: '-32602' }))).toBe(1);
    expect(series.get(key(`${D}_count`, { ...v, gen_ai_tool_name: 'size' }))).toBe(1);
    expect(series.get(key(`${D}_count`, { ...v, mcp_method_name: '_OTHER', error_type: '-32601' }))).toBe(1);
    // The 5 MB request landed in the 4–16 MiB size bucket, not below it.
    expect(
      series.get(
        key('mcpulse_server_request_size_bytes_bucket', {
          mcp_method_name: 'tools/call',
          gen_ai_tool_name: 'size',
          le: '4194304',
        }),
      ),
    ).toBe(0);
    expect(
      series.get(
        key('mcpulse_server_request_size_bytes_bucket', {
          mcp_method_name: 'tools/call',
          gen_ai_tool_name: 'size',
          le: '16777216',
        }),
      ),
    ).toBe(1);
    expect(series.get(key('mcpulse_internal_errors_total'))).toBeUndefined();
    if (hasBinary('promtool')) {
      const check = promtoolCheckMetrics(exposition);
      expect(check.output).toBe('');
      expect(check.status).toBe(0);
    }
  });

  it('a failing listener is counted and logged, never thrown into the request path', async () => {
    const p = newPulse();
    p.onOperation(() => {
      throw new Error('broken sink');
    });
    const server = p.observe(buildV1((extra) => p.context(extra)));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(clientTransport);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'fine' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'fine' }]);
    await client.close();
    const series = parseExposition(await p.registry.metrics());
    // initialize and tools/call each reached the broken listener once.
    expect(series.get(key('mcpulse_internal_errors_total', { where: 'listener' }))).toBe(2);
  });

  it('validates options up front with messages naming the bad value', () => {
    expect(() => createMcpulse({ monitoring: { port: 70000 } })).toThrow(
      'mcpulse: monitoring.port must be an integer from 0 to 65535, got 70000',
    );
    expect(() => createMcpulse({ logLevel: 'loud' as never })).toThrow(
      'mcpulse: logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(() => createMcpulse({ logDestination: 1 })).toThrow(
      'mcpulse: logDestination 1 (stdout) would corrupt the stdio transport; use 2 (stderr) or a file',
    );
    expect(() => createMcpulse({ servce: 'typo' } as never)).toThrow('mcpulse: unknown option "servce"');
    expect(() => createMcpulse({ service: '' })).toThrow(
      'mcpulse: service must be a non-empty string of at most 256 characters, got ""',
    );
    const p = newPulse();
    expect(() => p.observe({ not: 'a server' })).toThrow(
      'mcpulse: observe() needs an MCP server (McpServer or Server from @modelcontextprotocol/sdk or @modelcontextprotocol/server, or a FastMCP), got Object',
    );
    expect(() =>
      p.observe(
        buildV1((extra) => p.context(extra)),
        { networkTransport: 'udp' as never },
      ),
    ).toThrow('mcpulse: networkTransport must be "pipe" or "tcp", got "udp"');
  });
});

describe('business metrics', () => {
  it('live on the same registry and reach /metrics', async () => {
    const p = createMcpulse({
      monitoring: { port: 0 },
      hostMetrics: false,
      processMetrics: false,
      logLevel: 'silent',
    });
    pulse = p;
    const orders = p.metrics.counter({
      name: 'business_orders_total',
      help: 'Orders placed.',
      labelNames: ['plan'],
    });
    const queue = p.metrics.gauge({ name: 'business_queue_depth', help: 'Jobs waiting.' });
    const basket = p.metrics.histogram({
      name: 'business_basket_value_euros',
      help: 'Basket value.',
      buckets: [10, 100],
    });
    orders.inc({ plan: 'pro' }, 2);
    queue.set(7);
    basket.observe(42);
    const body = await (await fetch(`${(await p.monitoring)!.url}/metrics`)).text();
    const series = parseExposition(body);
    expect(series.get(key('business_orders_total', { plan: 'pro' }))).toBe(2);
    expect(series.get('business_queue_depth')).toBe(7);
    expect(series.get(key('business_basket_value_euros_bucket', { le: '100' }))).toBe(1);
    expect(() => p.metrics.counter({ name: 'business_orders_total', help: 'again' })).toThrow(
      'A metric with the name business_orders_total has already been registered.',
    );
  });
});
