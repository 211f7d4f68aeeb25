/**
 * Delivers notifications to integrations without ever blocking or throwing into the caller. Each
 * integration has its own bounded queue (full: the oldest waiting notification is dropped, counted) and
 * sends at most `concurrency` notifications at a time (so one group's retries to a slow receiver do
 * not hold up its other groups, which Alertmanager sends in parallel; one group's flushes never
 * overlap): an attempt is cut at a timeout (through its AbortSignal), a failure
 * worth a retry (5xx, 429, network, timeout: the integration's NotifyError.retry) is tried again after
 * an exponential backoff with full jitter, until it is delivered, a retry cannot help, the attempts run
 * out, the next try would pass the deadline or the caller's signal aborts. As Alertmanager's
 * RetryStage, an integration with send_resolved false gets only the firing alerts, and nothing (a
 * success) when none fire.
 *
 * notify() returns the final outcome, so the dispatcher writes its notification log only after a
 * delivery (Alertmanager's SetNotifiesStage runs after RetryStage): a promise that resolves true once
 * every integration got the message, false once one was given up or dropped; it never rejects.
 * Outcomes per notification and integration: mcpulse_notifications_total{receiver,integration,outcome}
 * with outcome `success`, `failed` (given up, or canceled by the caller's signal or close() in flight)
 * or `dropped` (queue overflow, canceled while queued, still queued when close() ran out of time, or
 * sent after close). The clock, the random source and so the timers are injectable for tests.
 */
import { Counter, type Registry } from 'prom-client';

import { badOption } from '../../core/errors.js';
import { realClock, type Clock, type Timer } from '../clock.js';
import { firingAlerts, withAlerts } from './message.js';
import { NotifyError, type Integration, type WebhookMessage } from './types.js';

export const METRIC_NOTIFICATIONS = 'mcpulse_notifications_total';
export type NotificationOutcome = 'success' | 'failed' | 'dropped';

/** A notification given up on: for the caller's (throttled) log. The error text holds no secret. */
export interface DeliveryFailure {
  readonly receiver: string;
  readonly integration: string;
  readonly index: number;
  readonly attempts: number;
  readonly error: string;
}

export interface DeliveryOptions {
  readonly registry: Registry;
  /** Errors inside mcpulse (an integration that throws something other than a NotifyError…). */
  readonly onError?: (error: unknown, where: string) => void;
  readonly onFailure?: (failure: DeliveryFailure) => void;
  /** Notifications waiting per integration; default 100. */
  readonly queueSize?: number;
  /** Notifications in flight per integration; default 4. */
  readonly concurrency?: number;
  /** Per attempt; default 10 s. */
  readonly attemptTimeoutMs?: number;
  /** Backoff before retry n is random() × min(max, base × 2^(n-1)); defaults 1 s and 60 s. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Attempts per notification; default 10. */
  readonly maxAttempts?: number;
  /** No retry starts later than this after the first attempt; default 5 min. */
  readonly deadlineMs?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
}

export interface NotifyOptions {
  /** Gives the notification up when it aborts: dropped while queued, its attempt cut and failed in flight. */
  readonly signal?: AbortSignal;
}

interface Entry {
  readonly receiver: string;
  readonly message: WebhookMessage;
  /** Aborted (its reason: why, for the failure) when the caller's signal or close() gives it up. */
  readonly cancel: AbortController;
  /** Counts the outcome and resolves notify()'s promise; only the first call counts. */
  settle(outcome: NotificationOutcome): void;
}

interface Lane {
  readonly integration: Integration;
  readonly queue: Entry[];
  /** The notifications being sent, one per worker (at most `concurrency`). */
  readonly inFlight: Set<Entry>;
}

/** The notifications counter in `registry`, shared by the delivery layer and the Alertmanager pusher. */
export function notificationsCounter(registry: Registry): Counter<'receiver' | 'integration' | 'outcome'> {
  const existing = registry.getSingleMetric(METRIC_NOTIFICATIONS);
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: METRIC_NOTIFICATIONS,
    help: 'Notifications by receiver and integration: delivered (success), given up after retries (failed), or dropped.',
    labelNames: ['receiver', 'integration', 'outcome'],
    registers: [registry],
  });
}

export class Delivery {
  private readonly _counter: Counter<'receiver' | 'integration' | 'outcome'>;
  private readonly _lanes = new Map<Integration, Lane>();
  private readonly _clock: Clock;
  private readonly _random: () => number;
  private readonly _queueSize: number;
  private readonly _concurrency: number;
  private readonly _attemptTimeoutMs: number;
  private readonly _backoffBaseMs: number;
  private readonly _backoffMaxMs: number;
  private readonly _maxAttempts: number;
  private readonly _deadlineMs: number;
  private _closed = false;
  private _idle: (() => void)[] = [];

  constructor(private readonly _options: DeliveryOptions) {
    this._counter = notificationsCounter(_options.registry);
    this._clock = _options.clock ?? realClock;
    this._random = _options.random ?? Math.random;
    this._queueSize = positive(_options.queueSize, 100, 'queueSize');
    this._concurrency = positive(_options.concurrency, 4, 'concurrency');
    this._attemptTimeoutMs = positive(_options.attemptTimeoutMs, 10_000, 'attemptTimeoutMs');
    this._backoffBaseMs = positive(_options.backoffBaseMs, 1_000, 'backoffBaseMs');
    this._backoffMaxMs = positive(_options.backoffMaxMs, 60_000, 'backoffMaxMs');
    this._maxAttempts = positive(_options.maxAttempts, 10, 'maxAttempts');
    this._deadlineMs = positive(_options.deadlineMs, 300_000, 'deadlineMs');
  }

  /**
   * Queues `message` for each of the receiver's integrations. Never throws, never waits: the promise
   * resolves true once every integration got it (or had nothing to get), false once one gave up or
   * dropped it; it never rejects.
   */
  notify(
    receiver: { readonly name: string; readonly integrations: readonly Integration[] },
    message: WebhookMessage,
    options: NotifyOptions = {},
  ): Promise<boolean> {
    const outcomes = receiver.integrations.map((integration) => {
      try {
        return this._enqueue(receiver.name, integration, message, options.signal);
      } catch (error) {
        this._report(error, 'notify.enqueue');
        return Promise.resolve(false);
      }
    });
    return Promise.all(outcomes).then((delivered) => delivered.every(Boolean));
  }

  /**
   * Stops taking notifications and waits for the queued ones, at most `timeoutMs` (default 5 s); then
   * aborts what is in flight (counted failed) and drops what still waits. Idempotent.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this._closed = true;
    if (this._lanes.size > 0) {
      let timer: Timer | undefined;
      await new Promise<void>((resolve) => {
        this._idle.push(resolve);
        timer = this._clock.setTimer(timeoutMs, resolve);
      });
      timer?.cancel();
    }
    if (this._lanes.size === 0) return;
    for (const lane of this._lanes.values()) {
      for (const entry of lane.queue.splice(0)) entry.settle('dropped');
      for (const entry of lane.inFlight) entry.cancel.abort('aborted by close()');
    }
    await new Promise<void>((resolve) => (this._lanes.size === 0 ? resolve() : this._idle.push(resolve)));
  }

  private _enqueue(
    receiver: string,
    integration: Integration,
    message: WebhookMessage,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let sent = message;
    if (!integration.sendResolved) {
      const firing = firingAlerts(message);
      if (firing.length === 0) return Promise.resolve(true);
      sent = withAlerts(message, firing);
    }
    if (this._closed || signal?.aborted) {
      this._count(receiver, integration, 'dropped');
      return Promise.resolve(false);
    }
    let lane = this._lanes.get(integration);
    if (!lane) {
      lane = { integration, queue: [], inFlight: new Set() };
      this._lanes.set(integration, lane);
    }
    const queued = lane;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const entry: Entry = {
        receiver,
        message: sent,
        cancel: new AbortController(),
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          this._count(receiver, integration, outcome);
          resolve(outcome === 'success');
        },
      };
      const onAbort = () => this._cancel(queued, entry, signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      queued.queue.push(entry);
      while (queued.queue.length > this._queueSize) queued.queue.shift()!.settle('dropped');
      if (queued.inFlight.size < this._concurrency) void this._run(queued);
    });
  }

  /** The caller gave `entry` up: dropped while it waits, its attempt or backoff cut when in flight. */
  private _cancel(lane: Lane, entry: Entry, reason: unknown): void {
    const waiting = lane.queue.indexOf(entry);
    if (waiting >= 0) {
      lane.queue.splice(waiting, 1);
      return entry.settle('dropped');
    }
    entry.cancel.abort(`canceled: ${reason instanceof Error ? reason.message : 'by the caller'}`);
  }

  /** One worker of the lane: sends what waits, one at a time; the last one out removes the lane. */
  private async _run(lane: Lane): Promise<void> {
    for (let entry = lane.queue.shift(); entry; entry = lane.queue.shift()) {
      lane.inFlight.add(entry);
      let outcome: NotificationOutcome = 'failed';
      try {
        outcome = await this._deliver(lane.integration, entry);
      } catch (error) {
        this._report(error, 'notify.deliver');
      }
      lane.inFlight.delete(entry);
      entry.settle(outcome);
    }
    if (lane.inFlight.size > 0) return;
    this._lanes.delete(lane.integration);
    if (this._lanes.size === 0) for (const resolve of this._idle.splice(0)) resolve();
  }

  /** Attempts until delivered or given up; the outcome is the caller's to count. */
  private async _deliver(integration: Integration, entry: Entry): Promise<NotificationOutcome> {
    const started = this._clock.now();
    const cancel = entry.cancel.signal;
    for (let attempt = 1; ; attempt++) {
      const error = await this._attempt(integration, entry.message, cancel);
      if (error === undefined) return 'success';
      const delay = this._random() * Math.min(this._backoffMaxMs, this._backoffBaseMs * 2 ** (attempt - 1));
      const giveUp =
        !error.retry ||
        attempt >= this._maxAttempts ||
        this._clock.now() + delay - started > this._deadlineMs ||
        cancel.aborted;
      if (giveUp || !(await this._sleep(delay, cancel))) {
        this._fail({
          receiver: entry.receiver,
          integration: integration.integration,
          index: integration.index,
          attempts: attempt,
          error: error.message,
        });
        return 'failed';
      }
    }
  }

  /**
   * One attempt; undefined when delivered. An attempt that outlives its timeout (or `cancel`) is left
   * behind.
   */
  private async _attempt(
    integration: Integration,
    message: WebhookMessage,
    cancel: AbortSignal,
  ): Promise<NotifyError | undefined> {
    const controller = new AbortController();
    let timer: Timer | undefined;
    const onStop = () => controller.abort();
    cancel.addEventListener('abort', onStop);
    const timedOut = new Promise<NotifyError>((resolve) => {
      const onAbort = () =>
        resolve(
          new NotifyError(
            cancel.aborted ? String(cancel.reason) : `timed out after ${this._attemptTimeoutMs} ms`,
            true,
          ),
        );
      controller.signal.addEventListener('abort', onAbort);
      timer = this._clock.setTimer(this._attemptTimeoutMs, () => controller.abort());
    });
    try {
      const sent = Promise.resolve()
        .then(() => integration.notify(message, controller.signal))
        .then(
          () => undefined,
          (error: unknown) => this._asNotifyError(error, integration),
        );
      return await Promise.race([sent, timedOut]);
    } finally {
      timer?.cancel();
      cancel.removeEventListener('abort', onStop);
      if (!controller.signal.aborted) controller.abort(); // ends the attempt's request, if still open
    }
  }

  private _asNotifyError(error: unknown, integration: Integration): NotifyError {
    if (error instanceof NotifyError) return error;
    this._report(error, `notify.${integration.integration}`);
    return new NotifyError('internal error in the integration', false);
  }

  /** Resolves true after `ms`, false at once when `cancel` aborts. */
  private _sleep(ms: number, cancel: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (cancel.aborted) return resolve(false);
      const onStop = () => {
        timer.cancel();
        resolve(false);
      };
      const timer = this._clock.setTimer(ms, () => {
        cancel.removeEventListener('abort', onStop);
        resolve(true);
      });
      cancel.addEventListener('abort', onStop, { once: true });
    });
  }

  private _count(receiver: string, integration: Integration, outcome: NotificationOutcome): void {
    try {
      this._counter.inc({ receiver, integration: integration.integration, outcome });
    } catch (error) {
      this._report(error, 'notify.count');
    }
  }

  private _fail(failure: DeliveryFailure): void {
    try {
      this._options.onFailure?.(failure);
    } catch (error) {
      this._report(error, 'notify.onFailure');
    }
  }

  private _report(error: unknown, where: string): void {
    try {
      this._options.onError?.(error, where);
    } catch {
      // onError must not throw; there is nowhere left to report to.
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw badOption(`mcpulse: notification delivery ${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}
