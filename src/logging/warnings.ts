/**
 * Warnings that a peer or a broken part could repeat at any rate (garbage frames, a sink that throws on
 * every record): the first of each burst is logged, the rest wait out the interval. Counting them is
 * the job of a metric; this only keeps the log readable.
 */
import type { Logger } from 'pino';

const INTERVAL_MS = 10_000;
/** Past this many distinct keys, new ones are logged every time rather than remembered. */
const MAX_KEYS = 100;

export class ThrottledWarnings {
  private readonly _lastAt = new Map<string, number>();

  constructor(
    private readonly _logger: Logger,
    private readonly _intervalMs = INTERVAL_MS,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    try {
      const now = Date.now();
      const last = this._lastAt.get(key);
      if (last !== undefined && now - last < this._intervalMs) return;
      if (this._lastAt.size < MAX_KEYS || last !== undefined) this._lastAt.set(key, now);
      this._logger.warn(fields, message);
    } catch {
      // Nothing left to report to.
    }
  }
}
