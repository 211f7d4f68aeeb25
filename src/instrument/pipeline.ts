/**
 * The pipeline between the interception point and everything that consumes what it sees.
 *
 * The transport observer turns the JSON-RPC stream into operation records and hands them here. Two
 * kinds of part plug in, and the instrument layer knows neither by name:
 * - an {@link OperationSink} consumes records (metrics, the operation log, listeners, the drain, later
 *   the store and the alert engine);
 * - a {@link ContextProvider} is entered when a request is dispatched to the SDK (tracing, the request
 *   context) and keeps a {@link RequestScope} for it until it ends.
 * A part that throws is caught here, per part, and reported; it never reaches the server.
 */
import type { McpLogLevel } from './conventions.js';
import type { NetworkTransport, OperationRecord, OperationSide } from './record.js';

/** A session of the 2025-era protocol: from a successful `initialize` until the transport closes. */
export interface SessionInfo {
  sessionId?: string;
  protocolVersion?: string;
  clientName?: string;
  clientVersion?: string;
  networkTransport?: NetworkTransport;
}

export interface SessionEvent {
  readonly kind: 'start' | 'end';
  readonly session: SessionInfo;
  /** Seconds from `initialize` until the transport closed (`end` only). */
  readonly durationSeconds: number | undefined;
}

export interface NotificationEvent {
  readonly method: string;
  /** The side this process is on for the connection: `server` for what a client sent to this server. */
  readonly side: OperationSide;
  readonly networkTransport: NetworkTransport | undefined;
}

/** Consumes operation records. Only `onEnd` is required; every hook runs on the request path and must be cheap. */
export interface OperationSink {
  /** Names the sink in `mcpulse_internal_errors_total{where}` when it throws. */
  readonly name: string;
  onStart?(op: OperationRecord): void;
  onEnd(op: OperationRecord): void;
  onSession?(event: SessionEvent): void;
  onNotification?(event: NotificationEvent): void;
  /** The transport reported an error (malformed JSON on the wire, a failed write…). */
  onTransportError?(error: unknown, networkTransport: NetworkTransport | undefined): void;
  /** Hands on what the sink buffers (before a log flush, at shutdown). */
  flush?(): void | Promise<void>;
  shutdown?(): void | Promise<void>;
}

/** What the connection offers a request's context: notifications on the request's own stream. */
export interface ClientChannel {
  /** Sends a notification related to the request; resolves false when it could not be sent. */
  notify(op: OperationRecord, method: string, params: Record<string, unknown>): Promise<boolean>;
  /** Whether the request is still awaiting its reply. */
  inFlight(op: OperationRecord): boolean;
  /** The level the client asked for (per session in 2025-11-25, per request in 2026-07-28), or undefined: send nothing. */
  clientLogLevel(op: OperationRecord): McpLogLevel | undefined;
  /** Token bucket shared by the connection; false when the message must be dropped. */
  takeClientLogToken(): boolean;
  dropped(kind: 'client_log' | 'progress', reason: string): void;
}

/** A server request as its providers see it when it is dispatched. */
export interface DispatchedRequest {
  readonly op: OperationRecord;
  /** `params._meta` of the request, if any. */
  readonly meta: Record<string, unknown> | undefined;
  readonly progressToken: string | number | undefined;
  readonly channel: ClientChannel;
}

/** What a provider keeps for one request, from dispatch until the operation ends. */
export interface RequestScope {
  /** Runs the SDK's handling of the request inside this scope. */
  enter?<R>(fn: () => R): R;
  /** The OpenTelemetry `Context` the request runs in, when a provider made one (for the providers after it). */
  readonly traceContext?: unknown;
  /** Just before the reply is sent (e.g. the last coalesced progress value goes out first). */
  beforeReply?(): void;
  /** The operation ended, with or without a reply; before the sinks see the record. */
  end?(op: OperationRecord): void;
}

export interface ContextProvider {
  readonly name: string;
  /**
   * A server request is being dispatched. `outer` is the scope built by the providers before this one;
   * the scope returned replaces it, so a provider that returns one must keep what `outer` does
   * (see {@link combineScopes}). Undefined leaves `outer` as it is.
   */
  dispatch?(request: DispatchedRequest, outer: RequestScope | undefined): RequestScope | undefined;
  /**
   * A request is about to go to the peer (an observed client's, or a server's to its client). The
   * provider may add to `params` (trace context in `_meta`); returning a scope says it did.
   */
  outboundRequest?(op: OperationRecord, params: Record<string, unknown>): RequestScope | undefined;
}

/** A scope doing what `outer` does, then what `inner` adds (inner's `enter` runs inside outer's). */
export function combineScopes(outer: RequestScope | undefined, inner: RequestScope): RequestScope {
  if (outer === undefined) return inner;
  const enterOuter = outer.enter?.bind(outer);
  const enterInner = inner.enter?.bind(inner);
  return {
    traceContext: inner.traceContext ?? outer.traceContext,
    ...(enterOuter !== undefined || enterInner !== undefined
      ? {
          enter: <R>(fn: () => R): R => {
            const inside = enterInner === undefined ? fn : () => enterInner(fn);
            return enterOuter === undefined ? inside() : enterOuter(inside);
          },
        }
      : {}),
    beforeReply: () => {
      outer.beforeReply?.();
      inner.beforeReply?.();
    },
    end: (op) => {
      outer.end?.(op);
      inner.end?.(op);
    },
  };
}

/** Settings of the interception point itself. */
export interface PipelineSettings {
  /** Most requests tracked in flight on one transport; beyond it they are not recorded. */
  readonly maxInflightPerTransport: number;
  /** Keep tool/prompt arguments and results on records. */
  readonly capturePayloads: boolean;
  /** Client log level of a 2025-era session that never sent `logging/setLevel` (undefined: send nothing). */
  readonly defaultClientLogLevel: McpLogLevel | undefined;
  /** Most client log messages per second on one connection (burst twice that). */
  readonly clientLogRate: number;
  /** A process-unique id for a new operation record. */
  nextRequestId(): string;
  /** False once shutdown has begun: new requests are refused and never reach the SDK. */
  accepting(): boolean;
  /** Tool and prompt names a server registered or listed (they bound the metric labels). */
  toolsListed(names: readonly string[]): void;
  promptsListed(names: readonly string[]): void;
  /** A client log message or progress value that was not sent, and why. */
  dropped(kind: 'client_log' | 'progress', reason: string): void;
  /** Something inside mcpulse failed; counted and logged, never thrown into the server. */
  internalError(error: unknown, where: string): void;
}

/** A request in flight found from a handler's `extra` (see {@link OperationPipeline.find}). */
export interface InflightRequest extends DispatchedRequest {
  /** What the providers keep for the request so far (tracing's span). */
  readonly scope: RequestScope | undefined;
  /** Keeps `scope` with the request until it ends (its `beforeReply` and `end` run as the providers' do). */
  attach(scope: RequestScope): void;
}

/** A transport observer, as far as the pipeline tracks it for {@link OperationPipeline.find}. */
export interface InflightIndex {
  readonly sessionId: string | undefined;
  /** The oldest request in flight with this JSON-RPC id, if any. */
  inflight(jsonrpcId: string | number): InflightRequest | undefined;
  /** Inbound requests in flight. */
  readonly inflightCount: number;
  /** The request in flight when it is the only one. */
  only(): InflightRequest | undefined;
}

/**
 * Fans records out to the sinks and dispatches requests through the providers, each caught on its own.
 * One per mcpulse instance.
 */
export class OperationPipeline {
  private readonly _sinks: OperationSink[] = [];
  private _starters: OperationSink[] = [];
  private _sessionSinks: OperationSink[] = [];
  private _notificationSinks: OperationSink[] = [];
  private _errorSinks: OperationSink[] = [];
  private _dispatchers: ContextProvider[] = [];
  private _outbounders: ContextProvider[] = [];
  private readonly _providers: ContextProvider[] = [];
  /** Observers with requests in flight: only they can own the request a handler's `extra` names. */
  private readonly _busy = new Set<InflightIndex>();

  constructor(readonly settings: PipelineSettings) {}

  addSink(sink: OperationSink): void {
    this._sinks.push(sink);
    this._starters = this._sinks.filter((s) => s.onStart !== undefined);
    this._sessionSinks = this._sinks.filter((s) => s.onSession !== undefined);
    this._notificationSinks = this._sinks.filter((s) => s.onNotification !== undefined);
    this._errorSinks = this._sinks.filter((s) => s.onTransportError !== undefined);
  }

  addProvider(provider: ContextProvider): void {
    this._providers.push(provider);
    this._dispatchers = this._providers.filter((p) => p.dispatch !== undefined);
    this._outbounders = this._providers.filter((p) => p.outboundRequest !== undefined);
  }

  get sinks(): readonly OperationSink[] {
    return this._sinks;
  }

  /** Whether any provider wants to see dispatched requests (spares the observer building one). */
  get dispatches(): boolean {
    return this._dispatchers.length > 0;
  }

  started(op: OperationRecord): void {
    const sinks = this._starters;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i]!;
      try {
        sink.onStart!(op);
      } catch (error) {
        this.settings.internalError(error, sink.name);
      }
    }
  }

  ended(op: OperationRecord): void {
    const sinks = this._sinks;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i]!;
      try {
        sink.onEnd(op);
      } catch (error) {
        this.settings.internalError(error, sink.name);
      }
    }
  }

  session(event: SessionEvent): void {
    this._each(this._sessionSinks, (sink) => sink.onSession!(event));
  }

  notification(event: NotificationEvent): void {
    this._each(this._notificationSinks, (sink) => sink.onNotification!(event));
  }

  transportError(error: unknown, networkTransport: NetworkTransport | undefined): void {
    this._each(this._errorSinks, (sink) => sink.onTransportError!(error, networkTransport));
  }

  /** Calls each sink, catching and reporting what one throws (records take the loops above: no closure). */
  private _each(sinks: readonly OperationSink[], call: (sink: OperationSink) => void): void {
    for (const sink of sinks) {
      try {
        call(sink);
      } catch (error) {
        this.settings.internalError(error, sink.name);
      }
    }
  }

  dispatch(request: DispatchedRequest): RequestScope | undefined {
    let scope: RequestScope | undefined;
    for (const provider of this._dispatchers) {
      try {
        scope = provider.dispatch!(request, scope) ?? scope;
      } catch (error) {
        this.settings.internalError(error, provider.name);
      }
    }
    return scope;
  }

  /** Returns the scope kept for an outbound request; `changed` tells whether `params` was added to. */
  outboundRequest(op: OperationRecord, params: Record<string, unknown>): RequestScope | undefined {
    let scope: RequestScope | undefined;
    for (const provider of this._outbounders) {
      try {
        const added = provider.outboundRequest!(op, params);
        if (added !== undefined) scope = combineScopes(scope, added);
      } catch (error) {
        this.settings.internalError(error, provider.name);
      }
    }
    return scope;
  }

  /** An observer's first request in flight began (`busy`) or its last one ended. */
  busy(observer: InflightIndex, busy: boolean): void {
    if (busy) this._busy.add(observer);
    else this._busy.delete(observer);
  }

  /**
   * The request in flight that a handler's `extra` names: its JSON-RPC id (`requestId` in SDK v1,
   * `mcpReq.id` in SDK v2) and session. Undefined when none matches (outside a request, or the request
   * already answered). Between connections without sessions that reuse an id at the same moment, the
   * first observer's is returned. Without an id (fastmcp's context has none), only a request alone in
   * flight is certain, and only it is returned.
   */
  find(jsonrpcId: string | number | undefined, sessionId: string | undefined): InflightRequest | undefined {
    let loose: InflightRequest | undefined;
    let count = 0;
    for (const observer of this._busy) {
      if (sessionId !== undefined && observer.sessionId !== sessionId) continue;
      if (jsonrpcId === undefined) {
        count += observer.inflightCount;
        loose ??= observer.only();
        if (count > 1) return undefined;
        continue;
      }
      const op = observer.inflight(jsonrpcId);
      if (op === undefined) continue;
      if (sessionId !== undefined || observer.sessionId === undefined) return op;
      loose ??= op;
    }
    return loose;
  }

  /** Hands on what every sink buffers; one that fails is reported, the others still flush. */
  flush(): Promise<void> {
    return this._settle((sink) => sink.flush?.());
  }

  shutdown(): Promise<void> {
    return this._settle((sink) => sink.shutdown?.());
  }

  private async _settle(call: (sink: OperationSink) => void | Promise<void>): Promise<void> {
    await Promise.allSettled(
      this._sinks.map(async (sink) => {
        try {
          await call(sink);
        } catch (error) {
          this.settings.internalError(error, sink.name);
        }
      }),
    );
  }
}

/** Fans records out to user listeners (`pulse.onOperation`); one that throws is reported, the rest still run. */
export class ListenerSink implements OperationSink {
  readonly name = 'listener';
  private readonly _listeners = new Set<(op: OperationRecord) => void>();

  constructor(private readonly _internalError: (error: unknown, where: string) => void) {}

  add(listener: (op: OperationRecord) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  onEnd(op: OperationRecord): void {
    if (this._listeners.size === 0) return;
    for (const listener of this._listeners) {
      try {
        listener(op);
      } catch (error) {
        this._internalError(error, this.name);
      }
    }
  }
}
