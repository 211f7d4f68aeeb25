/**
 * Hostile input through a real stdio server: random and mutated JSON-RPC frames (fast-check, fixed seed)
 * straight onto the wire of an observed SDK server child. Whatever arrives, every operation mcpulse
 * starts must end: once the traffic stops the in-flight gauge is back at 0, every ended operation is a
 * reply the server wrote or a cancellation, and shutdown has nothing left to drain.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { parseExposition } from './exposition.js';

const FRAMES = 3000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

type Frame = Record<string, unknown>;

/** Ids from a small pool (so requests collide in flight), and the kinds no SDK accepts. */
const poolId = fc.constantFrom<unknown>(1, 2, 3, 'a', 'b');
const anyId = fc.oneof(
  { weight: 6, arbitrary: poolId },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, {}, []) },
);
const toolParams = fc.oneof(
  fc.record({ name: fc.constant('echo'), arguments: fc.record({ text: fc.string({ maxLength: 20 }) }) }),
  fc.record({
    name: fc.constantFrom('boom', 'soft_fail', 'chatty', 'no_such_tool'),
    arguments: fc.constant({}),
  }),
  fc.record({
    name: fc.constant('echo'),
    arguments: fc.jsonValue({ maxDepth: 2 }),
    _meta: fc.record({ progressToken: fc.oneof(poolId, fc.double(), fc.constant(null)) }),
  }),
);
const request: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    jsonrpc: fc.constant('2.0'),
    id: anyId,
    method: fc.constant('tools/call'),
    params: toolParams,
  }),
  fc.record({
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    id: anyId,
    method: fc.constantFrom(
      'ping',
      'tools/list',
      'prompts/list',
      'resources/list',
      'x/unknown',
      'logging/setLevel',
    ),
    params: fc.oneof(fc.constant(undefined), fc.constant({}), fc.jsonValue({ maxDepth: 2 })),
  }),
  fc.record({
    jsonrpc: fc.constant('2.0'),
    method: fc.constant('notifications/cancelled'),
    params: fc.record({ requestId: anyId, reason: fc.string({ maxLength: 10 }) }),
  }),
  // Replies to requests the server never sent, and frames that are neither request nor reply.
  fc.record({ jsonrpc: fc.constant('2.0'), id: anyId, result: fc.jsonValue({ maxDepth: 1 }) }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Frame>,
);
/** A valid-looking frame with one thing changed: a member added or dropped, or a value swapped. */
const mutated: fc.Arbitrary<Frame> = fc
  .tuple(
    request,
    fc.constantFrom('add', 'drop', 'swap'),
    fc.string({ maxLength: 6 }),
    fc.jsonValue({ maxDepth: 1 }),
  )
  .map(([frame, how, name, value]) => {
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return frame;
    const copy: Frame = { ...frame };
    const keys = Object.keys(copy);
    const target = keys[name.length % Math.max(1, keys.length)];
    if (how === 'add') copy[name || 'extra'] = value;
    else if (target !== undefined && how === 'drop') delete copy[target];
    else if (target !== undefined) copy[target] = value;
    return copy;
  });
const line: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.oneof(request, mutated).map((frame) => JSON.stringify(frame) ?? 'null') },
  // Broken JSON: a frame cut short, and text that is no JSON at all.
  { weight: 1, arbitrary: request.map((frame) => (JSON.stringify(frame) ?? 'null').slice(0, 9)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')) },
);

describe('random and mutated frames into a real stdio server', () => {
  it.each(['v1', 'v2'] as const)(
    'SDK %s: every operation ends, the gauge returns to 0, nothing is left to drain',
    async (sdk) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stdio-server.ts', sdk], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'info' },
      });
      cleanups.push(() => proc.kill('SIGKILL'));
      const logs: Record<string, unknown>[] = [];
      let replies = 0;
      createInterface({ input: proc.stdout }).on('line', (l) => {
        const message = JSON.parse(l) as Frame;
        if (message.id !== undefined && ('result' in message || 'error' in message)) {
          replies++;
        }
      });
      let announce: (url: string) => void;
      const metricsUrl = new Promise<string>((resolve) => (announce = resolve));
      createInterface({ input: proc.stderr }).on('line', (l) => {
        const entry = JSON.parse(l) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry.url === 'string') announce(entry.url);
      });
      const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
      const url = await metricsUrl;

      const write = (text: string) =>
        new Promise<void>((resolve) => proc.stdin.write(`${text}\n`, () => resolve()));
      await write(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'init',
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'fuzzer', version: '1' },
          },
        }),
      );
      await write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      const lines = fc.sample(line, { numRuns: FRAMES, seed: 20261201 });
      expect(lines).toHaveLength(FRAMES);
      for (const text of lines) await write(text);

      // The traffic has stopped: wait (bounded) until nothing is in flight any more.
      const scrape = async () => parseExposition(await (await fetch(`${url}/metrics`)).text());
      const sum = (series: Map<string, number>, name: string) =>
        [...series]
          .filter(([k]) => k === name || k.startsWith(`${name}{`))
          .reduce((total, [, v]) => total + v, 0);
      let series = await scrape();
      for (let i = 0; i < 100 && sum(series, 'mcp_server_operations_active') !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        series = await scrape();
      }
      expect(sum(series, 'mcp_server_operations_active')).toBe(0);
      const ended = sum(series, 'mcp_server_operation_duration_seconds_count');
      const cancelled = [...series]
        .filter(
          ([k]) =>
            k.startsWith('mcp_server_operation_duration_seconds_count{') &&
            k.includes('error_type="cancelled"'),
        )
        .reduce((total, [, v]) => total + v, 0);
      // Every record that is not a cancellation took one reply the server wrote; a reply finds no record
      // only when its request was cancelled first (at most one per cancelled record).
      expect(replies).toBeGreaterThanOrEqual(ended - cancelled);
      expect(replies).toBeLessThanOrEqual(ended);
      expect(ended).toBeGreaterThan(FRAMES / 20);

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      const messages = logs.map((l) => l.msg);
      expect(messages).not.toContain('mcpulse shutting down: draining requests in flight');
      expect(messages).not.toContain('mcpulse shutting down: drain timed out');
      console.log(
        `fuzz (${sdk}): ${FRAMES} frames, ${ended} operations (${replies} replies, ${cancelled} cancelled)`,
      );
    },
  );
});
