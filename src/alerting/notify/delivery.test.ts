/**
 * The delivery layer against real HTTP receivers, on the fake clock: retries with the expected
 * backoff delays (random() fixed at 0.5, so each is half its exponential cap), a 400 not retried, a
 * hanging receiver cut at the attempt timeout, the bounded queue, send_resolved, close(), a caller's
 * signal, the outcome notify() resolves with, and the exact counts in mcpulse_notifications_total.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { parseExposition, seriesOf } from '../../../test/exposition.js';
import { FakeClock } from '../../../test/fake-clock.js';
import { FIRING_ALERT, httpReceiver, message, RESOLVED_ALERT, until } from '../../../test/notify-helpers.js';
import { Delivery, type DeliveryFailure, type DeliveryOptions } from './delivery.js';
import { buildReceiver, parseNotifierGlobal, type Receiver } from './receivers.js';
import type { Integration } from './types.js';

const SECRET = 'b3arer-t0ken-n3ver-sh0wn';
const servers: Awaited<ReturnType<typeof httpReceiver>>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function setup(
  answers: Parameters<typeof httpReceiver>[0],
  options: Partial<DeliveryOptions> = {},
  config = {},
) {
  const server = await httpReceiver(answers);
  servers.push(server);
  const receiver = buildReceiver(
    {
      name: 'team x',
      webhook_configs: [
        { url: `${server.url}/hook`, http_config: { authorization: { credentials: SECRET } }, ...config },
      ],
    },
    parseNotifierGlobal({}),
    'receivers[0]',
  );
  const registry = new Registry();
  const clock = new FakeClock();
  const failures: DeliveryFailure[] = [];
  const errors: [unknown, string][] = [];
  const delivery = new Delivery({
    registry,
    clock,
    random: () => 0.5,
    onFailure: (failure) => failures.push(failure),
    onError: (error, where) => errors.push([error, where]),
    ...options,
  });
  const counts = async () =>
    seriesOf(parseExposition(await registry.metrics()), 'mcpulse_notifications_total');
  return { server, receiver, registry, clock, failures, errors, delivery, counts };
}
const counted = (outcome: string) =>
  `mcpulse_notifications_total{integration="webhook",outcome="${outcome}",receiver="team x"}`;

describe('Delivery', () => {
  it('retries a 500 with exponential backoff and full jitter, then counts it failed', async () => {
    const t = await setup([{ status: 500, body: `echo ${SECRET}` }], { maxAttempts: 4 });
    const delivered = t.delivery.notify(t.receiver, message());
    for (const backoff of [500, 1000, 2000]) {
      await until(() => t.clock.pendingDelays()[0] === backoff, `backoff ${backoff}`);
      t.clock.fireNext();
    }
    await until(() => t.failures.length === 1, 'the failure');
    expect(t.server.requests).toHaveLength(4);
    // Each attempt's 10 s timeout, then the backoff after it; none after the last attempt.
    expect(t.clock.delays).toEqual([10_000, 500, 10_000, 1000, 10_000, 2000, 10_000]);
    expect(t.failures).toEqual([
      {
        receiver: 'team x',
        integration: 'webhook',
        index: 0,
        attempts: 4,
        error: 'unexpected status code 500: echo <secret>',
      },
    ]);
    expect(await delivered).toBe(false);
    expect(await t.counts()).toEqual({ [counted('failed')]: 1 });
    expect(await t.registry.metrics()).not.toContain(SECRET);
    expect(t.errors).toEqual([]);
  });

  it('caps the backoff at backoffMaxMs and stops before the deadline', async () => {
    const t = await setup([{ status: 503 }], { backoffBaseMs: 1000, backoffMaxMs: 3000, deadlineMs: 4000 });
    const delivered = t.delivery.notify(t.receiver, message());
    for (const backoff of [500, 1000, 1500]) {
      await until(() => t.clock.pendingDelays()[0] === backoff, `backoff ${backoff}`);
      t.clock.fireNext();
    }
    // After 3000 ms of waiting, the next 1500 would end past the 4000 ms deadline.
    await until(() => t.failures.length === 1, 'the failure');
    expect([t.server.requests.length, t.failures[0]!.attempts, await delivered]).toEqual([4, 4, false]);
  });

  it('delivers once the receiver recovers', async () => {
    const t = await setup([{ status: 502 }, { status: 200 }]);
    const delivered = t.delivery.notify(t.receiver, message());
    await until(() => t.clock.pendingDelays()[0] === 500, 'the backoff');
    t.clock.fireNext();
    expect(await delivered).toBe(true);
    expect(t.server.requests).toHaveLength(2);
    await t.delivery.close();
    expect(await t.counts()).toEqual({ [counted('success')]: 1 });
    expect(t.failures).toEqual([]);
  });

  it('does not retry a 400', async () => {
    const t = await setup([{ status: 400, body: 'bad payload' }]);
    expect(await t.delivery.notify(t.receiver, message())).toBe(false);
    expect([t.server.requests.length, t.failures[0]!.attempts, t.failures[0]!.error]).toEqual([
      1,
      1,
      'unexpected status code 400: bad payload',
    ]);
    expect(t.clock.delays).toEqual([10_000]);
    expect(await t.counts()).toEqual({ [counted('failed')]: 1 });
  });

  it('cuts a hanging receiver at the attempt timeout, and retries it', async () => {
    const t = await setup(['hang'], { maxAttempts: 2, attemptTimeoutMs: 2500 });
    const delivered = t.delivery.notify(t.receiver, message());
    await until(() => t.server.requests.length === 1, 'the first request');
    expect(t.clock.pendingDelays()).toEqual([2500]);
    t.clock.fireNext();
    await until(() => t.clock.pendingDelays()[0] === 500, 'the backoff');
    t.clock.fireNext();
    await until(() => t.server.requests.length === 2, 'the second request');
    t.clock.fireNext();
    expect(await delivered).toBe(false);
    expect(t.failures[0]!.error).toBe('timed out after 2500 ms');
    expect(await t.counts()).toEqual({ [counted('failed')]: 1 });
  });

  it('keeps at most queueSize waiting, dropping the oldest; close() drops what is left when out of time', async () => {
    const t = await setup(['hang'], { queueSize: 2, concurrency: 1 });
    const outcomes = [0, 1, 2, 3].map((n) =>
      t.delivery.notify(t.receiver, { ...message(), groupKey: `g${n}` }),
    );
    // g0 is in flight; g1..g3 queue for two places: g1 is dropped.
    expect(await outcomes[1]).toBe(false);
    expect(await t.counts()).toEqual({ [counted('dropped')]: 1 });
    await until(() => t.server.requests.length === 1, 'the first request');
    const closed = t.delivery.close(1000);
    expect(t.clock.pendingDelays()).toEqual([1000, 10_000]);
    t.clock.fireNext();
    await closed;
    expect(await Promise.all(outcomes)).toEqual([false, false, false, false]);
    expect(await t.delivery.notify(t.receiver, message())).toBe(false);
    expect(await t.counts()).toEqual({ [counted('dropped')]: 4, [counted('failed')]: 1 });
    expect(t.failures.map((failure) => failure.error)).toEqual(['aborted by close()']);
    expect(
      t.server.requests.map((request) => (JSON.parse(request.body) as { groupKey: string }).groupKey),
    ).toEqual(['g0']);
  });

  it('sends an integration with send_resolved: false only the firing alerts, and nothing when none fire', async () => {
    const t = await setup([{ status: 200 }], {}, { send_resolved: false });
    const outcomes = [
      t.delivery.notify(t.receiver, message()),
      t.delivery.notify(t.receiver, message([RESOLVED_ALERT])),
    ];
    // Nothing to send is a success, as Alertmanager's RetryStage reports it.
    expect(await Promise.all(outcomes)).toEqual([true, true]);
    await t.delivery.close();
    expect(t.server.requests).toHaveLength(1);
    const body = JSON.parse(t.server.requests[0]!.body);
    expect([body.status, body.alerts.map((alert: { fingerprint: string }) => alert.fingerprint)]).toEqual([
      'firing',
      [FIRING_ALERT.fingerprint],
    ]);
    expect(await t.counts()).toEqual({ [counted('success')]: 1 });
  });

  it('reports an integration that throws something else as an internal error, not retried, never thrown', async () => {
    const registry = new Registry();
    const errors: string[] = [];
    const broken: Integration = {
      integration: 'webhook',
      index: 0,
      sendResolved: true,
      notify: () => {
        throw new TypeError('bug');
      },
    };
    const receiver: Receiver = { name: 'team x', integrations: [broken] };
    const delivery = new Delivery({ registry, onError: (_error, where) => errors.push(where) });
    let delivered: Promise<boolean> | undefined;
    expect(() => (delivered = delivery.notify(receiver, message()))).not.toThrow();
    expect(await delivered).toBe(false);
    await delivery.close();
    expect(errors).toEqual(['notify.webhook']);
    expect(seriesOf(parseExposition(await registry.metrics()), 'mcpulse_notifications_total')).toEqual({
      [counted('failed')]: 1,
    });
  });

  it("gives a notification up when the caller's signal aborts: dropped while queued, cut and failed in flight", async () => {
    const t = await setup(['hang'], { attemptTimeoutMs: 60_000, concurrency: 1 });
    const [first, second, late] = [new AbortController(), new AbortController(), new AbortController()];
    const inFlight = t.delivery.notify(
      t.receiver,
      { ...message(), groupKey: 'g0' },
      { signal: first.signal },
    );
    const waiting = t.delivery.notify(
      t.receiver,
      { ...message(), groupKey: 'g1' },
      { signal: second.signal },
    );
    late.abort();
    expect(await t.delivery.notify(t.receiver, message(), { signal: late.signal })).toBe(false);
    await until(() => t.server.requests.length === 1, 'the first request');
    second.abort(new Error('flush ran out of time'));
    expect(await waiting).toBe(false);
    first.abort(new Error('flush ran out of time'));
    expect(await inFlight).toBe(false);
    expect(t.failures).toEqual([
      {
        receiver: 'team x',
        integration: 'webhook',
        index: 0,
        attempts: 1,
        error: 'canceled: flush ran out of time',
      },
    ]);
    expect(await t.counts()).toEqual({ [counted('dropped')]: 2, [counted('failed')]: 1 });
    expect(t.clock.pending).toBe(0); // no backoff after a canceled attempt
    await t.delivery.close();
    expect(t.server.requests).toHaveLength(1);
  });

  it('sends at most `concurrency` at a time per integration; the others wait their turn', async () => {
    const t = await setup(['hang', 'hang', { status: 200 }], { concurrency: 2, maxAttempts: 1 });
    const outcomes = [0, 1, 2].map((n) => t.delivery.notify(t.receiver, { ...message(), groupKey: `g${n}` }));
    await until(() => t.server.requests.length === 2, 'two requests at once');
    expect(t.clock.pendingDelays()).toEqual([10_000, 10_000]); // g2 waits: no attempt timer of its own yet
    t.clock.fireNext(); // g0's attempt times out: g2 takes its place and is delivered
    expect(await outcomes[2]).toBe(true);
    t.clock.fireNext();
    expect(await Promise.all(outcomes)).toEqual([false, false, true]);
    const sent = t.server.requests.map(
      (request) => (JSON.parse(request.body) as { groupKey: string }).groupKey,
    );
    expect(sent).toEqual(['g0', 'g1', 'g2']);
    expect(await t.counts()).toEqual({ [counted('failed')]: 2, [counted('success')]: 1 });
  });

  it('resolves true only when every integration of the receiver got the message', async () => {
    const [ok, broken] = [await httpReceiver([{ status: 200 }]), await httpReceiver([{ status: 400 }])];
    servers.push(ok, broken);
    const receiver = buildReceiver(
      { name: 'team x', webhook_configs: [{ url: `${ok.url}/a` }, { url: `${broken.url}/b` }] },
      parseNotifierGlobal({}),
      'receivers[0]',
    );
    const delivery = new Delivery({ registry: new Registry(), clock: new FakeClock() });
    const [only, both] = [{ ...receiver, integrations: receiver.integrations.slice(0, 1) }, receiver];
    expect([await delivery.notify(only, message()), await delivery.notify(both, message())]).toEqual([
      true,
      false,
    ]);
    await delivery.close();
    expect([ok.requests.length, broken.requests.length]).toEqual([2, 1]);
  });

  it('validates its options up front', () => {
    expect(() => new Delivery({ registry: new Registry(), queueSize: 0 })).toThrow(
      'mcpulse: notification delivery queueSize must be an integer >= 1, got 0',
    );
  });
});
