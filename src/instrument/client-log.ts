/**
 * The client-log rules of one connection: which level the client asked for (per session through
 * `logging/setLevel` in 2025-11-25, per request in `_meta` in 2026-07-28), whether the server declared
 * the `logging` capability, and the token bucket that bounds messages per second.
 */
import { performance } from 'node:perf_hooks';

import type { McpLogLevel } from './conventions.js';

export class ClientLogRules {
  /** `logging` capability from the initialize result (2025 era), once seen. */
  private _declared: boolean | undefined;
  /** Level from the session's last successful `logging/setLevel`. */
  private _sessionLevel: McpLogLevel | undefined;
  /** Levels asked for by `logging/setLevel` requests not yet answered, by JSON-RPC id. */
  private readonly _asked = new Map<string | number, McpLogLevel>();
  private _tokens: number;
  private _tokensAt = 0;

  constructor(
    /** Messages per second on the connection; the burst is twice that. */
    private readonly _rate: number,
    /** For a 2025-era session that never sent `logging/setLevel` (undefined: send nothing). */
    private readonly _defaultLevel: McpLogLevel | undefined,
  ) {
    this._tokens = _rate * 2;
  }

  /**
   * The level a request's messages must reach, or undefined: send nothing. `requestLevel` is the
   * 2026-07-28 request's own (null for a 2025-era request); `declares` asks the server whether it has
   * the capability, when the initialize reply did not say.
   */
  level(requestLevel: McpLogLevel | undefined | null, declares: () => boolean): McpLogLevel | undefined {
    if (!(this._declared ?? declares())) return undefined;
    // 2026-07-28: only the request's own _meta level counts; absent means send nothing.
    if (requestLevel !== null) return requestLevel;
    return this._sessionLevel ?? this._defaultLevel;
  }

  /** Takes a token from the bucket; false when the message must be dropped. */
  take(): boolean {
    const now = performance.now();
    this._tokens = Math.min(this._rate * 2, this._tokens + ((now - this._tokensAt) / 1000) * this._rate);
    this._tokensAt = now;
    if (this._tokens < 1) return false;
    this._tokens -= 1;
    return true;
  }

  /** The initialize reply's capabilities said whether the server has `logging`. */
  declared(logging: boolean): void {
    this._declared = logging;
  }

  /** A `logging/setLevel` request asked for `level`; it applies once answered with success. */
  asked(id: string | number, level: McpLogLevel): void {
    this._asked.set(id, level);
  }

  /** The `logging/setLevel` request `id` succeeded. */
  granted(id: string | number): void {
    const level = this._asked.get(id);
    if (level !== undefined) this._sessionLevel = level;
  }

  /** The `logging/setLevel` request `id` ended, however. */
  forget(id: string | number): void {
    this._asked.delete(id);
  }
}
