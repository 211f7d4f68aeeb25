/**
 * The request context inside real SDK handlers, reached both ways: explicitly with `pulse.context(extra)`
 * (the default, no AsyncLocalStorage) and implicitly with `requestContext()` (`context: 'async'`). Ids
 * bound to the right request under concurrency, client logging under both protocol eras' level rules,
 * and progress.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Client as ClientV2, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMcpHandler, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { logSink } from '../../test/log-sink.js';
import { key, parseExposition } from '../../test/exposition.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { McpulseOptions } from '../core/options.js';
import { MCP_LOG_LEVELS, requestContext, type RequestContext } from './context.js';

let pulse: Mcpulse;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await pulse.shutdown();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(server: McpServer, client: Client): Promise<void> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
}

type Mode = 'explicit' | 'async';

/**
 * How a handler reaches its context in each mode: through `extra`, or through AsyncLocalStorage from
 * anywhere below it (the function returned is called again in timers and nested calls). In async mode
 * both ways must give the same context; in explicit mode no AsyncLocalStorage is entered.
 */
function reach(mode: Mode, extra: unknown): () => RequestContext {
  const explicit = pulse.context(extra);
  expect(explicit.active).toBe(true);
  if (mode === 'explicit') {
    expect(requestContext().active).toBe(false);
    return () => explicit;
  }
  expect(requestContext()).toBe(explicit);
  return () => requestContext();
}

function quiet(mode: Mode, options: McpulseOptions = {}): Mcpulse {
  return quietMcpulse({ ...options, ...(mode === 'async' && { context: 'async' as const }) });
}

function emitAllLevels(server: McpServer, mode: Mode): void {
  server.registerTool('chatty', {}, async (extra) => {
    const { clientLog } = reach(mode, extra)();
    const sent: boolean[] = [];
    for (const level of MCP_LOG_LEVELS)
      sent.push(await clientLog[level]({ level, password: 'hunter2' }, 'chatty'));
    return { content: [{ type: 'text' as const, text: sent.map(String).join(',') }] };
  });
}

describe.each(['explicit', 'async'] as const)('the request context, %s', (mode) => {
  it('binds every log line to its own request among 200 concurrent ones', async () => {
    const { stream, lines } = logSink();
    pulse = quiet(mode, { logDestination: stream });
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    server.registerTool('work', { inputSchema: { n: z.number() } }, async ({ n }, extra) => {
      const here = reach(mode, extra);
      const { log, operation } = here();
      log.info({ n, step: 'start' }, 'working');
      await sleep(n % 7);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          here().log.info({ n, step: 'timer' }, 'in a timer');
          resolve();
        }, n % 3),
      );
      await Promise.all([
        sleep(1),
        (async () => {
          await Promise.resolve();
          here().log.info({ n, step: 'nested' }, 'nested');
        })(),
      ]);
      setImmediate(() => here().log.info({ n, step: 'immediate' }, 'after'));
      return { content: [{ type: 'text', text: operation!.requestId }] };
    });
    const client = new Client({ name: 'c', version: '1' });
    await connect(server, client);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) => client.callTool({ name: 'work', arguments: { n } })),
    );
    await sleep(20);
    await client.close();

    const requestIdOf = results.map((r) => (r.content as { text: string }[])[0]!.text);
    expect(new Set(requestIdOf).size).toBe(200);
    const contextLines = lines.filter((l) => typeof l.step === 'string');
    expect(contextLines).toHaveLength(800);
    for (const line of contextLines) {
      expect(line.request_id).toBe(requestIdOf[line.n as number]);
      expect(line).toMatchObject({ method: 'tools/call', tool: 'work', client: 'c' });
    }
    expect(requestContext().active).toBe(false);
    expect(pulse.context({ requestId: 1 }).active).toBe(false);
  });

  it('2025-11-25: the client gets messages at or above the level it set, in order, redacted', async () => {
    pulse = quiet(mode);
    const server = pulse.observe(
      new McpServer({ name: 's', version: '1' }, { capabilities: { logging: {} } }),
    );
    emitAllLevels(server, mode);
    const client = new Client({ name: 'c', version: '1' });
    const received: { level: string; logger?: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params));
    await connect(server, client);

    // No logging/setLevel yet: the default (info) applies.
    const first = await client.callTool({ name: 'chatty', arguments: {} });
    expect((first.content as { text: string }[])[0]!.text).toBe('false,true,true,true,true,true,true,true');
    received.length = 0;
    await client.setLoggingLevel('error');
    const second = await client.callTool({ name: 'chatty', arguments: {} });
    expect((second.content as { text: string }[])[0]!.text).toBe(
      'false,false,false,false,true,true,true,true',
    );
    expect(received).toEqual(
      ['error', 'critical', 'alert', 'emergency'].map((level) => ({
        level,
        logger: 'chatty',
        data: { level, password: '[REDACTED]' },
      })),
    );
    await client.close();
  });

  it('sends nothing when the server does not declare the logging capability', async () => {
    pulse = quiet(mode);
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    emitAllLevels(server, mode);
    const client = new Client({ name: 'c', version: '1' });
    const received: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params));
    await connect(server, client);
    const result = await client.callTool({ name: 'chatty', arguments: {} });
    expect((result.content as { text: string }[])[0]!.text).toBe(MCP_LOG_LEVELS.map(() => 'false').join(','));
    expect(received).toEqual([]);
    await client.close();
  });

  it('2026-07-28 (SDK v2): only requests that carry a log level get messages, on their own stream', async () => {
    pulse = quiet(mode);
    const handler = createMcpHandler(() => {
      const server = new McpServerV2({ name: 'v2', version: '1' }, { capabilities: { logging: {} } });
      emitAllLevels(server as unknown as McpServer, mode);
      return pulse.observe(server);
    });
    cleanups.push(() => handler.close());
    const nodeHandler = toNodeHandler(handler);
    const http: HttpServer = createServer((req, res) => void nodeHandler(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    cleanups.push(() => http.closeAllConnections());
    const client = new ClientV2(
      { name: 'm', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const received: { level: string }[] = [];
    client.setNotificationHandler(
      'notifications/message',
      (n) => void received.push(n.params as { level: string }),
    );
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`),
      ),
    );

    const silent = await client.callTool({ name: 'chatty', arguments: {} });
    expect((silent.content as { text: string }[])[0]!.text).toBe(MCP_LOG_LEVELS.map(() => 'false').join(','));
    expect(received).toEqual([]);

    const loud = await client.callTool({
      name: 'chatty',
      arguments: {},
      _meta: { 'io.modelcontextprotocol/logLevel': 'warning' },
    });
    expect((loud.content as { text: string }[])[0]!.text).toBe('false,false,false,true,true,true,true,true');
    expect(received.map((m) => m.level)).toEqual(['warning', 'error', 'critical', 'alert', 'emergency']);
    await client.close();
  });

  it('progress: only with a token, increasing, at most 10/s, the last value before the reply', async () => {
    pulse = quiet(mode);
    const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
    server.registerTool('steps', {}, async (extra) => {
      const { progress } = reach(mode, extra)();
      for (let i = 1; i <= 50; i++) {
        await progress(i, 50, `step ${i}`);
        if (i === 10) await progress(5, 50, 'backwards');
        await sleep(5);
      }
      // A value reported after the reply must never reach the wire.
      setTimeout(() => void progress(51, 50, 'too late'), 10);
      return { content: [{ type: 'text', text: 'done' }] };
    });
    const client = new Client({ name: 'c', version: '1' });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    // What arrives on the wire, in order (the SDK client handles notifications a microtask later than
    // replies, so the last progress value, sent just before the reply, is visible here rather than in onprogress).
    const wire: {
      method?: string;
      params?: { progressToken: number; progress: number; total?: number; message?: string };
      at: number;
    }[] = [];
    const start = performance.now();
    const deliver = clientTransport.onmessage!;
    clientTransport.onmessage = (message, extra) => {
      wire.push({ ...(message as object), at: performance.now() - start });
      deliver(message, extra);
    };
    const result = await client.callTool({ name: 'steps', arguments: {} }, undefined, {
      onprogress: () => {},
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    const progress = wire.filter((m) => m.method === 'notifications/progress');
    const values = progress.map((m) => m.params!.progress);
    expect(values[0]).toBe(1);
    expect(values.at(-1)).toBe(50);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    // 50 steps over ≥ 250 ms: coalesced to at most one per 100 ms, plus the final value.
    expect(values.length).toBeLessThan(10);
    for (let i = 1; i < progress.length - 1; i++)
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(90);
    const token = progress[0]!.params!.progressToken;
    expect(progress.at(-1)!.params).toEqual({
      progressToken: token,
      progress: 50,
      total: 50,
      message: 'step 50',
    });
    // The final value precedes the reply on the wire.
    expect(wire.indexOf(progress.at(-1)!)).toBe(wire.length - 2);
    expect(wire.at(-1)).toMatchObject({ id: token, result: { content: [{ type: 'text', text: 'done' }] } });

    // Without a progress token nothing is sent; the backwards value was counted as dropped.
    const before = wire.length;
    const plain = await client.callTool({ name: 'steps', arguments: {} });
    expect(plain.content).toEqual([{ type: 'text', text: 'done' }]);
    await sleep(30);
    expect(wire.slice(before).map((m) => m.method ?? 'reply')).toEqual(['reply']);
    expect(wire.filter((m) => m.params?.progress === 51)).toEqual([]);
    await client.close();
    const series = parseExposition(await pulse.registry.metrics());
    expect(
      series.get(
        key('mcpulse_client_notifications_dropped_total', { kind: 'progress', reason: 'not_increasing' }),
      ),
    ).toBe(1);
  });
});
