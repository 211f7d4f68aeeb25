/**
 * OpenTelemetry spans for MCP operations, following the OTel MCP semantic conventions
 * (standards.md §1.2, §1.4): a SERVER span per inbound request, a CLIENT span per outbound one, the
 * caller's context continued from `params._meta` and ours injected into it.
 *
 * `@opentelemetry/api` is an optional peer dependency: without it, or without a registered tracer
 * provider, spans are no-ops.
 */
import { createRequire } from 'node:module';

import type * as Api from '@opentelemetry/api';

import type { OperationRecord } from '../instrument/record.js';
import { redactedJson } from '../logging/redact.js';

type OtelApi = typeof Api;

/** Loads `@opentelemetry/api` when installed; undefined otherwise (tracing off). */
export function loadOtelApi(): OtelApi | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
}

export interface SpanStart {
  side: 'server' | 'client';
  method: string;
  /** Low-cardinality target (a registered tool or prompt name), or undefined. */
  target: string | undefined;
  meta: Record<string, unknown> | undefined;
}

/** JSON-RPC codes the server side must not mark as its own errors (the caller caused them). */
const CALLER_CODES = new Set([-32700, -32600, -32601, -32602, -32002]);

/** How often to look again whether a tracer provider has been registered. */
const PROVIDER_CHECK_MS = 1000;

/** Where the request context rides inside an OpenTelemetry context (one key per process). */
export const REQUEST_CONTEXT_KEY_NAME = 'mcpulse.requestContext';

export class McpTracer {
  private readonly _tracer: Api.Tracer;
  private readonly _noopProvider: Api.TracerProvider;
  private readonly _probeKey: symbol;
  private _recording = false;
  private _propagates = false;
  private _checkedAt = -Infinity;

  constructor(
    private readonly _api: OtelApi,
    private readonly _contentBytes: number | undefined,
  ) {
    this._tracer = _api.trace.getTracer('mcpulse');
    this._noopProvider = new _api.ProxyTracerProvider().getDelegate();
    this._probeKey = _api.createContextKey('mcpulse.contextProbe');
  }

  /**
   * Whether a context manager is registered (OTel's no-op one keeps nothing). In Node every real one
   * (AsyncLocalStorage or async_hooks based) follows async calls, so the request context can ride in
   * the OpenTelemetry context instead of an AsyncLocalStorage of its own: each AsyncLocalStorage in use
   * adds its own work to every promise of the process (BENCHMARKS.md). As of the last `enabled` check,
   * which every operation makes just before it asks this (no second clock read per operation).
   */
  get propagatesContext(): boolean {
    return this._recording && this._propagates;
  }

  /**
   * Whether spans would go anywhere: false until a tracer provider is registered (checked at most once
   * a second, so one registered later is picked up), sparing every operation the cost of no-op spans.
   */
  get enabled(): boolean {
    const now = performance.now();
    if (now - this._checkedAt < PROVIDER_CHECK_MS) return this._recording;
    this._checkedAt = now;
    const provider = this._api.trace.getTracerProvider() as Api.TracerProvider & {
      getDelegate?: () => Api.TracerProvider;
    };
    this._recording = (provider.getDelegate?.() ?? provider) !== this._noopProvider;
    const api = this._api;
    const probe = api.ROOT_CONTEXT.setValue(this._probeKey, true);
    this._propagates = api.context.with(probe, () => api.context.active().getValue(this._probeKey) === true);
    return this._recording;
  }

  /**
   * Starts the span of an operation and returns it with the context to run its handler in. A server
   * span's parent is the context in `_meta`; the ambient context (an HTTP server span) is linked.
   */
  start(op: OperationRecord, start: SpanStart): { span: Api.Span; context: Api.Context } {
    const api = this._api;
    const ambient = api.context.active();
    let parent = ambient;
    const links: Api.Link[] = [];
    if (start.side === 'server' && start.meta !== undefined) {
      const extracted = api.propagation.extract(api.ROOT_CONTEXT, start.meta);
      const remote = api.trace.getSpanContext(extracted);
      if (remote !== undefined && api.isSpanContextValid(remote)) {
        parent = extracted;
        const ambientSpan = api.trace.getSpanContext(ambient);
        if (ambientSpan !== undefined && api.isSpanContextValid(ambientSpan))
          links.push({ context: ambientSpan });
      }
    }
    const attributes: Api.Attributes = { 'mcp.method.name': op.method };
    if (op.sessionId !== undefined) attributes['mcp.session.id'] = op.sessionId;
    if (op.protocolVersion !== undefined) attributes['mcp.protocol.version'] = op.protocolVersion;
    if (op.method === 'tools/call' && op.toolName !== undefined) {
      attributes['gen_ai.tool.name'] = op.toolName;
      attributes['gen_ai.operation.name'] = 'execute_tool';
    }
    if (op.promptName !== undefined) attributes['gen_ai.prompt.name'] = op.promptName;
    if (op.resourceUri !== undefined) attributes['mcp.resource.uri'] = op.resourceUri;
    attributes['jsonrpc.request.id'] = String(op.jsonrpcId);
    if (op.networkTransport !== undefined) attributes['network.transport'] = op.networkTransport;
    if (op.clientAddress !== undefined) attributes['client.address'] = op.clientAddress;
    if (op.clientPort !== undefined) attributes['client.port'] = op.clientPort;
    if (this._contentBytes !== undefined && op.method === 'tools/call' && op.arguments !== undefined) {
      attributes['gen_ai.tool.call.arguments'] = redactedJson(op.arguments, this._contentBytes);
    }
    const span = this._tracer.startSpan(
      start.target === undefined ? op.method : `${op.method} ${start.target}`,
      { kind: start.side === 'server' ? api.SpanKind.SERVER : api.SpanKind.CLIENT, attributes, links },
      parent,
    );
    return { span, context: api.trace.setSpan(parent, span) };
  }

  /** Writes `traceparent`/`tracestate`/`baggage` of `context` into an outgoing request's `_meta`. */
  inject(context: Api.Context, params: Record<string, unknown>): void {
    const meta = { ...((params._meta as Record<string, unknown> | undefined) ?? {}) };
    this._api.propagation.inject(context, meta);
    params._meta = meta;
  }

  /** Ends a span with the operation's outcome, by the conventions' server or client rules. */
  end(span: Api.Span, op: OperationRecord): void {
    const api = this._api;
    if (op.errorCode !== undefined) span.setAttribute('rpc.response.status_code', String(op.errorCode));
    if (op.errorType !== undefined) span.setAttribute('error.type', op.errorType);
    if (op.method === 'initialize') {
      // Only initialize learns these from its own reply; every other operation had them at start.
      if (op.sessionId !== undefined) span.setAttribute('mcp.session.id', op.sessionId);
      if (op.protocolVersion !== undefined) span.setAttribute('mcp.protocol.version', op.protocolVersion);
    }
    if (this._contentBytes !== undefined && op.method === 'tools/call' && op.result !== undefined) {
      span.setAttribute('gen_ai.tool.call.result', redactedJson(op.result, this._contentBytes));
    }
    if (op.exception) {
      span.recordException({
        name: op.exception.type,
        message: op.exception.message,
        stack: op.exception.stack,
      });
    }
    if (isSpanError(op))
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: op.errorMessage ?? op.errorType });
    span.end();
  }
}

function isSpanError(op: OperationRecord): boolean {
  switch (op.outcome) {
    case 'ok':
    case 'cancelled':
      return false;
    case 'tool_error':
    case 'closed':
      return true;
    case 'error':
      // Client side, every JSON-RPC error is an error; server side, not the caller's mistakes.
      return op.side === 'client' || op.errorCode === undefined || !CALLER_CODES.has(op.errorCode);
  }
}
