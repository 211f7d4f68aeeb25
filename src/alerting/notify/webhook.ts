/**
 * webhook_configs: POSTs Alertmanager's webhook message, version 4, byte for byte as Alertmanager 0.25
 * encodes it (field order, sorted maps, Go's escaping), after cutting it to max_alerts (the data then
 * describes the alerts sent, and truncatedAlerts counts the rest). `url_file` is accepted as
 * Alertmanager 0.26 added it; a 0.25 Alertmanager refuses that key.
 */
import type { FieldReader } from './config-fields.js';
import { parseHttpUrl, type Keys } from './config-fields.js';
import { postJson, readHttpConfig, urlSecrets, type HttpClientConfig } from './http-post.js';
import { goJson, sortedMap, withAlerts } from './message.js';
import type { Integration, NotificationAlert, WebhookMessage } from './types.js';

const KEYS: Keys = { supported: ['send_resolved', 'http_config', 'url', 'url_file', 'max_alerts'] };

export function parseWebhookConfig(
  reader: FieldReader,
  index: number,
  globalHttp: HttpClientConfig,
): Integration | undefined {
  reader.checkKeys(KEYS);
  const http = readHttpConfig(reader, globalHttp);
  const before = reader.problems.length;
  const text = reader.secret('url', 'url_file', { trim: true });
  if (text === undefined) {
    if (reader.problems.length === before)
      reader.problems.push(`${reader.path}: missing URL in webhook config`);
    return undefined;
  }
  const url = parseHttpUrl(text, () =>
    reader.problems.push(`${reader.path}: scheme required for webhook url`),
  );
  const maxAlerts = reader.count('max_alerts') ?? 0;
  const sendResolved = reader.boolean('send_resolved') ?? true;
  if (!url) return undefined;
  const target = { ...http, secrets: [...http.secrets, ...urlSecrets(url)] };
  return {
    integration: 'webhook',
    index,
    sendResolved,
    notify: (message, signal) =>
      postJson({ url, body: webhookBody(message, maxAlerts), http: target, signal }),
  };
}

/** The JSON Alertmanager's webhook notifier sends for `message`, cut to `maxAlerts` (0: all). */
export function webhookBody(message: WebhookMessage, maxAlerts: number): string {
  const alerts = maxAlerts > 0 ? message.alerts.slice(0, maxAlerts) : message.alerts;
  const data = withAlerts(message, alerts);
  return goJson({
    receiver: data.receiver,
    status: data.status,
    alerts: data.alerts.map(alertJson),
    groupLabels: sortedMap(data.groupLabels),
    commonLabels: sortedMap(data.commonLabels),
    commonAnnotations: sortedMap(data.commonAnnotations),
    externalURL: data.externalURL,
    version: '4',
    groupKey: data.groupKey,
    truncatedAlerts: message.alerts.length - alerts.length,
  });
}

function alertJson(alert: NotificationAlert): object {
  return {
    status: alert.status,
    labels: sortedMap(alert.labels),
    annotations: sortedMap(alert.annotations),
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    generatorURL: alert.generatorURL,
    fingerprint: alert.fingerprint,
  };
}
