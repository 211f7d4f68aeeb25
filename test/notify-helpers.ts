/** Test helpers for the notifier: a notification, a recording HTTP receiver, and a bounded wait. */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NotificationAlert, WebhookMessage } from '../src/alerting/notify/types.js';

export const FIRING_ALERT: NotificationAlert = {
  status: 'firing',
  labels: { alertname: 'HighErrorRatio', instance: 'a:1', job: 'mcp', severity: 'page' },
  annotations: { summary: 'errors <high> & rising', runbook_url: 'https://runbooks.example/errors' },
  startsAt: '2026-12-01T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://mcpulse.example/graph?g0.expr=x',
  fingerprint: '1a2b3c4d5e6f7081',
};

export const RESOLVED_ALERT: NotificationAlert = {
  status: 'resolved',
  labels: { alertname: 'HighErrorRatio', instance: 'b:1', job: 'mcp', severity: 'page' },
  annotations: { summary: 'errors <high> & rising' },
  startsAt: '2026-12-01T09:00:00Z',
  endsAt: '2026-12-01T10:05:00Z',
  generatorURL: 'http://mcpulse.example/graph?g0.expr=x',
  fingerprint: '9f8e7d6c5b4a3921',
};

/** A notification of group {alertname="HighErrorRatio"} to receiver "team x": one firing, one resolved. */
export function message(
  alerts: readonly NotificationAlert[] = [FIRING_ALERT, RESOLVED_ALERT],
): WebhookMessage {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighErrorRatio"}',
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'team x',
    groupLabels: { alertname: 'HighErrorRatio' },
    commonLabels: { alertname: 'HighErrorRatio', job: 'mcp', severity: 'page' },
    commonAnnotations: { summary: 'errors <high> & rising' },
    externalURL: 'http://mcpulse.example:9464',
    alerts,
  };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the receiver answers: a status and body, or 'hang' (never answers). */
export type Answer = { status: number; body?: string } | 'hang';

/** A self-signed certificate for 127.0.0.1 and localhost, made by the openssl CLI in `dir`. */
export function selfSignedCert(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2']
      .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'])
      .concat(['-keyout', keyFile, '-out', certFile]),
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

/**
 * A node:http server on 127.0.0.1 (https with `tls`) recording every request and answering from
 * `answers` (the last one repeats).
 */
export async function httpReceiver(
  answers: Answer[] = [{ status: 200 }],
  tls?: { certFile: string; keyFile: string },
) {
  const requests: RecordedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const listener: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = answers[Math.min(requests.length, answers.length - 1)]!;
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (answer === 'hang') return void hanging.push(response);
      response.writeHead(answer.status, { 'Content-Type': 'text/plain' }).end(answer.body ?? '');
    });
  };
  const server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Waits (event-loop turns, bounded) until `condition` holds. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
