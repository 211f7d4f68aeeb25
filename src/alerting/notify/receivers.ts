/**
 * Builds the integrations of one Alertmanager 0.25 `receivers[]` entry (already YAML-decoded) with the
 * defaults Alertmanager fills in from `global`: webhook_configs, slack_configs, email_configs and
 * pagerduty_configs, each with Alertmanager's send_resolved default (true, false, false, true).
 * Secrets are inline (the embedded option may carry values taken from the environment) or in
 * Alertmanager's `*_file` fields, read once here: a missing file is an error naming the field and path.
 * Every other key is refused by its path; other receiver kinds too. A problem never shows a value.
 *
 *     const global = parseNotifierGlobal(config.global);
 *     const { integrations } = buildReceiver(config.receivers[2], global, 'receivers[2]');
 */
import { badOption } from '../../core/errors.js';
import { FieldReader, listOf, readSecretFile } from './config-fields.js';
import { parseEmailConfig, type SmtpDefaults } from './email.js';
import { DEFAULT_PAGERDUTY_URL, GLOBAL_KEYS, RECEIVER_KEYS } from './known-keys.js';
import { NO_HTTP_CONFIG, parseHttpClientConfig, type HttpClientConfig } from './http-post.js';
import { parsePagerdutyConfig } from './pagerduty.js';
import { parseSlackConfig } from './slack.js';
import type { Integration } from './types.js';
import { parseWebhookConfig } from './webhook.js';

/** The part of Alertmanager's `global` section the integrations take their defaults from. */
export interface NotifierGlobal {
  readonly http: HttpClientConfig;
  readonly smtp: SmtpDefaults;
  readonly slackApiUrl?: URL;
  readonly pagerdutyUrl: URL;
}

export interface Receiver {
  readonly name: string;
  readonly integrations: readonly Integration[];
}

/** Reads `global` (absent: Alertmanager's defaults); problems are appended to `problems`. */
export function readNotifierGlobal(global: unknown, path: string, problems: string[]): NotifierGlobal {
  const reader = FieldReader.of(path, global, problems) ?? new FieldReader(path, {}, problems);
  reader.checkKeys(GLOBAL_KEYS);
  const httpReader = reader.nested('http_config');
  const smarthost = reader.string('smtp_smarthost');
  const from = reader.string('smtp_from');
  const authUsername = reader.string('smtp_auth_username');
  const authPassword = reader.secret('smtp_auth_password', 'smtp_auth_password_file', { trim: false });
  const authIdentity = reader.string('smtp_auth_identity');
  const smtp: SmtpDefaults = {
    hello: reader.string('smtp_hello') || 'localhost',
    requireTls: reader.boolean('smtp_require_tls') ?? true,
    ...(from ? { from } : {}),
    ...(smarthost ? { smarthost } : {}),
    ...(authUsername ? { authUsername } : {}),
    ...(authPassword ? { authPassword } : {}),
    ...(authIdentity ? { authIdentity } : {}),
  };
  const slackApiUrl = readGlobalSlackUrl(reader);
  const pagerdutyUrl = reader.url('pagerduty_url') ?? new URL(DEFAULT_PAGERDUTY_URL);
  return {
    http: httpReader ? parseHttpClientConfig(httpReader) : NO_HTTP_CONFIG,
    smtp,
    ...(slackApiUrl ? { slackApiUrl } : {}),
    pagerdutyUrl,
  };
}

function readGlobalSlackUrl(reader: FieldReader): URL | undefined {
  const file = reader.string('slack_api_url_file');
  if (reader.has('slack_api_url') && file) {
    reader.problems.push(
      `${reader.path}: at most one of slack_api_url & slack_api_url_file must be configured`,
    );
    return undefined;
  }
  if (!file) return reader.url('slack_api_url');
  const text = readSecretFile(reader.at('slack_api_url_file'), file, reader.problems, { trim: true });
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  reader.problem('slack_api_url_file', 'must hold an http:// or https:// URL');
  return undefined;
}

/** Reads one receivers[] entry at `path`; undefined (with problems appended) when it is not valid. */
export function readReceiver(
  entry: unknown,
  global: NotifierGlobal,
  path: string,
  problems: string[],
): Receiver | undefined {
  const before = problems.length;
  const reader = FieldReader.of(path, entry, problems);
  if (!reader) return undefined;
  reader.checkKeys(RECEIVER_KEYS);
  const name = reader.string('name');
  if (name === undefined || name === '') problems.push(`${path}: missing name in receiver`);
  const integrations: Integration[] = [];
  const add = (integration: Integration | undefined) => integration && integrations.push(integration);
  listOf(reader, 'webhook_configs').forEach((config, i) => add(parseWebhookConfig(config, i, global.http)));
  listOf(reader, 'slack_configs').forEach((config, i) =>
    add(parseSlackConfig(config, i, global.http, global.slackApiUrl)),
  );
  listOf(reader, 'email_configs').forEach((config, i) => add(parseEmailConfig(config, i, global.smtp)));
  listOf(reader, 'pagerduty_configs').forEach((config, i) =>
    add(parsePagerdutyConfig(config, i, global.http, global.pagerdutyUrl)),
  );
  if (problems.length > before || name === undefined) return undefined;
  return { name, integrations };
}

/** readNotifierGlobal, throwing a McpulseOptionError that lists every problem. */
export function parseNotifierGlobal(global: unknown, path = 'global'): NotifierGlobal {
  const problems: string[] = [];
  const result = readNotifierGlobal(global, path, problems);
  throwProblems(problems);
  return result;
}

/** readReceiver, throwing a McpulseOptionError that lists every problem. */
export function buildReceiver(entry: unknown, global: NotifierGlobal, path: string): Receiver {
  const problems: string[] = [];
  const receiver = readReceiver(entry, global, path, problems);
  throwProblems(problems);
  return receiver!;
}

/** One McpulseOptionError for all `problems` (none: returns). */
export function throwProblems(problems: readonly string[]): void {
  if (problems.length === 1) throw badOption(`mcpulse: ${problems[0]}`);
  if (problems.length > 1) {
    throw badOption(
      `mcpulse: ${problems.length} problems in the Alertmanager configuration:\n- ${problems.join('\n- ')}`,
    );
  }
}
