/**
 * The Alertmanager pusher against a real Alertmanager 0.25 (Debian's prometheus-alertmanager): the
 * alerts POSTed are the alerts its API lists. Batching, the bounded queue and failures against local
 * HTTP receivers, with exact counts.
 */
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAlertmanager, type RealAlertmanager } from '../../../test/alertmanager-kit.js';
import { hasBinary } from '../../../test/binaries.js';
import { parseExposition, seriesOf } from '../../../test/exposition.js';
import { FakeClock } from '../../../test/fake-clock.js';
import { httpReceiver, until } from '../../../test/notify-helpers.js';
import { AlertmanagerPush } from './alertmanager-push.js';
import type { PostableAlert } from './types.js';

const counted = (outcome: string) =>
  `mcpulse_notifications_total{integration="alertmanager",outcome="${outcome}",receiver="alertmanager"}`;
async function counts(registry: Registry) {
  return seriesOf(parseExposition(await registry.metrics()), 'mcpulse_notifications_total');
}
function alert(n: number, endsAt = '2126-01-01T00:00:00Z'): PostableAlert {
  return {
    labels: { alertname: 'HighErrorRatio', instance: `i${n}`, severity: 'page' },
    annotations: { summary: `instance ${n} errs` },
    startsAt: '2026-12-01T10:00:00Z',
    endsAt,
    generatorURL: 'http://mcpulse.example/graph?g0.expr=x',
  };
}

const haveAlertmanager = hasBinary('prometheus-alertmanager');

describe.skipIf(!haveAlertmanager)('against a real Alertmanager 0.25', () => {
  let alertmanager: RealAlertmanager | undefined;
  let url = '';
  beforeAll(async () => {
    alertmanager = await startAlertmanager(
      'route:\n  receiver: hook\n  group_wait: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:9/never\n',
    );
    url = alertmanager.url;
  });
  afterAll(async () => {
    await alertmanager?.stop();
  });

  it('POSTs alerts to /api/v2/alerts, and Alertmanager lists them as active', async () => {
    const registry = new Registry();
    const push = new AlertmanagerPush({ url: `${url}/`, registry });
    push.send([alert(1), alert(2)]);
    await push.close();
    expect(await counts(registry)).toEqual({ [counted('success')]: 2 });

    const listed = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
      generatorURL: string;
      status: { state: string };
      receivers: { name: string }[];
    }[];
    const view = listed
      .map((a) => [
        a.labels,
        a.annotations,
        a.startsAt,
        a.endsAt,
        a.generatorURL,
        a.status.state,
        a.receivers,
      ])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(view).toEqual(
      [1, 2].map((n) => [
        alert(n).labels,
        alert(n).annotations,
        '2026-12-01T10:00:00.000Z',
        '2126-01-01T00:00:00.000Z',
        alert(n).generatorURL,
        'active',
        [{ name: 'hook' }],
      ]),
    );
  });
});

describe('AlertmanagerPush', () => {
  const servers: Awaited<ReturnType<typeof httpReceiver>>[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('sends batches of at most maxBatchSize, one at a time', async () => {
    const server = await httpReceiver([{ status: 200 }]);
    servers.push(server);
    const registry = new Registry();
    const push = new AlertmanagerPush({ url: `${server.url}/prefix`, registry, maxBatchSize: 64 });
    push.send(Array.from({ length: 130 }, (_, n) => alert(n)));
    await push.close();
    expect(
      server.requests.map((request) => [request.url, (JSON.parse(request.body) as unknown[]).length]),
    ).toEqual([
      ['/prefix/api/v2/alerts', 64],
      ['/prefix/api/v2/alerts', 64],
      ['/prefix/api/v2/alerts', 2],
    ]);
    expect(await counts(registry)).toEqual({ [counted('success')]: 130 });
  });

  it('drops the oldest past queueCapacity, counts a failed POST per alert, and cuts a hanging one', async () => {
    const server = await httpReceiver([{ status: 500 }, 'hang', { status: 200 }]);
    servers.push(server);
    const registry = new Registry();
    const clock = new FakeClock();
    const failures: string[] = [];
    const push = new AlertmanagerPush({
      url: server.url,
      registry,
      clock,
      maxBatchSize: 2,
      queueCapacity: 3,
      timeoutMs: 1000,
      onFailure: (error, alerts) => failures.push(`${alerts}: ${error}`),
    });
    push.send([alert(1), alert(2)]); // in flight at once
    push.send([alert(3), alert(4), alert(5), alert(6), alert(7)]); // 3 and 4 dropped
    expect(await counts(registry)).toEqual({ [counted('dropped')]: 2 });
    await until(() => server.requests.length === 2, 'the second POST');
    clock.fireNext(); // its timeout
    await until(() => failures.length === 2, 'the timeout');
    await push.close();
    expect(
      server.requests.map((request) =>
        (JSON.parse(request.body) as PostableAlert[]).map((a) => a.labels.instance),
      ),
    ).toEqual([['i1', 'i2'], ['i5', 'i6'], ['i7']]);
    expect(failures).toEqual(['2: unexpected status code 500', '2: request aborted (timeout)']);
    expect(await counts(registry)).toEqual({
      [counted('dropped')]: 2,
      [counted('failed')]: 4,
      [counted('success')]: 1,
    });
  });

  it('validates its options', () => {
    expect(() => new AlertmanagerPush({ url: 'alertmanager:9093', registry: new Registry() })).toThrow(
      'mcpulse: alertmanager url must be an http:// or https:// URL, got "alertmanager:9093"',
    );
  });
});
