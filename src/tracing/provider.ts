/**
 * Tracing as a context provider of the operation pipeline: a SERVER span per dispatched request, whose
 * OpenTelemetry context the SDK's handling runs in; a CLIENT span per outbound request, carried to the
 * peer in `params._meta`. Each span ends with its operation.
 */
import type * as Api from '@opentelemetry/api';

import type { ContextProvider, DispatchedRequest, RequestScope } from '../instrument/pipeline.js';
import type { OperationRecord } from '../instrument/record.js';
import { REQUEST_CONTEXT_KEY_NAME, type McpTracer } from './spans.js';

type OtelApi = typeof Api;

/** The metric label a server gives a tool or prompt name: the name itself only when it registered (or listed) it. */
export interface TrustedNames {
  tool(name: string): string;
  prompt(name: string): string;
}

/** One request's span: entered around the handler, ended with the operation. */
class SpanScope implements RequestScope {
  constructor(
    private readonly _api: OtelApi,
    private readonly _tracer: McpTracer,
    readonly span: Api.Span,
    readonly traceContext: Api.Context | undefined,
  ) {}

  enter<R>(fn: () => R): R {
    return this.traceContext === undefined ? fn() : this._api.context.with(this.traceContext, fn);
  }

  end(op: OperationRecord): void {
    this._tracer.end(this.span, op);
  }
}

export class TracingProvider implements ContextProvider {
  readonly name = 'tracing';
  private readonly _requestKey: symbol;

  constructor(
    private readonly _api: OtelApi,
    private readonly _tracer: McpTracer,
    private readonly _names: TrustedNames,
  ) {
    this._requestKey = _api.createContextKey(REQUEST_CONTEXT_KEY_NAME);
  }

  dispatch(request: DispatchedRequest, outer: RequestScope | undefined): RequestScope | undefined {
    if (!this._tracer.enabled) return undefined;
    const op = request.op;
    const started = this._tracer.start(op, {
      side: 'server',
      method: op.method,
      target: this._spanTarget(op),
      meta: request.meta,
    });
    noteIds(op, started.span);
    const scope = new SpanScope(this._api, this._tracer, started.span, started.context);
    // Tracing comes first in the pipeline; anything before it would be kept as well.
    if (outer === undefined) return scope;
    return {
      traceContext: started.context,
      enter: <R>(fn: () => R): R => (outer.enter ? outer.enter(() => scope.enter(fn)) : scope.enter(fn)),
      beforeReply: () => outer.beforeReply?.(),
      end: (ended) => {
        outer.end?.(ended);
        scope.end(ended);
      },
    };
  }

  outboundRequest(op: OperationRecord, params: Record<string, unknown>): RequestScope | undefined {
    if (!this._tracer.enabled) return undefined;
    // A CLIENT span, child of whatever is active (the handler's SERVER span), carried to the peer in _meta.
    const started = this._tracer.start(op, {
      side: 'client',
      method: op.method,
      target: this._spanTarget(op),
      meta: undefined,
    });
    noteIds(op, started.span);
    this._tracer.inject(started.context, params);
    return new SpanScope(this._api, this._tracer, started.span, undefined);
  }

  /** The span-name target of an operation: a tool or prompt name, when it can be trusted; else undefined. */
  private _spanTarget(op: OperationRecord): string | undefined {
    const name =
      op.method === 'tools/call' ? op.toolName : op.method === 'prompts/get' ? op.promptName : undefined;
    if (name === undefined) return undefined;
    // A client names what it calls itself; a server only trusts names it registered (or listed).
    if (op.side === 'client') return name;
    const label = op.method === 'tools/call' ? this._names.tool(name) : this._names.prompt(name);
    return label === name ? name : undefined;
  }

  /**
   * A scope entering `traceContext` with the request context stored in it, when the registered context
   * manager follows async calls (then mcpulse needs no AsyncLocalStorage of its own); else undefined.
   */
  carry(traceContext: unknown, requestContext: unknown): RequestScope | undefined {
    if (!this._tracer.propagatesContext) return undefined;
    const carried = (traceContext as Api.Context).setValue(this._requestKey, requestContext);
    const api = this._api;
    return { traceContext: carried, enter: <R>(fn: () => R): R => api.context.with(carried, fn) };
  }

  /** The request context carried in the active OpenTelemetry context, if any. */
  carriedRequestContext(): unknown {
    return this._api.context.active().getValue(this._requestKey);
  }

  /** The span a request runs under, from the scope this provider made. */
  spanOf(scope: RequestScope | undefined): Api.Span | undefined {
    const context = scope?.traceContext as Api.Context | undefined;
    return context === undefined ? undefined : this._api.trace.getSpan(context);
  }
}

/** Trace and span ids go on the record (logs, exemplars) only for a real, sampled span. */
function noteIds(op: OperationRecord, span: Api.Span): void {
  const ids = span.spanContext();
  if (!span.isRecording() || /^0+$/.test(ids.traceId)) return;
  op.traceId = ids.traceId;
  op.spanId = ids.spanId;
}
