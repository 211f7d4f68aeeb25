/**
 * Where the request context rides when tracing is on but no context manager is registered (OpenTelemetry's
 * no-op one keeps nothing): mcpulse's own AsyncLocalStorage with `context: 'async'`, nowhere by default
 * (then `pulse.context(extra)` reaches it, span included), and spans are still recorded.
 */
import { context, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';

import { requestContext, requestContextCarrier } from '../logging/context.js';
import { quietMcpulse } from '../../test/quiet.js';

const exporter = new InMemorySpanExporter();
// A provider, and deliberately no context manager.
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
afterAll(() => {
  trace.disable();
  context.disable();
});

/** Calls the server's `later` tool once from an in-memory client. */
async function callLater(server: McpServer): Promise<void> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(a);
  await client.callTool({ name: 'later', arguments: {} });
  await client.close();
}

describe('the request context with a tracer provider but no context manager', () => {
  it('stays in mcpulse’s AsyncLocalStorage across awaits and timers, and spans are still recorded', async () => {
    const pulse = quietMcpulse({ context: 'async' });
    const seen: unknown[] = [];
    const server = pulse.observe(new McpServer({ name: 'no-manager', version: '1' }));
    server.registerTool('later', {}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { operation } = requestContext() as { operation?: { toolName?: string; traceId?: string } };
      seen.push(requestContextCarrier(), operation?.toolName, typeof operation?.traceId);
      return { content: [] };
    });
    await callLater(server);
    await pulse.shutdown();
    expect(seen).toEqual(['async-local-storage', 'later', 'string']);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('tools/call later');
  });

  it('by default, pulse.context(extra) still has the span; requestContext() is inactive', async () => {
    const pulse = quietMcpulse();
    const seen: unknown[] = [];
    const server = pulse.observe(new McpServer({ name: 'no-manager', version: '1' }));
    server.registerTool('later', {}, async (extra) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { operation, span } = pulse.context(extra);
      seen.push(
        requestContext().active,
        operation?.toolName,
        typeof span?.spanContext().spanId,
        span?.spanContext().spanId === operation?.spanId,
      );
      return { content: [] };
    });
    await callLater(server);
    await pulse.shutdown();
    expect(seen).toEqual([false, 'later', 'string', true]);
  });
});
