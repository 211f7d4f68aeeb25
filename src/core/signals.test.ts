/**
 * Signals: none are taken unless asked (`handleSignals: true`); then SIGTERM / SIGINT shut down and
 * the signal ends the process as it would have without mcpulse, unless the host listens to it.
 * Real processes for what ends them; in-process (synthetic `process.emit`) for the listener rules.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { afterEach, describe, expect, it } from 'vitest';

import { createMcpulse, type Mcpulse } from '../index.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function listeners(): Record<(typeof SIGNALS)[number], number> {
  return { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
}

function quiet(handleSignals?: boolean): Mcpulse {
  return createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    logLevel: 'silent',
    ...(handleSignals !== undefined && { handleSignals }),
  });
}

/** Runs test/fixtures/signal-host.ts; resolves once it printed `ready`. */
async function host(mode: 'plain' | 'host' | 'held') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/signal-host.ts', mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.filter((w) => w.line === line)) w.resolve();
  });
  const printed = (line: string) =>
    lines.includes(line)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ line, resolve }));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await printed('ready');
  return { child, lines, printed, exited };
}

describe('signals', () => {
  const made: Mcpulse[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((p) => p.shutdown()));
  });

  it('are left alone by default', () => {
    const before = listeners();
    made.push(quiet(), quiet(false));
    expect(listeners()).toEqual(before);
  });

  it('with handleSignals: true, one listener per signal for all instances, gone once they shut down', async () => {
    const before = listeners();
    const a = quiet(true);
    const b = quiet(true);
    expect(listeners()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
    await a.shutdown();
    expect(listeners()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
    await b.shutdown();
    expect(listeners()).toEqual(before);
  });

  it('a repeat of the same signal is ignored; another signal gives up on the shutdown at once', async () => {
    // The host listens too, so giving up re-raises nothing here: it only lets go of the signals.
    const seen: string[] = [];
    const hostListener = (signal: NodeJS.Signals) => seen.push(signal);
    for (const signal of SIGNALS) process.on(signal, hostListener);
    try {
      const before = listeners();
      const pulse = quiet(true);
      made.push(pulse);
      process.emit('SIGINT', 'SIGINT');
      process.emit('SIGINT', 'SIGINT');
      // Still handled: the repeat was the same Ctrl-C.
      expect(listeners()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
      process.emit('SIGTERM', 'SIGTERM');
      expect(listeners()).toEqual(before);
      await pulse.shutdown();
      // Past the end of the shutdown: nothing is raised again (it would reach the host listener).
      await new Promise((resolve) => setImmediate(resolve));
      expect(listeners()).toEqual(before);
      expect(seen).toEqual(['SIGINT', 'SIGINT', 'SIGTERM']);
    } finally {
      for (const signal of SIGNALS) process.off(signal, hostListener);
    }
  });

  it('SIGTERM: the instance shuts down, then the signal ends the process', async () => {
    const { child, lines, exited } = await host('plain');
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(lines).toEqual(['ready', 'shutting down', 'shut down']);
  });

  it('a host listening to the signal itself decides how the process ends', async () => {
    const { child, lines, exited } = await host('host');
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 7, signal: null });
    expect(lines).toEqual(['ready', 'shutting down', 'host got SIGTERM', 'shut down']);
  });

  it('a second, different signal during a shutdown that does not end exits at once', async () => {
    const { child, lines, printed, exited } = await host('held');
    child.kill('SIGINT');
    await printed('shutting down');
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(lines).toEqual(['ready', 'shutting down']);
  });
});
