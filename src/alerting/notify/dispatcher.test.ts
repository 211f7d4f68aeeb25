import { afterEach, describe, expect, it } from 'vitest';

import { FakeClock } from '../../../test/fake-clock.js';
import { parseAlertmanagerConfig, type ReceiverConfig } from './config.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { NotifyError, type Integration, type PostableAlert, type WebhookMessage } from './types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const FAR = iso(T0 + 30 * 86_400_000);

interface Sent {
  readonly at: number;
  readonly receiver: string;
  readonly integration: string;
  readonly message: WebhookMessage;
}

const CONFIG = `
route:
  receiver: team
  group_by: [alertname]
  routes:
    - matchers: ['quiet="true"']
      receiver: quiet
receivers:
  - name: team
    webhook_configs: [{ send_resolved: true }]
  - name: quiet
    webhook_configs: [{ send_resolved: false }, { send_resolved: true }]
`;

let dispatcher: Dispatcher | undefined;
afterEach(async () => {
  await dispatcher?.close();
  dispatcher = undefined;
});

/** A dispatcher on a fake clock whose integrations record what they are sent; `failing` makes them fail. */
function setup(options: Partial<DispatcherOptions> = {}, config = CONFIG) {
  const clock = new FakeClock(T0);
  const sent: Sent[] = [];
  const failing = new Set<string>();
  const build = (receiver: ReceiverConfig): Integration[] =>
    receiver.integrations.webhook_configs.map((entry, index) => ({
      integration: 'webhook',
      index,
      sendResolved: (entry as { send_resolved: boolean }).send_resolved,
      notify: (message: WebhookMessage) => {
        const name = `${receiver.name}/${index}`;
        if (failing.has(name)) return Promise.reject(new NotifyError('down', true));
        sent.push({ at: clock.now() - T0, receiver: receiver.name, integration: name, message });
        return Promise.resolve();
      },
    }));
  dispatcher = new Dispatcher({
    config: parseAlertmanagerConfig(config),
    buildIntegrations: build,
    clock,
    ...options,
  });
  const post = (alerts: Partial<PostableAlert>[]): void =>
    dispatcher!.send(
      alerts.map((a) => ({
        labels: {},
        annotations: {},
        startsAt: iso(clock.now()),
        endsAt: FAR,
        generatorURL: '',
        ...a,
      })),
    );
  /** What each delivery carried: when, to which integration, and each alert's instance and status. */
  const summary = (): [number, string, string, string[]][] =>
    sent.map((s) => [
      s.at / 1000,
      s.integration,
      s.message.status,
      s.message.alerts.map((a) => `${a.labels.instance ?? '?'}:${a.status}`),
    ]);
  return { clock, sent, failing, post, summary, dispatcher };
}

describe('the dispatcher on a fake clock', () => {
  it('waits group_wait before the first notification, then group_interval between flushes', async () => {
    const { clock, post, summary, sent } = setup();
    post([{ labels: { alertname: 'Latency', instance: 'a' } }]);
    await clock.advance(29_999);
    expect(sent.length).toBe(0);
    await clock.advance(1);
    expect(summary()).toEqual([[30, 'team/0', 'firing', ['a:firing']]]);
    expect(sent[0]!.message).toMatchObject({
      groupKey: '{}:{alertname="Latency"}',
      receiver: 'team',
      groupLabels: { alertname: 'Latency' },
      commonLabels: { alertname: 'Latency', instance: 'a' },
      truncatedAlerts: 0,
    });
    expect(sent[0]!.message.alerts[0]).toMatchObject({
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
    });
    await clock.advance(10_000);
    post([{ labels: { alertname: 'Latency', instance: 'b' } }]);
    // The new alert waits for the group's next flush, group_interval (5m) after the first.
    await clock.advance(289_999);
    expect(sent.length).toBe(1);
    await clock.advance(1);
    expect(summary()).toEqual([
      [30, 'team/0', 'firing', ['a:firing']],
      [330, 'team/0', 'firing', ['a:firing', 'b:firing']],
    ]);
  });

  it('repeats an unchanged notification only once repeat_interval has passed', async () => {
    const { clock, post, summary } = setup();
    post([{ labels: { alertname: 'Latency', instance: 'a' } }]);
    await clock.advance(4 * 3_600_000 + 30_000);
    expect(summary()).toEqual([[30, 'team/0', 'firing', ['a:firing']]]);
    // Last sent at 30 s: the first flush more than 4 h after that is at 30 s + 49 × 5 m = 14,730 s.
    await clock.advance(300_000);
    expect(summary()).toEqual([
      [30, 'team/0', 'firing', ['a:firing']],
      [14_730, 'team/0', 'firing', ['a:firing']],
    ]);
  });

  it('sends resolved alerts, then drops the group once all are resolved and sent', async () => {
    const { clock, post, summary, dispatcher: d } = setup();
    post([
      { labels: { alertname: 'Latency', instance: 'a' } },
      { labels: { alertname: 'Latency', instance: 'b' } },
    ]);
    await clock.advance(30_000);
    post([{ labels: { alertname: 'Latency', instance: 'a' }, startsAt: iso(T0), endsAt: iso(clock.now()) }]);
    await clock.advance(300_000);
    post([{ labels: { alertname: 'Latency', instance: 'b' }, startsAt: iso(T0), endsAt: iso(clock.now()) }]);
    await clock.advance(300_000);
    expect(summary()).toEqual([
      [30, 'team/0', 'firing', ['a:firing', 'b:firing']],
      [330, 'team/0', 'firing', ['a:resolved', 'b:firing']],
      [630, 'team/0', 'resolved', ['b:resolved']],
    ]);
    // The dispatcher's cleanup (every 30 s) removes the emptied group; the resolved alerts stay in
    // the store until its garbage collection (every 30 m).
    await clock.advance(30_000);
    expect(d.stats()).toMatchObject({ groups: 0, alerts: 2 });
    await clock.advance(3_600_000);
    expect(summary().length).toBe(3);
    expect(d.stats().alerts).toBe(0);
  });

  it('keeps resolved alerts from integrations without send_resolved, and tells them nothing when all resolve', async () => {
    const { clock, post, summary } = setup();
    post([
      { labels: { alertname: 'Disk', instance: 'a', quiet: 'true' } },
      { labels: { alertname: 'Disk', instance: 'b', quiet: 'true' } },
    ]);
    await clock.advance(30_000);
    post([
      {
        labels: { alertname: 'Disk', instance: 'a', quiet: 'true' },
        startsAt: iso(T0),
        endsAt: iso(clock.now()),
      },
    ]);
    await clock.advance(300_000);
    post([
      {
        labels: { alertname: 'Disk', instance: 'b', quiet: 'true' },
        startsAt: iso(T0),
        endsAt: iso(clock.now()),
      },
    ]);
    await clock.advance(300_000);
    expect(summary()).toEqual([
      [30, 'quiet/0', 'firing', ['a:firing', 'b:firing']],
      [30, 'quiet/1', 'firing', ['a:firing', 'b:firing']],
      [330, 'quiet/1', 'firing', ['a:resolved', 'b:firing']],
      [630, 'quiet/1', 'resolved', ['b:resolved']],
    ]);
  });

  it('resolves an alert sent without endsAt after resolve_timeout', async () => {
    const { clock, post, summary } = setup();
    post([{ labels: { alertname: 'Latency', instance: 'a' }, endsAt: '' }]);
    await clock.advance(330_000);
    expect(summary()).toEqual([
      [30, 'team/0', 'firing', ['a:firing']],
      [330, 'team/0', 'resolved', ['a:resolved']],
    ]);
    expect(summary().length).toBe(2);
  });

  it('flushes at once for an alert that started more than group_wait ago, and merges repeats', async () => {
    const { clock, post, summary, sent } = setup();
    post([{ labels: { alertname: 'Old', instance: 'a' }, startsAt: iso(T0 - 60_000) }]);
    post([{ labels: { alertname: 'Old', instance: 'a' }, startsAt: iso(T0) }]);
    await clock.advance(0);
    expect(summary()).toEqual([[0, 'team/0', 'firing', ['a:firing']]]);
    // The repeat overlapped the kept alert: the earliest start stays.
    expect(sent[0]!.message.alerts[0]!.startsAt).toBe('2025-12-31T23:59:00Z');
  });

  it('retries a failed integration at the next flush, the others not notified again', async () => {
    const { clock, post, summary, failing } = setup();
    failing.add('quiet/1');
    post([{ labels: { alertname: 'Disk', instance: 'a', quiet: 'true' } }]);
    await clock.advance(30_000);
    failing.delete('quiet/1');
    await clock.advance(300_000);
    expect(summary()).toEqual([
      [30, 'quiet/0', 'firing', ['a:firing']],
      [330, 'quiet/1', 'firing', ['a:firing']],
    ]);
  });

  it('counts refused alerts and keeps to maxAlerts and maxGroups', async () => {
    const { clock, post, summary, dispatcher: d } = setup({ maxAlerts: 3, maxGroups: 2 });
    post([
      { labels: {} },
      { labels: { 'bad-name': 'x' } },
      { labels: { alertname: 'A' }, startsAt: iso(T0 + 1000), endsAt: iso(T0) },
      { labels: { alertname: 'A' }, startsAt: 'yesterday' },
    ]);
    post([1, 2, 3, 4].map((i) => ({ labels: { alertname: `A${i % 3}`, instance: String(i) } })));
    expect(d.stats()).toEqual({ alerts: 3, groups: 2, invalidAlerts: 4, droppedAlerts: 1, droppedGroups: 1 });
    await clock.advance(30_000);
    expect(summary()).toEqual([
      [30, 'team/0', 'firing', ['1:firing']],
      [30, 'team/0', 'firing', ['2:firing']],
    ]);
  });

  it('stops its timers on close and takes no more alerts', async () => {
    const { clock, post, sent, dispatcher: d } = setup();
    post([{ labels: { alertname: 'Latency', instance: 'a' } }]);
    await d.close();
    expect(clock.pending).toBe(0);
    post([{ labels: { alertname: 'Other', instance: 'a' } }]);
    await clock.advance(600_000);
    expect(sent.length).toBe(0);
    expect(d.stats().alerts).toBe(1);
  });

  it('validates its options up front', () => {
    const config = parseAlertmanagerConfig(CONFIG);
    expect(() => new Dispatcher({ config, buildIntegrations: () => [], maxGroups: 0 })).toThrow(
      'notifier maxGroups must be a positive integer, got 0',
    );
  });
});
