/**
 * Where log lines go: stderr (JSON, or human-readable through pino-pretty), and optionally rotated
 * files written by pino-roll.
 *
 * Plain stderr is today's behaviour: a synchronous sonic-boom on fd 2, no thread. As soon as files
 * (or pretty output) are wanted, every destination is served by ONE pino transport, a worker thread
 * fed through a shared-memory ring buffer, so a slow disk never blocks the request path.
 *
 * LEVELS ARE NUMERIC. A transport with several targets routes each line by reading its `level`
 * field in the worker; pino rejects a custom `formatters.level` together with `transport.targets`
 * and warns about it when handed a multi-target transport stream. mcpulse therefore writes pino's
 * default numeric levels everywhere (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal), on
 * stderr as well as in files, and nothing here depends on level labels.
 *
 * File naming (pino-roll 4): the extension is split off `path` and a number put before it, so
 * `logs/app.jsonl` is written as `logs/app.1.jsonl`, `logs/app.2.jsonl`, … and, when `daily` is on,
 * `logs/app.2025-08-19.1.jsonl` (the number restarts at 1 each day). A path without an extension
 * gets `.log`. The highest-numbered file (of the current day) is the one being written.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import { isatty } from 'node:tty';

import { pino, type DestinationStream, type TransportTargetOptions } from 'pino';
import { z } from 'zod';

import {
  booleanSchema,
  integerSchema,
  McpulseError,
  McpulseOptionError,
  must,
  parseOptions,
  showValue,
} from '../core/errors.js';

export interface LogFileOptions {
  /** Every level goes here, e.g. `logs/app.jsonl`. */
  path: string;
  /** Error and above also go here, e.g. `logs/errors.jsonl` (optional). */
  errorPath?: string;
  /** Rotate when a file exceeds this size: a number of bytes, or a string like `'10m'`, `'1g'`, `'512k'`; default `'10m'`. */
  maxSize?: number | string;
  /** Also rotate daily (the date becomes part of the file name); default true. */
  daily?: boolean;
  /** Files kept per log, the one being written included; older ones are deleted when rotating. Default 10. */
  keep?: number;
}

export interface LogOutputOptions {
  /** pino level name; lines below it are not written to stderr nor to `files.path`. */
  level: string;
  /** JSON lines on fd 2 (default true in mcpulse). */
  stderr: boolean;
  /** Human output on stderr through pino-pretty instead of JSON (for people on a TTY); no effect without `stderr`. */
  pretty: boolean;
  files?: LogFileOptions;
  /**
   * A failing destination (unwritable folder, disk full, the worker thread dying) is reported here,
   * once, instead of crashing the process. Default: a process warning.
   */
  onError?: (error: unknown) => void;
}

export interface LogOutputs {
  stream: DestinationStream;
  /** True when lines are written by a worker thread (pino transport). */
  threaded: boolean;
  /**
   * Resolves when every line written so far has been written to the files (handed to the OS with
   * write(2); not fsync'd). Stderr is best effort. Rejects if the writer thread has died.
   */
  flush(): Promise<void>;
  /** Writes what is pending, closes the files and waits for the worker thread to exit. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_SIZE = '10m';
const DEFAULT_KEEP = 10;
/** thread-stream gives up ending a worker after 10 s; the worker is then terminated. */
const CLOSE_TIMEOUT_MS = 15_000;

const requireHere = createRequire(import.meta.url);

function resolvePackage(name: string): string | undefined {
  try {
    return requireHere.resolve(name);
  } catch {
    return undefined;
  }
}

/** pino-roll's spelling of a size: a number and a unit (k, m or g). */
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)([kmg])$/i;
/** pino-roll refuses these (cross-platform file-name safety); refuse them up front, with the option's name. */
const BAD_PATH_CHARS = /[<>"|?*\0]/;
const MAX_KEEP = 10_000;

const filePathExpected = { ...must('a non-empty file path'), abort: true };
const filePath = z
  .string(filePathExpected)
  .min(1, filePathExpected)
  .max(4096, filePathExpected)
  .refine((path) => !BAD_PATH_CHARS.test(path) && !path.replace(/^[A-Za-z]:/, '').includes(':'), {
    error: 'must not contain < > " | ? * : or NUL',
    abort: true,
  })
  .refine((path) => !/[/\\]$/.test(path) && basename(path) !== '.' && basename(path) !== '..', {
    error: 'must name a file, not a folder',
  });
const sizeExpected = must('a positive whole number of bytes or a size like "10m", "512k", "1g"');

/** The `logFile` option; strict, so a misspelt key is an error naming it. */
export const logFileSchema = z.strictObject(
  {
    path: filePath,
    errorPath: filePath.optional(),
    maxSize: z
      .union(
        [
          z.int(sizeExpected).min(1, sizeExpected),
          z.string(sizeExpected).refine((size) => Number(SIZE_PATTERN.exec(size)?.[1]) > 0, sizeExpected),
        ],
        sizeExpected,
      )
      .optional(),
    daily: booleanSchema().optional(),
    keep: integerSchema(1, MAX_KEEP).optional(),
  },
  must('an object such as { path: "logs/app.jsonl" }'),
);

/**
 * Validates the `logFile` option (a bad value fails at startup with a message naming it) and fills in
 * the defaults.
 */
export function validateLogFileOptions(value: unknown): LogFileOptions {
  const input = parseOptions(logFileSchema, value, { name: 'logFile', prefix: 'logFile' });
  if (input.errorPath !== undefined && resolve(input.errorPath) === resolve(input.path)) {
    throw new McpulseOptionError(
      `mcpulse: logFile.errorPath must differ from logFile.path, got ${showValue(input.errorPath)} for both`,
    );
  }
  return {
    path: input.path,
    ...(input.errorPath !== undefined && { errorPath: input.errorPath }),
    maxSize: input.maxSize ?? DEFAULT_MAX_SIZE,
    daily: input.daily ?? true,
    keep: input.keep ?? DEFAULT_KEEP,
  };
}

/**
 * pino-roll reads a bare number as megabytes. Dividing a byte count by 2^20 is exact in floating
 * point, so pino-roll's `size * 1024 ** 2` gives back exactly the bytes asked for.
 */
function rollSize(size: number | string): number | string {
  return typeof size === 'number' ? size / 1024 ** 2 : size.toLowerCase();
}

function rollTarget(
  target: string,
  file: string,
  level: string,
  files: LogFileOptions,
): TransportTargetOptions {
  const daily = files.daily ?? true;
  return {
    target,
    level,
    options: {
      // Absolute, so the worker does not depend on a later process.chdir().
      file: resolve(file),
      size: rollSize(files.maxSize ?? DEFAULT_MAX_SIZE),
      ...(daily ? { frequency: 'daily', dateFormat: 'yyyy-MM-dd' } : {}),
      mkdir: true,
      // Without `removeOtherLogFiles`, pino-roll only counts the files this process created, so
      // every restart (and MCP stdio servers restart with each client) would leave files behind
      // forever. With it, the folder is scanned for `<name>[.<date>].<n>.<ext>` and the oldest go.
      limit: { count: files.keep ?? DEFAULT_KEEP, removeOtherLogFiles: true },
      // Synchronous writes *inside the worker thread* (the request path never waits for them): a
      // line the worker has taken is then already in the file, which makes `flush()` mean "written".
      sync: true,
    },
  };
}

function defaultOnError(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : String(error), { code: 'MCPULSE_LOG_OUTPUT' });
}

/** Today's behaviour: synchronous JSON lines on fd 2, no thread. */
function plainStderr(onError: (error: unknown) => void): LogOutputs {
  const stream = pino.destination({ fd: 2, sync: true });
  stream.on('error', onError);
  return {
    stream,
    threaded: false,
    flush: () => Promise.resolve(),
    // fd 2 belongs to the process: it is never closed here.
    close: () => Promise.resolve(),
  };
}

function discard(): LogOutputs {
  return {
    stream: { write: () => true },
    threaded: false,
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** What the worker holds for a stderr that does not keep up before it drops lines (as on the main thread). */
const STDERR_MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * thread-stream keeps what the worker has not taken yet in this thread's memory, with no limit short of
 * V8's largest string, and then writes synchronously, blocking the event loop: a disk that stalls or a
 * flood the files cannot take would grow memory without bound, then stall the server. While the worker
 * is behind, at most this much more is handed over; past it, lines are dropped ('drop', counted in
 * mcpulse_log_lines_dropped_total) until the worker catches up.
 */
const MAX_WAITING_BYTES = 16 * 1024 * 1024;

/** The transport as the logger sees it: the same stream, bounded as MAX_WAITING_BYTES says. */
class BoundedTransport extends EventEmitter implements DestinationStream {
  private _waiting = 0;

  constructor(private readonly _transport: Transport) {
    super();
    _transport.on('drain', () => {
      this._waiting = 0;
    });
  }

  write(data: string): boolean {
    const transport = this._transport;
    if (transport.writableNeedDrain) {
      if (this._waiting >= MAX_WAITING_BYTES) {
        this.emit('drop', data);
        return false;
      }
      this._waiting += Buffer.byteLength(data);
    }
    return transport.write(data);
  }

  flush(callback?: (error?: Error) => void): void {
    this._transport.flush(callback);
  }

  flushSync(): void {
    this._transport.flushSync();
  }

  end(): void {
    this._transport.end();
  }
}

/** thread-stream's complaints about a write after end(). */
const AFTER_END = /^the worker (?:is ending|has exited)$/;

/** thread-stream's `closed` and `writableNeedDrain`, left out of its type declarations. */
type Transport = ReturnType<typeof pino.transport> & {
  readonly closed?: boolean;
  readonly writableNeedDrain: boolean;
};

export function createLogOutputs(options: LogOutputOptions): LogOutputs {
  const onError = options.onError ?? defaultOnError;
  const pretty = options.pretty && options.stderr;
  const files = options.files === undefined ? undefined : validateLogFileOptions(options.files);
  if (files === undefined && !pretty) return options.stderr ? plainStderr(onError) : discard();

  const targets: TransportTargetOptions[] = [];
  if (pretty) {
    const prettyTarget = resolvePackage('pino-pretty');
    if (prettyTarget === undefined) {
      throw new McpulseError(
        'MCPULSE_DEPENDENCY_MISSING',
        'mcpulse: logPretty needs the optional package pino-pretty (npm install pino-pretty)',
      );
    }
    targets.push({
      target: prettyTarget,
      level: options.level,
      options: {
        destination: 2,
        sync: true,
        colorize: isatty(2),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      },
    });
  } else if (options.stderr) {
    // pino/file hands these to pino.destination in the worker: past 16 MiB waiting (a stderr nobody
    // reads), lines are dropped there instead of growing the worker's memory without bound.
    targets.push({
      target: 'pino/file',
      level: options.level,
      options: { destination: 2, maxLength: STDERR_MAX_PENDING_BYTES },
    });
  }
  if (files !== undefined) {
    const roll = resolvePackage('pino-roll');
    if (roll === undefined)
      throw new McpulseError(
        'MCPULSE_DEPENDENCY_MISSING',
        'mcpulse: log files need the package pino-roll (npm install pino-roll)',
      );
    targets.push(rollTarget(roll, files.path, options.level, files));
    if (files.errorPath !== undefined) targets.push(rollTarget(roll, files.errorPath, 'error', files));
  }

  const stream = pino.transport({ targets }) as Transport;
  let closing: Promise<void> | undefined;
  let reported = false;
  stream.on('error', (error: unknown) => {
    // After a failure every further write emits "the worker has exited": report the cause once.
    // Writes after close() are dropped silently, as with a closed pino destination.
    if (reported) return;
    if (closing !== undefined && AFTER_END.test(String((error as Error | undefined)?.message))) return;
    reported = true;
    onError(error);
  });

  /**
   * Resolves on the transport's 'close', which follows the worker's exit. pino unref()s the worker
   * when it becomes ready, which may happen after close() was called; the timer keeps the process
   * alive until then, and bounds the wait should 'close' never come.
   */
  const closed = (): Promise<void> =>
    new Promise<void>((done) => {
      if (stream.closed === true) return done();
      const finish = (): void => {
        clearTimeout(timer);
        stream.off('close', finish);
        done();
      };
      const timer = setTimeout(finish, CLOSE_TIMEOUT_MS);
      stream.once('close', finish);
    });

  return {
    stream: new BoundedTransport(stream),
    threaded: true,
    flush() {
      if (closing !== undefined) return closing;
      return new Promise<void>((done, failed) => {
        stream.flush((error) => {
          if (error) failed(new Error('mcpulse: the log writer thread has stopped', { cause: error }));
          else done();
        });
      });
    },
    close() {
      if (closing === undefined) {
        const whenClosed = closed();
        // end() hands over what is buffered, then waits (at most ~10 s, blocking) until every
        // target has closed its file; the worker then exits and 'close' follows.
        stream.end();
        closing = whenClosed;
      }
      return closing;
    },
  };
}
