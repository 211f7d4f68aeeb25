/**
 * The process logger: pino, JSON, to stderr by default, because stdout is the stdio transport's wire.
 */
import { fstatSync, mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import sonicBoom, { type SonicBoom } from 'sonic-boom';

import { McpulseError } from '../core/errors.js';
import { redact } from './redact.js';

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
  onDrop?: (lines: number) => void;
}

/**
 * A reader that stops reading stderr (some MCP clients never drain it) must not stall the server:
 * stderr and files are written asynchronously, and past this much waiting data lines are dropped and
 * counted instead of growing memory or blocking the event loop. pino flushes what is pending on exit.
 */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * A full destination (a pipe nobody drains) is retried every 100 ms; the synchronous flush at process
 * exit gives up after this many retries in a row rather than holding the exit forever.
 */
export const EXIT_WRITE_RETRIES = 10;

/** The class: sonic-boom is CommonJS typed as an ES module, and its export carries itself as `default`. */
export const SonicBoomClass = sonicBoom.default;

/**
 * Where mcpulse itself writes (stderr, a file): sonic-boom, asynchronous and bounded, as
 * pino.destination makes it, but one that can be given up on (see `abandonDestination`). A reader that
 * went away (EPIPE) ends it at once, as pino's own destination does.
 */
function asyncDestination(fd: number, minLength: number): SonicBoom {
  if (fd === 2) nonBlockingStderr();
  const stream = new SonicBoomClass({ fd, sync: false, minLength, maxLength: MAX_PENDING_BYTES });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') abandonDestination(stream);
  });
  return stream;
}

/**
 * A write to a full pipe or socket that is in blocking mode holds a libuv thread in write(2) until
 * someone reads: forever with a host that never reads stderr, and then the process cannot exit either
 * (Node joins those threads at exit). libuv makes a pipe non-blocking when Node first builds
 * process.stderr over it, as any console.error does, but gives every child process it spawns blocking
 * stdio, and the mode belongs to the descriptor they all share: a child spawned earlier with inherited
 * stderr (tsx's esbuild, for one) leaves it blocking. So mcpulse builds process.stderr and sets the
 * mode once, when it starts writing to fd 2. A full pipe then answers EAGAIN, which sonic-boom retries
 * and a shutdown can give up on. Children spawned later turn it back (README, Logs).
 */
function nonBlockingStderr(): void {
  try {
    const stats = fstatSync(2);
    if (!stats.isFIFO() && !stats.isSocket()) return;
    // The handle's setBlocking is not documented; it is what the set-blocking package (yargs) calls.
    const handle = (
      process.stderr as unknown as { _handle?: { setBlocking?: (blocking: boolean) => number } }
    )._handle;
    handle?.setBlocking?.(false);
  } catch {
    // Not a descriptor this process can inspect: leave it as it is.
  }
}

/**
 * Stops a destination for good: what it holds is dropped, a pending retry is cancelled (sonic-boom 5;
 * 4 kept retrying, and once the reader came back, spun on empty writes), and every later write, flush or
 * end does nothing, where a destroyed sonic-boom would throw into whichever handler logs next. For a
 * reader gone (EPIPE) and a shutdown that gave up on a pipe nobody drains.
 */
export function abandonDestination(stream: SonicBoom): void {
  if ((stream as { destroyed?: boolean }).destroyed === true) return;
  // A write in flight when it is destroyed would otherwise arm another retry when it fails with EAGAIN
  // (sonic-boom reads this option at every failure).
  (stream as unknown as { retryEAGAIN: () => boolean }).retryEAGAIN = () => false;
  stream.write = () => true;
  stream.flush = (callback?: (error?: Error) => unknown) => void callback?.();
  stream.flushSync = () => undefined;
  stream.end = () => undefined;
  stream.destroy();
}

/** mcpulse's own destination behind a logger, when it made one (not a stream the user passed). */
export function ownDestination(logger: Logger): SonicBoom | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return stream instanceof SonicBoomClass ? stream : undefined;
}

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
    throw new McpulseError(
      'MCPULSE_LOG_OPEN_FAILED',
      `mcpulse: cannot open log file ${JSON.stringify(path)}: ${reason}`,
      {
        cause: error,
      },
    );
  }
}

/** Complete lines in a chunk handed to a destination (at least one: a chunk is one line or more). */
export function linesIn(data: unknown): number {
  if (typeof data !== 'string' && !Buffer.isBuffer(data)) return 1;
  let lines = 0;
  for (let at = data.indexOf('\n'); at !== -1; at = data.indexOf('\n', at + 1)) lines++;
  return Math.max(1, lines);
}

export function createLogger(options: LoggerOptions): Logger {
  const { destination } = options;
  const stream =
    typeof destination === 'number'
      ? asyncDestination(destination, 0)
      : typeof destination === 'string'
        ? asyncDestination(openLogFile(destination), FILE_BUFFER_BYTES)
        : destination;
  const emitter = stream as Partial<NodeJS.EventEmitter>;
  if (typeof emitter.on === 'function') {
    emitter.on('error', options.onError);
    const onDrop = options.onDrop;
    // What is dropped may be a batch of operation lines: count the lines, not the writes.
    if (onDrop !== undefined) emitter.on('drop', (data: unknown) => onDrop(linesIn(data)));
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
