/** The monitoring routes mounted on an existing app: node:http, express and hono. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';

import { createMcpulse, type Mcpulse } from '../core/mcpulse.js';

let pulse: Mcpulse;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await pulse.shutdown();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function check(base: string): Promise<void> {
  const metrics = await fetch(`${base}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(await metrics.text()).toContain('# TYPE mcp_server_operation_duration_seconds histogram');
  const om = await fetch(`${base}/metrics`, {
    headers: { accept: 'application/openmetrics-text; version=1.0.0' },
  });
  expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  expect((await om.text()).endsWith('# EOF\n')).toBe(true);
  expect((await fetch(`${base}/livez`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const app = await fetch(`${base}/app`);
  expect([app.status, await app.text()]).toEqual([200, 'app']);
}

describe('mounting the monitoring routes', () => {
  it('on node:http', async () => {
    pulse = createMcpulse({ monitoring: false, hostMetrics: false, logLevel: 'silent' });
    await check(
      await serve((req, res) => {
        if (pulse.routes.node(req, res)) return;
        res.end('app');
      }),
    );
  });

  it('on express', async () => {
    pulse = createMcpulse({ monitoring: false, hostMetrics: false, logLevel: 'silent' });
    const app = express();
    app.use(pulse.routes.middleware());
    app.get('/app', (_req, res) => void res.send('app'));
    await check(await serve(app));
  });

  it('on hono', async () => {
    pulse = createMcpulse({ monitoring: false, hostMetrics: false, logLevel: 'silent' });
    const app = new Hono();
    app.use(async (c, next) => (await pulse.routes.fetch(c.req.raw)) ?? next());
    app.get('/app', (c) => c.text('app'));
    const { getRequestListener } = await import('@hono/node-server');
    const listener = getRequestListener(app.fetch);
    await check(await serve((req, res) => void listener(req, res)));
  });
});
