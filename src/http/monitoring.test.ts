import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { McpulseOptionError } from '../core/errors.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../metrics/render.js';
import { createMonitoringRoutes, startMonitoringServer, type MonitoringServer } from './monitoring.js';

const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

function demoRegistry(): Registry {
  const registry = new Registry();
  new Counter({ name: 'demo_events_total', help: 'Demo events.', registers: [registry] }).inc(3);
  return registry;
}

async function withServer(
  run: (
    server: MonitoringServer,
    state: { ready: boolean; errors: Array<[unknown, string]> },
  ) => Promise<void>,
  registry: Registry = demoRegistry(),
): Promise<void> {
  const state = { ready: true, errors: [] as Array<[unknown, string]> };
  const routes = createMonitoringRoutes({
    registry,
    isReady: () => state.ready,
    onError: (error, where) => state.errors.push([error, where]),
  });
  const server = await startMonitoringServer(routes, { port: 0 });
  try {
    await run(server, state);
  } finally {
    await server.close();
  }
}

describe('startMonitoringServer', () => {
  it('serves /metrics in the negotiated format with the exact content type', async () => {
    await withServer(async (server) => {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(server.port).toBeGreaterThan(0);

      const text = await fetch(`${server.url}/metrics`);
      expect(text.status).toBe(200);
      expect(text.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(text.headers.get('cache-control')).toBe('no-store');
      const textBody = await text.text();
      expect(textBody).toContain('# TYPE demo_events_total counter');
      expect(textBody).toContain('demo_events_total 3');

      const om = await fetch(`${server.url}/metrics?debug=1`, { headers: { accept: PROMETHEUS_3_ACCEPT } });
      expect(om.status).toBe(200);
      expect(om.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
      const omBody = await om.text();
      expect(omBody).toContain('# TYPE demo_events counter');
      expect(omBody).toContain('demo_events_total 3');
      expect(omBody.endsWith('# EOF\n')).toBe(true);

      const plain = await fetch(`${server.url}/metrics`, { headers: { accept: 'text/plain' } });
      expect(plain.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(await plain.text()).toBe(textBody);
    });
  });

  it('answers /livez and /readyz, which follows isReady', async () => {
    await withServer(async (server, state) => {
      const live = await fetch(`${server.url}/livez`);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await live.text()).toBe('ok\n');

      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toBe('ok\n');

      state.ready = false;
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('not ready\n');
      const stillLive = await fetch(`${server.url}/livez`);
      expect(stillLive.status).toBe(200);
    });
  });

  it('rejects other methods with 405 and Allow, and unknown paths with 404', async () => {
    await withServer(async (server) => {
      const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      expect(await post.text()).toBe('method not allowed\n');

      const del = await fetch(`${server.url}/readyz`, { method: 'DELETE' });
      expect(del.status).toBe(405);
      expect(del.headers.get('allow')).toBe('GET, HEAD');

      const nope = await fetch(`${server.url}/nope`);
      expect(nope.status).toBe(404);
      expect(await nope.text()).toBe('not found\n');

      const trailing = await fetch(`${server.url}/metrics/`);
      expect(trailing.status).toBe(404);
      await trailing.text();
    });
  });

  it('answers HEAD without a body', async () => {
    await withServer(async (server) => {
      const metrics = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(await metrics.text()).toBe('');

      const live = await fetch(`${server.url}/livez`, { method: 'HEAD' });
      expect(live.status).toBe(200);
      expect(live.headers.get('content-length')).toBe('3');
      expect(await live.text()).toBe('');
    });
  });

  it('turns a throwing isReady into a 500 reported to onError', async () => {
    const errors: Array<[unknown, string]> = [];
    const boom = new Error('boom');
    const routes = createMonitoringRoutes({
      registry: demoRegistry(),
      isReady: () => {
        throw boom;
      },
      onError: (error, where) => errors.push([error, where]),
    });
    const server = await startMonitoringServer(routes, { port: 0 });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('internal error\n');
      expect(errors).toEqual([[boom, 'readyz']]);
    } finally {
      await server.close();
    }
  });

  it('answers a failed render with a 500 and reports it', async () => {
    const registry = demoRegistry();
    const where: string[] = [];
    const routes = createMonitoringRoutes({
      registry,
      onError: (_error, at) => {
        where.push(at);
        throw new Error('onError must not break anything');
      },
    });
    const realMetrics = registry.metrics.bind(registry);
    registry.metrics = () => Promise.reject(new Error('render failed'));
    const server = await startMonitoringServer(routes, { port: 0 });
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('# failed to render metrics: render failed\n');
      expect(where).toEqual(['metrics']);
      registry.metrics = realMetrics;
      const ok = await fetch(`${server.url}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('demo_events_total 3');
    } finally {
      await server.close();
    }
  });

  it('rejects with a clear error when the port is in use', async () => {
    await withServer(async (server) => {
      const routes = createMonitoringRoutes({ registry: demoRegistry() });
      await expect(startMonitoringServer(routes, { port: server.port })).rejects.toThrow(
        `mcpulse: cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`,
      );
    });
  });

  it('closes idempotently, including idle keep-alive connections', async () => {
    const routes = createMonitoringRoutes({ registry: demoRegistry() });
    const server = await startMonitoringServer(routes, { port: 0 });
    // fetch keeps the connection alive; close() must not wait for the keep-alive timeout.
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
    const started = Date.now();
    await server.close();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${server.url}/livez`)).rejects.toThrow();
  });

  it('lets an in-flight response finish when close() is requested', async () => {
    const registry = demoRegistry();
    new Counter({
      name: 'demo_slow_total',
      help: 'Slow collector.',
      registers: [registry],
      async collect() {
        await new Promise((resolve) => setTimeout(resolve, 100));
        this.inc(1);
      },
    });
    const server = await startMonitoringServer(createMonitoringRoutes({ registry }), { port: 0 });
    const pending = fetch(`${server.url}/metrics`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closed = server.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('demo_slow_total 1');
    await closed;
  });

  it('validates options up front', async () => {
    const routes = createMonitoringRoutes({ registry: demoRegistry() });
    await expect(startMonitoringServer(routes, { port: 70000 })).rejects.toThrow(
      new McpulseOptionError('mcpulse: monitoring.port must be an integer from 0 to 65535, got 70000'),
    );
    await expect(startMonitoringServer(routes, { port: 1.5 })).rejects.toThrow(
      'mcpulse: monitoring.port must be an integer from 0 to 65535, got 1.5',
    );
    await expect(startMonitoringServer(routes, { port: -1 })).rejects.toThrow(McpulseOptionError);
    await expect(startMonitoringServer(routes, { port: '9464' as unknown as number })).rejects.toThrow(
      new McpulseOptionError('mcpulse: monitoring.port must be an integer from 0 to 65535, got "9464"'),
    );
    await expect(startMonitoringServer(routes, { port: 0, host: '' })).rejects.toThrow(
      new McpulseOptionError('mcpulse: monitoring.host must be a non-empty string, got ""'),
    );
    expect(() => createMonitoringRoutes({ registry: undefined as unknown as Registry })).toThrow(
      McpulseOptionError,
    );
  });
});

describe('createMonitoringRoutes', () => {
  it('fetch() answers monitoring routes and resolves undefined for others', async () => {
    const routes = createMonitoringRoutes({ registry: demoRegistry() });

    const res = await routes.fetch(new Request('http://x/metrics'));
    expect(res).toBeInstanceOf(Response);
    expect(res!.status).toBe(200);
    expect(res!.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await res!.text()).toContain('demo_events_total 3');

    const om = await routes.fetch(
      new Request('http://x/metrics?x=1', { headers: { accept: 'application/openmetrics-text' } }),
    );
    expect(om!.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
    expect((await om!.text()).endsWith('# EOF\n')).toBe(true);

    const head = await routes.fetch(new Request('http://x/readyz', { method: 'HEAD' }));
    expect(head!.status).toBe(200);
    expect(await head!.text()).toBe('');

    const post = await routes.fetch(new Request('http://x/livez', { method: 'POST' }));
    expect(post!.status).toBe(405);
    expect(post!.headers.get('allow')).toBe('GET, HEAD');

    expect(await routes.fetch(new Request('http://x/other'))).toBeUndefined();
  });

  it('honours a prefix', async () => {
    const routes = createMonitoringRoutes({ registry: demoRegistry(), prefix: '/ops/' });
    expect((await routes.fetch(new Request('http://x/ops/livez')))!.status).toBe(200);
    expect(await routes.fetch(new Request('http://x/livez'))).toBeUndefined();
  });

  it('node() plugs into a plain http server and leaves other paths to the app', async () => {
    let ready = true;
    const routes = createMonitoringRoutes({ registry: demoRegistry(), isReady: () => ready });
    const app = createServer((req, res) => {
      if (routes.node(req, res)) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('app');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    try {
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(await metrics.text()).toContain('demo_events_total 3');

      const other = await fetch(`${base}/anything?q=1`);
      expect(other.status).toBe(200);
      expect(await other.text()).toBe('app');

      ready = false;
      const notReady = await fetch(`${base}/readyz?verbose`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('not ready\n');
    } finally {
      app.closeAllConnections();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });

  it('middleware() calls next() only for other paths', async () => {
    const routes = createMonitoringRoutes({ registry: demoRegistry() });
    const middleware = routes.middleware();
    const app = createServer((req, res) => {
      middleware(req, res, () => {
        res.writeHead(200);
        res.end('next');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as AddressInfo).port;
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/livez')).toEqual({ status: 200, body: 'ok\n' });
      expect(await get('/elsewhere')).toEqual({ status: 200, body: 'next' });
    } finally {
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});
