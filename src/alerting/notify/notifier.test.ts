import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { parseExposition, seriesOf } from '../../../test/exposition.js';
import { FakeClock } from '../../../test/fake-clock.js';
import { httpReceiver, until, type Answer } from '../../../test/notify-helpers.js';
import { parseAlertmanagerConfig } from './config.js';
import type { DeliveryFailure } from './delivery.js';
import { EmbeddedNotifier } from './notifier.js';
import type { PostableAlert } from './types.js';

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

  it('sends a notification given up on again at the next group_interval, and only once delivered', async () => {
    const t = await onFakeClock([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }]);
    t.notifier.send([firing('Down', 'a'), firing('Down', 'b')]);
    await t.clock.advance(30_000); // group_wait: the first attempt
    // Three attempts, 500 ms and 1 s apart (random() is 0.5), then given up.
    for (const [attempts, backoff] of [
      [1, 500],
      [2, 1000],
    ] as const) {
      await until(() => t.requests(0).length === attempts, `attempt ${attempts}`);
      await until(() => t.clock.pendingDelays()[0] === backoff, `backoff ${backoff}`);
      await t.clock.advance(backoff);
    }
    await until(() => t.failures.length === 1, 'the failure');
    expect(t.failures).toEqual([
      {
        receiver: 'hook',
        integration: 'webhook',
        index: 0,
        attempts: 3,
        error: 'unexpected status code 500',
      },
    ]);
    // Not logged as notified: the flush group_interval after the first sends it again, and it lands.
    await t.clock.advance(300_000 - 1_500 - 1);
    expect(t.requests(0)).toHaveLength(3);
    await t.clock.advance(1);
    await until(() => t.requests(0).length === 4, 'the next flush');
    // Delivered and logged: nothing more until repeat_interval.
    await t.clock.advance(3 * 300_000);
    await t.close();
    expect(t.requests(0).map((request) => request.body)).toEqual([
      DOWN_BODY,
      DOWN_BODY,
      DOWN_BODY,
      DOWN_BODY,
    ]);
    expect(await t.counts()).toEqual({ [counted('hook', 'failed')]: 1, [counted('hook', 'success')]: 1 });
  });

  it("waits for a hanging receiver in that group's flush only, cut at group_interval and sent again", async () => {
    const t = await onFakeClock([{ status: 200 }], { attemptTimeoutMs: 600_000 });
    t.notifier.send([firing('Down', 'a'), firing('Down', 'b', 'slow'), firing('Up', 'x', 'slow')]);
    await t.clock.advance(30_000);
    // Both groups of the slow receiver are sent at once, neither waiting for the other.
    await until(() => t.requests(0).length === 1 && t.requests(1).length === 2, 'the first notifications');
    // The other receiver's group went on: a new alert in it goes out at its next flush.
    t.notifier.send([firing('Down', 'c')]);
    await t.clock.advance(300_000);
    await until(() => t.requests(0).length === 2 && t.requests(1).length === 4, 'the second notifications');
    expect(t.failures.map((failure) => [failure.receiver, failure.error])).toEqual([
      ['slow', 'canceled: notification timed out'],
      ['slow', 'canceled: notification timed out'],
    ]);
    await t.close();
    const groupOf = (request: { body: string }) =>
      (JSON.parse(request.body) as { groupKey: string }).groupKey;
    expect(t.requests(1).map(groupOf).sort()).toEqual([
      '{}/{team="slow"}:{alertname="Down", team="slow"}',
      '{}/{team="slow"}:{alertname="Down", team="slow"}',
      '{}/{team="slow"}:{alertname="Up", team="slow"}',
      '{}/{team="slow"}:{alertname="Up", team="slow"}',
    ]);
    expect(
      t.requests(0).map((request) => (JSON.parse(request.body) as { alerts: unknown[] }).alerts.length),
    ).toEqual([1, 2]);
    expect(await t.counts()).toEqual({
      [counted('hook', 'success')]: 2,
      [counted('slow', 'failed')]: 4,
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

const T0 = Date.parse('2026-01-01T00:00:00Z');

const firing = (alertname: string, instance: string, team = 'core'): PostableAlert => ({
  labels: { alertname, instance, team },
  annotations: { summary: `${instance} is down` },
  startsAt: new Date(T0).toISOString(),
  // Far ahead, as the rule manager's resends keep it: not resolved by resolve_timeout (5m) meanwhile.
  endsAt: new Date(T0 + 86_400_000).toISOString(),
  generatorURL: 'http://mcpulse.example/graph',
});

const counted = (receiver: string, outcome: string): string =>
  `mcpulse_notifications_total{integration="webhook",outcome="${outcome}",receiver="${receiver}"}`;

/**
 * A notifier on a fake clock (group_wait 30s, group_interval 5m; delivery random() 0.5, 3 attempts)
 * whose receiver `hook` answers from `answers`; alerts of team "slow" go to receiver `slow`, which hangs.
 */
async function onFakeClock(answers: Answer[], delivery: { attemptTimeoutMs?: number } = {}) {
  const hook = await httpReceiver(answers);
  const slow = await httpReceiver(['hang']);
  const clock = new FakeClock(T0);
  const registry = new Registry();
  const failures: DeliveryFailure[] = [];
  const notifier = new EmbeddedNotifier({
    config: parseAlertmanagerConfig(`
route:
  receiver: hook
  group_by: [alertname, team]
  routes:
    - { receiver: slow, matchers: ['team="slow"'] }
receivers:
  - name: hook
    webhook_configs: [{ url: '${hook.url}/hook' }]
  - name: slow
    webhook_configs: [{ url: '${slow.url}/slow' }]
`),
    registry,
    clock,
    delivery: {
      random: () => 0.5,
      maxAttempts: 3,
      onFailure: (failure) => failures.push(failure),
      ...delivery,
    },
  });
  /** close() waits at most 5 s (on the clock) for what delivery holds, then cuts it. */
  const close = async () => {
    const closed = notifier.close();
    await clock.advance(5_000);
    await closed;
  };
  closers.push(
    close,
    () => hook.close(),
    () => slow.close(),
  );
  return {
    clock,
    notifier,
    close,
    failures,
    requests: (n: 0 | 1) => (n === 0 ? hook : slow).requests,
    counts: async () => seriesOf(parseExposition(await registry.metrics()), 'mcpulse_notifications_total'),
  };
}

/** The webhook body of group {alertname="Down", team="core"} with alerts a and b firing, as Alertmanager writes it. */
const DOWN_BODY = `${JSON.stringify({
  receiver: 'hook',
  status: 'firing',
  alerts: ['a', 'b'].map((instance, i) => ({
    status: 'firing',
    labels: { alertname: 'Down', instance, team: 'core' },
    annotations: { summary: `${instance} is down` },
    startsAt: '2026-01-01T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://mcpulse.example/graph',
    fingerprint: ['34ffed0e0722c67a', '1743c17b37fc4539'][i],
  })),
  groupLabels: { alertname: 'Down', team: 'core' },
  commonLabels: { alertname: 'Down', team: 'core' },
  commonAnnotations: {},
  externalURL: '',
  version: '4',
  groupKey: '{}:{alertname="Down", team="core"}',
  truncatedAlerts: 0,
})}\n`;
