/**
 * pagerduty_configs, Events API v2 only (routing_key): an event per notification, `trigger` while any
 * alert fires and `resolve` once all are resolved, deduplicated on Alertmanager's dedup_key (sha256 of
 * the group key) so PagerDuty resolves the incident it opened. Summary, client, client_url and the
 * four custom details are Alertmanager 0.25's defaults; literal text may replace them. A 429 or 5xx
 * answer is retried, as Alertmanager does; the v1 service_key, images and links are refused.
 */
import type { FieldReader } from './config-fields.js';
import { type Keys } from './config-fields.js';
import { postJson, readHttpConfig, type HttpClientConfig } from './http-post.js';
import {
  alertmanagerUrl,
  firingAlerts,
  goJson,
  hashKey,
  resolvedAlerts,
  subject,
  textAlertList,
  truncateInRunes,
} from './message.js';
import type { Integration, WebhookMessage } from './types.js';

const MAX_EVENT_BYTES = 512_000;
const MAX_SUMMARY_RUNES = 1024;

const TEXT_FIELDS = [
  'client',
  'client_url',
  'description',
  'source',
  'severity',
  'class',
  'component',
  'group',
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

const KEYS: Keys = {
  supported: [
    'send_resolved',
    'http_config',
    'routing_key',
    'routing_key_file',
    'url',
    'details',
    ...TEXT_FIELDS,
  ],
  unsupported: ['service_key', 'service_key_file', 'images', 'links'],
};

export interface PagerdutyConfig {
  readonly routingKey: string;
  readonly text: Partial<Record<TextField, string>>;
  readonly details: Readonly<Record<string, string>>;
}

export function parsePagerdutyConfig(
  reader: FieldReader,
  index: number,
  globalHttp: HttpClientConfig,
  globalUrl: URL,
): Integration | undefined {
  reader.checkKeys(KEYS);
  const http = readHttpConfig(reader, globalHttp);
  const text: Partial<Record<TextField, string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = reader.literal(field);
    if (value !== undefined) text[field] = value;
  }
  const details = reader.literalMap('details') ?? {};
  const url = reader.url('url') ?? (reader.has('url') ? undefined : globalUrl);
  const sendResolved = reader.boolean('send_resolved') ?? true;
  const before = reader.problems.length;
  const routingKey = reader.secret('routing_key', 'routing_key_file', { trim: true });
  if (routingKey === undefined) {
    if (reader.problems.length === before && !reader.has('service_key') && !reader.has('service_key_file')) {
      reader.problems.push(`${reader.path}: missing service or routing key in PagerDuty config`);
    }
    return undefined;
  }
  if (!url) return undefined;
  const config: PagerdutyConfig = { routingKey, text, details };
  const target = { ...http, secrets: [...http.secrets, routingKey] };
  return {
    integration: 'pagerduty',
    index,
    sendResolved,
    notify: (message, signal) =>
      postJson({
        url,
        body: pagerdutyBody(message, config),
        http: target,
        signal,
        retryCodes: [429],
        details: errorDetails,
      }),
  };
}

/** The Events API v2 JSON Alertmanager's PagerDuty notifier sends for `message`. */
export function pagerdutyBody(message: WebhookMessage, config: PagerdutyConfig): string {
  const given = config.text;
  const firing = firingAlerts(message);
  const resolved = resolvedAlerts(message);
  const details = new Map<string, string>([
    ['firing', textAlertList(firing)],
    ['resolved', textAlertList(resolved)],
    ['num_firing', String(firing.length)],
    ['num_resolved', String(resolved.length)],
    ...Object.entries(config.details),
  ]);
  const client = given.client ?? 'Alertmanager';
  const omitEmpty = (value: string | undefined) => (value === '' ? undefined : value);
  const payload: { custom_details: Map<string, string> } & Record<string, unknown> = {
    summary: truncateInRunes(given.description ?? subject(message), MAX_SUMMARY_RUNES),
    source: given.source || client,
    severity: given.severity || 'error',
    class: omitEmpty(given.class),
    component: omitEmpty(given.component),
    group: omitEmpty(given.group),
    custom_details: details,
  };
  const event = {
    routing_key: config.routingKey,
    dedup_key: hashKey(message.groupKey),
    event_action: message.status === 'firing' ? 'trigger' : 'resolve',
    payload,
    client: omitEmpty(client),
    client_url: omitEmpty(given.client_url ?? alertmanagerUrl(message)),
  };
  const body = goJson(event);
  if (Buffer.byteLength(body) <= MAX_EVENT_BYTES) return body;
  payload.custom_details = new Map([
    [
      'error',
      'Custom details have been removed because the original event exceeds the maximum size of 512KB',
    ],
  ]);
  return goJson(event);
}

/** What Alertmanager quotes of a PagerDuty answer: on a 400, its message and errors. */
function errorDetails(status: number, body: string): string {
  if (status !== 400) return '';
  try {
    const answer = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(answer.errors) ? answer.errors.map(String).join(',') : '';
    return `${typeof answer.message === 'string' ? answer.message : ''}: ${errors}`;
  } catch {
    return '';
  }
}
