/**
 * The process logger: pino, JSON, to stderr by default, because stdout is the stdio transport's wire.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

import type { OperationRecord } from '../instrument/record.js';

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LoggerOptions {
  service: string;
  version: string;
  env: string;
  /** pino level; `silent` turns logging off. */
  level: string;
  /** A file descriptor (default 2, stderr), a file path, or any pino destination stream. */
  destination: number | string | DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const { destination } = options;
  const stream =
    typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: destination === 2 })
      : typeof destination === 'string'
        ? pino.destination({ dest: destination, sync: false, mkdir: true })
        : destination;
  return pino(
    {
      level: options.level,
      base: { service: options.service, version: options.version, env: options.env },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
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

/** Writes the one line that ends an operation. */
export function logOperation(logger: Logger, op: OperationRecord): void {
  const level = levelOf(op);
  if (!logger.isLevelEnabled(level)) return;
  const target = op.toolName ?? op.promptName;
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
  if (op.errorType !== undefined) line.error_type = op.errorType;
  if (op.errorCode !== undefined) line.error_code = op.errorCode;
  if (op.errorMessage !== undefined) line.error_message = op.errorMessage;
  if (op.exception) line.exception = op.exception;
  line.request_bytes = op.requestBytes;
  if (op.responseBytes !== undefined) line.response_bytes = op.responseBytes;
  logger[level](
    line,
    target === undefined ? `${op.method} ${op.outcome}` : `${op.method} ${target} ${op.outcome}`,
  );
}
