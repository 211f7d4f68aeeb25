import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { PipeTransport } from '../../test/pipe-transport.js';
import { startOtlpReceiver } from '../../test/otlp-receiver.js';
import { main } from '../cli/main.js';
import { createMcpulse, type Mcpulse } from '../index.js';
import { MAX_BODY_BYTES, serveDemoHttp, type DemoHttpServer } from './http.js';
import { startLoad } from './load.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const V = '2025-11-25';
const COUNT = 'mcp_server_operation_duration_seconds_count';

/** A random source that returns the queued values first, then `fallback`. */
function scripted(fallback = 0.5): { random: () => number; queue: number[] } {
  const queue: number[] = [];
  return { queue, random: () => queue.shift() ?? fallback };
}

function textOf(result: unknown): string | undefined {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  return content?.[0]?.type === 'text' ? content[0].text : undefined;
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw HTTP request (fetch refuses some of what these tests send). */
function raw(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(init.body);
  });
}

const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('the demo over Streamable HTTP', () => {
  let dir: string;
  let logFile: string;
  let pulse: Mcpulse;
  let http: DemoHttpServer | undefined;
  let clients: Client[];
  const script = scripted();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpulse-demo-'));
    logFile = join(dir, 'log.jsonl');
    pulse = createMcpulse({ monitoring: { port: 0 }, logDestination: logFile, hostMetrics: false });
    script.queue.length = 0;
    http = await serveDemoHttp(pulse, { port: 0, demo: { random: script.random, sleepScale: 0 } });
    clients = [];
  });

  afterEach(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await http?.close();
    await pulse.shutdown();
    // pino opens the log file asynchronously: removing the directory first would fail that open.
    await waitFor(() => (existsSync(logFile) ? true : undefined), 'the log file');
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<Client> {
    const client = new Client({ name: 'demo-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http!.url)));
    clients.push(client);
    return client;
  }

  async function metrics(): Promise<string> {
    const monitoring = await pulse.monitoring;
    expect(monitoring).toBeDefined();
    const res = await fetch(`${monitoring!.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  }

  it('serves on 127.0.0.1 at /mcp', () => {
    expect(http!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(http!.port).toBeGreaterThan(0);
  });

  it('answers every tool, the resource and the prompt exactly, and counts them', async () => {
    const client = await connect();
    expect(http!.sessions()).toBe(1);

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['divide', 'echo', 'flaky_fetch', 'slow_search']);

    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello mcpulse' } });
    expect(echo.isError).toBeFalsy();
    expect(echo.content).toEqual([{ type: 'text', text: 'hello mcpulse' }]);

    script.queue.push(0.5);
    const search = await client.callTool({ name: 'slow_search', arguments: { query: 'mcp' } });
    expect(search.isError).toBeFalsy();
    expect(textOf(search)).toBe('6 results for "mcp" (searched for 1025 ms)');

    script.queue.push(0.5, 0.1, 0.01);
    const ok = await client.callTool({ name: 'flaky_fetch', arguments: { url: 'https://example.com/a' } });
    expect(ok.isError).toBeFalsy();
    expect(textOf(ok)).toBe('fetched https://example.com/a: 200 OK');
    const soft = await client.callTool({ name: 'flaky_fetch', arguments: { url: 'https://example.com/b' } });
    expect(soft.isError).toBe(true);
    expect(textOf(soft)).toBe('upstream returned 503');
    const thrown = await client.callTool({
      name: 'flaky_fetch',
      arguments: { url: 'https://example.com/c' },
    });
    expect(thrown.isError).toBe(true);
    expect(textOf(thrown)).toBe('connection reset by upstream');

    const quotient = await client.callTool({ name: 'divide', arguments: { a: 7, b: 2 } });
    expect(quotient.isError).toBeFalsy();
    expect(textOf(quotient)).toBe('3.5');
    const byZero = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    expect(byZero.isError).toBe(true);
    expect(textOf(byZero)).toBe('division by zero');

    const resource = await client.readResource({ uri: 'config://demo' });
    expect(resource.contents).toHaveLength(1);
    expect(resource.contents[0]).toMatchObject({ uri: 'config://demo', mimeType: 'application/json' });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toMatchObject({
      service: 'mcpulse-demo',
    });

    const prompt = await client.getPrompt({ name: 'summarize', arguments: { text: 'MCP' } });
    expect(prompt.messages).toEqual([
      {
        role: 'user',
        content: { type: 'text', text: 'Summarize the following text in one paragraph:\n\nMCP' },
      },
    ]);

    const line = (labels: string, n: number) =>
      `${COUNT}{${labels},network_transport="tcp",mcp_protocol_version="${V}"} ${n}`;
    const tool = (name: string, error?: string) =>
      `mcp_method_name="tools/call",gen_ai_tool_name="${name}"${error ? `,error_type="${error}"` : ''}`;
    const expected = [
      line(tool('echo'), 1),
      line(tool('slow_search'), 1),
      line(tool('flaky_fetch'), 1),
      line(tool('flaky_fetch', 'tool_error'), 2),
      line(tool('divide'), 1),
      line(tool('divide', 'tool_error'), 1),
      line('mcp_method_name="tools/list"', 1),
      line('mcp_method_name="resources/read"', 1),
      line('mcp_method_name="prompts/get",gen_ai_prompt_name="summarize"', 1),
    ];
    // The metric is recorded as the reply goes out; poll briefly rather than race it.
    const text = await waitFor(async () => {
      const body = await metrics();
      return expected.every((l) => body.split('\n').includes(l)) ? body : undefined;
    }, 'the operation counts').catch(async (error: unknown) => {
      const body = await metrics();
      throw new Error(
        `${String(error)}\n${body
          .split('\n')
          .filter((l) => l.startsWith(COUNT))
          .join('\n')}`,
      );
    });
    expect(text.split('\n')).toEqual(expect.arrayContaining(expected));

    await http!.close();
    await pulse.shutdown();
    const logs = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'tools/call', tool: 'echo', outcome: 'ok', service: 'mcp-server' }),
        expect.objectContaining({ method: 'tools/call', tool: 'divide', outcome: 'tool_error' }),
      ]),
    );
  });

  it('keeps sessions apart and forgets a session its client ended', async () => {
    const a = await connect();
    const b = await connect();
    expect(http!.sessions()).toBe(2);
    await (a.transport as StreamableHTTPClientTransport).terminateSession();
    await waitFor(() => (http!.sessions() === 1 ? true : undefined), 'the session to end');
    expect(textOf(await b.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
  });

  it('rejects what is not MCP: bad JSON, unknown sessions, other paths, huge bodies', async () => {
    const url = http!.url;
    const badJson = await raw(url, { method: 'POST', headers: POST_HEADERS, body: '{"jsonrpc":' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });

    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const unknown = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: ping,
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
    const unknownGet = await raw(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'mcp-session-id': 'no-such-session' },
    });
    expect(unknownGet.status).toBe(404);
    const unknownDelete = await raw(url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': 'no-such-session' },
    });
    expect(unknownDelete.status).toBe(404);

    const noSession = await raw(url, { method: 'POST', headers: POST_HEADERS, body: ping });
    expect(noSession.status).toBe(400);

    const elsewhere = await raw(url.replace(/\/mcp$/, '/other'), { method: 'GET' });
    expect(elsewhere.status).toBe(404);
    const put = await raw(url, { method: 'PUT', headers: POST_HEADERS, body: ping });
    expect(put.status).toBe(405);

    const huge = await raw(url, {
      method: 'POST',
      headers: POST_HEADERS,
      body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
    });
    expect(huge.status).toBe(413);

    const rebinding = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, host: 'evil.example' },
      body: ping,
    });
    expect(rebinding.status).toBe(403);

    expect(http!.sessions()).toBe(0);
  });

  it('runs a load generator that stays within its limits and stops cleanly', async () => {
    await http!.close();
    http = await serveDemoHttp(pulse, { port: 0, demo: { sleepScale: 0.01 } });
    // A seeded generator: the same mix every run (echo among the first calls).
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const load = startLoad({ url: http.url, ratePerSecond: 40, concurrency: 2, random });
    await waitFor(() => (load.stats().calls >= 10 ? true : undefined), 'ten load calls');
    await load.stop();
    await load.stop();
    const { calls, errors } = load.stats();
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(errors).toBeLessThan(calls);
    await waitFor(() => (http!.sessions() === 0 ? true : undefined), 'the load session to end');
    const body = await metrics();
    expect(body).toMatch(
      /^mcp_server_operation_duration_seconds_count\{mcp_method_name="tools\/call",gen_ai_tool_name="echo",network_transport="tcp",mcp_protocol_version="2025-11-25"\} [1-9]\d*$/m,
    );
  });

  it('keeps the load generator alive across a server restart', async () => {
    const port = http!.port;
    const load = startLoad({ url: http!.url, ratePerSecond: 50, concurrency: 2 });
    try {
      await waitFor(() => (load.stats().calls >= 3 ? true : undefined), 'first calls');
      await http!.close();
      http = await serveDemoHttp(pulse, { port, demo: { sleepScale: 0 } });
      const before = load.stats().calls;
      await waitFor(
        () => (load.stats().calls >= before + 5 && http!.sessions() === 1 ? true : undefined),
        'calls after the restart',
        10_000,
      );
    } finally {
      await load.stop();
    }
  });
});

describe('the mcpulse CLI', () => {
  let stderr: string;

  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints help on stderr and exits 0', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(stderr).toContain('mcpulse demo [options]');
    expect(stderr).toContain('--no-load');
    stderr = '';
    expect(await main(['help'])).toBe(0);
    expect(stderr).toContain('Usage:');
  });

  it.each([
    [['demo', '--port', 'abc'], '"abc"'],
    [['demo', '--port', '70000'], '"70000"'],
    [['demo', '--monitor-port', '-1'], '--monitor-port'],
    [['demo', '--rate', '0'], '"0"'],
    [['demo', '--rate', 'fast'], '"fast"'],
    [['demo', '--frobnicate'], '--frobnicate'],
    [['demo', 'extra'], '"extra"'],
    [['demo', '--port', '4000', '--monitor-port', '4000'], '4000'],
    [['launch'], '"launch"'],
    [[], 'missing command'],
  ])('rejects %j with exit code 2, naming the bad value', async (argv, named) => {
    expect(await main(argv)).toBe(2);
    expect(stderr).toContain(named);
  });

  it('serves the demo over stdio: stdout carries only JSON-RPC, logs go to stderr, SIGTERM exits 0', async () => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['src/cli/main.ts', 'demo', '--stdio', '--monitor-port', '0'],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const stdoutLines: string[] = [];
    let stdoutBuffer = '';
    let childStderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdoutBuffer += chunk;
      let nl: number;
      while ((nl = stdoutBuffer.indexOf('\n')) >= 0) {
        stdoutLines.push(stdoutBuffer.slice(0, nl));
        stdoutBuffer = stdoutBuffer.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (childStderr += chunk));
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const reply = (id: number) =>
      waitFor(
        () => stdoutLines.map((l) => JSON.parse(l) as { id?: number }).find((m) => m.id === id),
        `reply ${id}`,
        20_000,
      );

    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: V,
          capabilities: {},
          clientInfo: { name: 'spawn-test', version: '1.0.0' },
        },
      });
      expect(await reply(1)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: V } });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'over stdio' } },
      });
      expect(await reply(2)).toEqual({
        jsonrpc: '2.0',
        id: 2,
        result: { content: [{ type: 'text', text: 'over stdio' }] },
      });

      const logs = await waitFor(() => {
        const parsed = childStderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.some((l) => l.tool === 'echo') ? parsed : undefined;
      }, 'the echo log line');
      expect(logs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            method: 'tools/call',
            tool: 'echo',
            outcome: 'ok',
            network_transport: 'pipe',
          }),
        ]),
      );
      expect(childStderr).toMatch(/metrics +http:\/\/127\.0\.0\.1:\d+\/metrics/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdoutBuffer).toBe('');
    expect(stdoutLines.length).toBeGreaterThanOrEqual(2);
    for (const line of stdoutLines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });
});

describe('the demo with its load generator', () => {
  it("logs the load generator's own operations at debug, and keeps them off /metrics", async () => {
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['src/cli/main.ts', 'demo', '--port', '0', '--monitor-port', '0', '--rate', '50'],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'debug' } },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let childStderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (childStderr += chunk));
    const records = () =>
      childStderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => typeof l.outcome === 'string');
    try {
      const metricsUrl = await waitFor(() => /metrics +(\S+)/.exec(childStderr)?.[1], 'the banner', 20_000);
      await waitFor(
        () => {
          const calls = records().filter((r) => r.method === 'tools/call');
          return calls.filter((r) => r.side === 'client').length >= 10 &&
            calls.filter((r) => r.side === undefined).length >= 10
            ? true
            : undefined;
        },
        'ten tool calls on each side',
        20_000,
      );
      const metrics = await (await fetch(metricsUrl)).text();
      expect(metrics).toMatch(
        /^mcp_server_operation_duration_seconds_count\{mcp_method_name="tools\/call",/m,
      );
      expect(metrics).not.toContain('mcp_client_operation_duration_seconds_count');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const all = records();
    const client = all.filter((r) => r.side === 'client');
    const server = all.filter((r) => r.side === undefined);
    expect(client.filter((r) => r.level !== 20 || r.component !== 'load-generator')).toEqual([]);
    expect(server.filter((r) => r.level === 20 || r.component !== undefined)).toEqual([]);
    expect(server.filter((r) => r.client !== 'mcpulse-load')).toEqual([]);
  }, 40_000);
});

describe("the demo's service name", () => {
  it.each([
    ['OTEL_SERVICE_NAME when set', { OTEL_SERVICE_NAME: 'checkout-mcp' }, 'checkout-mcp'],
    ['mcpulse-demo otherwise', {}, 'mcpulse-demo'],
  ])(
    'is %s, on its spans and its log lines',
    async (_, extraEnv: Record<string, string>, expected) => {
      const receiver = await startOtlpReceiver();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...extraEnv,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      };
      if (!('OTEL_SERVICE_NAME' in extraEnv)) delete env.OTEL_SERVICE_NAME;
      delete env.OTEL_RESOURCE_ATTRIBUTES;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--stdio', '--monitor-port', '0'],
        { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, LOG_LEVEL: 'info' } },
      );
      let childStderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (childStderr += chunk));
      try {
        const client = new Client({ name: 'service-name-test', version: '1.0.0' });
        await client.connect(new PipeTransport(child));
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
        await client.close();
        expect(await new Promise((r) => child.once('exit', r))).toBe(0);
        const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'tools/call echo'), 5000);
        expect(spans.find((s) => s.name === 'tools/call echo')!.resource['service.name']).toBe(expected);
        const echo = childStderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.tool === 'echo');
        expect(echo).toMatchObject({ service: expected, outcome: 'ok' });
      } finally {
        child.kill('SIGKILL');
        await receiver.close();
      }
    },
    30_000,
  );
});

describe('Ctrl-C on the demo', () => {
  it('drains: 5 slow_search calls held at SIGINT all complete, /readyz is 503 meanwhile, then it exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/demo-held.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let childStderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (childStderr += chunk));
    let held = 0;
    child.on('message', (message) => {
      if (message === 'held') held++;
    });
    const clients: Client[] = [];
    try {
      const banner = await waitFor(
        () => /MCP endpoint +(\S+)[\s\S]*readiness +(\S+)/.exec(childStderr) ?? undefined,
        'the banner',
        20_000,
      );
      const [, mcp, readyz] = banner as unknown as [string, string, string];
      expect((await fetch(readyz)).status).toBe(200);

      for (let i = 0; i < 6; i++) {
        const client = new Client({ name: `drain-${i}`, version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(mcp)));
        clients.push(client);
      }
      let settled = 0;
      const answers = clients.slice(0, 5).map((client, i) =>
        client
          .callTool({ name: 'slow_search', arguments: { query: `q${i}` } })
          .then(
            (result) => textOf(result),
            (error: Error) => `failed: ${error.message}`,
          )
          .finally(() => settled++),
      );
      await waitFor(() => (held === 5 ? true : undefined), 'five held slow_search calls');

      child.kill('SIGINT');
      await waitFor(async () => ((await fetch(readyz)).status === 503 ? true : undefined), '/readyz 503');
      // New requests are refused while the five are still held.
      const late = await clients[5]!.callTool({ name: 'echo', arguments: { text: 'late' } }).then(
        () => 'answered',
        (error: Error) => error.message,
      );
      expect(late).toBe('MCP error -32000: Server is shutting down; retry the request on another instance');
      expect((await fetch(readyz)).status).toBe(503);
      expect(settled).toBe(0);

      child.send('release');
      expect(await Promise.all(answers)).toEqual(
        [0, 1, 2, 3, 4].map((i) => `6 results for "q${i}" (searched for 1025 ms)`),
      );
      expect(await exited).toBe(0);
      expect(held).toBe(5);

      const lines = childStderr.split('\n');
      expect(lines).toContain(
        'mcpulse demo: SIGINT: finishing the requests in flight (SIGINT again exits at once)',
      );
      expect(lines).toContain('mcpulse demo: stopped (SIGINT); drained 5 requests in flight');
      const searches = lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.tool === 'slow_search');
      expect(searches.map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    } finally {
      child.kill('SIGKILL');
      await Promise.allSettled(clients.map((c) => c.close()));
    }
  }, 30_000);
});
