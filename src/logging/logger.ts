/**
 * The process logger: pino, JSON, to stderr by default, because stdout is the stdio transport's wire.
 */
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

import { pino, type DestinationStream, type Level, type Logger } from 'pino';

import type { OperationRecord } from '../instrument/record.js';
import { redact, redactedJson, redactText } from './redact.js';
import type { LineSampler } from './sampling.js';

/** Lines are written to a file in batches of about this size; flushed on shutdown. */
const FILE_BUFFER_BYTES = 4096;

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LoggerOptions {
  service: string;
  version: string;
  env: string;
  /** pino level; `silent` turns logging off. */
  level: string;
  /** A file descriptor (default 2, stderr), a file path, or any pino destination stream. */
  destination: number | string | DestinationStream;
  /** A failing destination (disk full, closed pipe) is reported here instead of crashing the process. */
  onError: (error: unknown) => void;
  /** Lines dropped because the destination could not keep up (more than MAX_PENDING_BYTES waiting). */
  onDrop?: () => void;
}

/**
 * A reader that stops reading stderr (some MCP clients never drain it) must not stall the server:
 * stderr and files are written asynchronously, and past this much waiting data lines are dropped and
 * counted instead of growing memory or blocking the event loop. pino flushes what is pending on exit.
 */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * Opens (creating its folder) a log file synchronously, at startup: a path that cannot be written
 * fails here with its name, rather than later inside pino where the error has no good place to go.
 */
function openLogFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`mcpulse: cannot open log file ${JSON.stringify(path)}: ${reason}`, { cause: error });
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const { destination } = options;
  const stream =
    typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: false, maxLength: MAX_PENDING_BYTES })
      : typeof destination === 'string'
        ? pino.destination({
            fd: openLogFile(destination),
            sync: false,
            minLength: FILE_BUFFER_BYTES,
            maxLength: MAX_PENDING_BYTES,
          })
        : destination;
  const emitter = stream as Partial<NodeJS.EventEmitter>;
  if (typeof emitter.on === 'function') {
    emitter.on('error', options.onError);
    const onDrop = options.onDrop;
    if (onDrop !== undefined) emitter.on('drop', () => onDrop());
  }
  return pino(
    {
      level: options.level,
      // pino's numeric levels (30 info, 40 warn, 50 error…): multi-target transports need them, and every
      // pino tool reads them.
      base: {
        pid: process.pid,
        hostname: hostname(),
        service: options.service,
        version: options.version,
        env: options.env,
      },
      // Secrets are censored by key at any depth in whatever a handler logs (mcpulse's own operation
      // lines carry no payloads unless logPayloads is on, and those are redacted when written).
      formatters: { log: (object) => redact(object) as Record<string, unknown> },
    },
    stream,
  );
}

function levelOf(op: OperationRecord): Level {
  switch (op.outcome) {
    case 'ok':
    case 'cancelled':
      return 'info';
    case 'tool_error':
      return op.exception ? 'error' : 'warn';
    case 'error':
      return op.callerFault ? 'warn' : 'error';
    case 'closed':
      return 'warn';
  }
}

function redactedException(
  exception: NonNullable<OperationRecord['exception']>,
): OperationRecord['exception'] {
  const copy = { type: exception.type, message: redactText(exception.message) } as NonNullable<
    OperationRecord['exception']
  >;
  if (exception.stack !== undefined) copy.stack = redactText(exception.stack);
  return copy;
}

/** The fields of an operation's log line, in a fixed order. */
/** `payloadBytes`: the byte cap of logged arguments and results; undefined when they are not logged. */
function fieldsOf(op: OperationRecord, payloadBytes: number | undefined): Record<string, unknown> {
  const line: Record<string, unknown> = {
    request_id: op.requestId,
    jsonrpc_id: op.jsonrpcId,
    method: op.method,
    outcome: op.outcome,
    duration_ms: Math.round(op.durationMs * 1000) / 1000,
  };
  if (op.side === 'client') line.side = 'client';
  if (op.sessionId !== undefined) line.session_id = op.sessionId;
  if (op.toolName !== undefined) line.tool = op.toolName;
  if (op.promptName !== undefined) line.prompt = op.promptName;
  if (op.resourceUri !== undefined) line.resource_uri = op.resourceUri;
  if (op.clientName !== undefined) line.client = op.clientName;
  if (op.clientVersion !== undefined) line.client_version = op.clientVersion;
  if (op.protocolVersion !== undefined) line.protocol_version = op.protocolVersion;
  if (op.networkTransport !== undefined) line.network_transport = op.networkTransport;
  if (op.traceId !== undefined) {
    line.trace_id = op.traceId;
    line.span_id = op.spanId;
  }
  if (op.errorType !== undefined) line.error_type = op.errorType;
  if (op.errorCode !== undefined) line.error_code = op.errorCode;
  if (op.errorMessage !== undefined) line.error_message = redactText(op.errorMessage);
  if (op.exception) line.exception = redactedException(op.exception);
  line.request_bytes = op.requestBytes;
  if (op.responseBytes !== undefined) line.response_bytes = op.responseBytes;
  if (payloadBytes !== undefined && op.arguments !== undefined)
    line.arguments = redactedJson(op.arguments, payloadBytes);
  if (payloadBytes !== undefined && op.result !== undefined)
    line.result = redactedJson(op.result, payloadBytes);
  return line;
}

const q = JSON.stringify;

/**
 * The same members as `fieldsOf`, serialised directly: one string built per operation instead of an
 * object and its serialisation. The test pins it to `fieldsOf` through pino.
 */
function fieldsJson(op: OperationRecord, payloadBytes: number | undefined): string {
  let out = `"request_id":${q(op.requestId)},"jsonrpc_id":${q(op.jsonrpcId)},"method":${q(op.method)},"outcome":"${op.outcome}","duration_ms":${Math.round(op.durationMs * 1000) / 1000}`;
  if (op.side === 'client') out += ',"side":"client"';
  if (op.sessionId !== undefined) out += `,"session_id":${q(op.sessionId)}`;
  if (op.toolName !== undefined) out += `,"tool":${q(op.toolName)}`;
  if (op.promptName !== undefined) out += `,"prompt":${q(op.promptName)}`;
  if (op.resourceUri !== undefined) out += `,"resource_uri":${q(op.resourceUri)}`;
  if (op.clientName !== undefined) out += `,"client":${q(op.clientName)}`;
  if (op.clientVersion !== undefined) out += `,"client_version":${q(op.clientVersion)}`;
  if (op.protocolVersion !== undefined) out += `,"protocol_version":${q(op.protocolVersion)}`;
  if (op.networkTransport !== undefined) out += `,"network_transport":"${op.networkTransport}"`;
  if (op.traceId !== undefined) out += `,"trace_id":"${op.traceId}","span_id":"${op.spanId}"`;
  if (op.errorType !== undefined) out += `,"error_type":${q(op.errorType)}`;
  if (op.errorCode !== undefined) out += `,"error_code":${op.errorCode}`;
  if (op.errorMessage !== undefined) out += `,"error_message":${q(redactText(op.errorMessage))}`;
  if (op.exception) out += `,"exception":${q(redactedException(op.exception))}`;
  out += `,"request_bytes":${op.requestBytes}`;
  if (op.responseBytes !== undefined) out += `,"response_bytes":${op.responseBytes}`;
  if (payloadBytes !== undefined) {
    if (op.arguments !== undefined) out += `,"arguments":${q(redactedJson(op.arguments, payloadBytes))}`;
    if (op.result !== undefined) out += `,"result":${q(redactedJson(op.result, payloadBytes))}`;
  }
  return out;
}

function messageOf(op: OperationRecord): string {
  const target = op.toolName ?? op.promptName;
  return target === undefined ? `${op.method} ${op.outcome}` : `${op.method} ${target} ${op.outcome}`;
}

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * Writes the one line that ends an operation. With a logger mcpulse built itself (known options: no
 * hooks, serializers or redaction), the line goes straight to pino's destination in pino's own
 * format; pino's generic serializer costs more per operation than all the metrics together
 * (BENCHMARKS.md). With a logger the user passed in, it goes through pino as usual.
 */
export class OperationLog {
  private readonly _stream: { write(line: string): unknown } | undefined;
  private readonly _bindings: string | undefined;
  /**
   * Lines not yet handed to the destination. sonic-boom measures its whole pending chunk on every
   * write, which costs microseconds per line when the event loop is busy; handing it one batch per
   * ~16 KB (or per loop turn) keeps that off the request path.
   */
  private _pending = '';
  private _drainScheduled = false;

  constructor(
    private readonly _logger: Logger,
    owned: boolean,
    private readonly _batch: boolean,
    private readonly _sampler?: LineSampler,
    private readonly _payloadBytes?: number,
  ) {
    const internals = _logger as unknown as PinoInternals;
    const stream = internals[pino.symbols.streamSym] as { write?: unknown } | undefined;
    const bindings = internals[pino.symbols.chindingsSym];
    if (owned && typeof stream?.write === 'function' && typeof bindings === 'string') {
      this._stream = stream as { write(line: string): unknown };
      this._bindings = bindings;
    }
  }

  write(op: OperationRecord): void {
    const level = levelOf(op);
    if (!this._logger.isLevelEnabled(level)) return;
    if (this._sampler !== undefined && !this._sampler.keep(op.outcome)) return;
    if (this._stream === undefined) {
      this._logger[level](fieldsOf(op, this._payloadBytes), messageOf(op));
      return;
    }
    const line = `{"level":${pino.levels.values[level]},"time":${Date.now()}${this._bindings},${fieldsJson(op, this._payloadBytes)},"msg":${JSON.stringify(messageOf(op))}}\n`;
    if (!this._batch) {
      this._stream.write(line);
      return;
    }
    this._pending += line;
    if (this._pending.length >= BATCH_CHARS) this.drain();
    else if (!this._drainScheduled) {
      this._drainScheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Writes what is buffered synchronously; for process exit, when no callback can run any more. */
  drainSync(): void {
    this.drain();
    try {
      (this._stream as { flushSync?: () => void } | undefined)?.flushSync?.();
    } catch {
      // A destination that cannot flush now (not open yet, closed) loses what it holds, as pino's would.
    }
  }

  /** Hands buffered lines to the destination; called before the logger is flushed. */
  drain(): void {
    this._drainScheduled = false;
    if (this._pending === '' || this._stream === undefined) return;
    const batch = this._pending;
    this._pending = '';
    this._stream.write(batch);
  }
}

const BATCH_CHARS = 16 * 1024;
