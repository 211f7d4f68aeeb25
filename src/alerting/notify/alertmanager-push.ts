/**
 * The `mcpulse` receiver kind's other road: instead of notifying itself, mcpulse pushes every alert to
 * a real Alertmanager's `/api/v2/alerts`, as Prometheus 2.42's notifier does — a queue of at most
 * 10 000 alerts (full: the oldest are dropped), POSTed in batches of at most 64, one batch at a time,
 * each POST cut at a timeout (10 s) and not retried (the rule manager sends firing alerts again on
 * later evaluations; Alertmanager deduplicates). Counted per alert in mcpulse_notifications_total with
 * receiver and integration `alertmanager`: success, failed (the POST failed) or dropped.
 */
import type { Registry } from 'prom-client';

import { badOption } from '../../core/errors.js';
import { realClock, type Clock, type Timer } from '../clock.js';
import { notificationsCounter, type NotificationOutcome } from './delivery.js';
import { NO_HTTP_CONFIG, postJson } from './http-post.js';
import type { AlertSink, PostableAlert } from './types.js';

export interface AlertmanagerPushOptions {
  /** The Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix is kept). */
  readonly url: string;
  readonly registry: Registry;
  /** Per POST; default 10 s. */
  readonly timeoutMs?: number;
  /** Alerts waiting; default 10 000. */
  readonly queueCapacity?: number;
  /** Alerts per POST; default 64. */
  readonly maxBatchSize?: number;
  /** How long close() waits for the queue to drain; default 5 s. */
  readonly closeTimeoutMs?: number;
  /** A failed POST (status or network error, no secret), for the caller's throttled log. */
  readonly onFailure?: (error: string, alerts: number) => void;
  readonly onError?: (error: unknown, where: string) => void;
  readonly clock?: Clock;
}

const LABEL = 'alertmanager';

export class AlertmanagerPush implements AlertSink {
  private readonly _url: URL;
  private readonly _counter;
  private readonly _clock: Clock;
  private readonly _timeoutMs: number;
  private readonly _capacity: number;
  private readonly _batchSize: number;
  private readonly _closeTimeoutMs: number;
  private _queue: PostableAlert[] = [];
  private _sending: Promise<void> | undefined;
  private _inFlight: AbortController | undefined;
  private _closed = false;

  constructor(private readonly _options: AlertmanagerPushOptions) {
    this._url = alertsUrl(_options.url);
    this._counter = notificationsCounter(_options.registry);
    this._clock = _options.clock ?? realClock;
    this._timeoutMs = whole(_options.timeoutMs, 10_000, 'timeoutMs');
    this._capacity = whole(_options.queueCapacity, 10_000, 'queueCapacity');
    this._batchSize = whole(_options.maxBatchSize, 64, 'maxBatchSize');
    this._closeTimeoutMs = whole(_options.closeTimeoutMs, 5_000, 'closeTimeoutMs');
  }

  send(alerts: readonly PostableAlert[]): void {
    try {
      if (alerts.length === 0) return;
      if (this._closed) return this._count('dropped', alerts.length);
      this._queue.push(...alerts);
      const excess = this._queue.length - this._capacity;
      if (excess > 0) {
        this._queue.splice(0, excess);
        this._count('dropped', excess);
      }
      this._sending ??= this._drain();
    } catch (error) {
      this._report(error, 'alertmanager.send');
    }
  }

  async close(): Promise<void> {
    this._closed = true;
    if (!this._sending) return;
    let timer: Timer | undefined;
    const outOfTime = new Promise<void>(
      (resolve) => (timer = this._clock.setTimer(this._closeTimeoutMs, resolve)),
    );
    await Promise.race([this._sending, outOfTime]);
    timer?.cancel();
    if (this._sending === undefined) return;
    this._count('dropped', this._queue.splice(0).length);
    this._inFlight?.abort();
    await this._sending;
  }

  private async _drain(): Promise<void> {
    try {
      while (this._queue.length > 0) {
        const batch = this._queue.splice(0, this._batchSize);
        await this._post(batch);
      }
    } catch (error) {
      this._report(error, 'alertmanager.drain');
    } finally {
      this._sending = undefined;
    }
  }

  private async _post(batch: PostableAlert[]): Promise<void> {
    const controller = new AbortController();
    this._inFlight = controller;
    const timer = this._clock.setTimer(this._timeoutMs, () => controller.abort());
    try {
      await postJson({
        url: this._url,
        body: JSON.stringify(batch),
        http: NO_HTTP_CONFIG,
        signal: controller.signal,
      });
      this._count('success', batch.length);
    } catch (error) {
      this._count('failed', batch.length);
      try {
        this._options.onFailure?.(error instanceof Error ? error.message : String(error), batch.length);
      } catch (thrown) {
        this._report(thrown, 'alertmanager.onFailure');
      }
    } finally {
      timer.cancel();
      this._inFlight = undefined;
    }
  }

  private _count(outcome: NotificationOutcome, alerts: number): void {
    if (alerts === 0) return;
    try {
      this._counter.inc({ receiver: LABEL, integration: LABEL, outcome }, alerts);
    } catch (error) {
      this._report(error, 'alertmanager.count');
    }
  }

  private _report(error: unknown, where: string): void {
    try {
      this._options.onError?.(error, where);
    } catch {
      // nowhere left to report to
    }
  }
}

function alertsUrl(base: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = base.includes('@') ? 'a value with credentials' : JSON.stringify(base);
    throw badOption(`mcpulse: alertmanager url must be an http:// or https:// URL, got ${shown}`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return url;
}

function whole(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw badOption(`mcpulse: alertmanager ${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}
