/**
 * A request's record while it is in flight, and the requests in flight one way on one transport, by
 * JSON-RPC id. Peers that reuse an id while a request
 * with it is in flight (buggy clients, fuzzers) get their requests queued behind each other: each reply
 * with that id ends the oldest, so every record ends.
 */
import {
  isMcpLogLevel,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  type McpLogLevel,
} from './conventions.js';
import { isId, str, type Json } from './message.js';
import { combineScopes, type ClientChannel, type InflightRequest, type RequestScope } from './pipeline.js';
import type { NetworkTransport, OperationRecord, OperationSide } from './record.js';

export type Pending = OperationRecord & {
  startMono: number;
  /** What the providers keep for this request (spans, the request context). */
  scope: RequestScope | undefined;
  progressToken: string | number | undefined;
  /** `_meta["io.modelcontextprotocol/logLevel"]` of a 2026-07-28 request; null when the request is 2025-era. */
  requestLogLevel: McpLogLevel | undefined | null;
  /** The next request in flight with the same JSON-RPC id (peers that reuse ids): it gets the next reply. */
  next: Pending | undefined;
};

/** Requests in flight one way, by JSON-RPC id; requests sharing an id queue behind each other. */
export class InflightMap {
  readonly byId = new Map<string | number, Pending>();
  size = 0;

  add(op: Pending): void {
    const head = this.byId.get(op.jsonrpcId);
    this.size++;
    if (head === undefined) {
      this.byId.set(op.jsonrpcId, op);
      return;
    }
    let tail = head;
    while (tail.next !== undefined) tail = tail.next;
    tail.next = op;
  }

  /** The oldest request with this id, removed. */
  take(id: string | number): Pending | undefined {
    const head = this.byId.get(id);
    if (head === undefined) return undefined;
    if (head.next === undefined) this.byId.delete(id);
    else this.byId.set(id, head.next);
    head.next = undefined;
    this.size--;
    return head;
  }

  has(op: OperationRecord): boolean {
    for (let p = this.byId.get(op.jsonrpcId); p !== undefined; p = p.next) if (p === op) return true;
    return false;
  }

  drain(): Pending[] {
    const all: Pending[] = [];
    for (const head of this.byId.values()) for (let p: Pending | undefined = head; p; p = p.next) all.push(p);
    this.byId.clear();
    this.size = 0;
    return all;
  }
}

/** A new record for a request as it starts; the caller fills in what the request and connection say. */
export function newPending(
  side: OperationSide,
  jsonrpcId: string | number,
  method: string,
  requestId: string,
  requestBytes: number,
  networkTransport: NetworkTransport | undefined,
): Pending {
  // Every field is present from the start, so all records share one hidden class (fast sinks).
  return {
    side,
    requestId,
    jsonrpcId,
    method,
    toolName: undefined,
    promptName: undefined,
    resourceUri: undefined,
    sessionId: undefined,
    protocolVersion: undefined,
    clientName: undefined,
    clientVersion: undefined,
    networkTransport,
    clientAddress: undefined,
    clientPort: undefined,
    startTime: Date.now(),
    startMono: performance.now(),
    durationMs: 0,
    outcome: 'ok',
    errorType: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    exception: undefined,
    callerFault: false,
    requestBytes,
    responseBytes: undefined,
    arguments: undefined,
    result: undefined,
    traceId: undefined,
    spanId: undefined,
    scope: undefined,
    progressToken: undefined,
    requestLogLevel: null,
    next: undefined,
  };
}

/**
 * Reads what the record keeps from a request's params: tool, prompt or resource, progress token, the
 * 2026-07-28 envelope in `_meta`, payloads when captured. Returns the client named by `initialize`.
 */
export function readParams(
  op: Pending,
  p: Json,
  capturePayloads: boolean,
): { name: string | undefined; version: string | undefined } | undefined {
  const method = op.method;
  if (capturePayloads && p.arguments !== undefined) op.arguments = p.arguments;
  if (method === 'tools/call') op.toolName = str(p.name);
  else if (method === 'prompts/get') op.promptName = str(p.name);
  else if (typeof p.uri === 'string') op.resourceUri = p.uri;
  const meta = p._meta;
  if (meta && typeof meta === 'object') {
    const m = meta as Json;
    const token = m.progressToken;
    if (isId(token)) op.progressToken = token;
    // 2026-07-28: protocol version and client identity travel on every request.
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
  if (method !== 'initialize') return undefined;
  op.protocolVersion ??= str(p.protocolVersion);
  const info = p.clientInfo;
  if (!info || typeof info !== 'object') return undefined;
  return { name: str((info as Json).name), version: str((info as Json).version) };
}

/** A request in flight as `pulse.context(extra)` finds it: its record, channel and scope. */
export function inflightRequest(op: Pending, channel: ClientChannel): InflightRequest {
  return {
    op,
    meta: undefined,
    progressToken: op.progressToken,
    channel,
    scope: op.scope,
    attach: (scope) => {
      op.scope = combineScopes(op.scope, scope);
    },
  };
}
