/**
 * Request context: inside an MCP request handler, the operation being handled, a pino logger bound to
 * it, logging to the MCP client and progress reporting.
 *
 * Two ways to reach it:
 * - explicit (the default, free): `pulse.context(extra)` with the `extra` argument every SDK handler
 *   receives, as the SDKs and FastMCP do it themselves;
 * - implicit: `requestContext()` anywhere below the handler. It travels with AsyncLocalStorage, which on
 *   Node 20 makes every promise in the process slower (BENCHMARKS.md), so it is opt-in (`context:
 *   'async'`). Where tracing registered a context manager (itself an AsyncLocalStorage), the request
 *   context rides in the OpenTelemetry context at no extra cost, and `requestContext()` works anyway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import { pino, type Logger } from 'pino';

import { badArgument } from '../core/errors.js';
import { MCP_LOG_LEVELS, type McpLogLevel } from '../instrument/conventions.js';
import {
  combineScopes,
  type ClientChannel,
  type ContextProvider,
  type DispatchedRequest,
  type InflightRequest,
  type RequestScope,
} from '../instrument/pipeline.js';
import type { OperationRecord } from '../instrument/record.js';
import { redact } from './redact.js';

export { MCP_LOG_LEVELS, isMcpLogLevel, type McpLogLevel } from '../instrument/conventions.js';

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
  /**
   * The operation's OpenTelemetry span, when tracing records one (an `@opentelemetry/api` `Span`);
   * undefined otherwise. Use it as the parent of your own spans where no context manager carries it.
   */
  readonly span: SpanLike | undefined;
}

/** The part of an OpenTelemetry `Span` mcpulse promises; the object is the real span. */
export interface SpanLike {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  setAttribute(key: string, value: string | number | boolean): unknown;
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): unknown;
  isRecording(): boolean;
}

const storage = new AsyncLocalStorage<OperationContext>();
/** Finds the request context in the active OpenTelemetry context, when tracing carries it there. */
let otelLookup: (() => OperationContext | undefined) | undefined;

/**
 * Installed by an mcpulse instance with tracing: where `requestContext()` looks first. Returns the
 * function that removes it again (at shutdown), if it is still the one installed.
 */
export function setOtelContextLookup(lookup: () => OperationContext | undefined): () => void {
  otelLookup = lookup;
  return () => {
    if (otelLookup === lookup) otelLookup = undefined;
  };
}

let fallbackLogger: Logger = pino({ level: 'silent' });

const silentLogger = fallbackLogger;

/**
 * The logger `requestContext()` returns outside a request: the latest mcpulse instance's. Returns the
 * function that puts the silent one back (at shutdown), if `logger` is still the one installed.
 */
export function setFallbackLogger(logger: Logger): () => void {
  fallbackLogger = logger;
  return () => {
    if (fallbackLogger === logger) fallbackLogger = silentLogger;
  };
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
    private readonly _channel: ClientChannel,
    private readonly _progressToken: string | number | undefined,
    private readonly _logger: Logger,
    readonly span: SpanLike | undefined,
  ) {}

  get log(): Logger {
    this._log ??= this._logger.child(bindingsOf(this.operation));
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
  span: undefined,
};

/** The inactive context: outside any request. */
export function idleContext(): RequestContext {
  return idle;
}

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

/** How the request context is reached: `explicit` through `pulse.context(extra)` only, `async` also through `requestContext()`. */
export type ContextMode = 'explicit' | 'async';

export interface RequestContextProviderOptions {
  readonly mode: ContextMode;
  readonly logger: Logger;
  /** The operation's span, from the scope tracing made (undefined without tracing). */
  readonly spanOf?: (scope: RequestScope | undefined) => SpanLike | undefined;
  /**
   * A scope entering `traceContext` with the request context stored in it, when the registered
   * OpenTelemetry context manager follows async calls; undefined otherwise.
   */
  readonly carry?: (traceContext: unknown, context: OperationContext) => RequestScope | undefined;
}

/**
 * The request-context provider. At dispatch it makes the context only where something will carry it
 * (an AsyncLocalStorage in `async` mode, the OpenTelemetry context where tracing propagates); otherwise
 * `pulse.context(extra)` makes it on first use, so a server that never asks pays nothing.
 */
export class RequestContextProvider implements ContextProvider {
  readonly name = 'request-context';
  /** Contexts already made, by operation, so `pulse.context(extra)` and `requestContext()` agree. */
  private readonly _made = new WeakMap<OperationRecord, OperationContext>();

  constructor(private readonly _options: RequestContextProviderOptions) {}

  dispatch(request: DispatchedRequest, outer: RequestScope | undefined): RequestScope | undefined {
    const async = this._options.mode === 'async';
    const traceContext = outer?.traceContext;
    if (!async && traceContext === undefined) return undefined;
    const context = this._make(request, outer);
    const carried = traceContext === undefined ? undefined : this._options.carry?.(traceContext, context);
    if (carried === undefined && !async) {
      // Nothing carries it: `pulse.context(extra)` will make it on first use.
      this._made.delete(request.op);
      return undefined;
    }
    const chained = combineScopes(outer, scopeOf(context));
    // Carried, the OpenTelemetry context holds both span and request context: one AsyncLocalStorage, not two.
    if (carried !== undefined) return { ...chained, enter: carried.enter!.bind(carried) };
    const enterOuter = chained.enter;
    return {
      ...chained,
      enter: <R>(fn: () => R): R =>
        storage.run(context, enterOuter === undefined ? fn : () => enterOuter(fn)),
    };
  }

  /** The context of a request found from a handler's `extra`; made now if dispatch did not. */
  contextOf(request: InflightRequest): OperationContext {
    const made = this._made.get(request.op);
    if (made !== undefined) return made;
    const context = this._make(request, request.scope);
    request.attach(scopeOf(context));
    return context;
  }

  private _make(request: DispatchedRequest, outer: RequestScope | undefined): OperationContext {
    const span = this._options.spanOf?.(outer);
    const context = new OperationContext(
      request.op,
      request.channel,
      request.progressToken,
      this._options.logger,
      span,
    );
    this._made.set(request.op, context);
    return context;
  }
}

/** What a request context adds to its request's scope: progress flushed before the reply, dropped without one. */
function scopeOf(context: OperationContext): RequestScope {
  return {
    beforeReply: () => void context.flushProgress(),
    end: (op) => {
      // Cancelled or closed: no reply, so nothing more may be sent for this request.
      if (op.outcome === 'cancelled' || op.outcome === 'closed') context.discard();
    },
  };
}
