/**
 * The graceful drain: counts server requests in flight, and once shutdown begins says so to readiness
 * and to the interception point (new requests are refused), then waits for what is in flight.
 */
import type { OperationSink } from '../instrument/pipeline.js';
import type { OperationRecord } from '../instrument/record.js';

export class Drain implements OperationSink {
  readonly name = 'drain';
  private _inflight = 0;
  private _accepting = true;
  private readonly _waiters: (() => void)[] = [];

  /** Server requests in flight. */
  get inflight(): number {
    return this._inflight;
  }

  /** False once the drain has begun: readiness fails and new requests are refused. */
  get accepting(): boolean {
    return this._accepting;
  }

  onStart(op: OperationRecord): void {
    if (op.side === 'server') this._inflight++;
  }

  onEnd(op: OperationRecord): void {
    if (op.side !== 'server') return;
    if (--this._inflight === 0 && this._waiters.length > 0)
      for (const done of this._waiters.splice(0)) done();
  }

  /** Stops accepting, then resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this._accepting = false;
    if (this._inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      // Not unref'ed: a drain in progress keeps the process alive until it ends or times out.
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this._waiters.push(done);
    });
  }
}
