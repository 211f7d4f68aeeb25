import { statfs } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { McpulseError, McpulseOptionError } from '../core/errors.js';
import {
  diskSpaceCheck,
  eventLoopDelayCheck,
  httpCheck,
  memoryCheck,
  pingCheck,
  tcpCheck,
} from './checks.js';
import { HealthRegistry, type CheckResult, type HealthCheck } from './registry.js';

/** Runs a built-in check directly, as the registry would, with a signal that never fires. */
async function call(check: HealthCheck, signal = new AbortController().signal): Promise<CheckResult> {
  return (await check(signal)) as CheckResult;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function close(server: net.Server): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
}

/** A port nothing listens on: listen on a free one, then close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // block the event loop on purpose
  }
}

describe('httpCheck', () => {
  let server: http.Server;
  let port: number;
  let status = 200;
  const seen: http.IncomingHttpHeaders[] = [];
  let hangingClosed: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/hang') {
        hangingClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
        return; // never answers
      }
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://example.invalid/' }).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end('x'.repeat(100_000));
    });
    port = await listen(server);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await close(server);
  });

  it('passes on 200 with the latency, then fails on 503 with `HTTP 503`', async () => {
    const check = httpCheck(`http://127.0.0.1:${port}/ok`, { headers: { 'x-probe': 'mcpulse' } });
    status = 200;
    const ok = await call(check);
    expect(ok.status).toBe('pass');
    expect(ok.observedUnit).toBe('ms');
    expect(typeof ok.observedValue).toBe('number');
    expect(ok.observedValue).toBeGreaterThan(0);
    expect(ok.observedValue).toBeLessThan(1000);
    expect(ok.output).toBeUndefined();
    expect(seen.at(-1)?.['x-probe']).toBe('mcpulse');

    status = 503;
    const down = await call(check);
    expect(down.status).toBe('fail');
    expect(down.output).toBe('HTTP 503');
    expect(down.observedUnit).toBe('ms');
  });

  it('judges with expectStatus and the method given', async () => {
    status = 204;
    const strict = httpCheck(`http://127.0.0.1:${port}/`, { expectStatus: (s) => s === 200, method: 'head' });
    expect(await call(strict)).toMatchObject({ status: 'fail', output: 'HTTP 204' });
    expect(await call(httpCheck(`http://127.0.0.1:${port}/`))).toMatchObject({ status: 'pass' });
    status = 200;
  });

  it('does not follow redirects: a 3xx passes as a Kubernetes probe would', async () => {
    const result = await call(httpCheck(`http://127.0.0.1:${port}/redirect`));
    expect(result.status).toBe('pass');
  });

  it('sends URL credentials as Basic auth and never shows them', async () => {
    const ok = await call(httpCheck(`http://probe:s3cr%40t@127.0.0.1:${port}/`));
    expect(ok.status).toBe('pass');
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('probe:s3cr@t').toString('base64')}`);

    const dead = await closedPort();
    const refused = await call(httpCheck(`http://probe:s3cr%40t@127.0.0.1:${dead}/`));
    expect(refused.status).toBe('fail');
    expect(refused.output).toBe(`connect ECONNREFUSED 127.0.0.1:${dead}`);
    expect(refused.output).not.toMatch(/probe|s3cr/);
  });

  it('names the network error', async () => {
    const result = await call(httpCheck('http://nonexistent.invalid/'));
    expect(result.status).toBe('fail');
    expect(result.output).toMatch(/^getaddrinfo (ENOTFOUND|EAI_AGAIN) nonexistent\.invalid$/);
  });

  it('times out on its own timeout', async () => {
    const started = performance.now();
    const result = await call(httpCheck(`http://127.0.0.1:${port}/hang`, { timeout: 100 }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(result).toEqual({ status: 'fail', output: 'timed out after 100 ms' });
    await hangingClosed; // the request was really cancelled
  });

  it("is cancelled by the registry's timeout", async () => {
    const health = new HealthRegistry();
    health.register('api', httpCheck(`http://127.0.0.1:${port}/hang`), { timeout: 150 });
    const report = await health.run();
    expect(report.checks[0]).toMatchObject({ status: 'fail', output: 'timed out after 150 ms' });
    await hangingClosed;
  });

  it('validates its options', () => {
    expect(() => httpCheck('ftp://user:pw@example.com/')).toThrow(
      new McpulseOptionError(
        'mcpulse: httpCheck url must be an absolute http(s) URL, got "ftp://example.com/"',
      ),
    );
    expect(() => httpCheck('/relative')).toThrow(
      new McpulseOptionError('mcpulse: httpCheck url must be an absolute http(s) URL, got "/relative"'),
    );
    expect(() => httpCheck('http://x/', { timeout: 0 })).toThrow(
      new McpulseOptionError('mcpulse: httpCheck timeout must be a number of ms from 1 to 2147483647, got 0'),
    );
    expect(() => httpCheck('http://x/', { expectStatus: 200 as never })).toThrow(
      new McpulseOptionError('mcpulse: httpCheck expectStatus must be a function, got 200'),
    );
    expect(() => httpCheck('http://x/', { method: 'GET /' })).toThrow(
      new McpulseOptionError(`mcpulse: httpCheck method must be an HTTP method like 'GET', got "GET /"`),
    );
    expect(() => httpCheck('http://x/', { headers: { a: 1 } as never })).toThrow(
      new McpulseOptionError('mcpulse: httpCheck headers must be an object of strings, got {"a":1}'),
    );
    expect(() => httpCheck('http://x/', { headers: { 'bad header': 'x' } })).toThrow(
      new McpulseOptionError('mcpulse: httpCheck header "bad header" is not a valid header'),
    );
  });
});

describe('tcpCheck', () => {
  it('passes against a listening port with the connect latency', async () => {
    const server = net.createServer((socket) => socket.end());
    const port = await listen(server);
    try {
      const result = await call(tcpCheck('127.0.0.1', port));
      expect(result.status).toBe('pass');
      expect(result.observedUnit).toBe('ms');
      expect(result.observedValue).toBeGreaterThan(0);
      expect(result.observedValue).toBeLessThan(1000);
    } finally {
      await close(server);
    }
  });

  it('fails against a closed port, naming the error', async () => {
    const port = await closedPort();
    expect(await call(tcpCheck('127.0.0.1', port))).toEqual({
      status: 'fail',
      output: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('honours an aborted signal', async () => {
    const port = await closedPort();
    const signal = AbortSignal.abort(new Error('stop now'));
    expect(await call(tcpCheck('127.0.0.1', port), signal)).toEqual({ status: 'fail', output: 'stop now' });
  });

  it('validates its arguments', () => {
    expect(() => tcpCheck('', 80)).toThrow(
      new McpulseOptionError('mcpulse: tcpCheck host must be a non-empty string, got ""'),
    );
    expect(() => tcpCheck('localhost', 0)).toThrow(
      new McpulseOptionError('mcpulse: tcpCheck port must be an integer from 1 to 65535, got 0'),
    );
    expect(() => tcpCheck('localhost', '80' as never)).toThrow(
      new McpulseOptionError('mcpulse: tcpCheck port must be an integer from 1 to 65535, got "80"'),
    );
  });
});

describe('diskSpaceCheck', () => {
  it("reports the free share of '/'", async () => {
    const stats = await statfs('/');
    const expected = (stats.bavail * stats.bsize) / (stats.blocks * stats.bsize);
    const result = await call(diskSpaceCheck('/', { minFreeRatio: 0, warnFreeRatio: 0 }));
    expect(result.status).toBe('pass');
    expect(result.observedUnit).toBe('ratio');
    expect(Math.abs((result.observedValue as number) - expected)).toBeLessThan(0.01);
    expect(result.output).toBeUndefined();
  });

  it('warns and fails below the thresholds', async () => {
    const warn = await call(diskSpaceCheck('/', { minFreeRatio: 0, warnFreeRatio: 1 }));
    expect(warn.status).toBe('warn');
    expect(warn.output).toMatch(/^[0-9.]+ [KMGTP]?i?B free \([0-9.]+%\) of [0-9.]+ [KMGTP]?i?B on \/$/);
    expect((await call(diskSpaceCheck('/', { minFreeRatio: 1, warnFreeRatio: 1 }))).status).toBe('fail');
    const bytes = await call(diskSpaceCheck('/', { minFreeBytes: Number.MAX_SAFE_INTEGER, minFreeRatio: 0 }));
    expect(bytes.status).toBe('fail');
  });

  it('fails on a missing path with the error', async () => {
    expect(await call(diskSpaceCheck('/no/such/mcpulse/path'))).toEqual({
      status: 'fail',
      output: "ENOENT: no such file or directory, statfs '/no/such/mcpulse/path'",
    });
  });

  it('validates its options', () => {
    expect(() => diskSpaceCheck('')).toThrow(
      new McpulseOptionError('mcpulse: diskSpaceCheck path must be a non-empty string, got ""'),
    );
    expect(() => diskSpaceCheck('/', { minFreeRatio: 1.5 })).toThrow(
      new McpulseOptionError('mcpulse: diskSpaceCheck minFreeRatio must be a number from 0 to 1, got 1.5'),
    );
    expect(() => diskSpaceCheck('/', { minFreeBytes: -1 })).toThrow(
      new McpulseOptionError('mcpulse: diskSpaceCheck minFreeBytes must be a number >= 0, got -1'),
    );
    expect(() => diskSpaceCheck('/', { minFreeRatio: 0.2 })).toThrow(
      new McpulseOptionError(
        'mcpulse: diskSpaceCheck minFreeRatio (0.2) must not be above warnFreeRatio (0.1)',
      ),
    );
  });
});

describe('memoryCheck', () => {
  it('reports heap used / heap limit', async () => {
    const heap = v8.getHeapStatistics();
    const result = await call(memoryCheck());
    expect(result.status).toBe('pass');
    expect(result.observedUnit).toBe('ratio');
    expect(result.observedValue).toBeGreaterThan(0);
    expect(result.observedValue).toBeLessThan(0.85);
    expect(
      Math.abs((result.observedValue as number) - heap.used_heap_size / heap.heap_size_limit),
    ).toBeLessThan(0.01);
  });

  it('warns and fails over the ratios and over rssMaxBytes', async () => {
    const warn = await call(memoryCheck({ heapUsedRatioWarn: 0, heapUsedRatioFail: 1 }));
    expect(warn.status).toBe('warn');
    expect(warn.output).toMatch(/^heap used [0-9.]+% of its [0-9.]+ [MG]iB limit, over 0%$/);
    const fail = await call(memoryCheck({ heapUsedRatioWarn: 0, heapUsedRatioFail: 0 }));
    expect(fail.status).toBe('fail');
    const rss = await call(memoryCheck({ rssMaxBytes: 1024 }));
    expect(rss.status).toBe('fail');
    expect(rss.output).toMatch(/^rss [0-9.]+ MiB is over 1.0 KiB$/);
  });

  it('validates its options', () => {
    expect(() => memoryCheck({ heapUsedRatioWarn: 0.99 })).toThrow(
      new McpulseOptionError(
        'mcpulse: memoryCheck heapUsedRatioWarn (0.99) must not be above heapUsedRatioFail (0.95)',
      ),
    );
    expect(() => memoryCheck({ heapUsedRatioFail: 2 })).toThrow(
      new McpulseOptionError('mcpulse: memoryCheck heapUsedRatioFail must be a number from 0 to 1, got 2'),
    );
    expect(() => memoryCheck({ rssMaxBytes: 0 })).toThrow(
      new McpulseOptionError('mcpulse: memoryCheck rssMaxBytes must be a number > 0, got 0'),
    );
  });
});

describe('eventLoopDelayCheck', () => {
  it('passes on an idle loop', async () => {
    const check = eventLoopDelayCheck();
    await call(check);
    await sleep(100);
    const result = await call(check);
    expect(result.status).toBe('pass');
    expect(result.observedUnit).toBe('ms');
    expect(result.observedValue).toBeGreaterThanOrEqual(0);
    expect(result.observedValue).toBeLessThan(100);
  });

  it('fails after the loop was blocked for 300 ms between two checks', async () => {
    const check = eventLoopDelayCheck({ failMs: 200 });
    expect((await call(check)).status).toBe('pass');
    busyWait(300);
    const result = await call(check);
    expect(result.status).toBe('fail');
    expect(result.observedValue).toBeGreaterThanOrEqual(250);
    expect(result.observedValue).toBeLessThan(1000);
    expect(result.output).toBe(`event loop delay p99 ${String(result.observedValue)} ms is over 200 ms`);
    // The window was reset: the stall is not reported again.
    await sleep(100);
    expect((await call(check)).status).toBe('pass');
  });

  it('sees a stall that starts after the first sample of a window', async () => {
    const check = eventLoopDelayCheck({ warnMs: 50, failMs: 200 });
    await call(check);
    await sleep(100);
    busyWait(120);
    const result = await call(check);
    expect(result.status).toBe('warn');
    expect(result.observedValue).toBeGreaterThanOrEqual(80);
  });

  it('validates its options', () => {
    expect(() => eventLoopDelayCheck({ failMs: 50 })).toThrow(
      new McpulseOptionError('mcpulse: eventLoopDelayCheck warnMs (100) must not be above failMs (50)'),
    );
    expect(() => eventLoopDelayCheck({ warnMs: -1 })).toThrow(
      new McpulseOptionError('mcpulse: eventLoopDelayCheck warnMs must be a number > 0, got -1'),
    );
    expect(() => eventLoopDelayCheck(null as never)).toThrow(
      new McpulseOptionError('mcpulse: eventLoopDelayCheck options must be an object, got null'),
    );
  });
});

describe('pingCheck', () => {
  it('passes when the ping resolves, with its latency', async () => {
    let signalSeen: AbortSignal | undefined;
    const result = await call(
      pingCheck(async (signal) => {
        signalSeen = signal;
        await sleep(20);
        return 'PONG';
      }),
    );
    expect(result.status).toBe('pass');
    expect(result.observedUnit).toBe('ms');
    expect(result.observedValue).toBeGreaterThanOrEqual(15);
    expect(signalSeen).toBeInstanceOf(AbortSignal);
  });

  it('warns when slower than slowMs', async () => {
    const result = await call(pingCheck(() => sleep(100), { slowMs: 50 }));
    expect(result.status).toBe('warn');
    expect(result.output).toBe(`ping took ${String(result.observedValue)} ms, over 50 ms`);
  });

  it('fails with the error message when the ping rejects or throws', async () => {
    expect(await call(pingCheck(() => Promise.reject(new Error('Connection is closed.'))))).toEqual({
      status: 'fail',
      output: 'Connection is closed.',
    });
    const code = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    expect(await call(pingCheck(() => Promise.reject(code)))).toEqual({
      status: 'fail',
      output: '28P01: password authentication failed',
    });
    expect(
      await call(
        pingCheck(() => {
          throw new Error('not connected');
        }),
      ),
    ).toEqual({ status: 'fail', output: 'not connected' });
  });

  it('validates its options', () => {
    expect(() => pingCheck('SELECT 1' as never)).toThrow(
      new McpulseError(
        'MCPULSE_ARGUMENT_INVALID',
        'mcpulse: pingCheck needs a function that pings, got "SELECT 1"',
      ),
    );
    expect(() => pingCheck(() => Promise.resolve(), { slowMs: 0 })).toThrow(
      new McpulseOptionError('mcpulse: pingCheck slowMs must be a number > 0, got 0'),
    );
  });
});
