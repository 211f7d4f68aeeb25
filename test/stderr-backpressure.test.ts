/** An MCP client that never reads the server's stderr must not stall the server. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

describe('stderr nobody reads', () => {
  it('logging 46 MB to it neither blocks the event loop nor grows without bound', async () => {
    // stderr is a pipe this test never reads: it fills after 64 KB.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stderr-flood.ts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const nextLine = new Promise<string>((resolve) => {
        let seen = 0;
        lines.on('line', (l) => {
          if (++seen === 2) resolve(l);
        });
      });
      const line = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
        setTimeout(() => reject(new Error('no report within 20 s')), 20_000).unref();
      });
      const report = JSON.parse(line) as { worstGapMs: number; dropped: number };
      // 200,000 lines of ~300 bytes: past the 16 MiB cap, lines are dropped and counted.
      expect(report.dropped).toBeGreaterThan(100_000);
      expect(report.worstGapMs).toBeLessThan(1000);
      // shutdown() gives up on the stuck pipe after its flush timeout (2 s) instead of hanging.
      const shutdown = JSON.parse(await nextLine) as { shutdownMs: number };
      expect(shutdown.shutdownMs).toBeGreaterThanOrEqual(1900);
      expect(shutdown.shutdownMs).toBeLessThan(4000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
