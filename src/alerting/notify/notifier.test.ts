import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { httpReceiver, until } from '../../../test/notify-helpers.js';
import { parseAlertmanagerConfig } from './config.js';
import { EmbeddedNotifier } from './notifier.js';

const config = (url: string): string => `
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 10ms
  group_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{ url: '${url}/alerts' }]
`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the embedded notifier, assembled', () => {
  it('routes, groups and delivers through the receivers’ real webhook integration, counted', async () => {
    const receiver = await httpReceiver();
    closers.push(() => receiver.close());
    const registry = new Registry();
    const notifier = new EmbeddedNotifier({
      config: parseAlertmanagerConfig(config(receiver.url)),
      registry,
    });
    closers.push(() => notifier.close());
    const startsAt = new Date().toISOString();
    notifier.send([
      {
        labels: { alertname: 'Down', instance: 'a' },
        annotations: {},
        startsAt,
        endsAt: '',
        generatorURL: '',
      },
      {
        labels: { alertname: 'Down', instance: 'b' },
        annotations: {},
        startsAt,
        endsAt: '',
        generatorURL: '',
      },
    ]);
    await until(() => receiver.requests.length === 1, 'the webhook');
    const body = JSON.parse(receiver.requests[0]!.body) as { groupKey: string; alerts: unknown[] };
    expect(receiver.requests[0]!.url).toBe('/alerts');
    expect(body.groupKey).toBe('{}:{alertname="Down"}');
    expect(body.alerts.length).toBe(2);
    expect(notifier.stats()).toEqual({
      alerts: 2,
      groups: 1,
      invalidAlerts: 0,
      droppedAlerts: 0,
      droppedGroups: 0,
    });
    // close() lets the delivery layer finish, so its count is in.
    await notifier.close();
    const counted = await registry.getSingleMetricAsString('mcpulse_notifications_total');
    expect(counted).toContain(
      'mcpulse_notifications_total{receiver="hook",integration="webhook",outcome="success"} 1',
    );
    expect(notifier.stats()).toEqual({
      alerts: 2,
      groups: 1,
      invalidAlerts: 0,
      droppedAlerts: 0,
      droppedGroups: 0,
    });
  });

  it('refuses a receiver its integrations refuse, by path', () => {
    const text =
      'route: { receiver: a }\nreceivers:\n  - name: a\n    webhook_configs: [{ send_resolved: true }]\n';
    expect(
      () => new EmbeddedNotifier({ config: parseAlertmanagerConfig(text), registry: new Registry() }),
    ).toThrow('receivers[0].webhook_configs[0]: missing URL in webhook config');
  });
});
