import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { optionErrorMessage } from '../../../test/thrown.js';

import { McpulseOptionError } from '../../core/errors.js';
import { buildReceiver, parseNotifierGlobal } from './receivers.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpulse-receivers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'S3cr3t-never-shown';
function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const GLOBAL = parseNotifierGlobal({
  smtp_smarthost: 'mail.example:587',
  smtp_from: 'alerts@example.com',
  slack_api_url: 'https://hooks.slack.example/services/T/B/x',
});

function problemOf(entry: unknown, global = GLOBAL, path = 'receivers[2]'): string {
  return optionErrorMessage(() => buildReceiver(entry, global, path));
}

describe('buildReceiver', () => {
  it('builds each kind with Alertmanager’s send_resolved defaults, indexed per kind', () => {
    const receiver = buildReceiver(
      {
        name: 'team',
        webhook_configs: [
          { url: 'http://127.0.0.1:1/a' },
          { url: 'http://127.0.0.1:1/b', send_resolved: false },
        ],
        slack_configs: [{ channel: '#alerts' }],
        email_configs: [{ to: 'ops@example.com' }],
        pagerduty_configs: [{ routing_key: SECRET }],
      },
      GLOBAL,
      'receivers[0]',
    );
    expect(receiver.name).toBe('team');
    expect(receiver.integrations.map((i) => [i.integration, i.index, i.sendResolved])).toEqual([
      ['webhook', 0, true],
      ['webhook', 1, false],
      ['slack', 0, false],
      ['email', 0, false],
      ['pagerduty', 0, true],
    ]);
  });

  it('takes a receiver with no integrations (Alertmanager’s null receiver)', () => {
    expect(buildReceiver({ name: 'null' }, GLOBAL, 'receivers[0]').integrations).toEqual([]);
  });

  it('refuses unknown and unsupported keys by their path, all at once', () => {
    expect(
      problemOf({
        name: 'x',
        slack_configs: [{ icon_urll: 'x', fields: [], title: '{{ .Status }}' }],
        opsgenie_configs: [{}],
        webhook_configs: [{ url: 'http://h/', http_config: { proxy_url: 'http://p' } }],
      }),
    ).toBe(
      [
        'mcpulse: 5 problems in the Alertmanager configuration:',
        "- receivers[2].opsgenie_configs is not supported by mcpulse's notifier (it reads name, webhook_configs, slack_configs, email_configs, pagerduty_configs)",
        "- receivers[2].webhook_configs[0].http_config.proxy_url is not supported by mcpulse's notifier (it reads authorization, basic_auth, tls_config)",
        "- receivers[2].slack_configs[0].icon_urll is not a field of Alertmanager 0.25's configuration here",
        "- receivers[2].slack_configs[0].fields is not supported by mcpulse's notifier (it reads send_resolved, http_config, api_url, api_url_file, channel, username, color, title, title_link, pretext, text, footer, fallback, callback_id, icon_emoji, icon_url, image_url, thumb_url, link_names, mrkdwn_in, short_fields)",
        "- receivers[2].slack_configs[0].title is a Go template: mcpulse's notifier takes literal text here (or leave title out for Alertmanager's default)",
      ].join('\n'),
    );
  });

  it('gives Alertmanager’s messages for what is missing', () => {
    expect(problemOf({ webhook_configs: [{}] })).toBe(
      'mcpulse: 2 problems in the Alertmanager configuration:\n- receivers[2]: missing name in receiver\n- receivers[2].webhook_configs[0]: missing URL in webhook config',
    );
    expect(problemOf({ name: 'x', webhook_configs: [{ url: 'ftp://h/' }] })).toBe(
      'mcpulse: receivers[2].webhook_configs[0]: scheme required for webhook url',
    );
    expect(problemOf({ name: 'x', slack_configs: [{}] }, parseNotifierGlobal({}))).toBe(
      'mcpulse: receivers[2].slack_configs[0]: no global Slack API URL set either inline or in a file',
    );
    expect(problemOf({ name: 'x', email_configs: [{}] }, parseNotifierGlobal(undefined))).toBe(
      [
        'mcpulse: 3 problems in the Alertmanager configuration:',
        '- receivers[2].email_configs[0]: missing to address in email config',
        '- receivers[2].email_configs[0]: no global SMTP from set',
        '- receivers[2].email_configs[0]: no global SMTP smarthost set',
      ].join('\n'),
    );
    expect(problemOf({ name: 'x', pagerduty_configs: [{ service_key: 'k' }] })).toBe(
      "mcpulse: receivers[2].pagerduty_configs[0].service_key is not supported by mcpulse's notifier (it reads send_resolved, http_config, routing_key, routing_key_file, url, details, client, client_url, description, source, severity, class, component, group)",
    );
    expect(problemOf({ name: 'x', email_configs: [{ to: 'a@b', smarthost: 'mail.example' }] })).toBe(
      'mcpulse: receivers[2].email_configs[0].smarthost must be host:port, got "mail.example"',
    );
  });

  it('reads secrets from *_file fields at load, and names the field and path of a missing one', () => {
    const keyFile = secretFile('routing-key', `${SECRET}\n`);
    const receiver = buildReceiver(
      { name: 'pd', pagerduty_configs: [{ routing_key_file: keyFile }] },
      GLOBAL,
      'receivers[0]',
    );
    expect(receiver.integrations).toHaveLength(1);
    const missing = join(dir, 'nope');
    expect(problemOf({ name: 'pd', pagerduty_configs: [{ routing_key_file: missing }] })).toBe(
      `mcpulse: receivers[2].pagerduty_configs[0].routing_key_file: cannot read ${JSON.stringify(missing)} (ENOENT)`,
    );
    expect(
      problemOf({
        name: 'x',
        webhook_configs: [{ url: 'http://h/', http_config: { basic_auth: { password_file: missing } } }],
      }),
    ).toBe(
      `mcpulse: receivers[2].webhook_configs[0].http_config.basic_auth.password_file: cannot read ${JSON.stringify(missing)} (ENOENT)`,
    );
    expect(
      problemOf({ name: 'x', pagerduty_configs: [{ routing_key: SECRET, routing_key_file: keyFile }] }),
    ).toBe(
      'mcpulse: receivers[2].pagerduty_configs[0]: at most one of routing_key & routing_key_file must be configured',
    );
  });

  it('never shows a secret in a problem, whatever is wrong around it', () => {
    const message = problemOf({
      name: 'x',
      slack_configs: [{ api_url: `not a url ${SECRET}` }],
      webhook_configs: [
        { url: `http://h/${SECRET}`, http_config: { authorization: { credentials: SECRET, bogus: 1 } } },
      ],
      email_configs: [{ to: 'a@b', auth_password: SECRET, auth_password_file: '/x', auth_secret: SECRET }],
      pagerduty_configs: [{ routing_key: 42 }],
    });
    expect(message).toContain('receivers[2].slack_configs[0].api_url must be an http:// or https:// URL');
    expect(message).toContain('receivers[2].pagerduty_configs[0].routing_key must be a string');
    expect(message).not.toContain(SECRET);
  });

  it('fills email settings from global smtp_* and refuses both a password and its file', () => {
    expect(() =>
      parseNotifierGlobal({
        smtp_auth_password: SECRET,
        smtp_auth_password_file: '/x',
        smtp_auth_secret: SECRET,
      }),
    ).toThrow(
      new McpulseOptionError(
        [
          'mcpulse: 2 problems in the Alertmanager configuration:',
          "- global.smtp_auth_secret is not supported by mcpulse's notifier (it reads resolve_timeout, http_config, smtp_from, smtp_hello, smtp_smarthost, smtp_auth_username, smtp_auth_password, smtp_auth_password_file, smtp_auth_identity, smtp_require_tls, slack_api_url, slack_api_url_file, pagerduty_url)",
          '- global: at most one of smtp_auth_password & smtp_auth_password_file must be configured',
        ].join('\n'),
      ),
    );
    // Globals of integrations mcpulse refuses are taken, unread, so one file serves both notifiers.
    expect(() => parseNotifierGlobal({ opsgenie_api_key: SECRET, resolve_timeout: '5m' })).not.toThrow();
  });
});
