/**
 * The Alertmanager 0.25 keys of `global` and of a `receivers[]` entry, as mcpulse's notifier sorts
 * them: read, refused (Alertmanager has them, mcpulse does not run them), or, for `global`, the
 * defaults of receiver kinds mcpulse refuses. One list for the config reader (config.ts) and the
 * integrations' builder (receivers.ts), so the two cannot drift apart.
 */

export const INTEGRATION_KINDS = [
  'webhook_configs',
  'slack_configs',
  'email_configs',
  'pagerduty_configs',
] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

export const GLOBAL_KEYS = {
  supported: [
    'resolve_timeout',
    'http_config',
    'smtp_from',
    'smtp_hello',
    'smtp_smarthost',
    'smtp_auth_username',
    'smtp_auth_password',
    'smtp_auth_password_file',
    'smtp_auth_identity',
    'smtp_require_tls',
    'slack_api_url',
    'slack_api_url_file',
    'pagerduty_url',
  ],
  // CRAM-MD5, which nodemailer does not speak.
  unsupported: ['smtp_auth_secret'],
  // Defaults of the receiver kinds refused below: the integrations' builder takes them unread; the
  // config reader refuses them as Alertmanager-only, as it refuses those receivers.
  ignored: [
    'opsgenie_api_url',
    'opsgenie_api_key',
    'opsgenie_api_key_file',
    'wechat_api_url',
    'wechat_api_secret',
    'wechat_api_corp_id',
    'victorops_api_url',
    'victorops_api_key',
    'victorops_api_key_file',
    'telegram_api_url',
    'webex_api_url',
  ],
} as const;

export const RECEIVER_KEYS = {
  supported: ['name', ...INTEGRATION_KINDS],
  unsupported: [
    'opsgenie_configs',
    'wechat_configs',
    'pushover_configs',
    'victorops_configs',
    'sns_configs',
    'telegram_configs',
    'discord_configs',
    'webex_configs',
  ],
} as const;

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
