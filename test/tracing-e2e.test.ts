/**
 * End to end: a client process and a server process over Streamable HTTP, both observed, both
 * exporting over OTLP/HTTP (protobuf) to a receiver started here. The server span's parent is the
 * client span, and the span the tool opens is a child of the server span.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { startOtlpReceiver } from './otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;

describe('tracing end to end', () => {
  it('client span → server span → user span, across two processes', async () => {
    const receiver = await startOtlpReceiver();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    const server = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/traced-server.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    try {
      const url = await new Promise<string>((resolve) =>
        createInterface({ input: server.stdout }).once('line', resolve),
      );
      const client = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/traced-client.ts', url], {
        stdio: 'inherit',
        env,
      });
      expect(await new Promise((resolve) => client.once('exit', resolve))).toBe(0);
      server.kill('SIGTERM');
      expect(await new Promise((resolve) => server.once('exit', resolve))).toBe(0);

      const spans = await receiver.waitFor(
        (all) =>
          all.some((s) => s.name === 'user work') &&
          all.filter((s) => s.name === 'tools/call work').length === 2,
        5000,
      );
      const clientSpan = spans.find((s) => s.name === 'tools/call work' && s.kind === CLIENT)!;
      const serverSpan = spans.find((s) => s.name === 'tools/call work' && s.kind === SERVER)!;
      const userSpan = spans.find((s) => s.name === 'user work')!;
      expect(clientSpan.resource['service.name']).toBe('traced-client');
      expect(serverSpan.resource['service.name']).toBe('traced-server');
      expect(serverSpan.traceId).toBe(clientSpan.traceId);
      expect(serverSpan.parentSpanId).toBe(clientSpan.spanId);
      expect(userSpan.parentSpanId).toBe(serverSpan.spanId);
      expect(serverSpan.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'work',
        'gen_ai.operation.name': 'execute_tool',
        'network.transport': 'tcp',
        'mcp.protocol.version': '2025-11-25',
        'client.address': '127.0.0.1',
      });
      expect(serverSpan.attributes['client.port']).toBeGreaterThan(0);
      expect(typeof serverSpan.attributes['mcp.session.id']).toBe('string');
    } finally {
      server.kill('SIGKILL');
      await receiver.close();
    }
  });
});

describe('tracing over stdio', () => {
  it.each(['v1', 'v2'] as const)(
    'SDK %s: SERVER spans with pipe transport, parented from _meta',
    async (line) => {
      const receiver = await startOtlpReceiver();
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stdio-server.ts', line], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      });
      // Drained, or the child's log writes would back up (its shutdown would then drop them).
      child.stderr.resume();
      try {
        const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
        const { PipeTransport } = await import('./pipe-transport.js');
        const client = new Client({ name: 'stdio-tracer', version: '1' });
        await client.connect(new PipeTransport(child));
        const traceId = '0af7651916cd43dd8448eb211c80319c';
        const parent = 'b7ad6b7169203331';
        const _meta = { traceparent: `00-${traceId}-${parent}-01` };
        await client.callTool({ name: 'echo', arguments: { text: 'x' }, _meta });
        await client.callTool({ name: 'boom', arguments: {}, _meta });
        await client.close();
        expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
        const spans = await receiver.waitFor(
          (all) => all.filter((s) => s.name.startsWith('tools/call')).length === 2,
          5000,
        );
        const echo = spans.find((s) => s.name === 'tools/call echo')!;
        const boom = spans.find((s) => s.name === 'tools/call boom')!;
        for (const span of [echo, boom]) {
          expect(span.kind).toBe(SERVER);
          expect(span.traceId).toBe(traceId);
          expect(span.parentSpanId).toBe(parent);
          expect(span.attributes).toMatchObject({
            'mcp.method.name': 'tools/call',
            'network.transport': 'pipe',
            'mcp.protocol.version': '2025-11-25',
            'gen_ai.operation.name': 'execute_tool',
          });
        }
        // stdio has no session id (the transport has none), in either protocol era.
        expect(echo.attributes['mcp.session.id']).toBeUndefined();
        expect(echo.status.code).toBe(0);
        expect(boom.status).toMatchObject({ code: 2, message: 'kaboom' });
        expect(boom.attributes['error.type']).toBe('tool_error');
        expect(boom.events.map((e) => e.name)).toEqual(['exception']);
      } finally {
        child.kill('SIGKILL');
        await receiver.close();
      }
    },
  );
});
