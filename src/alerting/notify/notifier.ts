/**
 * The embedded notifier, assembled: an Alertmanager configuration's routing and grouping (the
 * Dispatcher) feeding its receivers' integrations (receivers.ts) through the delivery layer
 * (delivery.ts: bounded queues, timeouts, jittered retries, mcpulse_notifications_total).
 *
 *     const notifier = new EmbeddedNotifier({ config: loadAlertmanagerConfig(file), registry });
 *     ruleManager.sink = notifier; // AlertSink: send(PostableAlert[]), close()
 *
 * As Alertmanager's notify pipeline (RetryStage, then SetNotifiesStage), a flush waits for each
 * integration's final outcome and the dispatcher writes the notification log only for a delivered
 * one: a notification the delivery layer gives up on (or drops) is sent again at the next
 * group_interval. The wait is the group's own (its next flush follows when it ends) and bounded: the
 * flush's signal (group_interval, at least 10 s) cancels what delivery still holds, as does delivery's
 * own deadline. send() never waits, so neither the rule manager nor other groups do.
 */
import type { Registry } from 'prom-client';

import type { AlertmanagerConfig } from './config.js';
import { Delivery, type DeliveryOptions } from './delivery.js';
import {
  Dispatcher,
  type DispatcherOptions,
  type DispatcherStats,
  type GroupSnapshot,
} from './dispatcher.js';
import { buildReceiver, parseNotifierGlobal } from './receivers.js';
import type { AlertSink, PostableAlert } from './types.js';

export interface EmbeddedNotifierOptions extends Omit<
  DispatcherOptions,
  'config' | 'buildIntegrations' | 'deliver' | 'internalError'
> {
  readonly config: AlertmanagerConfig;
  readonly registry: Registry;
  /** The delivery layer's options (queue size, timeouts, retries, its own clock). */
  readonly delivery?: Omit<DeliveryOptions, 'registry' | 'onError'>;
  /** An error inside the notifier or its delivery, for the caller's internal-error counter. */
  readonly onError?: (error: unknown, where: string) => void;
}

export class EmbeddedNotifier implements AlertSink {
  readonly dispatcher: Dispatcher;
  private readonly delivery: Delivery;
  private closing: Promise<void> | undefined;

  /** Throws McpulseOptionError for a receiver or global field the integrations refuse. */
  constructor(options: EmbeddedNotifierOptions) {
    const { config, registry, delivery, onError, ...dispatcherOptions } = options;
    const clock = options.clock;
    this.delivery = new Delivery({
      // One clock for both, so a fake one drives the retries' backoff too.
      ...(clock ? { clock } : {}),
      ...delivery,
      registry,
      ...(onError ? { onError } : {}),
    });
    const global = parseNotifierGlobal(config.rawGlobal);
    this.dispatcher = new Dispatcher({
      ...dispatcherOptions,
      config,
      buildIntegrations: (receiver) => [...buildReceiver(receiver.raw, global, receiver.path).integrations],
      deliver: (receiver, integration, message, signal) =>
        this.delivery.notify({ name: receiver, integrations: [integration] }, message, { signal }),
      ...(onError ? { internalError: onError } : {}),
    });
  }

  send(alerts: readonly PostableAlert[]): void {
    this.dispatcher.send(alerts);
  }

  stats(): DispatcherStats {
    return this.dispatcher.stats();
  }

  snapshot(): GroupSnapshot[] {
    return this.dispatcher.snapshot();
  }

  /**
   * Stops grouping and lets the delivery layer finish what it holds, bounded by its close timeout:
   * both at once, as the flushes under way wait for delivery.
   */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.dispatcher.close(), this.delivery.close()]).then(() => undefined);
    return this.closing;
  }
}
