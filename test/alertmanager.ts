/** Starts a real Alertmanager 0.25 (Debian's prometheus-alertmanager) on 127.0.0.1 with a given config. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.js';

export interface RunningAlertmanager {
  readonly url: string;
  stop(): void;
}

export async function startAlertmanager(configYaml: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-am-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, configYaml);
  const child = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  for (let tries = 0; ; tries++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, stop };
    if (tries === 200 || child.exitCode !== null) {
      stop();
      throw new Error('Alertmanager did not become ready');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
