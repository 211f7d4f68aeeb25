/**
 * The operation log: one line per operation record, in pino's format. Lines are built from cached,
 * pre-escaped fragments and written straight to mcpulse's own destination in batches (the hot path of
 * every request; BENCHMARKS.md). With a logger the user passed in, they go through pino as usual.
 */
import { pino, type Level, type Logger } from 'pino';

import type { OperationSink } from '../instrument/pipeline.js';
import type { NetworkTransport, OperationRecord } from '../instrument/record.js';
import { EXIT_WRITE_RETRIES, SonicBoomClass } from './logger.js';
import { redactedJson, redactText } from './redact.js';
import type { LineSampler } from './sampling.js';
import type { ThrottledWarnings } from './warnings.js';

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
    duration_ms: Math.round(op.durationMs * 1000) / 1000,
    request_bytes: op.requestBytes,
  };
  if (op.responseBytes !== undefined) line.response_bytes = op.responseBytes;
  line.method = op.method;
  line.outcome = op.outcome;
  if (op.side === 'client') line.side = 'client';
  if (op.toolName !== undefined) line.tool = op.toolName;
  if (op.promptName !== undefined) line.prompt = op.promptName;
  if (op.sessionId !== undefined) line.session_id = op.sessionId;
  if (op.clientName !== undefined) line.client = op.clientName;
  if (op.clientVersion !== undefined) line.client_version = op.clientVersion;
  if (op.protocolVersion !== undefined) line.protocol_version = op.protocolVersion;
  if (op.networkTransport !== undefined) line.network_transport = op.networkTransport;
  if (op.resourceUri !== undefined) line.resource_uri = op.resourceUri;
  if (op.traceId !== undefined) {
    line.trace_id = op.traceId;
    line.span_id = op.spanId;
  }
  if (op.errorType !== undefined) line.error_type = op.errorType;
  if (op.errorCode !== undefined) line.error_code = op.errorCode;
  if (op.errorMessage !== undefined) line.error_message = redactText(op.errorMessage);
  if (op.exception) line.exception = redactedException(op.exception);
  if (payloadBytes !== undefined && op.arguments !== undefined)
    line.arguments = redactedJson(op.arguments, payloadBytes);
  if (payloadBytes !== undefined && op.result !== undefined)
    line.result = redactedJson(op.result, payloadBytes);
  return line;
}

/**
 * `Math.round(ms * 1000) / 1000` as JSON writes it, from integers: printing a fractional double takes
 * V8 far longer than printing two small integers.
 */
export function millisecondsJson(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!Number.isSafeInteger(micros) || micros < 0) return JSON.stringify(Math.round(ms * 1000) / 1000);
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  if (fraction === 0) return String(whole);
  const three = fraction < 10 ? `00${fraction}` : fraction < 100 ? `0${fraction}` : String(fraction);
  // As JSON prints decimals: no trailing zeros.
  const digits = fraction % 100 === 0 ? three.slice(0, 1) : fraction % 10 === 0 ? three.slice(0, 2) : three;
  return `${whole}.${digits}`;
}

/** What JSON.stringify would escape in a string: quotes, backslashes, control characters, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Escaped forms of recent strings. Method, tool, client and version strings repeat on nearly every
 * line, and looking one up costs less than checking it for characters to escape.
 */
const escapedCache = new Map<string, string>();
const ESCAPED_CACHE_SIZE = 512;
const ESCAPED_CACHE_MAX_LENGTH = 128;

/** The inside of `JSON.stringify(s)` (no quotes): the string with JSON's escapes applied. */
function escapeOnce(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

/** `escapeOnce`, remembered for short strings. */
function esc(s: string): string {
  let escaped = escapedCache.get(s);
  if (escaped !== undefined) return escaped;
  escaped = escapeOnce(s);
  if (s.length <= ESCAPED_CACHE_MAX_LENGTH) {
    // Bounded: a client sending endless distinct names only empties the cache now and then.
    if (escapedCache.size >= ESCAPED_CACHE_SIZE) escapedCache.clear();
    escapedCache.set(s, escaped);
  }
  return escaped;
}

/**
 * What the operation is (method, outcome, side, tool or prompt) as line members, and the line's
 * message, both escaped. Consecutive operations are mostly of one kind, so the last one is kept: a
 * line is then built from a dozen pieces instead of forty.
 */
class KindFragment {
  method = '';
  outcome = '';
  side = '';
  tool: string | undefined = undefined;
  prompt: string | undefined = undefined;
  members = '';
  message = '';

  of(op: OperationRecord): this {
    if (
      op.method === this.method &&
      op.outcome === this.outcome &&
      op.side === this.side &&
      op.toolName === this.tool &&
      op.promptName === this.prompt
    )
      return this;
    this.method = op.method;
    this.outcome = op.outcome;
    this.side = op.side;
    this.tool = op.toolName;
    this.prompt = op.promptName;
    const method = esc(op.method);
    let members = `,"method":"${method}","outcome":"${op.outcome}"`;
    if (op.side === 'client') members += ',"side":"client"';
    if (op.toolName !== undefined) members += `,"tool":"${esc(op.toolName)}"`;
    if (op.promptName !== undefined) members += `,"prompt":"${esc(op.promptName)}"`;
    this.members = members;
    const target = op.toolName ?? op.promptName;
    this.message =
      target === undefined ? `${method} ${op.outcome}` : `${method} ${esc(target)} ${op.outcome}`;
    return this;
  }
}

/** Who is asking (session, client, protocol, transport) as line members: one value for a whole session. */
class PeerFragment {
  session: string | undefined = undefined;
  client: string | undefined = undefined;
  clientVersion: string | undefined = undefined;
  protocol: string | undefined = undefined;
  transport: string | undefined = undefined;
  members = '';

  of(op: OperationRecord): string {
    if (
      op.sessionId === this.session &&
      op.clientName === this.client &&
      op.clientVersion === this.clientVersion &&
      op.protocolVersion === this.protocol &&
      op.networkTransport === this.transport
    )
      return this.members;
    this.session = op.sessionId;
    this.client = op.clientName;
    this.clientVersion = op.clientVersion;
    this.protocol = op.protocolVersion;
    this.transport = op.networkTransport;
    let members = '';
    if (op.sessionId !== undefined) members += `,"session_id":"${esc(op.sessionId)}"`;
    if (op.clientName !== undefined) members += `,"client":"${esc(op.clientName)}"`;
    if (op.clientVersion !== undefined) members += `,"client_version":"${esc(op.clientVersion)}"`;
    if (op.protocolVersion !== undefined) members += `,"protocol_version":"${esc(op.protocolVersion)}"`;
    if (op.networkTransport !== undefined) members += `,"network_transport":"${op.networkTransport}"`;
    this.members = members;
    return members;
  }
}

/** Members only some operations have (resource, trace, failure, payloads), escaped; '' for most. */
function occasionalJson(op: OperationRecord, payloadBytes: number | undefined): string {
  let out = '';
  if (op.resourceUri !== undefined) out += `,"resource_uri":"${escapeOnce(op.resourceUri)}"`;
  if (op.traceId !== undefined) out += `,"trace_id":"${op.traceId}","span_id":"${op.spanId}"`;
  if (op.errorType !== undefined) out += `,"error_type":"${esc(op.errorType)}"`;
  if (op.errorCode !== undefined) out += `,"error_code":${op.errorCode}`;
  if (op.errorMessage !== undefined) out += `,"error_message":"${escapeOnce(redactText(op.errorMessage))}"`;
  if (op.exception) out += `,"exception":${JSON.stringify(redactedException(op.exception))}`;
  if (payloadBytes !== undefined) {
    if (op.arguments !== undefined)
      out += `,"arguments":${JSON.stringify(redactedJson(op.arguments, payloadBytes))}`;
    if (op.result !== undefined) out += `,"result":${JSON.stringify(redactedJson(op.result, payloadBytes))}`;
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
export class OperationLog implements OperationSink {
  readonly name = 'log';
  private readonly _stream: { write(line: string): unknown } | undefined;
  private readonly _bindings: string | undefined;
  /**
   * Lines not yet handed to the destination. sonic-boom measures its whole pending chunk on every
   * write, which costs microseconds per line when the event loop is busy; handing it one batch per
   * ~64 KB (or per BATCH_DELAY_MS) keeps that off the request path. Not per loop turn: a server on
   * stdio turns the loop once per request, and an immediate per line cost more than the line itself.
   */
  private _pending = '';
  private _drainScheduled = false;
  /** One timer for the life of the log, re-armed when a batch starts (no timer object per batch). */
  private _drainTimer: NodeJS.Timeout | undefined;
  private _timeAt = 0;
  private _timeText = '0';
  private readonly _kind = new KindFragment();
  private readonly _peer = new PeerFragment();

  constructor(
    private readonly _logger: Logger,
    owned: boolean,
    private readonly _batch: boolean,
    private readonly _sampler?: LineSampler,
    private readonly _payloadBytes?: number,
    private readonly _warnings?: ThrottledWarnings,
  ) {
    const internals = _logger as unknown as PinoInternals;
    const stream = internals[pino.symbols.streamSym] as { write?: unknown } | undefined;
    const bindings = internals[pino.symbols.chindingsSym];
    if (owned && typeof stream?.write === 'function' && typeof bindings === 'string') {
      this._stream = stream as { write(line: string): unknown };
      this._bindings = bindings;
      if (_batch) this._drainFirst(stream as BatchedStream);
    }
  }

  /**
   * Lines pino writes to the same destination (handler logs, mcpulse's own warnings), and flushes,
   * hand over the batched operation lines first: the destination sees every line in the order it was
   * logged, and a flush covers operation lines as well.
   */
  private _drainFirst(stream: BatchedStream): void {
    const drainPending = (): void => {
      if (this._pending !== '') this.drain();
    };
    for (const method of ['write', 'flush', 'flushSync'] as const) {
      const original = stream[method];
      if (typeof original !== 'function') continue;
      stream[method] = function (this: unknown, ...args: unknown[]): unknown {
        drainPending();
        return original.apply(this, args);
      };
    }
  }

  onEnd(op: OperationRecord): void {
    this.write(op);
  }

  /** A peer can send garbage at any rate: the first of each burst is logged (the metric counts them all). */
  onTransportError(error: unknown, networkTransport: NetworkTransport | undefined): void {
    this._warnings?.warn(
      `transport:${networkTransport ?? ''}`,
      { err: error, network_transport: networkTransport },
      'MCP transport error',
    );
  }

  flush(): void {
    this.drain();
  }

  write(op: OperationRecord): void {
    const level = levelOf(op);
    if (!this._logger.isLevelEnabled(level)) return;
    if (this._sampler !== undefined && !this._sampler.keep(op.outcome)) return;
    if (this._stream === undefined) {
      this._logger[level](fieldsOf(op, this._payloadBytes), messageOf(op));
      return;
    }
    const now = Date.now();
    if (now !== this._timeAt) {
      // Printing the clock costs more than reading it; lines of one millisecond share the text.
      this._timeAt = now;
      this._timeText = String(now);
    }
    const kind = this._kind.of(op);
    const id = typeof op.jsonrpcId === 'number' ? op.jsonrpcId : `"${escapeOnce(op.jsonrpcId)}"`;
    const response = op.responseBytes === undefined ? '' : `,"response_bytes":${op.responseBytes}`;
    // Request ids are mcpulse's own (hex and base-36 digits): nothing to escape.
    const line = `{"level":${pino.levels.values[level]},"time":${this._timeText}${this._bindings},"request_id":"${op.requestId}","jsonrpc_id":${id},"duration_ms":${millisecondsJson(op.durationMs)},"request_bytes":${op.requestBytes}${response}${kind.members}${this._peer.of(op)}${occasionalJson(op, this._payloadBytes)},"msg":"${kind.message}"}\n`;
    if (!this._batch) {
      this._stream.write(line);
      return;
    }
    this._pending += line;
    if (this._pending.length >= BATCH_CHARS) this.drain();
    else if (!this._drainScheduled) {
      this._drainScheduled = true;
      if (this._drainTimer === undefined) {
        this._drainTimer = setTimeout(() => this.drain(), BATCH_DELAY_MS);
        this._drainTimer.unref();
      } else {
        this._drainTimer.refresh();
      }
    }
  }

  /** Writes what is buffered synchronously; for process exit, when no callback can run any more. */
  drainSync(): void {
    this.drain();
    const stream = this._stream;
    try {
      // sonic-boom reads this at every retry (documented option, not in its types).
      if (stream instanceof SonicBoomClass)
        (stream as unknown as { maxWriteRetries: number }).maxWriteRetries = EXIT_WRITE_RETRIES;
      (stream as { flushSync?: () => void } | undefined)?.flushSync?.();
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

const BATCH_CHARS = 64 * 1024;
/** The longest an operation line waits in a batch (a line pino writes hands the batch over at once). */
const BATCH_DELAY_MS = 50;

type BatchedStream = Record<'write' | 'flush' | 'flushSync', ((...args: unknown[]) => unknown) | undefined>;
