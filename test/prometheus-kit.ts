/** A real Prometheus (Debian's `prometheus`) on a free loopback port, with its config and data in a temporary folder. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.js';

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops it (SIGTERM, waits for the exit) and removes its folder; idempotent. */
  stop(): Promise<void>;
}

/** Starts `prometheus` with this prometheus.yml text; it may still be starting when this resolves. */
export async function startPrometheus(config: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
