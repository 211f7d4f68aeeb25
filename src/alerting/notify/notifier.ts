/**
 * The embedded notifier, assembled: an Alertmanager configuration's routing and grouping (the
 * Dispatcher) feeding its receivers' integrations (receivers.ts) through the delivery layer
 * (delivery.ts: bounded queues, timeouts, jittered retries, mcpulse_notifications_total).
 *
 *     const notifier = new EmbeddedNotifier({ config: loadAlertmanagerConfig(file), registry });
 *     ruleManager.sink = notifier; // AlertSink: send(PostableAlert[]), close()
 *
 * Delivery is handed each notification and retries it on its own; the dispatcher records it as
 * notified when it is queued. So a notification the delivery layer gives up on is sent again at
 * repeat_interval (or when the group changes), not at the next group_interval as Alertmanager,
 * whose flush waits for its retries, would.
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
      deliver: (receiver, integration, message) => {
        this.delivery.notify({ name: receiver, integrations: [integration] }, message);
        return Promise.resolve(true);
      },
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

  /** Stops grouping, then lets the delivery layer finish what it holds (bounded by its close timeout). */
  close(): Promise<void> {
    this.closing ??= this.dispatcher.close().then(() => this.delivery.close());
    return this.closing;
  }
}
