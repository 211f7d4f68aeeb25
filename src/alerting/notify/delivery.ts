/**
 * Delivers notifications to integrations without ever blocking or throwing into the caller. Each
 * integration has its own bounded queue (full: the oldest waiting notification is dropped, counted) and
 * sends one notification at a time: an attempt is cut at a timeout (through its AbortSignal), a failure
 * worth a retry (5xx, 429, network, timeout: the integration's NotifyError.retry) is tried again after
 * an exponential backoff with full jitter, until it is delivered, a retry cannot help, the attempts run
 * out or the next try would pass the deadline. As Alertmanager's RetryStage, an integration with
 * send_resolved false gets only the firing alerts, and nothing when none fire.
 *
 * Outcomes per notification and integration: mcpulse_notifications_total{receiver,integration,outcome}
 * with outcome `success`, `failed` (given up) or `dropped` (queue overflow, or still queued when close()
 * ran out of time, or sent after close). The clock, the random source and so the timers are injectable
 * for tests; real timers are unref()'d.
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

interface Entry {
  readonly receiver: string;
  readonly message: WebhookMessage;
}

interface Lane {
  readonly integration: Integration;
  readonly queue: Entry[];
  running: boolean;
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
  private readonly _attemptTimeoutMs: number;
  private readonly _backoffBaseMs: number;
  private readonly _backoffMaxMs: number;
  private readonly _maxAttempts: number;
  private readonly _deadlineMs: number;
  /** Aborts every attempt and backoff wait (close() out of time). */
  private readonly _stop = new AbortController();
  private _closed = false;
  private _idle: (() => void)[] = [];

  constructor(private readonly _options: DeliveryOptions) {
    this._counter = notificationsCounter(_options.registry);
    this._clock = _options.clock ?? realClock;
    this._random = _options.random ?? Math.random;
    this._queueSize = positive(_options.queueSize, 100, 'queueSize');
    this._attemptTimeoutMs = positive(_options.attemptTimeoutMs, 10_000, 'attemptTimeoutMs');
    this._backoffBaseMs = positive(_options.backoffBaseMs, 1_000, 'backoffBaseMs');
    this._backoffMaxMs = positive(_options.backoffMaxMs, 60_000, 'backoffMaxMs');
    this._maxAttempts = positive(_options.maxAttempts, 10, 'maxAttempts');
    this._deadlineMs = positive(_options.deadlineMs, 300_000, 'deadlineMs');
  }

  /** Queues `message` for each of the receiver's integrations. Never throws, never waits. */
  notify(
    receiver: { readonly name: string; readonly integrations: readonly Integration[] },
    message: WebhookMessage,
  ): void {
    for (const integration of receiver.integrations) {
      try {
        this._enqueue(receiver.name, integration, message);
      } catch (error) {
        this._report(error, 'notify.enqueue');
      }
    }
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
    this._stop.abort();
    for (const lane of this._lanes.values()) {
      for (const entry of lane.queue.splice(0)) this._count(entry.receiver, lane.integration, 'dropped');
    }
    await new Promise<void>((resolve) => (this._lanes.size === 0 ? resolve() : this._idle.push(resolve)));
  }

  private _enqueue(receiver: string, integration: Integration, message: WebhookMessage): void {
    let sent = message;
    if (!integration.sendResolved) {
      const firing = firingAlerts(message);
      if (firing.length === 0) return;
      sent = withAlerts(message, firing);
    }
    if (this._closed) return this._count(receiver, integration, 'dropped');
    let lane = this._lanes.get(integration);
    if (!lane) {
      lane = { integration, queue: [], running: false };
      this._lanes.set(integration, lane);
    }
    lane.queue.push({ receiver, message: sent });
    while (lane.queue.length > this._queueSize)
      this._count(lane.queue.shift()!.receiver, integration, 'dropped');
    if (!lane.running) void this._run(lane);
  }

  private async _run(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      for (let entry = lane.queue.shift(); entry; entry = lane.queue.shift()) {
        await this._deliver(lane.integration, entry);
      }
    } catch (error) {
      this._report(error, 'notify.deliver');
    } finally {
      lane.running = false;
      this._lanes.delete(lane.integration);
      if (this._lanes.size === 0) for (const resolve of this._idle.splice(0)) resolve();
    }
  }

  private async _deliver(integration: Integration, entry: Entry): Promise<void> {
    const started = this._clock.now();
    for (let attempt = 1; ; attempt++) {
      const error = await this._attempt(integration, entry.message);
      if (error === undefined) return this._count(entry.receiver, integration, 'success');
      const delay = this._random() * Math.min(this._backoffMaxMs, this._backoffBaseMs * 2 ** (attempt - 1));
      const giveUp =
        !error.retry ||
        attempt >= this._maxAttempts ||
        this._clock.now() + delay - started > this._deadlineMs ||
        this._stop.signal.aborted;
      if (giveUp || !(await this._sleep(delay))) {
        this._count(entry.receiver, integration, 'failed');
        return this._fail({
          receiver: entry.receiver,
          integration: integration.integration,
          index: integration.index,
          attempts: attempt,
          error: error.message,
        });
      }
    }
  }

  /** One attempt; undefined when delivered. An attempt that outlives its timeout is left behind. */
  private async _attempt(
    integration: Integration,
    message: WebhookMessage,
  ): Promise<NotifyError | undefined> {
    const controller = new AbortController();
    let timer: Timer | undefined;
    const onStop = () => controller.abort();
    this._stop.signal.addEventListener('abort', onStop);
    const timedOut = new Promise<NotifyError>((resolve) => {
      const onAbort = () =>
        resolve(
          new NotifyError(
            this._stop.signal.aborted ? 'aborted by close()' : `timed out after ${this._attemptTimeoutMs} ms`,
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
      this._stop.signal.removeEventListener('abort', onStop);
      if (!controller.signal.aborted) controller.abort(); // ends the attempt's request, if still open
    }
  }

  private _asNotifyError(error: unknown, integration: Integration): NotifyError {
    if (error instanceof NotifyError) return error;
    this._report(error, `notify.${integration.integration}`);
    return new NotifyError('internal error in the integration', false);
  }

  /** Resolves true after `ms`, false at once when close() stops everything. */
  private _sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this._stop.signal.aborted) return resolve(false);
      const onStop = () => {
        timer.cancel();
        resolve(false);
      };
      const timer = this._clock.setTimer(ms, () => {
        this._stop.signal.removeEventListener('abort', onStop);
        resolve(true);
      });
      this._stop.signal.addEventListener('abort', onStop, { once: true });
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
