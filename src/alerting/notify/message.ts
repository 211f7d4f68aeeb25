/**
 * What Alertmanager 0.25's default templates (template/default.tmpl) compute from a notification,
 * reproduced in TypeScript so every integration renders the same defaults without a Go template engine:
 * the `__subject` line, `__text_alert_list`, `__alertmanagerURL`, and template.Data's common labels and
 * annotations when an integration sends only some of the alerts (max_alerts, send_resolved: false).
 * Also the two encodings integrations share: Go's encoding/json (map keys sorted, `<>&` escaped) and
 * notify.Key.Hash (sha256 of the group key, PagerDuty's dedup_key).
 */
import { createHash } from 'node:crypto';

import type { NotificationAlert, WebhookMessage } from './types.js';

/** template.KV.SortedPairs: alertname first, then the other names in byte order. */
export function sortedPairs(kv: Readonly<Record<string, string>>): [string, string][] {
  const names = Object.keys(kv).sort(byteOrder);
  const first = names.indexOf('alertname');
  if (first > 0) names.unshift(...names.splice(first, 1));
  return names.map((name) => [name, kv[name]!]);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function firingAlerts(message: WebhookMessage): readonly NotificationAlert[] {
  return message.alerts.filter((alert) => alert.status === 'firing');
}

export function resolvedAlerts(message: WebhookMessage): readonly NotificationAlert[] {
  return message.alerts.filter((alert) => alert.status === 'resolved');
}

/**
 * The message as template.Data would be built from only `alerts`: status (resolved only when every
 * alert is), common labels and annotations recomputed; the group and receiver unchanged.
 */
export function withAlerts(message: WebhookMessage, alerts: readonly NotificationAlert[]): WebhookMessage {
  if (alerts.length === message.alerts.length) return message;
  return {
    ...message,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations)),
    alerts,
  };
}

function common(sets: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = sets;
  const result: Record<string, string> = { ...first };
  for (const set of rest) {
    for (const [name, value] of Object.entries(result)) if (set[name] !== value) delete result[name];
  }
  return result;
}

/** `__subject`: `[FIRING:2] <group label values> (<other common label values>)`. */
export function subject(message: WebhookMessage): string {
  const status = message.status.toUpperCase();
  const count = message.status === 'firing' ? `:${firingAlerts(message).length}` : '';
  const groupValues = sortedPairs(message.groupLabels).map(([, value]) => value);
  let line = `[${status}${count}] ${groupValues.join(' ')} `;
  if (Object.keys(message.commonLabels).length > Object.keys(message.groupLabels).length) {
    const rest: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.commonLabels)) {
      if (!(name in message.groupLabels)) rest[name] = value;
    }
    line += `(${sortedPairs(rest)
      .map(([, value]) => value)
      .join(' ')})`;
  }
  return line;
}

/** `__text_alert_list`: each alert's labels, annotations and source, one per line. */
export function textAlertList(alerts: readonly NotificationAlert[]): string {
  let text = '';
  for (const alert of alerts) {
    text += 'Labels:\n';
    for (const [name, value] of sortedPairs(alert.labels)) text += ` - ${name} = ${value}\n`;
    text += 'Annotations:\n';
    for (const [name, value] of sortedPairs(alert.annotations)) text += ` - ${name} = ${value}\n`;
    text += `Source: ${alert.generatorURL}\n`;
  }
  return text;
}

/** `__alertmanagerURL`: `<externalURL>/#/alerts?receiver=<receiver, url.QueryEscape'd>`. */
export function alertmanagerUrl(message: WebhookMessage): string {
  return `${message.externalURL}/#/alerts?receiver=${goQueryEscape(message.receiver)}`;
}

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay, a space becomes `+`. */
export function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** notify.TruncateInRunes: at most `max` code points, the last one `…` when cut. */
export function truncateInRunes(text: string, max: number): string {
  const runes = Array.from(text);
  if (runes.length <= max) return text;
  if (max <= 3) return runes.slice(0, max).join('');
  return `${runes.slice(0, max - 1).join('')}…`;
}

/** notify.Key.Hash: the sha256 of the group key, in hex. */
export function hashKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/**
 * Go's json.Encoder output: struct fields in the order given (plain objects), map keys sorted (pass a
 * Map), `<`, `>`, `&`, U+2028 and U+2029 escaped, and the trailing newline Encode writes.
 */
export function goJson(value: unknown): string {
  return `${encode(value)}\n`;
}

function encode(value: unknown): string {
  if (value instanceof Map) {
    const entries = [...(value as Map<string, unknown>)].sort(([a], [b]) => byteOrder(a, b));
    return `{${entries.map(([key, item]) => `${goString(key)}:${encode(item)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${fields.map(([key, item]) => `${goString(key)}:${encode(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function goString(text: string): string {
  return JSON.stringify(text).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A label or annotation set as Go encodes a map[string]string: keys sorted. */
export function sortedMap(kv: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(kv));
}
