/**
 * The data of one notification as Alertmanager 0.25 builds it (template.Data, wrapped as the
 * webhook's version 4 message): alerts with their status at flush time (a firing alert's end shown
 * as Go's zero time), the group's labels, the labels and annotations all its alerts share, and the
 * receiver's name passed through regexp.QuoteMeta, as Alertmanager does.
 */
import { formatGoTime, resolvedAt, ZERO_TIME_MS, type StoredAlert } from './alert-store.js';
import type { LabelSet } from './labelset.js';
import type { NotificationAlert, WebhookMessage } from './types.js';

/** Go's regexp.QuoteMeta. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function common(sets: readonly LabelSet[]): Record<string, string> {
  const [first, ...rest] = sets;
  const out: Record<string, string> = { ...first };
  for (const set of rest) {
    for (const [name, value] of Object.entries(out)) if (set[name] !== value) delete out[name];
  }
  return out;
}

export function buildMessage(options: {
  readonly receiver: string;
  readonly groupKey: string;
  readonly groupLabels: LabelSet;
  readonly alerts: readonly StoredAlert[];
  readonly now: number;
  readonly externalUrl: string;
}): WebhookMessage {
  const { alerts, now } = options;
  const notified: NotificationAlert[] = alerts.map((alert) => {
    const resolved = resolvedAt(alert, now);
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: { ...alert.labels },
      annotations: { ...alert.annotations },
      startsAt: formatGoTime(alert.startsAt),
      endsAt: formatGoTime(resolved ? alert.endsAt : ZERO_TIME_MS),
      generatorURL: alert.generatorURL,
      fingerprint: alert.fingerprint,
    };
  });
  return {
    version: '4',
    groupKey: options.groupKey,
    truncatedAlerts: 0,
    status: notified.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: quoteMeta(options.receiver),
    groupLabels: { ...options.groupLabels },
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: options.externalUrl,
    alerts: notified,
  };
}
