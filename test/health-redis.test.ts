/**
 * The ping health check against a real Redis (Debian's redis-server, started here on a free port):
 * it passes while Redis is up, fails fast (within the check timeout) once Redis is killed, and passes
 * again after Redis comes back on the same port and ioredis reconnects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pingCheck } from '../src/health/checks.js';
import { HealthRegistry } from '../src/health/registry.js';
import { hasBinary } from './binaries.js';
import { freePort } from './free-port.js';

// What ioredis may report once the server is gone, depending on where the client is when the check runs:
// reconnecting (offline queue disabled), a PING in flight when the socket closed (maxRetriesPerRequest: 0),
// the client given up for good, a refused connect, or no answer at all (the registry's timeout).
const DOWN_OUTPUT =
  /Stream isn't writeable and enableOfflineQueue options is false|Reached the max retries per request limit|Connection is closed|ECONNREFUSED|timed out after 500 ms/;

/** One raw PING over a fresh socket: true when the server answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited early (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    if (await answersPing(port)) return child;
    await sleep(50);
  }
  await stopRedis(child);
  throw new Error(`redis-server did not accept connections on ${port} within 10 s: ${stderr}`);
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe.runIf(hasBinary('redis-server'))('pingCheck against a real Redis', () => {
  let port: number;
  let server: ChildProcess | undefined;
  let redis: Redis;
  const registry = new HealthRegistry();

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
    redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: false,
      // Fail commands issued while disconnected at once instead of queueing them until reconnect.
      enableOfflineQueue: false,
      // Reject a command already in flight when the connection drops, instead of replaying it later.
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      // Keep reconnecting every 200 ms forever (a non-number would end the client for good).
      retryStrategy: () => 200,
    });
    // Without a listener ioredis logs every failed reconnect (ECONNREFUSED) as an unhandled error event.
    redis.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      setTimeout(() => reject(new Error('ioredis did not become ready')), 5_000).unref();
    });
    registry.register(
      'redis',
      pingCheck(() => redis.ping()),
      { timeout: 500, critical: true, minInterval: 0 },
    );
  });

  afterAll(async () => {
    if (redis) {
      await redis.quit().catch(() => redis.disconnect());
    }
    await stopRedis(server);
  });

  const redisCheck = async () => {
    const started = performance.now();
    const report = await registry.run({ fresh: true });
    const elapsed = performance.now() - started;
    const check = report.checks.find((c) => c.name === 'redis');
    expect(check).toBeDefined();
    return { report, check: check!, elapsed };
  };

  it('passes while Redis is up', async () => {
    const { report, check } = await redisCheck();
    expect(check.status).toBe('pass');
    expect(report.status).toBe('pass');
  });

  it('fails within the timeout once Redis is killed, naming the problem', async () => {
    await stopRedis(server);
    const { report, check, elapsed } = await redisCheck();
    console.info(
      `redis down: status=${check.status} output=${JSON.stringify(check.output)} durationMs=${check.durationMs} run=${elapsed.toFixed(1)} ms`,
    );
    expect(check.status).toBe('fail');
    expect(report.status).toBe('fail');
    expect(check.durationMs).toBeLessThanOrEqual(600);
    expect(elapsed).toBeLessThan(1000);
    expect(check.output).toMatch(DOWN_OUTPUT);
  });

  it('passes again after Redis restarts on the same port', async () => {
    server = await startRedis(port);
    const restarted = performance.now();
    const deadline = Date.now() + 5_000;
    let last = await redisCheck();
    while (last.check.status !== 'pass' && Date.now() < deadline) {
      await sleep(100);
      last = await redisCheck();
    }
    console.info(
      `redis back: status=${last.check.status} after ${(performance.now() - restarted).toFixed(0)} ms`,
    );
    expect(last.check.status).toBe('pass');
    expect(last.report.status).toBe('pass');
  });
});
