/**
 * The operation record: one per request/response pair seen on an MCP transport. Every sink (metrics,
 * logs, later traces, store and alerts) consumes these, so they all agree on what happened.
 */

/** What happened to an operation (see docs/outcomes.md). */
export type Outcome = 'ok' | 'tool_error' | 'error' | 'cancelled' | 'closed';

/** `network.transport` of the OTel conventions: `pipe` for stdio, `tcp` for HTTP. */
export type NetworkTransport = 'pipe' | 'tcp';

/** Which side of the operation this process is on. */
export type OperationSide = 'server' | 'client';

export interface ExceptionInfo {
  /** The exception's class name, e.g. `TypeError`. */
  type: string;
  message: string;
  stack?: string;
}

export interface OperationRecord {
  /** `server`: an inbound request this server answered. `client`: a request this server sent (sampling, elicitation, roots). */
  side: OperationSide;
  /** Unique in this process; correlates log lines of one operation. */
  requestId: string;
  /** The JSON-RPC id as the peer sent it. */
  jsonrpcId: string | number;
  method: string;
  /** `params.name` of `tools/call`, as sent (metric labels use a guarded form). */
  toolName?: string;
  /** `params.name` of `prompts/get`. */
  promptName?: string;
  /** `params.uri` of resource methods; never a metric label. */
  resourceUri?: string;
  /** Only where the protocol has sessions (2025-11-25 and earlier). */
  sessionId?: string;
  protocolVersion?: string;
  clientName?: string;
  clientVersion?: string;
  networkTransport?: NetworkTransport;
  /**
   * The peer's address and port (`client.address`, `client.port`), where the transport shows them: Node
   * HTTP transports, from the socket of the HTTP request (on a session, the latest request's). Not known
   * for stdio, in-memory, or web-standard `Request` handlers.
   */
  clientAddress?: string;
  clientPort?: number;
  /** Wall-clock start, milliseconds since the epoch. */
  startTime: number;
  /** Monotonic duration in milliseconds (performance.now based). */
  durationMs: number;
  outcome: Outcome;
  /** `error.type` of the conventions: the JSON-RPC code as a string, `tool_error`, `cancelled` or `_OTHER`. */
  errorType?: string;
  /** JSON-RPC error code, when the reply was an error. */
  errorCode?: number;
  /** The error message (JSON-RPC error message, the `isError` text, or the cancellation reason). */
  errorMessage?: string;
  /** A tool that threw: its exception, kept although the SDK turned it into an `isError` result. */
  exception?: ExceptionInfo;
  /** True when the failure is the caller's fault (invalid params, unknown method or tool…). */
  callerFault: boolean;
  /** Size of the request message as JSON, in bytes. */
  requestBytes: number;
  /** Size of the reply as JSON, in bytes (absent when no reply was sent). */
  responseBytes?: number;
  /** `params.arguments` of tools/call and prompts/get: only when the `logPayloads` option is on. */
  arguments?: unknown;
  /** The reply's `result`: only when the `logPayloads` option is on. */
  result?: unknown;
  /** The operation's span, when tracing records it (hex ids). */
  traceId?: string;
  spanId?: string;
}

export function exceptionInfo(error: unknown): ExceptionInfo {
  if (error instanceof Error) {
    const info: ExceptionInfo = {
      type: error.constructor?.name || error.name || 'Error',
      message: error.message,
    };
    if (error.stack !== undefined) info.stack = error.stack;
    return info;
  }
  return { type: typeof error, message: String(error) };
}
