/**
 * Graceful shutdown of a real server process: SIGTERM while a slow call is in flight. The call is
 * answered, a call made after the signal is refused, /readyz turns 503 before the process exits, and
 * the process then ends by the signal.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';

describe('graceful shutdown', () => {
  it('drains the call in flight, refuses new ones, and fails readiness first', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/drain-server.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const urls = JSON.parse(
        await new Promise<string>((resolve) =>
          createInterface({ input: child.stdout }).once('line', resolve),
        ),
      ) as { mcp: string; monitoring: string };

      // A client polling readiness every 20 ms until the process is gone.
      const readiness: { at: number; status: number }[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          try {
            const response = await fetch(`${urls.monitoring}/readyz`);
            readiness.push({ at: performance.now(), status: response.status });
          } catch {
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();

      const slowClient = new Client({ name: 'slow', version: '1' });
      await slowClient.connect(new StreamableHTTPClientTransport(new URL(urls.mcp)));
      const lateClient = new Client({ name: 'late', version: '1' });
      await lateClient.connect(new StreamableHTTPClientTransport(new URL(urls.mcp)));

      const slow = slowClient.callTool({ name: 'slow_search', arguments: { query: 'drain' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const late = await lateClient.callTool({ name: 'echo', arguments: { text: 'too late' } }).then(
        () => 'answered',
        (error: Error) => error.message,
      );

      const answer = await slow;
      const exit = await exited;
      polling = false;
      await poller;

      expect(answer.content).toEqual([
        {
          type: 'text',
          text: expect.stringMatching(/^\d+ results for "drain" \(searched for 1025 ms\)$/) as string,
        },
      ]);
      expect(late).toContain('Server is shutting down; retry the request on another instance');
      // Once drained, the signal ends the process as it would have without mcpulse.
      expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      const before = readiness.filter((r) => r.at < signalledAt);
      const after = readiness.filter((r) => r.at > signalledAt + 50);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((r) => r.status === 200)).toBe(true);
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((r) => r.status === 503)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
