/**
 * Alertmanager 0.25 itself as the oracle of the payloads: a real Alertmanager sends its webhook,
 * Slack and PagerDuty notifications (default templates) to a local receiver, and mcpulse's encoders,
 * given the same notification data, must produce the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAlertmanager, type RealAlertmanager } from '../../../test/alertmanager-kit.js';
import { hasBinary } from '../../../test/binaries.js';
import { httpReceiver, until } from '../../../test/notify-helpers.js';
import { AlertmanagerPush } from './alertmanager-push.js';
import { pagerdutyBody } from './pagerduty.js';
import { slackBody } from './slack.js';
import type { NotificationAlert, PostableAlert, WebhookMessage } from './types.js';
import { webhookBody } from './webhook.js';
import { Registry } from 'prom-client';

const haveAlertmanager = hasBinary('prometheus-alertmanager');

function alert(mode: string, instance: string, endsAt = '2126-01-01T00:00:00Z'): PostableAlert {
  return {
    labels: { alertname: 'Oracle', mode, instance, severity: 'page', note: '<b> & "q"' },
    annotations: { summary: 'errors <high> & rising', description: 'ü\u2028line' },
    startsAt: '2026-12-01T10:00:00.123Z',
    endsAt,
    generatorURL: 'http://mcpulse.example/graph?g0.expr=a%3Eb&g0.tab=1',
  };
}

describe.skipIf(!haveAlertmanager)('payloads byte for byte as Alertmanager 0.25 sends them', () => {
  let alertmanager: RealAlertmanager | undefined;
  let receiver: Awaited<ReturnType<typeof httpReceiver>>;
  /** The n-th (0: firing, 1: resolved) body POSTed to `path`. */
  const body = (path: string, n: number) =>
    receiver.requests.filter((request) => request.url === path)[n]?.body;

  beforeAll(async () => {
    receiver = await httpReceiver([{ status: 200 }]);
    const route = (mode: string) => `    - receiver: ${mode}\n      matchers: ['mode="${mode}"']\n`;
    alertmanager = await startAlertmanager(
      [
        'route:',
        '  receiver: webhook',
        '  group_by: [alertname]',
        '  group_wait: 1s # the whole POST lands before the first flush',
        '  group_interval: 1s',
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
        '        send_resolved: true',
        '  - name: pagerduty',
        '    pagerduty_configs:',
        '      - routing_key: rk-123',
        `        url: ${receiver.url}/pagerduty`,
        '',
      ].join('\n'),
    );
    const push = new AlertmanagerPush({ url: alertmanager.url, registry: new Registry() });
    const modes = ['webhook', 'slack', 'pagerduty'];
    push.send([alert('webhook', 'b'), ...modes.map((mode) => alert(mode, 'a'))]);
    await until(() => receiver.requests.length === 3, 'three firing notifications');
    // Then all resolved (a second in the past): each group's next notification says so.
    const ended = new Date(Date.now() - 1000).toISOString();
    push.send([alert('webhook', 'b', ended), ...modes.map((mode) => alert(mode, 'a', ended))]);
    await push.close();
    await until(() => receiver.requests.length === 6, 'three resolved notifications');
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await receiver?.close();
  });

  /** The webhook message Alertmanager sent: the notification data the other receivers got too. */
  function sentMessage(n: number): WebhookMessage {
    return JSON.parse(body('/webhook', n)!) as WebhookMessage;
  }
  /** The data of the one-alert group routed to `mode`, built as Alertmanager builds it. */
  function messageFor(mode: string, n: number): WebhookMessage {
    const webhook = sentMessage(n);
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

  it.each([0, 1])('webhook: the same bytes for the same data (%i: firing, resolved)', (n) => {
    expect(sentMessage(n).alerts.map((a) => a.status)).toEqual(
      n === 0 ? ['firing', 'firing'] : ['resolved', 'resolved'],
    );
    expect(webhookBody(sentMessage(n), 0)).toBe(body('/webhook', n));
  });

  it.each([0, 1])('slack: the same bytes for the same data (%i)', (n) => {
    const sent = body('/slack', n)!;
    expect(JSON.parse(sent).attachments[0].color).toBe(n === 0 ? 'danger' : 'good');
    expect(
      slackBody(messageFor('slack', n), { text: { channel: '#alerts' }, linkNames: false, mrkdwnIn: [] }),
    ).toBe(sent);
  });

  it.each([0, 1])('pagerduty: the same bytes for the same data, dedup_key included (%i)', (n) => {
    const sent = body('/pagerduty', n)!;
    expect(JSON.parse(sent).event_action).toBe(n === 0 ? 'trigger' : 'resolve');
    expect(pagerdutyBody(messageFor('pagerduty', n), { routingKey: 'rk-123', text: {}, details: {} })).toBe(
      sent,
    );
  });
});
