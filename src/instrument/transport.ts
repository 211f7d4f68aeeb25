/**
 * The one interception point: the JSON-RPC message stream of an MCP transport. Inbound messages are
 * seen through the `onmessage` property (whatever the SDK assigns is wrapped), outbound ones through
 * `send`. This works with any transport object of any SDK line, before or after `connect`.
 */
import { performance } from 'node:perf_hooks';

import {
  CALLER_FAULT_CODES,
  INVALID_PARAMS,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
} from './conventions.js';
import type { Context, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';

import {
  isMcpLogLevel,
  OperationContext,
  type ContextChannel,
  type McpLogLevel,
} from '../logging/context.js';
import type { McpTracer } from '../tracing/spans.js';
import { jsonByteLength } from './size.js';
import type { NetworkTransport, OperationRecord, OperationSide } from './record.js';

/** The slice of the MCP `Transport` interface mcpulse relies on. */
export interface TransportLike {
  onmessage?: ((message: never, extra?: never) => void) | undefined;
  onclose?: (() => void) | undefined;
  send(message: never, options?: never): Promise<void>;
  sessionId?: string | undefined;
}

export interface ObserveTransportOptions {
  /** `network.transport`; detected from the transport's class name when omitted (stdio → `pipe`, HTTP → `tcp`). */
  networkTransport?: NetworkTransport;
}

/** A session of the 2025-era protocol: from a successful `initialize` until the transport closes. */
export interface SessionInfo {
  sessionId?: string;
  protocolVersion?: string;
  clientName?: string;
  clientVersion?: string;
  networkTransport?: NetworkTransport;
}

/** What the transport observer reports to; implemented by the mcpulse instance. */
export interface InstrumentHub {
  nextRequestId(): string;
  operationStarted(op: OperationRecord): void;
  operationEnded(op: OperationRecord): void;
  notificationReceived(method: string, networkTransport: NetworkTransport | undefined): void;
  /** The transport reported an error (malformed JSON on the wire, a failed write…). */
  transportError(error: unknown, networkTransport: NetworkTransport | undefined): void;
  sessionStarted(session: SessionInfo): void;
  sessionEnded(session: SessionInfo, durationSeconds: number): void;
  /** Tool names seen in a `tools/list` result (they bound the tool label). */
  toolsListed(names: string[]): void;
  promptsListed(names: string[]): void;
  internalError(error: unknown, where: string): void;
  readonly maxInflightPerTransport: number;
  /** The process logger; request loggers are its children. */
  readonly logger: Logger;
  /** Whether requests run inside an AsyncLocalStorage context (`requestContext()`). */
  readonly contextEnabled: boolean;
  /** Client log level of a 2025-era session that never sent `logging/setLevel` (undefined: send nothing). */
  readonly defaultClientLogLevel: McpLogLevel | undefined;
  /** Most client log messages per second on one connection (burst twice that). */
  readonly clientLogRate: number;
  /** A client log message or progress value that was not sent, and why. */
  dropped(kind: 'client_log' | 'progress', reason: string): void;
  /** Keep tool/prompt arguments and results on records (the `logPayloads` option). */
  readonly capturePayloads: boolean;
  /** False once shutdown has begun: new requests are answered with SHUTTING_DOWN and never reach the SDK. */
  readonly accepting: boolean;
  /** Spans per operation, when tracing is on. */
  readonly tracer: McpTracer | undefined;
  /** Runs `fn` with an OpenTelemetry context active (tracing on, request context off). */
  withOtelContext<R>(context: Context, fn: () => R): R;
  /** `context` carrying the request context, when OpenTelemetry's context manager can carry it (see OtelRunner). */
  carry(context: Context, request: OperationContext): Context | undefined;
  /** The span-name target of an operation: a registered tool or prompt name, else undefined. */
  spanTarget(op: OperationRecord): string | undefined;
}

/** Something the SDK's handling of a request runs inside (the request context, an OTel context). */
export interface Runner {
  enter<R>(fn: () => R): R;
}

/** The JSON-RPC error a request gets while the server shuts down (implementation-defined server error). */
export const SHUTTING_DOWN = {
  code: -32000,
  message: 'Server is shutting down; retry the request on another instance',
};

/** Returned by `inbound` for a request the observer answered itself: the SDK must not see it. */
const REFUSED = Symbol('mcpulse.refused');

/** What the server-level instrumentation can tell about the server behind a transport. */
export interface ServerView {
  /** Whether a tool name is registered; undefined when unknowable (low-level server without a tool registry). */
  hasTool(name: string): boolean | undefined;
  /** The capabilities the server declares, when it can say. */
  capabilities(): Record<string, unknown> | undefined;
}

type Json = Record<string, unknown>;
type Pending = OperationRecord & {
  startMono: number;
  span: Span | undefined;
  /** The request's context, when contexts are on (server side only). */
  context: OperationContext | undefined;
  /** `_meta["io.modelcontextprotocol/logLevel"]` of a 2026-07-28 request; null when the request is 2025-era. */
  requestLogLevel: McpLogLevel | undefined | null;
};

const observedSym = Symbol.for('mcpulse.transportObserver');

function detectNetworkTransport(transport: object): NetworkTransport | undefined {
  const name = transport.constructor?.name ?? '';
  if (/stdio/i.test(name)) return 'pipe';
  if (/http|sse|websocket/i.test(name)) return 'tcp';
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function firstText(result: Json): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  for (const block of content as unknown[]) {
    if (block && typeof block === 'object' && (block as Json).type === 'text') {
      const text = (block as Json).text;
      if (typeof text === 'string') return text.length > 1024 ? `${text.slice(0, 1024)}…` : text;
    }
  }
  return undefined;
}

function namesOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const item of list as unknown[]) {
    const name = item && typeof item === 'object' ? (item as Json).name : undefined;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/**
 * Per-transport state: requests in flight both ways and the 2025-era session. Created once per
 * transport; observing the same transport again returns the existing observer.
 */
export class TransportObserver {
  readonly networkTransport: NetworkTransport | undefined;
  /** Inbound requests awaiting our reply, by JSON-RPC id. */
  private readonly _inflight = new Map<string | number, Pending>();
  /** Requests this server sent to the client (sampling, elicitation, roots), by JSON-RPC id. */
  private readonly _outbound = new Map<string | number, Pending>();
  private _session: SessionInfo | undefined;
  private _sessionStart = 0;
  /** Protocol version and client negotiated by `initialize` (2025 era). */
  private _protocolVersion: string | undefined;
  private _clientName: string | undefined;
  private _clientVersion: string | undefined;
  private _closed = false;
  /** The remote end of the latest HTTP request handed to this transport (Node HTTP transports only). */
  private _peerAddress: string | undefined;
  private _peerPort: number | undefined;
  /** Set by server-level instrumentation. */
  server: ServerView | undefined;
  /** `logging` capability from the initialize result (2025 era), once seen. */
  private _loggingDeclared: boolean | undefined;
  /** Level from the session's last successful `logging/setLevel`. */
  private _sessionLogLevel: McpLogLevel | undefined;
  private readonly _setLevelRequests = new Map<string | number, McpLogLevel>();
  private _logTokens: number;
  private _logTokensAt = 0;
  private readonly _channel: ContextChannel;

  constructor(
    private readonly _hub: InstrumentHub,
    private readonly _transport: TransportLike,
    options: ObserveTransportOptions,
  ) {
    this.networkTransport = options.networkTransport ?? detectNetworkTransport(_transport);
    this._logTokens = _hub.clientLogRate * 2;
    this._channel = {
      logger: _hub.logger,
      notify: (op, method, params) => this._notify(op, method, params),
      inFlight: (op) => this._inflight.get(op.jsonrpcId) === op,
      clientLogLevel: (op) => this._clientLogLevel(op as Pending),
      takeClientLogToken: () => this._takeLogToken(),
      dropped: (kind, reason) => _hub.dropped(kind, reason),
    };
  }

  private _notify(op: OperationRecord, method: string, params: Record<string, unknown>): Promise<boolean> {
    try {
      return this._transport
        .send({ jsonrpc: '2.0', method, params } as never, { relatedRequestId: op.jsonrpcId } as never)
        .then(
          () => true,
          () => {
            this._hub.dropped(method === 'notifications/progress' ? 'progress' : 'client_log', 'send_failed');
            return false;
          },
        );
    } catch {
      this._hub.dropped(method === 'notifications/progress' ? 'progress' : 'client_log', 'send_failed');
      return Promise.resolve(false);
    }
  }

  private _clientLogLevel(op: Pending): McpLogLevel | undefined {
    const declared = this._loggingDeclared ?? this.server?.capabilities()?.logging !== undefined;
    if (!declared) return undefined;
    // 2026-07-28: only the request's own _meta level counts; absent means send nothing.
    if (op.requestLogLevel !== null) return op.requestLogLevel;
    return this._sessionLogLevel ?? this._hub.defaultClientLogLevel;
  }

  private _takeLogToken(): boolean {
    const now = performance.now();
    const rate = this._hub.clientLogRate;
    this._logTokens = Math.min(rate * 2, this._logTokens + ((now - this._logTokensAt) / 1000) * rate);
    this._logTokensAt = now;
    if (this._logTokens < 1) return false;
    this._logTokens -= 1;
    return true;
  }

  /** Attaches an exception thrown inside a tool handler to its in-flight operation. */
  noteException(jsonrpcId: unknown, exception: OperationRecord['exception']): void {
    if (!isId(jsonrpcId)) return;
    const op = this._inflight.get(jsonrpcId);
    if (op && exception) op.exception = exception;
  }

  /** Notes the socket behind an HTTP request the transport is about to handle (a Node `IncomingMessage`). */
  notePeer(request: unknown): void {
    const socket = (request as { socket?: { remoteAddress?: unknown; remotePort?: unknown } } | undefined)
      ?.socket;
    if (socket === undefined || typeof socket.remoteAddress !== 'string') return;
    this._peerAddress = socket.remoteAddress;
    this._peerPort = typeof socket.remotePort === 'number' ? socket.remotePort : undefined;
  }

  /** Whether an inbound request with this id is still awaiting its reply. */
  isInflight(jsonrpcId: string | number): boolean {
    return this._inflight.has(jsonrpcId);
  }

  /**
   * Records an inbound message; returns the context the SDK should handle a request in, or REFUSED
   * for a request answered here because the server is shutting down.
   */
  inbound(message: unknown): Runner | typeof REFUSED | undefined {
    if (!message || typeof message !== 'object' || Array.isArray(message)) return undefined;
    const msg = message as Json;
    const method = msg.method;
    if (typeof method === 'string') {
      if (isId(msg.id) && !this._hub.accepting) return this._refuse(msg, method, msg.id);
      if (isId(msg.id)) return this._startServerOperation(msg, method, msg.id);
      this._notification(msg, method);
    } else if (isId(msg.id)) {
      this._endOperation(this._outbound, msg.id, msg);
    }
    return undefined;
  }

  outbound(message: unknown): void {
    if (!message || typeof message !== 'object' || Array.isArray(message)) return;
    const msg = message as Json;
    const method = msg.method;
    if (typeof method === 'string') {
      if (isId(msg.id)) this._startClientOperation(msg, method, msg.id);
    } else if (isId(msg.id)) {
      this._endOperation(this._inflight, msg.id, msg);
    }
  }

  closed(): void {
    if (this._closed) return;
    this._closed = true;
    for (const map of [this._inflight, this._outbound]) {
      for (const op of map.values()) this._finish(op, 'closed', '_OTHER', 'connection closed before a reply');
      map.clear();
    }
    if (this._session) {
      const session = this._session;
      this._session = undefined;
      this._hub.sessionEnded(session, (performance.now() - this._sessionStart) / 1000);
    }
  }

  private _newOperation(
    side: OperationSide,
    msg: Json,
    method: string,
    id: string | number,
    map: Map<string | number, Pending>,
  ): Pending | undefined {
    if (map.size >= this._hub.maxInflightPerTransport) {
      this._hub.internalError(
        new Error(
          `more than ${this._hub.maxInflightPerTransport} requests in flight on one transport; not tracking ${method}`,
        ),
        'inflight-limit',
      );
      return undefined;
    }
    // Every field is present from the start, so all records share one hidden class (fast sinks).
    const op: Pending = {
      side,
      requestId: this._hub.nextRequestId(),
      jsonrpcId: id,
      method,
      toolName: undefined,
      promptName: undefined,
      resourceUri: undefined,
      sessionId: undefined,
      protocolVersion: undefined,
      clientName: undefined,
      clientVersion: undefined,
      networkTransport: this.networkTransport,
      clientAddress: side === 'server' ? this._peerAddress : undefined,
      clientPort: side === 'server' ? this._peerPort : undefined,
      startTime: Date.now(),
      startMono: performance.now(),
      durationMs: 0,
      outcome: 'ok',
      errorType: undefined,
      errorCode: undefined,
      errorMessage: undefined,
      exception: undefined,
      callerFault: false,
      requestBytes: jsonByteLength(msg),
      responseBytes: undefined,
      arguments: undefined,
      result: undefined,
      traceId: undefined,
      spanId: undefined,
      span: undefined,
      context: undefined,
      requestLogLevel: null,
    };
    const params = msg.params;
    if (params && typeof params === 'object') {
      const p = params as Json;
      if (this._hub.capturePayloads && p.arguments !== undefined) op.arguments = p.arguments;
      if (method === 'tools/call') op.toolName = str(p.name);
      else if (method === 'prompts/get') op.promptName = str(p.name);
      else if (typeof p.uri === 'string') op.resourceUri = p.uri;
      const meta = p._meta;
      if (meta && typeof meta === 'object') {
        // 2026-07-28: protocol version and client identity travel on every request.
        const m = meta as Json;
        const version = str(m[META_PROTOCOL_VERSION]);
        if (version !== undefined) {
          op.protocolVersion = version;
          const level = m[META_LOG_LEVEL];
          op.requestLogLevel = isMcpLogLevel(level) ? level : undefined;
        }
        const info = m[META_CLIENT_INFO];
        if (info && typeof info === 'object') {
          op.clientName = str((info as Json).name);
          op.clientVersion = str((info as Json).version);
        }
      }
      if (method === 'initialize') {
        const info = p.clientInfo;
        if (info && typeof info === 'object') {
          this._clientName = str((info as Json).name);
          this._clientVersion = str((info as Json).version);
        }
        op.protocolVersion ??= str(p.protocolVersion);
      }
    }
    op.protocolVersion ??= this._protocolVersion;
    if (op.clientName === undefined && this._clientName !== undefined) {
      op.clientName = this._clientName;
      op.clientVersion = this._clientVersion;
    }
    const sessionId = this._transport.sessionId;
    if (typeof sessionId === 'string') op.sessionId = sessionId;
    map.set(id, op);
    this._hub.operationStarted(op);
    return op;
  }

  /** Trace and span ids go on the record (logs, exemplars) only for a real, sampled span. */
  private _noteIds(op: Pending, span: Span): void {
    const ids = span.spanContext();
    if (!span.isRecording() || /^0+$/.test(ids.traceId)) return;
    op.traceId = ids.traceId;
    op.spanId = ids.spanId;
  }

  private _refuse(msg: Json, method: string, id: string | number): typeof REFUSED {
    this._newOperation('server', msg, method, id, this._inflight);
    const reply = { jsonrpc: '2.0', id, error: { ...SHUTTING_DOWN } };
    // Through the observed send, so the refusal is recorded like any other reply.
    this._transport.send(reply as never).catch((error: unknown) => this._hub.internalError(error, 'refuse'));
    return REFUSED;
  }

  private _startServerOperation(msg: Json, method: string, id: string | number): Runner | undefined {
    const op = this._newOperation('server', msg, method, id, this._inflight);
    if (op === undefined) return undefined;
    const params = msg.params as Json | undefined;
    if (method === 'logging/setLevel' && isMcpLogLevel(params?.level))
      this._setLevelRequests.set(id, params.level);
    const meta = params?._meta as Json | undefined;
    let otel: Context | undefined;
    const tracer = this._hub.tracer;
    if (tracer?.enabled) {
      const started = tracer.start(op, { side: 'server', method, target: this._hub.spanTarget(op), meta });
      op.span = started.span;
      otel = started.context;
      this._noteIds(op, started.span);
    }
    if (!this._hub.contextEnabled) {
      if (otel === undefined) return undefined;
      const hub = this._hub;
      const active = otel;
      return { enter: (fn) => hub.withOtelContext(active, fn) };
    }
    const token = meta?.progressToken;
    op.context = new OperationContext(op, this._channel, isId(token) ? token : undefined, otel, this._hub);
    return op.context;
  }

  private _startClientOperation(msg: Json, method: string, id: string | number): void {
    const op = this._newOperation('client', msg, method, id, this._outbound);
    const tracer = this._hub.tracer;
    if (op === undefined || !tracer?.enabled) return;
    // A CLIENT span, child of whatever is active (the handler's SERVER span), carried to the peer in _meta.
    const started = tracer.start(op, {
      side: 'client',
      method,
      target: this._hub.spanTarget(op),
      meta: undefined,
    });
    op.span = started.span;
    this._noteIds(op, started.span);
    if (msg.params === undefined) msg.params = {};
    if (msg.params !== null && typeof msg.params === 'object') {
      tracer.inject(started.context, msg.params as Json);
      // The message grew by the trace context it now carries: measure what goes on the wire.
      op.requestBytes = jsonByteLength(msg);
    }
  }

  private _notification(msg: Json, method: string): void {
    this._hub.notificationReceived(method, this.networkTransport);
    if (method === 'notifications/cancelled') {
      const params = msg.params as Json | undefined;
      const target = params?.requestId;
      if (!isId(target)) return;
      const op = this._inflight.get(target);
      if (!op) return;
      // The SDK sends no reply to a cancelled request: the cancellation ends the operation.
      this._inflight.delete(target);
      this._finish(op, 'cancelled', 'cancelled', str(params?.reason));
    }
  }

  private _endOperation(map: Map<string | number, Pending>, id: string | number, msg: Json): void {
    const op = map.get(id);
    if (!op) return;
    if (op.context !== undefined) {
      // The last coalesced progress value goes out before the reply, never after it.
      void op.context.flushProgress();
    }
    map.delete(id);
    op.responseBytes = jsonByteLength(msg);
    const error = msg.error;
    if (error && typeof error === 'object') {
      const code = (error as Json).code;
      const numeric = typeof code === 'number' ? code : undefined;
      op.errorCode = numeric;
      op.callerFault = numeric !== undefined && op.side === 'server' && CALLER_FAULT_CODES.has(numeric);
      this._finish(
        op,
        'error',
        numeric !== undefined ? String(numeric) : '_OTHER',
        str((error as Json).message),
      );
      return;
    }
    const result = msg.result && typeof msg.result === 'object' ? (msg.result as Json) : undefined;
    if (this._hub.capturePayloads && result !== undefined) op.result = result;
    if (result && op.side === 'server') this._inspectResult(op, result);
    if (result && op.method === 'tools/call' && result.isError === true) {
      const unknownTool = op.toolName !== undefined && this.server?.hasTool(op.toolName) === false;
      if (unknownTool) {
        // SDK v1 answers an unknown tool with an isError result; it is the caller's fault (-32602).
        op.errorCode = INVALID_PARAMS;
        op.callerFault = true;
        this._finish(op, 'error', String(INVALID_PARAMS), firstText(result));
      } else {
        this._finish(op, 'tool_error', 'tool_error', op.exception?.message ?? firstText(result));
      }
      return;
    }
    this._finish(op, 'ok', undefined, undefined);
  }

  private _inspectResult(op: Pending, result: Json): void {
    switch (op.method) {
      case 'initialize': {
        const version = str(result.protocolVersion);
        if (version !== undefined) {
          this._protocolVersion = version;
          op.protocolVersion = version;
        }
        const sessionId = this._transport.sessionId;
        if (typeof sessionId === 'string') op.sessionId = sessionId;
        const capabilities = result.capabilities;
        if (capabilities && typeof capabilities === 'object') {
          this._loggingDeclared = (capabilities as Json).logging !== undefined;
        }
        if (!this._session) {
          this._session = {
            sessionId: op.sessionId,
            protocolVersion: this._protocolVersion,
            clientName: this._clientName,
            clientVersion: this._clientVersion,
            networkTransport: this.networkTransport,
          };
          this._sessionStart = performance.now();
          this._hub.sessionStarted(this._session);
        }
        break;
      }
      case 'tools/list':
        this._hub.toolsListed(namesOf(result.tools));
        break;
      case 'logging/setLevel': {
        const level = this._setLevelRequests.get(op.jsonrpcId);
        if (level !== undefined) this._sessionLogLevel = level;
        break;
      }
      case 'prompts/list':
        this._hub.promptsListed(namesOf(result.prompts));
        break;
      default:
        break;
    }
  }

  private _finish(
    op: Pending,
    outcome: OperationRecord['outcome'],
    errorType: string | undefined,
    message: string | undefined,
  ): void {
    op.durationMs = performance.now() - op.startMono;
    op.outcome = outcome;
    // Cancelled or closed: no reply, so nothing more may be sent for this request.
    if (op.context !== undefined && (outcome === 'cancelled' || outcome === 'closed')) op.context.discard();
    if (op.method === 'logging/setLevel') this._setLevelRequests.delete(op.jsonrpcId);
    if (errorType !== undefined) op.errorType = errorType;
    if (message !== undefined) op.errorMessage = message;
    if (op.span !== undefined) {
      try {
        this._hub.tracer?.end(op.span, op);
      } catch (error) {
        this._hub.internalError(error, 'tracing');
      }
    }
    this._hub.operationEnded(op);
  }
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
const noop: AnyFn = () => undefined;

/**
 * Wraps whatever is assigned to a handler property (`onmessage`, `onclose`) so `before` runs first.
 * The wrapper is stored where the transport keeps the handler: in an own field, or through an
 * inherited accessor (SDK v1's Node HTTP transport delegates to an inner web-standard transport).
 * Code that chains handlers (`const prev = t.onmessage; t.onmessage = m => { prev(m); … }`) keeps
 * working, and `before` runs once per dispatch however deep the chain.
 */
function interceptHandler(
  target: object,
  property: string,
  always: boolean,
  before: (first: unknown) => Runner | typeof REFUSED | undefined | void,
): void {
  let depth = 0;
  const wrapped = new WeakSet<AnyFn>();
  const wrap = (fn: AnyFn | undefined): AnyFn | undefined => {
    if (fn === undefined && always) fn = noop;
    if (typeof fn !== 'function' || wrapped.has(fn)) return fn;
    const inner = fn;
    // Two fixed parameters (message, extra), as the Transport interface has: no array per message.
    const wrapper = function (this: unknown, first?: unknown, second?: unknown): unknown {
      const context = depth === 0 ? before(first) : undefined;
      if (context === REFUSED) return undefined;
      depth++;
      try {
        return context === undefined
          ? inner.call(this, first, second)
          : context.enter(() => inner.call(this, first, second));
      } finally {
        depth--;
      }
    };
    wrapped.add(wrapper);
    return wrapper;
  };

  let descriptor: PropertyDescriptor | undefined;
  for (let o: object | null = target; o && !descriptor; o = Object.getPrototypeOf(o) as object | null) {
    descriptor = Object.getOwnPropertyDescriptor(o, property);
  }
  if (descriptor?.set && descriptor.get) {
    const { get, set } = descriptor;
    Object.defineProperty(target, property, {
      configurable: true,
      enumerable: true,
      get(this: unknown) {
        return get.call(this) as unknown;
      },
      set(this: unknown, handler: AnyFn | undefined) {
        set.call(this, wrap(handler));
      },
    });
    set.call(target, wrap(get.call(target) as AnyFn | undefined));
    return;
  }
  let stored = wrap((target as Record<string, unknown>)[property] as AnyFn | undefined);
  Object.defineProperty(target, property, {
    configurable: true,
    enumerable: true,
    get: () => stored,
    set: (handler: AnyFn | undefined) => {
      stored = wrap(handler);
    },
  });
}

/** Returns the observer already attached to a transport, if any. */
export function transportObserverOf(transport: object): TransportObserver | undefined {
  return (transport as { [observedSym]?: TransportObserver })[observedSym];
}

/**
 * Wraps a transport's message stream. Idempotent: a second call returns the first observer, so
 * observing twice never double-counts. Errors inside mcpulse are reported to the hub, never thrown
 * into the transport.
 */
export function attachTransportObserver(
  hub: InstrumentHub,
  transport: TransportLike,
  options: ObserveTransportOptions = {},
): TransportObserver {
  const existing = transportObserverOf(transport);
  if (existing) return existing;
  const observer = new TransportObserver(hub, transport, options);
  Object.defineProperty(transport, observedSym, { value: observer, enumerable: false });

  interceptHandler(transport, 'onmessage', false, (message) => {
    try {
      return observer.inbound(message);
    } catch (error) {
      hub.internalError(error, 'inbound');
      return undefined;
    }
  });
  interceptHandler(transport, 'onerror', false, (error) => {
    try {
      hub.transportError(error, observer.networkTransport);
    } catch (internal) {
      hub.internalError(internal, 'transport-error');
    }
  });
  interceptHandler(transport, 'onclose', true, () => {
    try {
      observer.closed();
    } catch (error) {
      hub.internalError(error, 'close');
    }
  });

  type Send = (message: unknown, options?: unknown) => Promise<void>;
  const send = transport.send as unknown as Send;
  const observedSend = function (this: unknown, message: unknown, options?: unknown): Promise<void> {
    try {
      observer.outbound(message);
    } catch (error) {
      hub.internalError(error, 'outbound');
    }
    return send.call(this, message, options);
  };
  Object.defineProperty(transport, 'send', { configurable: true, writable: true, value: observedSend });

  // Node HTTP transports take the IncomingMessage: its socket names the client (client.address/port).
  const handleRequest = (transport as { handleRequest?: (...args: unknown[]) => unknown }).handleRequest;
  if (typeof handleRequest === 'function') {
    Object.defineProperty(transport, 'handleRequest', {
      configurable: true,
      writable: true,
      value: function (this: unknown, request: unknown, ...rest: unknown[]): unknown {
        try {
          observer.notePeer(request);
        } catch (error) {
          hub.internalError(error, 'peer');
        }
        return handleRequest.call(this, request, ...rest);
      },
    });
  }

  // Some transports never call onclose on close(); close() itself ends what is in flight.
  const close = (transport as { close?: () => Promise<void> }).close;
  if (typeof close === 'function') {
    Object.defineProperty(transport, 'close', {
      configurable: true,
      writable: true,
      value: async function (this: unknown): Promise<void> {
        try {
          return await close.call(this);
        } finally {
          try {
            observer.closed();
          } catch (error) {
            hub.internalError(error, 'close');
          }
        }
      },
    });
  }
  return observer;
}
