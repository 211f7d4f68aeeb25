/**
 * Issue 12's must-show: a receiver that fails is retried, then counted as failed, while MCP requests
 * are unaffected. A real createMcpulse (store, rule manager, embedded notifier) and a real SDK v1
 * McpServer it observes, served over Streamable HTTP on the same event loop as the receiver; a real
 * Client calls a tool in sequence the whole time.
 *
 * Each scenario runs ROUNDS paired rounds. A round measures CALLS tool calls before its alert fires
 * (its gate gauge is 0, the delivery lane idle), then opens the gate: the alert fires at the next
 * evaluation, its notification is POSTed to the failing receiver, and from that first POST on the next
 * CALLS calls are measured while the delivery retries; the round ends when the notification is counted
 * failed. Pairing the phases round by round keeps the machine's changing load out of the comparison.
 * Latencies are printed (p50/p99 per phase), never asserted: the test asserts counts — every call
 * answered ok, exactly maxAttempts POSTs of one body per alert, exactly one failure per alert, one
 * throttled warning, and the rule manager evaluating on schedule throughout (no iteration missed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import type { Mcpulse } from '../src/index.js';
import { parseExposition, seriesOf } from './exposition.js';
import { sessionListener } from './http-sessions.js';
import { logSink } from './log-sink.js';
import { httpReceiver, until, type Answer } from './notify-helpers.js';
import { quietMcpulse } from './quiet.js';

const ROUNDS = 3;
/** Tool calls per phase per round: 2 × ROUNDS × CALLS = 300 per scenario. */
const CALLS = 50;
const MAX_ATTEMPTS = 4;
const ATTEMPT_TIMEOUT_MS = 150;
/** mcpulse_notifications_total{receiver="hook",integration="webhook",outcome="failed"} */
const FAILED = { receiver: 'hook', integration: 'webhook', outcome: 'failed' };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function toolServer(): McpServer {
  const server = new McpServer({ name: 'host', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function p50(latencies: readonly number[]): string {
  return `${percentile(
    [...latencies].sort((a, b) => a - b),
    0.5,
  ).toFixed(2)} ms`;
}

function summary(latencies: readonly number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return `n=${sorted.length} p50 ${ms(percentile(sorted, 0.5))} p99 ${ms(percentile(sorted, 0.99))} max ${ms(sorted.at(-1)!)}`;
}

async function scenario(answer: Answer, delivery: Record<string, number>) {
  const hook = await httpReceiver([answer]);
  cleanups.push(() => hook.close());
  const { stream, lines } = logSink();
  const pulse: Mcpulse = quietMcpulse({
    logDestination: stream,
    store: { intervalMs: 100 },
    alerting: {
      builtin: false,
      // Each round's alert is its own group (group_by round), so its own notification.
      rules: [
        {
          groups: [
            {
              name: 'host-unaffected',
              interval: '250ms',
              rules: [{ alert: 'Failing', expr: 'test_alert_gate > 0' }],
            },
          ],
        },
      ],
      evaluationIntervalMs: 1000,
      notifications: {
        route: {
          receiver: 'hook',
          group_by: ['round'],
          group_wait: '0s',
          // A notification given up on goes again at the group's next flush: an hour on, after the test.
          group_interval: '1h',
          repeat_interval: '1h',
        },
        receivers: [{ name: 'hook', webhook_configs: [{ url: `${hook.url}/alert` }] }],
      },
      delivery: { maxAttempts: MAX_ATTEMPTS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, ...delivery },
    },
  });
  cleanups.push(() => pulse.shutdown());
  const gate = pulse.metrics.gauge({
    name: 'test_alert_gate',
    help: 'Opens one alert per round',
    labelNames: ['round'],
  });

  const { listener } = sessionListener(() => pulse.observe(toolServer()));
  const http = createServer(listener);
  const url = await listen(http);
  cleanups.push(() => new Promise((resolve) => http.close(resolve)));
  cleanups.push(() => http.closeAllConnections());
  const client = new Client({ name: 'caller', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  cleanups.push(() => client.close());

  const metric = async (name: string) =>
    Object.values(seriesOf(parseExposition(await pulse.registry.metrics()), name)).reduce((a, b) => a + b, 0);
  // The counter itself, not the whole exposition: cheap enough to read between every two calls.
  const failed = async () => {
    const counter = pulse.registry.getSingleMetric('mcpulse_notifications_total');
    const { values } = (await counter?.get()) ?? { values: [] };
    const { receiver, integration, outcome } = FAILED;
    return (
      values.find(
        ({ labels }) =>
          labels.receiver === receiver && labels.integration === integration && labels.outcome === outcome,
      )?.value ?? 0
    );
  };

  let answeredOk = 0;
  let call = 0;
  const callTool = async (into: number[]) => {
    const text = `call ${call++}`;
    const started = performance.now();
    const result = await client.callTool({ name: 'echo', arguments: { text } });
    into.push(performance.now() - started);
    const content = result.content as { type: string; text: string }[];
    if (result.isError !== true && content[0]?.text === text) answeredOk++;
  };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  /** Latencies in ms, per round. */
  const before: number[][] = [];
  const during: number[][] = [];
  /** Calls of the `during` phase that ended before their round's notification was counted failed. */
  let overlapped = 0;
  const iterationsAtStart = await metric('prometheus_rule_group_iterations_total');
  for (let round = 1; round <= ROUNDS; round++) {
    before.push([]);
    during.push([]);
    const sentBefore = hook.requests.length;
    // Both phases read the counter between calls (untimed), so they differ only in the delivery.
    let idle = 0;
    for (let i = 0; i < CALLS; i++) {
      await callTool(before.at(-1)!);
      if ((await failed()) === round - 1) idle++;
    }
    expect(idle).toBe(CALLS);
    // Nothing of this round is sent while its gate is closed.
    expect(hook.requests.length).toBe(sentBefore);
    expect(sentBefore).toBe((round - 1) * MAX_ATTEMPTS);

    gate.set({ round: String(round) }, 1);
    await until(() => hook.requests.length > sentBefore, `round ${round}'s first POST`);
    for (let i = 0; i < CALLS; i++) {
      await callTool(during.at(-1)!);
      if ((await failed()) < round) overlapped++;
    }
    for (let turn = 0; (await failed()) < round; turn++) {
      if (turn > 1000) throw new Error(`round ${round}'s notification was never counted failed`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await failed()).toBe(round);
    // Exactly maxAttempts POSTs of this round's notification, each the same body.
    const posts = hook.requests.slice(sentBefore);
    expect(posts).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(posts.map((post) => post.body)).size).toBe(1);
    const body = JSON.parse(posts[0]!.body) as { status: string; groupLabels: Record<string, string> };
    expect([body.status, body.groupLabels]).toEqual(['firing', { round: String(round) }]);
  }
  loop.disable();
  const iterations = (await metric('prometheus_rule_group_iterations_total')) - iterationsAtStart;
  const missed = await metric('prometheus_rule_group_iterations_missed_total');

  expect(answeredOk).toBe(2 * ROUNDS * CALLS);
  expect(before.flat()).toHaveLength(ROUNDS * CALLS);
  expect(during.flat()).toHaveLength(ROUNDS * CALLS);
  expect(await failed()).toBe(ROUNDS);
  expect(await metric('mcpulse_notifications_total')).toBe(ROUNDS); // no success, nothing dropped
  // The rule manager kept its 250 ms schedule the whole time: evaluating, never skipping a slot.
  expect(iterations).toBeGreaterThanOrEqual(ROUNDS);
  expect(missed).toBe(0);
  // One warning for the three failures: throttled per receiver and integration.
  const warnings = lines.filter((line) => line.msg === 'mcpulse gave up delivering a notification');
  expect(warnings).toHaveLength(1);
  return {
    before,
    during,
    overlapped,
    iterations,
    warning: warnings[0]!,
    loopMaxMs: loop.max / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
  };
}

function report(name: string, result: Awaited<ReturnType<typeof scenario>>): void {
  console.info(
    [
      `${name}:`,
      `  before the alert fires:    ${summary(result.before.flat())}`,
      `  while delivery is failing: ${summary(result.during.flat())} (${result.overlapped} of them ended before the failure was counted)`,
      `  p50 by round, before / during: ${result.before.map((round, i) => `${p50(round)} / ${p50(result.during[i]!)}`).join(', ')}`,
      `  rule group iterations ${result.iterations} (none missed); event-loop delay monitor (10 ms timer): p99 ${result.loopP99Ms.toFixed(1)} ms, max ${result.loopMaxMs.toFixed(1)} ms`,
    ].join('\n'),
  );
}

describe('a failing receiver leaves MCP requests unaffected', () => {
  it('answering 500: each alert POSTed exactly maxAttempts times, then counted failed once', async () => {
    const result = await scenario(
      { status: 500, body: 'receiver down' },
      { backoffBaseMs: 50, backoffMaxMs: 200 },
    );
    expect([result.warning.attempts, result.warning.error]).toEqual([
      MAX_ATTEMPTS,
      'unexpected status code 500: receiver down',
    ]);
    report('receiver answering 500', result);
  }, 20_000);

  it('hanging: each attempt cut at attemptTimeoutMs and retried, then counted failed once', async () => {
    const result = await scenario('hang', { backoffBaseMs: 10, backoffMaxMs: 20 });
    expect([result.warning.attempts, result.warning.error]).toEqual([
      MAX_ATTEMPTS,
      `timed out after ${ATTEMPT_TIMEOUT_MS} ms`,
    ]);
    report('receiver hanging', result);
  }, 20_000);
});
