/** An MCP client that never reads the server's stderr must not stall the server, nor keep it alive. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

/**
 * A real pipe (a FIFO) whose read end this process holds open and never reads, as a host that spawns
 * the server with `stderr=PIPE` and ignores it (Node's own 'pipe' option makes a socket pair instead).
 */
function unreadFifo(): { writeFd: number; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-fifo-'));
  const path = join(dir, 'stderr');
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  return {
    writeFd,
    close() {
      closeSync(writeFd);
      closeSync(readFd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The fixture with a stderr this test never reads: it fills after a few hundred KB. */
function flood(
  mode: 'shutdown' | 'exit' | 'epipe',
  stderr: 'pipe' | number = 'pipe',
): { child: ChildProcess; reports: () => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stderr-flood.ts', mode], {
    stdio: ['ignore', 'pipe', stderr],
  });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  if (child.stdout === null) throw new Error('the fixture has no stdout pipe');
  createInterface({ input: child.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queue.push(line);
  });
  const reports = () =>
    new Promise<string>((resolve, reject) => {
      const ready = queue.shift();
      if (ready !== undefined) return resolve(ready);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
      setTimeout(() => reject(new Error('no report within 20 s')), 20_000).unref();
    });
  return { child, reports };
}

/** Milliseconds until the child exits by itself, or -1 after `withinMs`. */
function exitWithin(child: ChildProcess, withinMs: number): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve({ ms: 0, code: child.exitCode });
    const timer = setTimeout(() => resolve({ ms: -1, code: null }), withinMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code });
    });
  });
}

describe('stderr nobody reads', () => {
  it('logging 46 MB to it neither blocks the event loop nor grows without bound; shutdown gives up and the process ends', async () => {
    const { child, reports } = flood('shutdown');
    try {
      const report = JSON.parse(await reports()) as {
        worstGapMs: number;
        dropped: number;
        stderrNonBlocking: boolean;
      };
      // A full pipe answers EAGAIN rather than holding a thread in write(2) until the process can't exit.
      expect(report.stderrNonBlocking).toBe(true);
      // 200,000 lines of ~300 bytes: past the 16 MiB cap, lines are dropped and counted.
      expect(report.dropped).toBeGreaterThan(100_000);
      expect(report.worstGapMs).toBeLessThan(1000);
      // shutdown() gives up on the stuck pipe after its flush timeout (2 s) instead of hanging.
      const shutdown = JSON.parse(await reports()) as { shutdownMs: number; threwAfter: boolean };
      expect(shutdown.shutdownMs).toBeGreaterThanOrEqual(1900);
      expect(shutdown.shutdownMs).toBeLessThan(4000);
      // Logging after the give-up is a no-op, not an exception in whichever handler logs next.
      expect(shutdown.threwAfter).toBe(false);
      // Nothing is left to keep the process alive: no write retry on the full pipe (the pipe is still
      // unread). Before the fix the retry ran every 100 ms forever.
      const exit = await exitWithin(child, 5000);
      // If it did not end, the fixture reported what held it.
      expect(exit.code, exit.code === 0 ? '' : await reports()).toBe(0);
      expect(exit.ms).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('process.exit() with lines pending: the exit flush gives up on the full pipe after ~1 s', async () => {
    const { child, reports } = flood('exit');
    try {
      const report = JSON.parse(await reports()) as { dropped: number };
      expect(report.dropped).toBeGreaterThan(100_000);
      // 10 retries 100 ms apart, then the exit goes on; before, the synchronous flush retried forever.
      const exit = await exitWithin(child, 5000);
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a reader that closes stderr (EPIPE): logging goes on as a no-op, the error is counted once', async () => {
    const { child, reports } = flood('epipe');
    try {
      expect(JSON.parse(await reports())).toEqual({ ready: true });
      child.stderr?.destroy();
      const report = JSON.parse(await reports()) as { threw: boolean; errors: string[] };
      expect(report.threw).toBe(false);
      expect(report.errors).toEqual(['mcpulse_internal_errors_total{where="log-destination"} 1']);
      expect((await exitWithin(child, 5000)).code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a real pipe (FIFO) nobody reads: shutdown gives up and the process ends', async () => {
    const fifo = unreadFifo();
    const { child, reports } = flood('shutdown', fifo.writeFd);
    try {
      const report = JSON.parse(await reports()) as { dropped: number; stderrNonBlocking: boolean };
      expect(report.stderrNonBlocking).toBe(true);
      expect(report.dropped).toBeGreaterThan(100_000);
      const shutdown = JSON.parse(await reports()) as { shutdownMs: number; threwAfter: boolean };
      expect(shutdown.shutdownMs).toBeGreaterThanOrEqual(1900);
      expect(shutdown.threwAfter).toBe(false);
      expect((await exitWithin(child, 5000)).code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      fifo.close();
    }
  });
});
