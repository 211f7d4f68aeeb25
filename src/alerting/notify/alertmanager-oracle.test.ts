/**
 * Alertmanager 0.25 itself as the oracle of the payloads: a real Alertmanager sends its webhook,
 * Slack and PagerDuty notifications (default templates) to a local receiver, and mcpulse's encoders,
 * given the same notification data, must produce the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAlertmanager, type RunningAlertmanager } from '../../../test/alertmanager.js';
import { hasBinary } from '../../../test/binaries.js';
import { httpReceiver, until } from '../../../test/notify-helpers.js';
import { AlertmanagerPush } from './alertmanager-push.js';
import { pagerdutyBody } from './pagerduty.js';
import { slackBody } from './slack.js';
import type { NotificationAlert, PostableAlert, WebhookMessage } from './types.js';
import { webhookBody } from './webhook.js';
import { Registry } from 'prom-client';

const haveAlertmanager = hasBinary('prometheus-alertmanager');

function alert(mode: string, instance: string): PostableAlert {
  return {
    labels: { alertname: 'Oracle', mode, instance, severity: 'page', note: '<b> & "q"' },
    annotations: { summary: 'errors <high> & rising', description: 'ü\u2028line' },
    startsAt: '2026-12-01T10:00:00.123Z',
    endsAt: '2126-01-01T00:00:00Z',
    generatorURL: 'http://mcpulse.example/graph?g0.expr=a%3Eb&g0.tab=1',
  };
}

describe.skipIf(!haveAlertmanager)('payloads byte for byte as Alertmanager 0.25 sends them', () => {
  let alertmanager: RunningAlertmanager | undefined;
  let receiver: Awaited<ReturnType<typeof httpReceiver>>;
  const body = (path: string) => receiver.requests.find((request) => request.url === path)?.body;

  beforeAll(async () => {
    receiver = await httpReceiver([{ status: 200 }]);
    const route = (mode: string) => `    - receiver: ${mode}\n      matchers: ['mode="${mode}"']\n`;
    alertmanager = await startAlertmanager(
      [
        'route:',
        '  receiver: webhook',
        '  group_by: [alertname]',
        '  group_wait: 0s',
        '  routes:',
        route('webhook') + route('slack') + route('pagerduty'),
        'receivers:',
        '  - name: webhook',
        '    webhook_configs:',
        `      - url: ${receiver.url}/webhook`,
        '  - name: slack',
        '    slack_configs:',
        `      - api_url: ${receiver.url}/slack`,
        "        channel: '#alerts'",
        '  - name: pagerduty',
        '    pagerduty_configs:',
        '      - routing_key: rk-123',
        `        url: ${receiver.url}/pagerduty`,
        '',
      ].join('\n'),
    );
    const push = new AlertmanagerPush({ url: alertmanager.url, registry: new Registry() });
    push.send([alert('webhook', 'a'), alert('webhook', 'b'), alert('slack', 'a'), alert('pagerduty', 'a')]);
    await push.close();
    await until(() => receiver.requests.length >= 3, 'three notifications');
  });
  afterAll(async () => {
    alertmanager?.stop();
    await receiver?.close();
  });

  /** The webhook message Alertmanager sent: the notification data the other receivers got too. */
  function sentMessage(): WebhookMessage {
    return JSON.parse(body('/webhook')!) as WebhookMessage;
  }
  /** The data of the one-alert group routed to `mode`, built as Alertmanager builds it. */
  function messageFor(mode: string): WebhookMessage {
    const webhook = sentMessage();
    const template = webhook.alerts[0]!;
    const labels = { ...alert(mode, 'a').labels };
    const one: NotificationAlert = { ...template, labels };
    return {
      ...webhook,
      receiver: mode,
      groupKey: `{}/{mode="${mode}"}:{alertname="Oracle"}`,
      commonLabels: labels,
      commonAnnotations: template.annotations,
      alerts: [one],
    };
  }

  it('webhook: the same bytes for the same data', () => {
    const sent = body('/webhook')!;
    expect(sentMessage().alerts).toHaveLength(2);
    expect(webhookBody(sentMessage(), 0)).toBe(sent);
  });

  it('slack: the same bytes for the same data', () => {
    expect(
      slackBody(messageFor('slack'), { text: { channel: '#alerts' }, linkNames: false, mrkdwnIn: [] }),
    ).toBe(body('/slack'));
  });

  it('pagerduty: the same bytes for the same data, dedup_key included', () => {
    expect(pagerdutyBody(messageFor('pagerduty'), { routingKey: 'rk-123', text: {}, details: {} })).toBe(
      body('/pagerduty'),
    );
  });
});
