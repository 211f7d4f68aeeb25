/**
 * Notifications are counted on the side that received them: what a server got from its clients, and
 * what an observed client got from its server, even when one instance observes both (as the demo does).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';

import { parseExposition } from '../../test/exposition.js';
import { quietMcpulse } from '../../test/quiet.js';

it('counts a server’s and an observed client’s notifications in their own families', async () => {
  const pulse = quietMcpulse();
  const server = pulse.observe(new McpServer({ name: 's', version: '1' }, { capabilities: { logging: {} } }));
  server.registerTool('chatty', {}, async (extra) => {
    const { clientLog } = pulse.context(extra);
    await clientLog.info('one');
    await clientLog.warning('two');
    return { content: [] };
  });
  const client = pulse.observeClient(new Client({ name: 'c', version: '1' }));
  const received: string[] = [];
  client.setNotificationHandler(
    LoggingMessageNotificationSchema,
    (n) => void received.push(String(n.params.data)),
  );
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  await client.callTool({ name: 'chatty', arguments: {} });
  await client.close();
  const series = parseExposition(await pulse.registry.metrics());
  await pulse.shutdown();

  expect(received).toEqual(['one', 'two']);
  const family = (name: string) =>
    [...series].filter(([key]) => key.startsWith(`${name}{`)).map(([key, value]) => `${key} ${value}`);
  // The client sent one notification (initialized); the server sent it two log messages.
  expect(family('mcpulse_server_notifications_received_total')).toEqual([
    'mcpulse_server_notifications_received_total{mcp_method_name="notifications/initialized"} 1',
  ]);
  expect(family('mcpulse_client_notifications_received_total')).toEqual([
    'mcpulse_client_notifications_received_total{mcp_method_name="notifications/message"} 2',
  ]);
});
