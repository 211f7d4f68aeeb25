/** /livez, /readyz and /health of the mcpulse instance for pass, warn and fail; hidden details; the MCP resource. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';

import { key, parseExposition } from '../../test/exposition.js';
import { createMcpulse, type Mcpulse } from '../core/mcpulse.js';
import type { HealthStatus } from './registry.js';

let pulse: Mcpulse;
afterEach(() => pulse.shutdown());

async function start(options: Parameters<typeof createMcpulse>[0] = {}) {
  pulse = createMcpulse({
    monitoring: { port: 0 },
    hostMetrics: false,
    processMetrics: false,
    logLevel: 'silent',
    defaultHealthChecks: false,
    handleSignals: false,
    ...options,
  });
  const { url } = (await pulse.monitoring)!;
  let database: HealthStatus = 'pass';
  let cache: HealthStatus = 'pass';
  pulse.health.register(
    'database',
    () => ({
      status: database,
      observedValue: 12,
      observedUnit: 'ms',
      output: database === 'pass' ? undefined : 'password=hunter2 rejected',
    }),
    {
      critical: true,
      minInterval: 0,
      componentType: 'datastore',
      measurement: 'responseTime',
    },
  );
  pulse.health.register('cache', () => cache, { critical: false, minInterval: 0 });
  return {
    url,
    set: (db: HealthStatus, c: HealthStatus) => {
      database = db;
      cache = c;
    },
  };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('health endpoints', () => {
  it.each([
    ['pass', 'pass', 200, 'pass', 200],
    ['pass', 'fail', 200, 'warn', 200],
    ['pass', 'warn', 200, 'warn', 200],
    ['fail', 'pass', 503, 'fail', 503],
  ] as const)(
    'database %s, cache %s: /readyz %i, /health %s (%i)',
    async (database, cache, readyStatus, healthStatus, healthCode) => {
      const { url, set } = await start();
      set(database, cache);
      expect(await get(`${url}/livez`)).toEqual({
        status: 200,
        type: 'text/plain; charset=utf-8',
        body: 'ok\n',
      });
      const ready = await get(`${url}/readyz`);
      expect(ready.status).toBe(readyStatus);
      expect(ready.body).toBe(readyStatus === 200 ? 'ok\n' : 'not ready: database\n');
      for (const path of ['/health', '/health/detailed']) {
        const health = await get(`${url}${path}`);
        expect([health.status, health.type]).toEqual([healthCode, 'application/health+json']);
        const body = JSON.parse(health.body) as {
          status: string;
          serviceId: string;
          checks: Record<string, unknown[]>;
        };
        expect(body.status).toBe(healthStatus);
        expect(body.serviceId).toBe('mcp-server');
        expect(Object.keys(body.checks).sort()).toEqual(['cache:status', 'database:responseTime']);
        expect(body.checks['database:responseTime']![0]).toMatchObject({
          componentType: 'datastore',
          observedValue: 12,
          observedUnit: 'ms',
          status: database,
        });
      }
    },
  );

  it('hides messages and observed values from callers without the token', async () => {
    const { url, set } = await start({ healthHideDetails: true, healthToken: 's3cret-token' });
    set('fail', 'pass');
    const anonymous = JSON.parse((await get(`${url}/health`)).body) as {
      checks: Record<string, Record<string, unknown>[]>;
    };
    const check = anonymous.checks['database:responseTime']![0]!;
    expect(check.status).toBe('fail');
    expect(check.output).toBeUndefined();
    expect(check.observedValue).toBeUndefined();
    const wrong = JSON.parse(
      (await get(`${url}/health`, { authorization: 'Bearer nope' })).body,
    ) as typeof anonymous;
    expect(wrong.checks['database:responseTime']![0]!.output).toBeUndefined();
    const insider = JSON.parse(
      (await get(`${url}/health`, { authorization: 'Bearer s3cret-token' })).body,
    ) as typeof anonymous;
    expect(insider.checks['database:responseTime']![0]).toMatchObject({
      observedValue: 12,
      output: 'password=hunter2 rejected',
    });
  });

  it('reports check status and duration as metrics', async () => {
    const { url, set } = await start();
    set('pass', 'warn');
    await get(`${url}/health`);
    const series = parseExposition(await pulse.registry.metrics());
    expect(series.get(key('mcpulse_health_check_status', { check: 'database' }))).toBe(1);
    expect(series.get(key('mcpulse_health_check_status', { check: 'cache' }))).toBe(0.5);
    expect(
      series.get(key('mcpulse_health_check_duration_seconds', { check: 'database' })),
    ).toBeGreaterThanOrEqual(0);
  });

  it('is readable by MCP clients as the health://status resource', async () => {
    const { set } = await start();
    set('pass', 'fail');
    const server = pulse.exposeHealth(pulse.observe(new McpServer({ name: 's', version: '1' })));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(clientTransport);
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.name, r.uri, r.mimeType])).toEqual([
      ['health', 'health://status', 'application/health+json'],
    ]);
    const read = await client.readResource({ uri: 'health://status' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { status: string };
    expect(body.status).toBe('warn');
    await client.close();
  });

  it('validates the health options', () => {
    expect(() => createMcpulse({ healthToken: 'short' })).toThrow(
      'mcpulse: healthToken must be a string of at least 8 characters',
    );
    expect(() => createMcpulse({ drainTimeoutMs: -1 })).toThrow(
      'mcpulse: drainTimeoutMs must be an integer from 0 to 600000, got -1',
    );
  });
});
