/**
 * A real Alertmanager 0.25 for tests (Debian's prometheus-alertmanager, clustering off, loopback
 * only) and a local HTTP server that records the webhook messages it is sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WebhookMessage } from '../src/alerting/notify/types.js';
import { freePort } from './free-port.js';

export interface Received {
  readonly path: string;
  /** The body as sent, byte for byte. */
  readonly body: string;
  readonly message: WebhookMessage;
}

export interface WebhookSink {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

export async function webhookSink(): Promise<WebhookSink> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ path: request.url ?? '', body, message: JSON.parse(body) as WebhookMessage });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RealAlertmanager {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts prometheus-alertmanager on a free loopback port with `config` (and --web.external-url when
 * `externalUrl` is given); resolves once it is ready. stop() resolves once the process has exited.
 */
export async function startAlertmanager(config: string, externalUrl?: string): Promise<RealAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(externalUrl === undefined ? [] : [`--web.external-url=${externalUrl}`]),
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, stop };
    } catch {
      // still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`alertmanager did not become ready:\n${stderr}`);
}
