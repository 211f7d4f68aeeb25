/**
 * Request context: inside any MCP request handler, `requestContext()` returns the operation being
 * handled, a pino logger bound to it, logging to the MCP client and progress reporting.
 *
 * It travels with AsyncLocalStorage, entered where the transport delivers a request to the SDK, so it
 * survives awaits, timers and nested calls and never leaks between concurrent requests. On Node 20
 * AsyncLocalStorage makes every promise in the process slower (BENCHMARKS.md measures it); the
 * `context: false` option of `createMcpulse` turns it off. With tracing and a context manager registered
 * (itself an AsyncLocalStorage), the request context rides in the OpenTelemetry context instead: each
 * AsyncLocalStorage in use adds its own cost to every promise.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import { pino, type Logger } from 'pino';

import { badArgument } from '../core/errors.js';
import type { OperationRecord } from '../instrument/record.js';
import { redact } from './redact.js';

/** RFC 5424 levels, as MCP `notifications/message` uses them, in ascending severity. */
export const MCP_LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type McpLogLevel = (typeof MCP_LOG_LEVELS)[number];

const SEVERITY: Readonly<Record<string, number>> = Object.fromEntries(
  MCP_LOG_LEVELS.map((level, i) => [level, i]),
);

/** The server-log level an MCP log level is written at. */
const PINO_LEVEL: Readonly<Record<McpLogLevel, 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
};

export function isMcpLogLevel(value: unknown): value is McpLogLevel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY, value);
}

/** Sends log messages to the MCP client of the current request (and writes them to the server log). */
export type ClientLog = {
  /** Resolves true when the message was sent to the client, false when a rule held it back. */
  [L in McpLogLevel]: (data: unknown, logger?: string) => Promise<boolean>;
};

export interface RequestContext {
  /** False outside an MCP request: then the logger is the process logger and nothing reaches a client. */
  readonly active: boolean;
  /** The operation in flight (undefined outside a request). */
  readonly operation: Readonly<OperationRecord> | undefined;
  /** A pino logger whose lines carry this request's ids (request, JSON-RPC, session, method, tool, client). */
  readonly log: Logger;
  /** Logs to the MCP client: `notifications/message`, under the protocol's level rules. */
  readonly clientLog: ClientLog;
  /**
   * Reports progress with `notifications/progress`, only when the request carries a `progressToken`.
   * Values must increase: one that does not is dropped (the spec forbids sending it). At most 10 are
   * sent per second; in between, the latest value waits and goes out before the reply, never after.
   */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** What the transport observer provides to a request's context. */
export interface ContextChannel {
  readonly logger: Logger;
  /** Sends a notification on the request's own stream; rejects or resolves false when it could not. */
  notify(op: OperationRecord, method: string, params: Record<string, unknown>): Promise<boolean>;
  /** Whether the request is still awaiting its reply. */
  inFlight(op: OperationRecord): boolean;
  /** The level the client asked for (per session in 2025-11-25, per request in 2026-07-28), or undefined: send nothing. */
  clientLogLevel(op: OperationRecord): McpLogLevel | undefined;
  /** Token bucket shared by the connection; false when the message must be dropped. */
  takeClientLogToken(): boolean;
  dropped(kind: 'client_log' | 'progress', reason: string): void;
}

const storage = new AsyncLocalStorage<OperationContext>();
/** Finds the request context in the active OpenTelemetry context, when tracing carries it there. */
let otelLookup: (() => OperationContext | undefined) | undefined;

/** Installed by an mcpulse instance with tracing: where `requestContext()` looks first. */
export function setOtelContextLookup(lookup: () => OperationContext | undefined): void {
  otelLookup = lookup;
}

/** What runs a request inside its OpenTelemetry context (the mcpulse instance). */
export interface OtelRunner {
  withOtelContext<R>(context: never, fn: () => R): R;
  /**
   * The OpenTelemetry context with `request` stored in it, when the registered context manager follows
   * async calls (then no AsyncLocalStorage of mcpulse's own is needed); undefined otherwise.
   */
  carry(context: never, request: OperationContext): unknown;
}
let fallbackLogger: Logger = pino({ level: 'silent' });

/** The logger `requestContext()` returns outside a request: the latest mcpulse instance's. */
export function setFallbackLogger(logger: Logger): void {
  fallbackLogger = logger;
}

const PROGRESS_INTERVAL_MS = 100;

interface ProgressValue {
  progress: number;
  total: number | undefined;
  message: string | undefined;
}

/** One request's context. Created when the request arrives; most of it is built lazily. */
export class OperationContext implements RequestContext {
  readonly active = true;
  private _log: Logger | undefined;
  private _clientLog: ClientLog | undefined;
  private _lastProgress = -Infinity;
  private _lastSentAt = -Infinity;
  private _pending: ProgressValue | undefined;
  private _timer: NodeJS.Timeout | undefined;

  constructor(
    readonly operation: OperationRecord,
    private readonly _channel: ContextChannel,
    private readonly _progressToken: string | number | undefined,
    /** The OpenTelemetry context holding the operation's span, when tracing is on. */
    private readonly _otel?: unknown,
    private readonly _otelRunner?: OtelRunner,
  ) {}

  /** Runs the SDK's handling of the request inside this context (and its span's, if any). */
  enter<R>(fn: () => R): R {
    if (this._otel === undefined || this._otelRunner === undefined) return storage.run(this, fn);
    const runner = this._otelRunner;
    const carried = runner.carry(this._otel as never, this);
    if (carried !== undefined) return runner.withOtelContext(carried as never, fn);
    const otel = this._otel as never;
    return storage.run(this, () => runner.withOtelContext(otel, fn));
  }

  get log(): Logger {
    this._log ??= this._channel.logger.child(bindingsOf(this.operation));
    return this._log;
  }

  get clientLog(): ClientLog {
    if (this._clientLog === undefined) {
      const log = {} as ClientLog;
      for (const level of MCP_LOG_LEVELS) log[level] = (data, logger) => this._sendLog(level, data, logger);
      this._clientLog = log;
    }
    return this._clientLog;
  }

  /** An arrow property, so `const { progress } = requestContext()` works. */
  readonly progress = (progress: number, total?: number, message?: string): Promise<void> => {
    if (typeof progress !== 'number' || !Number.isFinite(progress)) {
      return Promise.reject(
        badArgument(`mcpulse: progress must be a finite number, got ${String(progress)}`),
      );
    }
    if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total))) {
      return Promise.reject(badArgument(`mcpulse: total must be a finite number, got ${String(total)}`));
    }
    if (this._progressToken === undefined || !this._channel.inFlight(this.operation))
      return Promise.resolve();
    const latest = this._pending?.progress ?? this._lastProgress;
    if (progress <= latest) {
      this._channel.dropped('progress', 'not_increasing');
      return Promise.resolve();
    }
    const value = { progress, total, message };
    const wait = this._lastSentAt + PROGRESS_INTERVAL_MS - performance.now();
    if (wait <= 0 && this._pending === undefined) return this._sendProgress(value);
    this._pending = value;
    this._timer ??= setTimeout(
      () => {
        this._timer = undefined;
        void this.flushProgress();
      },
      Math.max(0, wait),
    ).unref();
    return Promise.resolve();
  };

  /** Sends a coalesced progress value now; the observer calls it just before the reply goes out. */
  flushProgress(): Promise<void> {
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    const pending = this._pending;
    this._pending = undefined;
    return pending !== undefined && this._channel.inFlight(this.operation)
      ? this._sendProgress(pending)
      : Promise.resolve();
  }

  /** The request ended without a reply (cancelled, closed): nothing more may be sent. */
  discard(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
    this._pending = undefined;
  }

  private _sendProgress(value: ProgressValue): Promise<void> {
    this._lastProgress = value.progress;
    this._lastSentAt = performance.now();
    const params: Record<string, unknown> = { progressToken: this._progressToken, progress: value.progress };
    if (value.total !== undefined) params.total = value.total;
    if (value.message !== undefined) params.message = value.message;
    return this._channel.notify(this.operation, 'notifications/progress', params).then(() => undefined);
  }

  private _sendLog(level: McpLogLevel, data: unknown, logger: string | undefined): Promise<boolean> {
    const safe = redact(data);
    // The server log gets every entry, whatever the client asked for.
    const fields: Record<string, unknown> = { mcp_log_level: level, data: safe };
    if (logger !== undefined) fields.logger = logger;
    this.log[PINO_LEVEL[level]](fields, typeof safe === 'string' ? safe : 'client log');

    const threshold = this._channel.clientLogLevel(this.operation);
    if (threshold === undefined || (SEVERITY[level] ?? 0) < (SEVERITY[threshold] ?? 0))
      return Promise.resolve(false);
    if (!this._channel.inFlight(this.operation)) {
      this._channel.dropped('client_log', 'after_reply');
      return Promise.resolve(false);
    }
    if (!this._channel.takeClientLogToken()) {
      this._channel.dropped('client_log', 'rate_limited');
      return Promise.resolve(false);
    }
    const params: Record<string, unknown> = { level, data: safe ?? null };
    if (logger !== undefined) params.logger = logger;
    return this._channel.notify(this.operation, 'notifications/message', params);
  }
}

function bindingsOf(op: OperationRecord): Record<string, unknown> {
  const bindings: Record<string, unknown> = {
    request_id: op.requestId,
    jsonrpc_id: op.jsonrpcId,
    method: op.method,
  };
  if (op.sessionId !== undefined) bindings.session_id = op.sessionId;
  if (op.toolName !== undefined) bindings.tool = op.toolName;
  if (op.promptName !== undefined) bindings.prompt = op.promptName;
  if (op.clientName !== undefined) bindings.client = op.clientName;
  if (op.traceId !== undefined) {
    bindings.trace_id = op.traceId;
    bindings.span_id = op.spanId;
  }
  return bindings;
}

const idleClientLog = Object.fromEntries(
  MCP_LOG_LEVELS.map((level) => [level, () => Promise.resolve(false)]),
) as unknown as ClientLog;

const idle: RequestContext = {
  active: false,
  operation: undefined,
  get log() {
    return fallbackLogger;
  },
  clientLog: idleClientLog,
  progress: () => Promise.resolve(),
};

/**
 * The context of the MCP request being handled: call it anywhere inside a tool, prompt or resource
 * handler (or code they call). Outside a request it returns an inactive context whose logger is the
 * process logger and whose client log and progress do nothing.
 *
 * @example
 * const { log, clientLog, progress } = requestContext();
 * log.info({ city }, 'geocoding');
 * await clientLog.info(`geocoding ${city}`);
 * await progress(1, 3, 'geocoding');
 */
export function requestContext(): RequestContext {
  return otelLookup?.() ?? storage.getStore() ?? idle;
}

/** Which mechanism carries the current request context (for tests and diagnostics). */
export function requestContextCarrier(): 'opentelemetry' | 'async-local-storage' | undefined {
  if (otelLookup?.() !== undefined) return 'opentelemetry';
  return storage.getStore() === undefined ? undefined : 'async-local-storage';
}
