import { describe, expect, it } from 'vitest';

import { optionErrorMessage } from '../../../test/thrown.js';

import { parseAlertmanagerConfig } from './config.js';
import { formatMatchers } from './matchers.js';

const RECEIVERS = 'receivers:\n  - name: default\n  - name: other\n';

function refusal(text: string | object): string {
  return optionErrorMessage(() => parseAlertmanagerConfig(text));
}

describe('Alertmanager configuration: what is read', () => {
  it('reads global defaults, routes and receivers; integration entries stay plain values', () => {
    const config = parseAlertmanagerConfig(`
global:
  smtp_smarthost: mail.example.com:587
  smtp_from: alerts@example.com
  slack_api_url_file: /run/secrets/slack
templates: []
route:
  receiver: default
  group_by: [alertname, job]
  group_wait: 1m30s
  routes:
    - receiver: other
      match: { code: 010 }
      matchers: ['severity=~"page|critical"', '{env!="dev"}']
      continue: yes
receivers:
  - name: default
    webhook_configs:
      - url: http://127.0.0.1:9000/hook
        send_resolved: false
        max_alerts: 10
  - name: other
    email_configs: [{ to: ops@example.com }]
`);
    expect(config.global).toEqual({
      resolveTimeoutMs: 300_000,
      smtpFrom: 'alerts@example.com',
      smtpHello: 'localhost',
      smtpSmarthost: 'mail.example.com:587',
      smtpAuthUsername: undefined,
      smtpAuthPassword: undefined,
      smtpAuthPasswordFile: undefined,
      smtpAuthIdentity: undefined,
      smtpRequireTls: true,
      slackApiUrl: undefined,
      slackApiUrlFile: '/run/secrets/slack',
      pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
    });
    expect(config.route).toMatchObject({
      receiver: 'default',
      groupBy: ['alertname', 'job'],
      groupWaitMs: 90_000,
    });
    const child = config.route.routes[0]!;
    // `010` is matched as written, as Go reads a plain scalar into a string; `yes` is YAML 1.1's true.
    expect(formatMatchers(child.matchers)).toBe('{code="010",env!="dev",severity=~"page|critical"}');
    expect(child.continue).toBe(true);
    expect(config.receivers).toEqual([
      {
        name: 'default',
        path: 'receivers[0]',
        integrations: {
          webhook_configs: [{ url: 'http://127.0.0.1:9000/hook', send_resolved: false, max_alerts: 10 }],
          slack_configs: [],
          email_configs: [],
          pagerduty_configs: [],
        },
        raw: {
          name: 'default',
          webhook_configs: [{ url: 'http://127.0.0.1:9000/hook', send_resolved: false, max_alerts: 10 }],
        },
      },
      {
        name: 'other',
        path: 'receivers[1]',
        integrations: {
          webhook_configs: [],
          slack_configs: [],
          email_configs: [{ to: 'ops@example.com' }],
          pagerduty_configs: [],
        },
        raw: { name: 'other', email_configs: [{ to: 'ops@example.com' }] },
      },
    ]);
    expect(config.rawGlobal).toEqual({
      smtp_smarthost: 'mail.example.com:587',
      smtp_from: 'alerts@example.com',
      slack_api_url_file: '/run/secrets/slack',
    });
  });

  it('takes the same shape as a JS object', () => {
    const config = parseAlertmanagerConfig({
      global: { resolve_timeout: '1m' },
      route: { receiver: 'default', routes: [{ matchers: ['a="1"'], receiver: 'other', continue: true }] },
      receivers: [{ name: 'default' }, { name: 'other', webhook_configs: [{ url: 'http://127.0.0.1/x' }] }],
    });
    expect(config.global.resolveTimeoutMs).toBe(60_000);
    expect(config.route.routes[0]).toMatchObject({
      receiver: 'other',
      continue: true,
      path: 'route.routes[0]',
    });
    expect(config.receivers[1]!.integrations.webhook_configs).toEqual([{ url: 'http://127.0.0.1/x' }]);
  });
});

describe('Alertmanager configuration: what is refused', () => {
  it('refuses what Alertmanager has and mcpulse does not run, by its path', () => {
    const unsupported = (path: string): string =>
      `alertmanager config: ${path} is not supported by mcpulse's notifier (Alertmanager supports it; send alerts to a real Alertmanager instead)`;
    const base = `route:\n  receiver: default\n  routes:\n    - receiver: other\n    - receiver: other\n      mute_time_intervals: [night]\n${RECEIVERS}`;
    expect(refusal(base)).toBe(unsupported('route.routes[1].mute_time_intervals'));
    expect(refusal(`${RECEIVERS}route: { receiver: default }\ninhibit_rules: []\n`)).toBe(
      unsupported('inhibit_rules'),
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default }\ntime_intervals: []\n`)).toBe(
      unsupported('time_intervals'),
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default }\nmute_time_intervals: []\n`)).toBe(
      unsupported('mute_time_intervals'),
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default, active_time_intervals: [x] }\n`)).toBe(
      unsupported('route.active_time_intervals'),
    );
    expect(refusal(`route: { receiver: a }\nreceivers:\n  - name: a\n    opsgenie_configs: [{}]\n`)).toBe(
      unsupported('receivers[0].opsgenie_configs'),
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default }\nglobal: { smtp_auth_secret: s }\n`)).toBe(
      unsupported('global.smtp_auth_secret'),
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default }\ntemplates: ['/etc/am/*.tmpl']\n`)).toBe(
      "alertmanager config: templates with entries is not supported by mcpulse's notifier (Alertmanager supports it; send alerts to a real Alertmanager instead)",
    );
    expect(refusal(`${RECEIVERS}route: { receiver: default, routes: [{ recevier: x }] }\n`)).toBe(
      'alertmanager config: route.routes[0].recevier is not a field of the Alertmanager 0.25 configuration',
    );
  });

  it('validates as Alertmanager does, with its messages', () => {
    const cases: [string, string][] = [
      [RECEIVERS, 'no routes provided'],
      [`${RECEIVERS}route: { group_by: [a] }`, 'route: root route must specify a default receiver'],
      [
        `${RECEIVERS}route: { receiver: default, matchers: ['a="b"'] }`,
        'route: root route must not have any matchers',
      ],
      [
        `${RECEIVERS}route: { receiver: nobody }`,
        'route.receiver: undefined receiver "nobody" used in route',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ receiver: x }] }`,
        'route.routes[0].receiver: undefined receiver "x" used in route',
      ],
      [
        `receivers: [{ name: a }, { name: a }]\nroute: { receiver: a }`,
        'receivers[1]: notification config name "a" is not unique',
      ],
      [
        `receivers: [{ webhook_configs: [] }]\nroute: { receiver: a }`,
        'receivers[0]: missing name in receiver',
      ],
      [
        `${RECEIVERS}route: { receiver: default, group_by: ['...', a] }`,
        'route.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time',
      ],
      [
        `${RECEIVERS}route: { receiver: default, group_by: [a, a] }`,
        'route.group_by: duplicated label "a" in group_by',
      ],
      [
        `${RECEIVERS}route: { receiver: default, group_by: [a-b] }`,
        'route.group_by: invalid label name "a-b" in group_by list',
      ],
      [
        `${RECEIVERS}route: { receiver: default, group_interval: 0s }`,
        'route.group_interval: group_interval cannot be zero',
      ],
      [
        `${RECEIVERS}route: { receiver: default, repeat_interval: 0 }`,
        'route.repeat_interval: repeat_interval cannot be zero',
      ],
      [
        `${RECEIVERS}route: { receiver: default, group_wait: 5x }`,
        'route.group_wait: not a valid duration string: "5x"',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ match: { a-b: c } }] }`,
        'route.routes[0].match: invalid label name "a-b"',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ match_re: { a: '(' } }] }`,
        'route.routes[0].match_re: error parsing regexp: missing closing ): `^(?:()$`',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ matchers: ['a'] }] }`,
        'route.routes[0].matchers[0]: bad matcher format: a',
      ],
      [
        `${RECEIVERS}route: { receiver: default, continue: maybe }`,
        'route.continue: must be a boolean, got a scalar',
      ],
      [
        `${RECEIVERS}route: { receiver: default }\nglobal: { smtp_smarthost: mail }`,
        'global.smtp_smarthost: address mail: missing port in address',
      ],
      [
        `${RECEIVERS}route: { receiver: default }\nglobal: { pagerduty_url: 'ftp://x' }`,
        'global.pagerduty_url: unsupported scheme "ftp" for URL',
      ],
      [
        `${RECEIVERS}route: { receiver: default }\nglobal: { slack_api_url: 'https://h/s', slack_api_url_file: /f }`,
        'global: at most one of slack_api_url & slack_api_url_file must be configured',
      ],
      [`${RECEIVERS}route: [1]`, 'route: must be a mapping, got a list'],
      [
        'route: {',
        'yaml: line 1: Flow map in block collection must be sufficiently indented and end with a } at line 1, column 9:',
      ],
    ];
    for (const [text, message] of cases) expect(refusal(text)).toBe(`alertmanager config: ${message}`);
  });

  it('never shows a secret URL in its message', () => {
    const message = refusal(
      `${RECEIVERS}route: { receiver: default }\nglobal: { slack_api_url: 'gopher://hooks/TOKEN123' }`,
    );
    expect(message).toBe('alertmanager config: global.slack_api_url: unsupported scheme "gopher" for URL');
  });

  it('bounds how deep routes nest', () => {
    let route = '{ receiver: default }';
    for (let i = 0; i < 40; i++) route = `{ routes: [${route}] }`;
    expect(refusal(`${RECEIVERS}route: { receiver: default, routes: [${route}] }`)).toMatch(
      /routes nest more than 32 deep$/,
    );
  });
});
