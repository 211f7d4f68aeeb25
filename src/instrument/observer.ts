/**
 * Per-transport state behind the interception point: the requests in flight both ways, the 2025-era
 * session, and the client log channel of the connection. It turns each request and its reply into one
 * operation record and hands records, sessions and notifications to the pipeline.
 *
 * Somewhat over 400 lines on purpose: it is the one state machine of a connection's message stream,
 * and every message reads and moves most of it (the record itself and the client-log rules live in
 * inflight.ts and client-log.ts).
 */
import { performance } from 'node:perf_hooks';

import { CALLER_FAULT_CODES, INVALID_PARAMS, isMcpLogLevel, type McpLogLevel } from './conventions.js';
import { firstText, isDispatchedRequest, isId, namesOf, peerOf, str, type Json } from './message.js';
import { ClientLogRules } from './client-log.js';
import { InflightMap, inflightRequest, newPending, readParams, type Pending } from './inflight.js';
import type {
  ClientChannel,
  InflightIndex,
  InflightRequest,
  OperationPipeline,
  RequestScope,
  SessionInfo,
} from './pipeline.js';
import type { NetworkTransport, OperationRecord, OperationSide } from './record.js';
import { jsonByteLength } from './size.js';

/** The slice of the MCP `Transport` interface mcpulse relies on. */
export interface TransportLike {
  onmessage?: ((message: never, extra?: never) => void) | undefined;
  onclose?: (() => void) | undefined;
  send(message: never, options?: never): Promise<void>;
  sessionId?: string | undefined;
}

/** Something the SDK's handling of a request runs inside (the providers' scope). */
export interface Runner {
  enter<R>(fn: () => R): R;
}

/** What the server-level instrumentation can tell about the server behind a transport. */
export interface ServerView {
  /** Whether a tool name is registered; undefined when unknowable (low-level server without a tool registry). */
  hasTool(name: string): boolean | undefined;
  /** The capabilities the server declares, when it can say. */
  capabilities(): Record<string, unknown> | undefined;
}

/** The JSON-RPC error a request gets while the server shuts down (implementation-defined server error). */
export const SHUTTING_DOWN = {
  code: -32000,
  message: 'Server is shutting down; retry the request on another instance',
};

/** Returned by `inbound` for a request the observer answered itself: the SDK must not see it. */
export const REFUSED = Symbol('mcpulse.refused');

export class TransportObserver implements ClientChannel, InflightIndex {
  readonly networkTransport: NetworkTransport | undefined;
  /** Inbound requests awaiting our reply. */
  private readonly _inflight = new InflightMap();
  /** Requests sent to the peer (a server's sampling, elicitation, roots; an observed client's calls). */
  private readonly _outbound = new InflightMap();
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
  private readonly _clientLog: ClientLogRules;
  /** Ids cancelled in the read being handled (until the SDK's own cancellation runs), with the reason. */
  private _cancelling: Map<string | number, string | undefined> | undefined;

  constructor(
    private readonly _pipeline: OperationPipeline,
    private readonly _transport: TransportLike,
    networkTransport: NetworkTransport | undefined,
    /** Which end of the connection this process is: a server's transport, or an observed client's. */
    private readonly _role: OperationSide,
  ) {
    this.networkTransport = networkTransport;
    this._clientLog = new ClientLogRules(
      _pipeline.settings.clientLogRate,
      _pipeline.settings.defaultClientLogLevel,
    );
  }

  get sessionId(): string | undefined {
    const id = this._transport.sessionId;
    return typeof id === 'string' ? id : undefined;
  }

  // ClientChannel: what a request's context may send on this connection.

  notify(op: OperationRecord, method: string, params: Record<string, unknown>): Promise<boolean> {
    const kind = method === 'notifications/progress' ? 'progress' : 'client_log';
    try {
      return this._transport
        .send({ jsonrpc: '2.0', method, params } as never, { relatedRequestId: op.jsonrpcId } as never)
        .then(
          () => true,
          () => {
            this.dropped(kind, 'send_failed');
            return false;
          },
        );
    } catch {
      this.dropped(kind, 'send_failed');
      return Promise.resolve(false);
    }
  }

  inFlight(op: OperationRecord): boolean {
    return this._inflight.has(op);
  }

  clientLogLevel(op: OperationRecord): McpLogLevel | undefined {
    return this._clientLog.level(
      (op as Pending).requestLogLevel,
      () => this.server?.capabilities()?.logging !== undefined,
    );
  }

  takeClientLogToken(): boolean {
    return this._clientLog.take();
  }

  dropped(kind: 'client_log' | 'progress', reason: string): void {
    this._pipeline.settings.dropped(kind, reason);
  }

  // InflightIndex: finding a request from a handler's `extra`.

  get inflightCount(): number {
    return this._inflight.size;
  }

  only(): InflightRequest | undefined {
    if (this._inflight.size !== 1) return undefined;
    const [op] = this._inflight.byId.values();
    return op === undefined ? undefined : inflightRequest(op, this);
  }

  inflight(jsonrpcId: string | number): InflightRequest | undefined {
    const op = this._inflight.byId.get(jsonrpcId);
    return op === undefined ? undefined : inflightRequest(op, this);
  }

  /** Attaches an exception thrown inside a tool handler to its in-flight operation. */
  noteException(jsonrpcId: unknown, exception: OperationRecord['exception']): void {
    if (!isId(jsonrpcId)) return;
    const op = this._inflight.byId.get(jsonrpcId);
    if (op && exception) op.exception = exception;
  }

  /** Notes the socket behind an HTTP request the transport is about to handle (a Node `IncomingMessage`). */
  notePeer(request: unknown): void {
    const peer = peerOf(request);
    if (peer === undefined) return;
    this._peerAddress = peer.address;
    this._peerPort = peer.port;
  }

  /**
   * Records an inbound message; returns the scope the SDK should handle a request in, or REFUSED for a
   * request answered here because the server is shutting down.
   */
  inbound(message: unknown): Runner | typeof REFUSED | undefined {
    if (!message || typeof message !== 'object' || Array.isArray(message)) return undefined;
    const msg = message as Json;
    const method = msg.method;
    if (typeof method === 'string') {
      if (msg.id === undefined) this._notification(msg, method);
      else if (!isDispatchedRequest(msg)) return undefined;
      else if (!this._pipeline.settings.accepting())
        return this._refuse(msg, method, msg.id as string | number);
      else return this._startServerOperation(msg, method, msg.id as string | number);
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
    const wasBusy = this._inflight.size > 0;
    for (const map of [this._inflight, this._outbound]) {
      for (const op of map.drain()) this._finish(op, 'closed', '_OTHER', 'connection closed before a reply');
    }
    if (wasBusy) this._pipeline.busy(this, false);
    if (this._session) {
      const session = this._session;
      this._session = undefined;
      const durationSeconds = (performance.now() - this._sessionStart) / 1000;
      this._pipeline.session({ kind: 'end', session, durationSeconds });
    }
  }

  private _newOperation(
    side: OperationSide,
    msg: Json,
    method: string,
    id: string | number,
    map: InflightMap,
  ): Pending | undefined {
    const settings = this._pipeline.settings;
    if (map.size >= settings.maxInflightPerTransport) {
      settings.internalError(
        new Error(
          `more than ${settings.maxInflightPerTransport} requests in flight on one transport; not tracking ${method}`,
        ),
        'inflight-limit',
      );
      return undefined;
    }
    const op = newPending(
      side,
      id,
      method,
      settings.nextRequestId(),
      jsonByteLength(msg),
      this.networkTransport,
    );
    if (side === 'server') {
      op.clientAddress = this._peerAddress;
      op.clientPort = this._peerPort;
    }
    const params = msg.params;
    if (params && typeof params === 'object') {
      const client = readParams(op, params as Json, settings.capturePayloads);
      if (client !== undefined) {
        this._clientName = client.name;
        this._clientVersion = client.version;
      }
    }
    op.protocolVersion ??= this._protocolVersion;
    if (op.clientName === undefined && this._clientName !== undefined) {
      op.clientName = this._clientName;
      op.clientVersion = this._clientVersion;
    }
    const sessionId = this._transport.sessionId;
    if (typeof sessionId === 'string') op.sessionId = sessionId;
    map.add(op);
    if (map === this._inflight && map.size === 1) this._pipeline.busy(this, true);
    this._pipeline.started(op);
    return op;
  }

  private _refuse(msg: Json, method: string, id: string | number): typeof REFUSED {
    this._newOperation('server', msg, method, id, this._inflight);
    const reply = { jsonrpc: '2.0', id, error: { ...SHUTTING_DOWN } };
    // Through the observed send, so the refusal is recorded like any other reply.
    this._transport
      .send(reply as never)
      .catch((error: unknown) => this._pipeline.settings.internalError(error, 'refuse'));
    return REFUSED;
  }

  private _startServerOperation(msg: Json, method: string, id: string | number): Runner | undefined {
    const op = this._newOperation('server', msg, method, id, this._inflight);
    if (op === undefined) return undefined;
    const params = msg.params as Json | undefined;
    if (method === 'logging/setLevel' && isMcpLogLevel(params?.level))
      this._clientLog.asked(id, params.level);
    if (this._cancelling?.has(id) === true) {
      this._cancelAll(id, this._cancelling.get(id));
      return undefined;
    }
    if (!this._pipeline.dispatches) return undefined;
    const scope = this._pipeline.dispatch({
      op,
      meta: params?._meta as Json | undefined,
      progressToken: op.progressToken,
      channel: this,
    });
    op.scope = scope;
    return scope?.enter === undefined ? undefined : (scope as Runner);
  }

  private _startClientOperation(msg: Json, method: string, id: string | number): void {
    const op = this._newOperation('client', msg, method, id, this._outbound);
    if (op === undefined) return;
    const created = msg.params === undefined;
    const params = created ? {} : msg.params;
    if (params === null || typeof params !== 'object') return;
    op.scope = this._pipeline.outboundRequest(op, params as Json);
    if (op.scope === undefined) return;
    if (created) msg.params = params;
    // The message grew by what the providers added (trace context): measure what goes on the wire.
    op.requestBytes = jsonByteLength(msg);
  }

  private _notification(msg: Json, method: string): void {
    this._pipeline.notification({ method, side: this._role, networkTransport: this.networkTransport });
    if (method !== 'notifications/cancelled') return;
    const params = msg.params as Json | undefined;
    const target = params?.requestId;
    if (!isId(target)) return;
    // The SDK sends no reply to a cancelled request: the cancellation ends the operation. Requests
    // sharing the id cannot be told apart (nor does the SDK: it aborts whichever it holds under that
    // id), so all of them end here; a reply that still comes for one finds nothing in flight.
    const reason = str(params?.reason);
    this._cancelAll(target, reason);
    // The SDK handles the cancellation a microtask later, so it also aborts a request with that id
    // that arrives in the same read (it holds the newest one): such a request ends as cancelled too.
    if (this._cancelling === undefined) {
      this._cancelling = new Map();
      queueMicrotask(() => (this._cancelling = undefined));
    }
    this._cancelling.set(target, reason);
  }

  private _cancelAll(id: string | number, reason: string | undefined): void {
    for (let op = this._take(this._inflight, id); op !== undefined; op = this._take(this._inflight, id))
      this._finish(op, 'cancelled', 'cancelled', reason);
  }

  private _take(map: InflightMap, id: string | number): Pending | undefined {
    const op = map.take(id);
    if (op !== undefined && map === this._inflight && map.size === 0) this._pipeline.busy(this, false);
    return op;
  }

  private _endOperation(map: InflightMap, id: string | number, msg: Json): void {
    const head = map.byId.get(id);
    if (head === undefined) return;
    // Whatever must precede the reply (the last coalesced progress value) goes out first.
    if (head.scope?.beforeReply !== undefined) this._beforeReply(head.scope);
    const op = this._take(map, id)!;
    op.responseBytes = jsonByteLength(msg);
    const error = msg.error;
    if (error && typeof error === 'object') {
      const code = (error as Json).code;
      const numeric = typeof code === 'number' ? code : undefined;
      op.errorCode = numeric;
      op.callerFault = numeric !== undefined && op.side === 'server' && CALLER_FAULT_CODES.has(numeric);
      const type = numeric !== undefined ? String(numeric) : '_OTHER';
      this._finish(op, 'error', type, str((error as Json).message));
      return;
    }
    const result = msg.result && typeof msg.result === 'object' ? (msg.result as Json) : undefined;
    if (this._pipeline.settings.capturePayloads && result !== undefined) op.result = result;
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

  private _beforeReply(scope: RequestScope): void {
    try {
      scope.beforeReply!();
    } catch (error) {
      this._pipeline.settings.internalError(error, 'before-reply');
    }
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
          this._clientLog.declared((capabilities as Json).logging !== undefined);
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
          this._pipeline.session({ kind: 'start', session: this._session, durationSeconds: undefined });
        }
        break;
      }
      case 'tools/list':
        this._pipeline.settings.toolsListed(namesOf(result.tools));
        break;
      case 'logging/setLevel': {
        this._clientLog.granted(op.jsonrpcId);
        break;
      }
      case 'prompts/list':
        this._pipeline.settings.promptsListed(namesOf(result.prompts));
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
    if (op.method === 'logging/setLevel') this._clientLog.forget(op.jsonrpcId);
    if (errorType !== undefined) op.errorType = errorType;
    if (message !== undefined) op.errorMessage = message;
    const scope = op.scope;
    if (scope?.end !== undefined) {
      try {
        scope.end(op);
      } catch (error) {
        this._pipeline.settings.internalError(error, 'scope-end');
      }
    }
    this._pipeline.ended(op);
  }
}
