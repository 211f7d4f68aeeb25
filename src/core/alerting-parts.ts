/**
 * How the composition root hands alerting its parts: the store to evaluate over, the monitoring URL
 * as the default external URL, and the process log for alert state changes, failed pushes and
 * notifications given up on (throttled per receiver and integration; their error text is redacted).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { AlertingParts } from '../alerting/setup.js';
import type { AlertTransition } from '../alerting/rule-status.js';
import type { ThrottledWarnings } from '../logging/warnings.js';
import type { EmbeddedStore } from '../store/embedded.js';

/** A firing alert is worth a warning; going pending, resolving or ending is information. */
export function logAlertTransitions(logger: Logger, transitions: readonly AlertTransition[]): void {
  for (const t of transitions) {
    const fields = {
      alertname: t.labels.alertname ?? t.rule,
      alert_labels: t.labels,
      rule_group: t.group,
      from: t.from,
      to: t.to,
      value: t.value,
    };
    if (t.to === 'firing') logger.warn(fields, `alert ${fields.alertname} firing`);
    else logger.info(fields, `alert ${fields.alertname} ${t.to}`);
  }
}

/** pulse.onAlertTransitions listeners; one that throws is counted and the others still run. */
export class TransitionListeners {
  private readonly listeners = new Set<(transitions: readonly AlertTransition[]) => void>();

  constructor(private readonly onError: (error: unknown, where: string) => void) {}

  add(listener: (transitions: readonly AlertTransition[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(transitions: readonly AlertTransition[]): void {
    for (const listener of this.listeners) {
      try {
        listener(transitions);
      } catch (error) {
        this.onError(error, 'alert-listener');
      }
    }
  }
}

export function alertingParts(options: {
  registry: Registry;
  listeners: TransitionListeners;
  store: EmbeddedStore;
  externalUrl: string;
  logger: Logger;
  warnings: ThrottledWarnings;
  onError: (error: unknown, where: string) => void;
}): AlertingParts {
  return {
    registry: options.registry,
    storage: options.store,
    externalUrl: options.externalUrl,
    onTransitions: (transitions) => {
      logAlertTransitions(options.logger, transitions);
      options.listeners.emit(transitions);
    },
    onPushFailure: (url, error, alerts) =>
      options.warnings.warn(
        `alertmanager-push:${url}`,
        { alertmanager: url, error, alerts },
        'mcpulse could not push alerts to Alertmanager',
      ),
    onDeliveryFailure: (failure) =>
      options.warnings.warn(
        `notification-failed:${failure.receiver}:${failure.integration}:${failure.index}`,
        {
          receiver: failure.receiver,
          integration: failure.integration,
          integration_index: failure.index,
          attempts: failure.attempts,
          error: failure.error,
        },
        'mcpulse gave up delivering a notification',
      ),
    onError: (error, where) => options.onError(error, `alerting:${where}`),
  };
}
