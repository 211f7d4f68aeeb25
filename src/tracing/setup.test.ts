import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import {
  context,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { startOtlpReceiver, type OtlpReceiver } from '../../test/otlp-receiver.js';
import { setupTracing, type TracingSetup } from './setup.js';

let receiver: OtlpReceiver;
let setup: TracingSetup | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await receiver.close();
});

afterEach(async () => {
  await setup?.shutdown();
  setup = undefined;
  // The global provider, context manager and propagator are process-wide: start each test clean.
  trace.disable();
  context.disable();
  propagation.disable();
  vi.unstubAllEnvs();
  receiver.spans.length = 0;
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function counterValues(registry: Registry): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const name of ['mcpulse_tracing_spans_exported_total', 'mcpulse_tracing_spans_dropped_total']) {
    const metric = await registry.getSingleMetric(name)!.get();
    for (const { labels, value } of metric.values) {
      values[labels.reason === undefined ? 'exported' : String(labels.reason)] = value;
    }
  }
  return values;
}

describe('setupTracing', () => {
  it('exports a span over OTLP/HTTP protobuf, decoded by a real receiver', async () => {
    setup = setupTracing({
      endpoint: `${receiver.url}/v1/traces`,
      serviceName: 'svc',
      serviceVersion: '1.2.3',
    });
    expect(setup.installed).toBe(true);
    expect(setup.endpoint).toBe(`${receiver.url}/v1/traces`);

    let parentIds = { traceId: '', spanId: '' };
    let childId = '';
    const carrier: Record<string, string> = {};
    trace.getTracer('t').startActiveSpan('tools/call search', { kind: SpanKind.SERVER }, (span) => {
      span.setAttributes({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'search',
        attempt: 2,
        cached: false,
      });
      span.addEvent('validated', { fields: 3 });
      parentIds = span.spanContext();
      // The context manager carries the active span and the W3C propagator injects it.
      trace.getTracer('t').startActiveSpan('child', (child) => {
        childId = child.spanContext().spanId;
        child.end();
      });
      propagation.inject(context.active(), carrier);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      span.end();
    });
    await setup.forceFlush();

    expect(carrier.traceparent).toBe(`00-${parentIds.traceId}-${parentIds.spanId}-01`);
    const spans = await receiver.waitFor((all) => all.length >= 2, 5_000);
    expect(spans).toHaveLength(2);
    const parent = spans.find((s) => s.name === 'tools/call search')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(parent.traceId).toBe(parentIds.traceId);
    expect(parent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(parent.spanId).toBe(parentIds.spanId);
    expect(parent.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(parent.parentSpanId).toBeUndefined();
    expect(parent.kind).toBe(2); // OTLP SPAN_KIND_SERVER
    expect(parent.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'search',
      attempt: 2,
      cached: false,
    });
    expect(parent.events).toEqual([{ name: 'validated', attributes: { fields: 3 } }]);
    expect(parent.status).toEqual({ code: 2, message: 'boom' });
    expect(parent.resource).toMatchObject({
      'service.name': 'svc',
      'service.version': '1.2.3',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(parent.scope).toEqual({ name: 't' });
    expect(child).toMatchObject({
      spanId: childId,
      traceId: parentIds.traceId,
      parentSpanId: parentIds.spanId,
    });
    expect(child.kind).toBe(1); // OTLP SPAN_KIND_INTERNAL
    expect(setup.stats()).toEqual({
      ended: 2,
      queued: 0,
      exporting: 0,
      exported: 2,
      dropped: { queue_full: 0, export_failed: 0 },
    });
  });

  it('takes the service name from OTEL_SERVICE_NAME, else mcp-server, and the endpoint from OTEL_* variables', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
    vi.stubEnv('OTEL_SERVICE_NAME', 'from-env');
    setup = setupTracing();
    expect(setup.endpoint).toBe(`${receiver.url}/v1/traces`);
    trace.getTracer('t').startSpan('a').end();
    await setup.forceFlush();
    expect(receiver.spans.map((s) => s.resource['service.name'])).toEqual(['from-env']);
    await setup.shutdown();
    trace.disable();
    receiver.spans.length = 0;

    vi.unstubAllEnvs();
    vi.stubEnv('OTEL_SERVICE_NAME', '');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', `${receiver.url}/v1/traces`);
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:1');
    setup = setupTracing();
    expect(setup.endpoint).toBe(`${receiver.url}/v1/traces`);
    trace.getTracer('t').startSpan('b').end();
    await setup.forceFlush();
    expect(receiver.spans.map((s) => s.resource['service.name'])).toEqual(['mcp-server']);
  });

  it('leaves the sampler to the SDK (OTEL_TRACES_SAMPLER)', async () => {
    vi.stubEnv('OTEL_TRACES_SAMPLER', 'always_off');
    const exporter = new InMemorySpanExporter();
    setup = setupTracing({ exporter });
    const span = trace.getTracer('t').startSpan('unsampled');
    expect(span.isRecording()).toBe(false);
    span.end();
    await setup.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(setup.stats().ended).toBe(0);
  });

  it('leaves a tracer provider registered by the user alone', async () => {
    const user = new BasicTracerProvider();
    expect(trace.setGlobalTracerProvider(user)).toBe(true);
    const fieldsBefore = propagation.fields();
    const requestsBefore = receiver.requests;

    setup = setupTracing({ endpoint: `${receiver.url}/v1/traces`, serviceName: 'svc' });
    expect(setup.installed).toBe(false);
    expect(setup.provider).toBeUndefined();
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(user);
    expect(propagation.fields()).toEqual(fieldsBefore);
    await setup.forceFlush();
    await setup.shutdown();
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(user);
    trace.getTracer('t').startSpan('user span').end();
    expect(receiver.requests).toBe(requestsBefore); // no exporter of ours was created
    await user.shutdown();
  });

  it('OTEL_SDK_DISABLED=true installs nothing', () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    setup = setupTracing({ exporter: new InMemorySpanExporter() });
    expect(setup.installed).toBe(false);
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(
      new ProxyTracerProvider().getDelegate(),
    );
  });

  it('a second setupTracing sees the first and is not installed; shutdown is idempotent and unregisters', async () => {
    setup = setupTracing({ exporter: new InMemorySpanExporter() });
    expect(setup.installed).toBe(true);
    expect(setupTracing({ exporter: new InMemorySpanExporter() }).installed).toBe(false);
    await Promise.all([setup.shutdown(), setup.shutdown()]);
    await setup.shutdown();
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).not.toBe(setup.provider);
    const again = setupTracing({ exporter: new InMemorySpanExporter() });
    expect(again.installed).toBe(true);
    await again.shutdown();
  });

  it('counts exported spans with a custom exporter and a registry', async () => {
    const registry = new Registry();
    const exporter = new InMemorySpanExporter();
    setup = setupTracing({ exporter, registry });
    for (let i = 0; i < 10; i++) trace.getTracer('t').startSpan(`s${i}`).end();
    await setup.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(10);
    expect(await counterValues(registry)).toEqual({ exported: 10, queue_full: 0, export_failed: 0 });
  });

  it('collector down: requests unaffected, memory bounded, every span accounted for', async () => {
    // The OTLP exporter reads its own timeout from the environment; keep its retries short.
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', '1000');
    const registry = new Registry();
    const port = await closedPort();
    setup = setupTracing({ endpoint: `http://127.0.0.1:${port}/v1/traces`, maxQueueSize: 512, registry });
    const tracer = trace.getTracer('t');
    const created = 5_000;

    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < created; i++) {
      tracer.startActiveSpan('tools/call', (span) => {
        span.setAttribute('i', i);
        span.end();
      });
    }
    const elapsed = performance.now() - started;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(elapsed).toBeLessThan(1_000);
    expect(heapGrowth).toBeLessThan(50 * 1024 * 1024);
    const during = setup.stats();
    expect(during.queued).toBeLessThanOrEqual(512);
    expect(during.queued + during.exporting).toBeLessThanOrEqual(1024);

    await setup.forceFlush();
    await setup.shutdown();
    const stats = setup.stats();
    const values = await counterValues(registry);
    expect(values).toEqual({
      exported: stats.exported,
      queue_full: stats.dropped.queue_full,
      export_failed: stats.dropped.export_failed,
    });
    expect(stats.ended).toBe(created);
    expect(stats.exported).toBe(0);
    expect(stats.queued).toBe(0);
    expect(stats.exporting).toBe(0);
    expect(values.queue_full).toBeGreaterThan(0);
    expect(values.export_failed).toBeGreaterThan(0);
    expect(values.exported! + values.queue_full! + values.export_failed!).toBe(created);
    // The first full batch is handed to the exporter at once; the next 512 fill the queue; the rest drop.
    expect(values.export_failed).toBe(1024);
    expect(values.queue_full).toBe(created - 1024);
  });

  it('a throwing exporter never reaches the caller and is counted', async () => {
    const exporter = {
      export() {
        throw new Error('exporter bug');
      },
      shutdown: () => Promise.reject(new Error('shutdown bug')),
    };
    setup = setupTracing({ exporter, maxQueueSize: 4 });
    for (let i = 0; i < 10; i++) trace.getTracer('t').startSpan(`s${i}`).end();
    await expect(setup.forceFlush()).resolves.toBeUndefined();
    await expect(setup.shutdown()).resolves.toBeUndefined();
    const stats = setup.stats();
    expect(stats.ended).toBe(10);
    expect(stats.exported + stats.dropped.queue_full + stats.dropped.export_failed).toBe(10);
    expect(stats.dropped.export_failed).toBeGreaterThan(0);
  });

  it('rejects bad options with messages naming the value', () => {
    const bad: [unknown, string][] = [
      ['svc', 'mcpulse: tracing options must be an object, got "svc"'],
      [
        { endpiont: 'x' },
        'mcpulse: unknown tracing option "endpiont" (known: serviceName, serviceVersion, endpoint, maxQueueSize, registry, exporter)',
      ],
      [
        { serviceName: '' },
        'mcpulse: serviceName must be a non-empty string of at most 256 characters, got ""',
      ],
      [
        { serviceVersion: 3 },
        'mcpulse: serviceVersion must be a non-empty string of at most 256 characters, got 3',
      ],
      [
        { endpoint: 'localhost:4318' },
        'mcpulse: endpoint must be an http:// or https:// URL, got "localhost:4318"',
      ],
      [
        { endpoint: 'ftp://collector' },
        'mcpulse: endpoint must be an http:// or https:// URL, got "ftp://collector"',
      ],
      [{ maxQueueSize: 0 }, 'mcpulse: maxQueueSize must be an integer from 1 to 100000, got 0'],
      [{ maxQueueSize: 1.5 }, 'mcpulse: maxQueueSize must be an integer from 1 to 100000, got 1.5'],
      [{ maxQueueSize: 1e6 }, 'mcpulse: maxQueueSize must be an integer from 1 to 100000, got 1000000'],
      [{ registry: {} }, 'mcpulse: registry must be a prom-client Registry, got {}'],
      [
        { exporter: { export() {} } },
        'mcpulse: exporter must be a SpanExporter (with export and shutdown methods), got {}',
      ],
      [
        { exporter: new InMemorySpanExporter(), endpoint: 'http://x' },
        'mcpulse: endpoint and exporter cannot both be set: the endpoint is the OTLP exporter’s',
      ],
    ];
    for (const [options, message] of bad) {
      expect(() => setupTracing(options as never), message).toThrow(message);
      try {
        setupTracing(options as never);
      } catch (error) {
        expect((error as Error).message).toBe(message);
        expect((error as { code?: string }).code).toBe('MCPULSE_OPTION_INVALID');
      }
    }
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(
      new ProxyTracerProvider().getDelegate(),
    );
  });

  it('rejects bad OTEL_* values it reads itself, naming the variable', () => {
    vi.stubEnv('OTEL_BSP_MAX_QUEUE_SIZE', 'lots');
    expect(() => setupTracing()).toThrow(
      'mcpulse: OTEL_BSP_MAX_QUEUE_SIZE must be an integer from 1 to 100000, got "lots"',
    );
    vi.unstubAllEnvs();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318');
    expect(() => setupTracing()).toThrow(
      'mcpulse: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, got "collector:4318"',
    );
    vi.unstubAllEnvs();
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'nope');
    expect(() => setupTracing()).toThrow(
      'mcpulse: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL, got "nope"',
    );
  });
});

describe('OTLP test receiver', () => {
  it('decodes what otlp-transformer’s own protobuf serializer encodes', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'rt', 'host.cores': 8 }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('scope-name', '9.9.9');
    const root = tracer.startSpan('root', { kind: SpanKind.CLIENT });
    root.setAttributes({
      str: 'é ✓',
      int: -5,
      big: 2 ** 40,
      dbl: 0.25,
      yes: true,
      list: ['a', 'b'],
      nums: [1, 2.5],
    });
    root.addEvent('exception', { 'exception.message': 'bad', 'exception.escaped': false });
    root.setStatus({ code: SpanStatusCode.OK });
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
    child.end();
    root.end();
    const body = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
    expect(body).toBeDefined();

    const response = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: body!,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await response.arrayBuffer()).byteLength).toBe(0);

    const [decodedChild, decodedRoot] = receiver.spans;
    expect(decodedRoot).toEqual({
      traceId: root.spanContext().traceId,
      spanId: root.spanContext().spanId,
      name: 'root',
      kind: 3,
      attributes: {
        str: 'é ✓',
        int: -5,
        big: 2 ** 40,
        dbl: 0.25,
        yes: true,
        list: ['a', 'b'],
        nums: [1, 2.5],
      },
      status: { code: 1 },
      events: [{ name: 'exception', attributes: { 'exception.message': 'bad', 'exception.escaped': false } }],
      resource: expect.objectContaining({ 'service.name': 'rt', 'host.cores': 8 }),
      scope: { name: 'scope-name', version: '9.9.9' },
    });
    expect(decodedChild).toMatchObject({ name: 'child', parentSpanId: root.spanContext().spanId });

    const wrongType = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    const garbage = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff]),
    });
    expect(garbage.status).toBe(400);
    await expect(receiver.waitFor((all) => all.length > 99, 50)).rejects.toThrow('not met within 50 ms');
    await provider.shutdown();
  });
});
