/**
 * slack_configs: one incoming-webhook POST with one attachment, as Alertmanager 0.25's Slack notifier
 * sends it with its default templates: title `[FIRING:n] …` / `[RESOLVED] …` (the __subject line),
 * linked to the Alertmanager URL, color `danger` while firing and `good` once resolved (Alertmanager's
 * default color, which is how resolved messages stand apart), username `Alertmanager`. Each text field
 * takes literal text in place of its default; `fields` and `actions` are refused.
 */
import type { FieldReader } from './config-fields.js';
import { type Keys } from './config-fields.js';
import { postJson, readHttpConfig, urlSecrets, type HttpClientConfig } from './http-post.js';
import { alertmanagerUrl, goJson, subject, truncateInRunes } from './message.js';
import type { Integration, WebhookMessage } from './types.js';

const MAX_TITLE_RUNES = 1024;

const TEXT_FIELDS = [
  'channel',
  'username',
  'color',
  'title',
  'title_link',
  'pretext',
  'text',
  'footer',
  'fallback',
  'callback_id',
  'icon_emoji',
  'icon_url',
  'image_url',
  'thumb_url',
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

const KEYS: Keys = {
  supported: [
    'send_resolved',
    'http_config',
    'api_url',
    'api_url_file',
    ...TEXT_FIELDS,
    'link_names',
    'mrkdwn_in',
    'short_fields',
  ],
  unsupported: ['fields', 'actions'],
};

export interface SlackConfig {
  readonly text: Partial<Record<TextField, string>>;
  readonly linkNames: boolean;
  readonly mrkdwnIn: readonly string[];
}

export function parseSlackConfig(
  reader: FieldReader,
  index: number,
  globalHttp: HttpClientConfig,
  globalApiUrl: URL | undefined,
): Integration | undefined {
  reader.checkKeys(KEYS);
  const http = readHttpConfig(reader, globalHttp);
  const text: Partial<Record<TextField, string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = reader.literal(field);
    if (value !== undefined) text[field] = value;
  }
  const config: SlackConfig = {
    text,
    linkNames: reader.boolean('link_names') ?? false,
    mrkdwnIn: reader.stringList('mrkdwn_in') ?? [],
  };
  reader.boolean('short_fields');
  const sendResolved = reader.boolean('send_resolved') ?? false;
  const before = reader.problems.length;
  const own = reader.secret('api_url', 'api_url_file', { trim: true });
  if (reader.problems.length > before) return undefined;
  const url =
    own === undefined ? globalApiUrl : reader.has('api_url') ? reader.url('api_url') : urlOf(reader, own);
  if (!url) {
    if (reader.problems.length === before) {
      reader.problems.push(`${reader.path}: no global Slack API URL set either inline or in a file`);
    }
    return undefined;
  }
  const target = { ...http, secrets: [...http.secrets, ...urlSecrets(url)] };
  return {
    integration: 'slack',
    index,
    sendResolved,
    notify: async (message, signal) => {
      const body = slackBody(message, config);
      try {
        await postJson({ url, body, http: target, signal });
      } catch (error) {
        if (error instanceof Error)
          error.message = `channel ${JSON.stringify(config.text.channel ?? '')}: ${error.message}`;
        throw error;
      }
    },
  };
}

/** api_url_file's content as a URL (api_url itself is read by reader.url). */
function urlOf(reader: FieldReader, text: string): URL | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  reader.problem('api_url_file', 'must hold an http:// or https:// URL');
  return undefined;
}

/** The JSON Alertmanager's Slack notifier sends for `message` under `config`. */
export function slackBody(message: WebhookMessage, config: SlackConfig): string {
  const given = config.text;
  const defaultTitle = subject(message);
  const link = alertmanagerUrl(message);
  const omitEmpty = (value: string) => (value === '' ? undefined : value);
  const attachment = {
    title: omitEmpty(truncateInRunes(given.title ?? defaultTitle, MAX_TITLE_RUNES)),
    title_link: omitEmpty(given.title_link ?? link),
    pretext: omitEmpty(given.pretext ?? ''),
    text: given.text ?? '',
    fallback: given.fallback ?? `${defaultTitle} | ${link}`,
    callback_id: given.callback_id ?? '',
    image_url: omitEmpty(given.image_url ?? ''),
    thumb_url: omitEmpty(given.thumb_url ?? ''),
    footer: given.footer ?? '',
    color: omitEmpty(given.color ?? (message.status === 'firing' ? 'danger' : 'good')),
    mrkdwn_in: config.mrkdwnIn.length > 0 ? config.mrkdwnIn : ['fallback', 'pretext', 'text'],
  };
  return goJson({
    channel: omitEmpty(given.channel ?? ''),
    username: omitEmpty(given.username ?? 'Alertmanager'),
    icon_emoji: omitEmpty(given.icon_emoji ?? ''),
    icon_url: omitEmpty(given.icon_url ?? ''),
    link_names: config.linkNames ? true : undefined,
    attachments: [attachment],
  });
}
