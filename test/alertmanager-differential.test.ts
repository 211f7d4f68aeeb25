/**
 * The same configuration in both notifiers: a real Alertmanager 0.25 and mcpulse's dispatcher get
 * one route tree (nested routes, `continue`, match_re, group_by '...', a receiver that does not send
 * resolved notifications, a short repeat_interval) and the same alert batches, posted at the same moments; each delivers
 * webhook messages to its own local receiver (mcpulse through its real webhook integration and
 * delivery layer). Per receiver and group key, both must send the same sequence of bodies, byte for
 * byte (the same groups, alerts, labels, statuses, times, fingerprints and JSON), and mcpulse's
 * fingerprints must be the ones Alertmanager's /api/v2/alerts shows.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseAlertmanagerConfig } from '../src/alerting/notify/config.js';
import { fingerprint } from '../src/alerting/notify/labelset.js';
import { EmbeddedNotifier } from '../src/alerting/notify/notifier.js';
import type { PostableAlert } from '../src/alerting/notify/types.js';
import {
  startAlertmanager,
  webhookSink,
  type RealAlertmanager,
  type WebhookSink,
} from './alertmanager-kit.js';
import { hasBinary } from './binaries.js';

const RECEIVERS = ['default', 'db', 'db.pager', 'frontend', 'db-audit'];
const EXTERNAL_URL = 'http://127.0.0.1:9093';

function config(sinkUrl: string): string {
  const receivers = RECEIVERS.map(
    (name) =>
      `  - name: ${name}\n    webhook_configs:\n      - url: ${sinkUrl}/${name}\n        send_resolved: ${name !== 'db-audit'}\n`,
  ).join('');
  return `global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 5s
  routes:
    - matchers: ['team="db"']
      receiver: db
      group_by: [alertname, cluster]
      continue: true
      routes:
        - matchers: ['{severity="page"}']
          receiver: db.pager
          group_by: ['...']
    - match_re:
        service: api|web
      receiver: frontend
      group_by: [service]
    - match:
        team: db
      receiver: db-audit
receivers:
${receivers}`;
}

const PAGER_GROUP =
  '{}/{team="db"}/{severity="page"}:{alertname="HighLatency", cluster="c1", service="db", severity="page", team="db"}';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alert(labels: Record<string, string>, startsAt: string, endsAt = ''): PostableAlert {
  return {
    labels,
    annotations: { summary: `${labels.alertname ?? ''} on ${labels.instance ?? '-'}` },
    startsAt,
    endsAt,
    generatorURL: 'http://127.0.0.1:9090/graph',
  };
}

const A1 = { alertname: 'HighLatency', team: 'db', cluster: 'c1', severity: 'page', service: 'db' };
const A2 = { alertname: 'HighLatency', team: 'db', cluster: 'c2', severity: 'warning' };
const A3 = { alertname: 'HighLatency', service: 'api', instance: 'a:1', job: 'api' };
const A4 = { alertname: 'ErrorRate', service: 'web', instance: 'w:1' };
const A5 = { alertname: 'DiskFull', job: 'node', instance: 'n1' };
const A6 = { alertname: 'DiskFull', job: 'node', instance: 'n2' };
const A7 = { alertname: 'HighLatency', team: 'db', cluster: 'c1', severity: 'warning' };
const A8 = { alertname: 'DiskFull', job: 'node', instance: 'n3' };

/** The bodies each receiver got, per group key, in the order they arrived. */
function byGroup(sink: WebhookSink): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { path, body, message } of sink.received)
    (out[`${decodeURIComponent(path)} ${message.groupKey}`] ??= []).push(body);
  return out;
}

describe.runIf(hasBinary('prometheus-alertmanager'))('mcpulse and a real Alertmanager 0.25', () => {
  let amSink: WebhookSink;
  let pulseSink: WebhookSink;
  let alertmanager: RealAlertmanager;
  let notifier: EmbeddedNotifier;

  beforeAll(async () => {
    amSink = await webhookSink();
    pulseSink = await webhookSink();
    alertmanager = await startAlertmanager(config(amSink.url), EXTERNAL_URL);
    notifier = new EmbeddedNotifier({
      config: parseAlertmanagerConfig(config(pulseSink.url)),
      registry: new Registry(),
      externalUrl: EXTERNAL_URL,
    });
  });
  afterAll(async () => {
    await notifier?.close();
    await alertmanager?.stop();
    await amSink?.close();
    await pulseSink?.close();
  });

  async function post(alerts: PostableAlert[]): Promise<void> {
    // Alertmanager reads an absent endsAt as "none"; mcpulse's contract writes ''.
    const body = alerts.map(({ endsAt, ...rest }) => (endsAt === '' ? rest : { ...rest, endsAt }));
    const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    notifier.send(alerts);
  }

  it('sends the same groups, alerts and resolved statuses to the same receivers', async () => {
    const t0 = Date.now();
    const at = (ms: number): string => new Date(t0 + ms).toISOString();
    const inAnHour = at(3_600_000);
    // t0: groups form; their first flush is group_wait (1 s) later, then every 2 s (t0+3, t0+5).
    await post([
      alert(A1, at(0)),
      alert(A2, at(0), inAnHour),
      alert(A3, at(0)),
      alert(A4, at(0)),
      alert(A5, at(0), inAnHour),
      alert(A6, at(0)),
    ]);
    await sleep(t0 + 2000 - Date.now());
    // t0+2: new alerts in old groups, a new group, and A1 again with a later start (merged: the start stays).
    await post([alert(A7, at(2000)), alert(A8, at(2000)), alert(A1, at(2000))]);
    await sleep(t0 + 4000 - Date.now());
    // t0+4: three alerts resolve (db-audit, which sends no resolved notifications, must stay quiet).
    const now = at(4000);
    await post([alert(A2, at(0), now), alert(A3, at(0), now), alert(A5, at(0), now)]);
    // t0+7: groups unchanged since t0+1 notify again, repeat_interval (5 s) after their last notification.
    await sleep(t0 + 8000 - Date.now());

    const expected = byGroup(amSink);
    const actual = byGroup(pulseSink);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const key of Object.keys(expected))
      expect({ key, messages: actual[key] }).toEqual({ key, messages: expected[key] });

    // What the test claims to cover did happen: 7 groups over 5 receivers, resolved messages, merges.
    expect(Object.keys(expected).length).toBe(7);
    expect(Object.keys(expected)).toContain(`/db.pager ${PAGER_GROUP}`);
    expect(Object.keys(expected)).toContain('/frontend {}/{service=~"^(?:api|web)$"}:{service="api"}');
    expect(amSink.received.filter((r) => r.message.status === 'resolved').length).toBe(2);
    expect(
      amSink.received.some(
        (r) => r.path === '/db-audit' && r.message.alerts.some((a) => a.status === 'resolved'),
      ),
    ).toBe(false);
    expect(amSink.received.length).toBe(14);
    expect(pulseSink.received.length).toBe(14);
    const pager = expected[`/db.pager ${PAGER_GROUP}`]!;
    expect(pager.length).toBe(2);
    expect(pager[1]).toBe(pager[0]);

    const listed = (await (
      await fetch(
        `${alertmanager.url}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`,
      )
    ).json()) as { labels: Record<string, string>; fingerprint: string }[];
    expect(listed.length).toBeGreaterThanOrEqual(5);
    for (const entry of listed) expect(fingerprint(entry.labels)).toBe(entry.fingerprint);
  });
});
