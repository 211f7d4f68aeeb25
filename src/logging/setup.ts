/**
 * The process's logging, put together from the options: the logger (mcpulse's own, or the user's), the
 * optional worker-thread outputs (files, pretty), the operation log sink, the flush at exit, and a
 * bounded flush at shutdown.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Registry } from 'prom-client';

import { abandonDestination, createLogger, ownDestination } from './logger.js';
import { OperationLog } from './operation-log.js';
import { createLogOutputs, type LogFileOptions, type LogOutputs } from './outputs.js';
import { LineSampler, type SamplingOptions } from './sampling.js';
import { ThrottledWarnings } from './warnings.js';

/** How long shutdown waits for a log destination to write what it holds before giving up on it. */
export const LOG_FLUSH_TIMEOUT_MS = 2_000;

export interface ProcessLoggingOptions {
  service: string;
  version: string;
  env: string;
  registry: Registry;
  logger: Logger | undefined;
  logLevel: string;
  logDestination: number | string | DestinationStream;
  logFile: LogFileOptions | undefined;
  logPretty: boolean;
  logStderr: boolean;
  logSampling: SamplingOptions | undefined;
  logPayloadBytes: number | undefined;
  /** A destination failed (disk full, closed pipe); never thrown. */
  onError(error: unknown): void;
  /** Lines dropped because the destination could not keep up. */
  onDrop(lines: number): void;
}

export class ProcessLogging {
  readonly logger: Logger;
  readonly operationLog: OperationLog;
  readonly warnings: ThrottledWarnings;
  private readonly _outputs: LogOutputs | undefined;
  private readonly _owned: boolean;
  private readonly _onExit: () => void;

  constructor(o: ProcessLoggingOptions) {
    this._owned = o.logger === undefined;
    if (this._owned && (o.logFile !== undefined || o.logPretty)) {
      this._outputs = createLogOutputs({
        level: o.logLevel,
        stderr: o.logStderr,
        pretty: o.logPretty,
        ...(o.logFile !== undefined && { files: o.logFile }),
        onError: o.onError,
      });
    }
    this.logger =
      o.logger ??
      createLogger({
        service: o.service,
        version: o.version,
        env: o.env,
        level: o.logLevel,
        destination:
          this._outputs?.stream ?? (o.logStderr ? o.logDestination : pino.destination('/dev/null')),
        onError: o.onError,
        onDrop: o.onDrop,
      });
    this.warnings = new ThrottledWarnings(this.logger);
    // Lines are batched wherever mcpulse made the destination (all asynchronous); a stream the user
    // passed in gets them one by one.
    this.operationLog = new OperationLog(
      this.logger,
      this._owned,
      typeof o.logDestination !== 'object' || this._outputs !== undefined,
      o.logSampling === undefined ? undefined : new LineSampler(o.logSampling, o.registry),
      o.logPayloadBytes,
      this.warnings,
    );
    const operationLog = this.operationLog;
    this._onExit = () => operationLog.drainSync();
    process.once('exit', this._onExit);
  }

  /**
   * Writes out what is buffered and waits until the destination has written it. One that cannot take
   * the rest (a stderr nobody reads, a log writer thread that is stuck) must not hold shutdown, nor the
   * exit after it: past LOG_FLUSH_TIMEOUT_MS this gives up, and mcpulse's own destination is abandoned
   * (what is pending is dropped, no retry is left to keep the process alive, later log calls do nothing).
   * Then the worker-thread outputs close.
   */
  async close(): Promise<void> {
    this.operationLog.drain();
    process.off('exit', this._onExit);
    const own = this._owned ? ownDestination(this.logger) : undefined;
    const written = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), LOG_FLUSH_TIMEOUT_MS);
      const done = (error?: Error | null) => {
        clearTimeout(timer);
        resolve(error === undefined || error === null);
      };
      try {
        if (own !== undefined) own.flush(done);
        else this.logger.flush(done);
      } catch {
        clearTimeout(timer);
        resolve(false);
      }
    });
    if (!written && own !== undefined) abandonDestination(own);
    await this._outputs?.close();
  }
}
