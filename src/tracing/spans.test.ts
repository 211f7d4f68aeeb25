/**
 * Attribute-exact spans (in-memory exporter) with real SDK clients: success, isError, thrown, invalid
 * params, unknown method, cancellation; the caller's trace continued from params._meta; server→client
 * CLIENT spans carried in _meta; log lines carrying trace and span ids.
 */
import type { Writable } from 'node:stream';

import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTransport as InMemoryV2, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { logSink } from '../../test/log-sink.js';
import { quietMcpulse } from '../../test/quiet.js';
import { createMcpulse, type Mcpulse } from '../core/mcpulse.js';
import type { OperationRecord } from '../instrument/record.js';
import { requestContext, requestContextCarrier } from '../logging/context.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(() => provider.shutdown());

let pulse: Mcpulse;
afterEach(async () => {
  await pulse.shutdown();
  exporter.reset();
});

async function setup(logStream?: Writable) {
  pulse = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    handleSignals: false,
    ...(logStream ? { logDestination: logStream } : { logLevel: 'silent' as const }),
    tracing: { captureContent: { maxBytes: 200 } },
  });
  const server = pulse.observe(new McpServer({ name: 's', version: '1' }));
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => {
    trace.getTracer('user').startActiveSpan('user work', (span) => span.end());
    requestContext().log.info('inside echo');
    return { content: [{ type: 'text', text }] };
  });
  server.registerTool('soft_fail', {}, () => ({
    isError: true,
    content: [{ type: 'text', text: 'upstream 503' }],
  }));
  server.registerTool('boom', {}, () => {
    throw new TypeError('kaboom');
  });
  server.registerTool(
    'wait',
    {},
    (extra) =>
      new Promise((resolve) => extra.signal.addEventListener('abort', () => resolve({ content: [] }))),
  );
  server.registerTool('roots', {}, async () => {
    const { roots } = await server.server.listRoots();
    return { content: [{ type: 'text', text: String(roots.length) }] };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'c', version: '1' }, { capabilities: { roots: {} } });
  client.setRequestHandler(ListRootsRequestSchema, (request) => {
    seenMeta.push(request.params?._meta);
    return { roots: [] };
  });
  await client.connect(clientTransport);
  return client;
}
const seenMeta: unknown[] = [];

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('server spans', () => {
  it('follow the MCP conventions for success, isError, thrown, invalid params and unknown methods', async () => {
    const { stream, lines } = logSink();
    const client = await setup(stream);
    await client.callTool({ name: 'echo', arguments: { text: 'hi', password: 'x' } });
    await client.callTool({ name: 'soft_fail', arguments: {} });
    await client.callTool({ name: 'boom', arguments: {} });
    await client.callTool({ name: 'echo', arguments: { text: 42 } });
    await expect(client.request({ method: 'nope/nope', params: {} }, z.object({}))).rejects.toThrow();
    await client.close();

    const [echo, invalid] = spansNamed('tools/call echo');
    expect(echo!.kind).toBe(SpanKind.SERVER);
    expect(echo!.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'mcp.protocol.version': '2025-11-25',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '1',
      'gen_ai.tool.call.arguments': '{"text":"hi","password":"[REDACTED]"}',
      'gen_ai.tool.call.result': '{"content":[{"type":"text","text":"hi"}]}',
    });
    expect(echo!.status.code).toBe(SpanStatusCode.UNSET);
    // The user's span inside the tool is a child of the server span; the handler's log line carries its ids.
    const user = spansNamed('user work')[0]!;
    expect(user.parentSpanContext?.spanId).toBe(echo!.spanContext().spanId);
    expect(user.spanContext().traceId).toBe(echo!.spanContext().traceId);
    const inside = lines.find((l) => l.msg === 'inside echo')!;
    expect(inside).toMatchObject({
      trace_id: echo!.spanContext().traceId,
      span_id: echo!.spanContext().spanId,
    });
    const opLine = lines.find((l) => l.tool === 'echo' && l.outcome === 'ok')!;
    expect(opLine.trace_id).toBe(echo!.spanContext().traceId);

    const soft = spansNamed('tools/call soft_fail')[0]!;
    expect(soft.attributes['error.type']).toBe('tool_error');
    expect(soft.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream 503' });

    const boom = spansNamed('tools/call boom')[0]!;
    expect(boom.status).toEqual({ code: SpanStatusCode.ERROR, message: 'kaboom' });
    expect(
      boom.events.map((e) => [e.name, e.attributes?.['exception.type'], e.attributes?.['exception.message']]),
    ).toEqual([['exception', 'TypeError', 'kaboom']]);

    // SDK v1 answers invalid arguments with an isError result: tool_error, as the record says.
    expect(invalid!.attributes['error.type']).toBe('tool_error');

    const unknown = exporter.getFinishedSpans().find((s) => s.attributes['mcp.method.name'] === 'nope/nope')!;
    expect(unknown.name).toBe('nope/nope');
    expect(unknown.attributes['rpc.response.status_code']).toBe('-32601');
    expect(unknown.attributes['error.type']).toBe('-32601');
    // The caller's mistake is not a server error.
    expect(unknown.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a cancelled request: cancelled, status unset', async () => {
    const client = await setup();
    const abort = new AbortController();
    const call = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort('stop');
    await expect(call).rejects.toThrow();
    await client.close();
    const wait = spansNamed('tools/call wait')[0]!;
    expect(wait.attributes['error.type']).toBe('cancelled');
    expect(wait.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("continues the caller's trace from params._meta, and carries its own to server→client requests", async () => {
    const client = await setup();
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push({ ...op }));
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    await client.callTool({
      name: 'roots',
      arguments: {},
      _meta: { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: 'rojo=00f067aa0ba902b7' },
    });
    await client.close();
    const server = spansNamed('tools/call roots')[0]!;
    expect(server.spanContext().traceId).toBe(callerTrace);
    expect(server.parentSpanContext?.spanId).toBe(callerSpan);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    const roots = spansNamed('roots/list')[0]!;
    expect(roots.kind).toBe(SpanKind.CLIENT);
    expect(roots.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(roots.spanContext().traceId).toBe(callerTrace);
    // The client received our CLIENT span's context in _meta.
    const meta = seenMeta.at(-1) as { traceparent: string };
    expect(meta.traceparent).toBe(`00-${callerTrace}-${roots.spanContext().spanId}-01`);
    // Its size is that of the message as sent, trace context included (key order does not change it).
    const sent = records.find((r) => r.side === 'client')!;
    expect(sent.requestBytes).toBe(
      Buffer.byteLength(
        JSON.stringify({ method: 'roots/list', jsonrpc: '2.0', id: sent.jsonrpcId, params: { _meta: meta } }),
      ),
    );
  });
});

describe('the request context with tracing on', () => {
  it('rides in the OpenTelemetry context (no AsyncLocalStorage of its own) and survives awaits and timers', async () => {
    const client = await setup();
    const seen: unknown[] = [];
    const mcp = pulse.observe(new McpServer({ name: 'carrier', version: '1' }));
    mcp.registerTool('later', {}, async (extra) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.resolve();
      const implicit = requestContext();
      const operation = implicit.operation as { toolName?: string; traceId?: string; spanId?: string };
      const active = trace.getSpanContext(context.active());
      seen.push(requestContextCarrier(), operation?.toolName, operation?.traceId === active?.traceId);
      // The explicit way reaches the same context, and its span is the operation's SERVER span.
      const explicit = pulse.context(extra);
      seen.push(
        explicit === implicit,
        typeof operation.spanId,
        explicit.span?.spanContext().spanId === operation.spanId,
      );
      return { content: [] };
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b);
    const other = new Client({ name: 'c2', version: '1' });
    await other.connect(a);
    await other.callTool({ name: 'later', arguments: {} });
    expect(seen).toEqual(['opentelemetry', 'later', true, true, 'string', true]);
    expect(requestContextCarrier()).toBeUndefined();
    await client.close();
    await other.close();
  });
});

describe('observeClient', () => {
  it('gives CLIENT spans that parent the server spans through _meta', async () => {
    const client = await setup();
    await client.close();
    exporter.reset();
    const observed = pulse.observeClient(new Client({ name: 'traced', version: '1' }));
    const server = pulse.observe(new McpServer({ name: 's2', version: '1' }));
    server.registerTool('ping_tool', {}, () => ({ content: [] }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await observed.connect(clientTransport);
    await observed.callTool({ name: 'ping_tool', arguments: {} });
    await observed.close();
    const [clientSpan, serverSpan] = [
      exporter
        .getFinishedSpans()
        .find((s) => s.name === 'tools/call ping_tool' && s.kind === SpanKind.CLIENT)!,
      exporter
        .getFinishedSpans()
        .find((s) => s.name === 'tools/call ping_tool' && s.kind === SpanKind.SERVER)!,
    ];
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(clientSpan.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'ping_tool',
    });
  });
});

describe('exemplars', () => {
  it('duration buckets carry trace_id exemplars in OpenMetrics, none in the text format', async () => {
    const client = await setup();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.close();
    const echo = spansNamed('tools/call echo')[0]!;
    const { renderMetrics } = await import('../metrics/render.js');
    const om = (await renderMetrics(pulse.registry, 'openmetrics')).body;
    const bucket = om
      .split('\n')
      .find(
        (l) =>
          l.startsWith('mcp_server_operation_duration_seconds_bucket{') &&
          l.includes('gen_ai_tool_name="echo"') &&
          l.includes(' # {'),
      );
    expect(bucket).toContain(
      `# {trace_id="${echo.spanContext().traceId}",span_id="${echo.spanContext().spanId}"}`,
    );
    const text = (await renderMetrics(pulse.registry, 'prometheus')).body;
    expect(text).not.toContain('trace_id=');
  });
});

describe('server spans, SDK v2', () => {
  it('carry the same attributes for success, isError, thrown and an unknown tool (-32602)', async () => {
    pulse = quietMcpulse();
    const server = pulse.observe(new McpServerV2({ name: 'v2', version: '1' }));
    server.registerTool('ok_tool', { inputSchema: z.object({}) }, () => ({ content: [] }));
    server.registerTool('soft', { inputSchema: z.object({}) }, () => ({
      isError: true,
      content: [{ type: 'text' as const, text: 'no' }],
    }));
    server.registerTool('boom', { inputSchema: z.object({}) }, () => {
      throw new RangeError('v2 boom');
    });
    const [clientTransport, serverTransport] = InMemoryV2.createLinkedPair();
    await server.connect(serverTransport);
    const client = new ClientV2({ name: 'c2', version: '1' });
    await client.connect(clientTransport);
    await client.callTool({ name: 'ok_tool', arguments: {} });
    await client.callTool({ name: 'soft', arguments: {} });
    await client.callTool({ name: 'boom', arguments: {} });
    await expect(client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow();
    await client.close();
    expect(spansNamed('tools/call ok_tool')[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(spansNamed('tools/call soft')[0]!.attributes['error.type']).toBe('tool_error');
    const boom = spansNamed('tools/call boom')[0]!;
    expect(boom.status).toEqual({ code: SpanStatusCode.ERROR, message: 'v2 boom' });
    expect(boom.events[0]?.attributes?.['exception.type']).toBe('RangeError');
    // An unregistered tool is no span-name target; -32602 is the caller's fault: status unset.
    const missing = exporter.getFinishedSpans().find((s) => s.attributes['gen_ai.tool.name'] === 'missing')!;
    expect(missing.name).toBe('tools/call');
    expect(missing.attributes).toMatchObject({
      'rpc.response.status_code': '-32602',
      'error.type': '-32602',
    });
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('observeClient with SDK v2, and the ambient context', () => {
  it('a v2 client span parents the v2 server span', async () => {
    pulse = quietMcpulse();
    const server = pulse.observe(new McpServerV2({ name: 'v2', version: '1' }));
    server.registerTool('hello', { inputSchema: z.object({}) }, () => ({ content: [] }));
    const client = pulse.observeClient(new ClientV2({ name: 'v2-client', version: '1' }));
    const [clientTransport, serverTransport] = InMemoryV2.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    await client.callTool({ name: 'hello', arguments: {} });
    await client.close();
    const spans = spansNamed('tools/call hello');
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
  });

  it('links the ambient span (an HTTP server span) when _meta names the parent', async () => {
    const client = await setup();
    const callerTrace = '11111111111111111111111111111111';
    const callerSpan = '2222222222222222';
    const ambient = trace.getTracer('http').startSpan('POST /mcp');
    // In memory the server handles the message inside the caller's active context: here, the ambient span.
    await context.with(trace.setSpan(context.active(), ambient), () =>
      client.callTool({
        name: 'echo',
        arguments: { text: 'a' },
        _meta: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      }),
    );
    ambient.end();
    await client.close();
    const echo = spansNamed('tools/call echo')[0]!;
    expect(echo.parentSpanContext?.spanId).toBe(callerSpan);
    expect(echo.links.map((l) => l.context.spanId)).toEqual([ambient.spanContext().spanId]);
  });
});
