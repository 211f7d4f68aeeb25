/** The logging options of createMcpulse, end to end with a real SDK client. */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { key, parseExposition } from '../../test/exposition.js';
import { logSink } from '../../test/log-sink.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { McpulseOptions } from '../core/options.js';

let pulse: Mcpulse;
afterEach(() => pulse.shutdown());

async function run(options: McpulseOptions, calls: (client: Client) => Promise<void>) {
  const { stream, lines } = logSink();
  pulse = quietMcpulse({ logDestination: stream, ...options });
  const server = pulse.observe(new McpServer({ name: 's', version: '1' }, { capabilities: { logging: {} } }));
  server.registerTool(
    'login',
    { inputSchema: { user: z.string(), password: z.string(), note: z.string() } },
    ({ user }) => ({
      content: [{ type: 'text', text: `welcome ${user}` }],
    }),
  );
  server.registerTool('fail', {}, () => ({ isError: true, content: [{ type: 'text', text: 'nope' }] }));
  server.registerTool('burst', {}, async (extra) => {
    const { clientLog } = pulse.context(extra);
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => clientLog.info(`message ${i}`)));
    return { content: [{ type: 'text', text: sent.map(String).join(',') }] };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(clientTransport);
  await calls(client);
  await client.close();
  return { lines, series: parseExposition(await pulse.registry.metrics()) };
}

describe('logging options', () => {
  it('logPayloads: arguments and results are logged redacted and capped; off by default', async () => {
    const args = { user: 'ada', password: 'hunter2', note: 'x'.repeat(500) };
    const off = await run(
      {},
      async (client) => void (await client.callTool({ name: 'login', arguments: args })),
    );
    const offLine = off.lines.find((l) => l.tool === 'login')!;
    expect(offLine.arguments).toBeUndefined();
    expect(offLine.result).toBeUndefined();
    await pulse.shutdown();

    const on = await run({ logPayloads: { maxBytes: 100 } }, async (client) => {
      await client.callTool({ name: 'login', arguments: args });
    });
    const line = on.lines.find((l) => l.tool === 'login')!;
    const logged = line.arguments as string;
    expect(logged.startsWith('{"user":"ada","password":"[REDACTED]","note":"xxx')).toBe(true);
    expect(logged).toContain('…(truncated');
    expect(line.result).toBe('{"content":[{"type":"text","text":"welcome ada"}]}');
  });

  it('logSampling: successful lines sampled out and counted, failures always logged', async () => {
    const { lines, series } = await run({ logSampling: { successRate: 0 } }, async (client) => {
      for (let i = 0; i < 3; i++)
        await client.callTool({ name: 'login', arguments: { user: 'a', password: 'p', note: '' } });
      await client.callTool({ name: 'fail', arguments: {} });
    });
    const operations = lines.filter((l) => l.outcome !== undefined);
    expect(operations.map((l) => [l.method, l.outcome])).toEqual([['tools/call', 'tool_error']]);
    // initialize and the three calls were sampled out.
    expect(series.get(key('mcpulse_log_lines_sampled_out_total', { outcome: 'ok' }))).toBe(4);
  });

  it('clientLogRate: a burst beyond the bucket is dropped and counted', async () => {
    const { series } = await run({ clientLogRate: 1, logLevel: 'silent' }, async (client) => {
      const result = await client.callTool({ name: 'burst', arguments: {} });
      // Burst capacity is twice the rate: two messages go, three are held back.
      expect(result.content).toEqual([{ type: 'text', text: 'true,true,false,false,false' }]);
    });
    expect(
      series.get(
        key('mcpulse_client_notifications_dropped_total', { kind: 'client_log', reason: 'rate_limited' }),
      ),
    ).toBe(3);
  });
});
