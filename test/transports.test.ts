/**
 * Real SDK clients against observed servers over stdio (a spawned child process) and Streamable
 * HTTP, for SDK v1 (2025-11-25, sessions) and SDK v2 (2026-07-28, stateless).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import {
  Client as ClientV2,
  StreamableHTTPClientTransport as HttpClientV2,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpClientV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';

import type { Mcpulse, OperationRecord } from '../src/index.js';
import { key, parseExposition, seriesOf } from './exposition.js';
import { buildV1, buildV2 } from './fixtures/servers.js';
import { sessionListener } from './http-sessions.js';
import { quietMcpulse } from './quiet.js';

const D = 'mcp_server_operation_duration_seconds';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function quietPulse(): Mcpulse {
  const pulse = quietMcpulse();
  cleanups.push(() => pulse.shutdown());
  return pulse;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

async function callAll(client: { callTool: ClientV1['callTool'] }): Promise<void> {
  await client.callTool({ name: 'echo', arguments: { text: 'a' } });
  await client.callTool({ name: 'echo', arguments: { text: 'b' } });
  await client.callTool({ name: 'boom', arguments: {} });
  await client.callTool({ name: 'soft_fail', arguments: {} });
}

describe('Streamable HTTP', () => {
  it('SDK v1, stateful sessions: counts, session id, sessions gauge', async () => {
    const pulse = quietPulse();
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push({ ...op }));
    const { listener, transports } = sessionListener(() =>
      pulse.observe(buildV1((extra) => pulse.context(extra))),
    );
    const peerPorts = new Set<number | undefined>();
    const server = createServer((req, res) => {
      peerPorts.add(req.socket.remotePort);
      listener(req, res);
    });
    const url = await listen(server);
    const client = new ClientV1({ name: 'http-client', version: '1.2.3' });
    const clientTransport = new HttpClientV1(new URL(url));
    await client.connect(clientTransport);
    await callAll(client);
    const mid = parseExposition(await pulse.registry.metrics());
    expect(mid.get('mcp_server_sessions_active{network_transport="tcp"}')).toBe(1);
    await clientTransport.terminateSession();
    await client.close();
    for (const t of transports.values()) await t.close();

    const series = parseExposition(await pulse.registry.metrics());
    const base = {
      mcp_protocol_version: '2025-11-25',
      network_transport: 'tcp',
      mcp_method_name: 'tools/call',
    };
    expect(seriesOf(series, `${D}_count`)).toEqual({
      [key(`${D}_count`, { ...base, mcp_method_name: 'initialize' })]: 1,
      [key(`${D}_count`, { ...base, gen_ai_tool_name: 'echo' })]: 2,
      [key(`${D}_count`, { ...base, gen_ai_tool_name: 'boom', error_type: 'tool_error' })]: 1,
      [key(`${D}_count`, { ...base, gen_ai_tool_name: 'soft_fail', error_type: 'tool_error' })]: 1,
    });
    expect(series.get('mcp_server_sessions_active{network_transport="tcp"}')).toBe(0);
    const echo = records.find((r) => r.toolName === 'echo')!;
    expect(echo.sessionId).toBe(clientTransport.sessionId ?? echo.sessionId);
    expect(echo.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(echo).toMatchObject({
      clientName: 'http-client',
      clientVersion: '1.2.3',
      networkTransport: 'tcp',
      clientAddress: '127.0.0.1',
    });
    // The socket of the HTTP request that carried it: one of those the server saw.
    expect(records.every((r) => r.clientAddress === '127.0.0.1' && peerPorts.has(r.clientPort))).toBe(true);
    expect(typeof echo.clientPort).toBe('number');
  });

  it('SDK v2, createMcpHandler (2026-07-28, a server per request): client from _meta, no session', async () => {
    const pulse = quietPulse();
    const records: OperationRecord[] = [];
    pulse.onOperation((op) => records.push({ ...op }));
    const handler = createMcpHandler(() => pulse.observe(buildV2((extra) => pulse.context(extra))));
    cleanups.push(() => handler.close());
    const nodeHandler = toNodeHandler(handler);
    const url = await listen(createServer((req, res) => void nodeHandler(req, res)));
    const client = new ClientV2(
      { name: 'modern-client', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new HttpClientV2(new URL(url)));
    await callAll(client as never);
    await client.close();

    const series = parseExposition(await pulse.registry.metrics());
    const base = {
      mcp_protocol_version: '2026-07-28',
      network_transport: 'tcp',
      mcp_method_name: 'tools/call',
    };
    const counts = seriesOf(series, `${D}_count`);
    expect(counts[key(`${D}_count`, { ...base, gen_ai_tool_name: 'echo' })]).toBe(2);
    expect(counts[key(`${D}_count`, { ...base, gen_ai_tool_name: 'boom', error_type: 'tool_error' })]).toBe(
      1,
    );
    expect(
      counts[key(`${D}_count`, { ...base, gen_ai_tool_name: 'soft_fail', error_type: 'tool_error' })],
    ).toBe(1);
    expect(series.get('mcp_server_sessions_active')).toBeUndefined();
    const boom = records.find((r) => r.toolName === 'boom')!;
    expect(boom.exception).toMatchObject({ type: 'TypeError', message: 'kaboom' });
    expect(boom.sessionId).toBeUndefined();
    // A web-standard Request carries no socket: the peer is not known here.
    expect(boom.clientAddress).toBeUndefined();
    expect(boom).toMatchObject({
      clientName: 'modern-client',
      clientVersion: '2.0.0',
      protocolVersion: '2026-07-28',
    });
  });
});

interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited and its output streams are closed (all log lines read). */
  closed: Promise<void>;
  stdout: string[];
  logs: Record<string, unknown>[];
  metricsUrl: Promise<string>;
}

function spawnStdioServer(line: 'v1' | 'v2', env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stdio-server.ts', line], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  const stdout: string[] = [];
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => stdout.push(l));
  let resolveUrl: (url: string) => void;
  const metricsUrl = new Promise<string>((resolve) => (resolveUrl = resolve));
  createInterface({ input: proc.stderr }).on('line', (l) => {
    const entry = JSON.parse(l) as Record<string, unknown>;
    logs.push(entry);
    if (typeof entry.url === 'string') resolveUrl(entry.url);
  });
  cleanups.push(() => proc.kill('SIGKILL'));
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  return { proc, stdout, logs, metricsUrl, closed };
}

describe('stdio (a spawned child process)', () => {
  it.each(['v1', 'v2'] as const)(
    'SDK %s: stdout carries only JSON-RPC, logs flow on stderr',
    async (line) => {
      // Drive the child with a real SDK client over its stdin/stdout.
      const child = spawnStdioServer(line);
      const ClientCtor = line === 'v1' ? ClientV1 : ClientV2;
      const client = new ClientCtor({ name: `stdio-${line}`, version: '1.0.0' });
      // The SDK's stdio client spawns its own process; reuse ours through a thin transport over the pipes.
      const { PipeTransport } = await import('./pipe-transport.js');
      await client.connect(new PipeTransport(child.proc));
      // Malformed JSON and a line that is not JSON at all, straight onto the wire: the server keeps serving.
      child.proc.stdin.write('{"jsonrpc":"2.0","id":99,"method":\n');
      child.proc.stdin.write('not json at all ☃\n');
      await callAll(client as never);
      const metricsText = await (await fetch(`${await child.metricsUrl}/metrics`)).text();
      await client.close();
      // stderr is written asynchronously: the last lines arrive when the server shuts down.
      await child.closed;

      for (const l of child.stdout) expect(JSON.parse(l)).toMatchObject({ jsonrpc: '2.0' });
      expect(child.stdout.length).toBeGreaterThanOrEqual(5);
      const opLines = child.logs.filter((l) => l.method === 'tools/call');
      expect(opLines.map((l) => [l.tool, l.outcome, l.network_transport])).toEqual([
        ['echo', 'ok', 'pipe'],
        ['echo', 'ok', 'pipe'],
        ['boom', 'tool_error', 'pipe'],
        ['soft_fail', 'tool_error', 'pipe'],
      ]);
      const series = parseExposition(metricsText);
      const base = {
        mcp_protocol_version: '2025-11-25',
        network_transport: 'pipe',
        mcp_method_name: 'tools/call',
      };
      expect(series.get(key(`${D}_count`, { ...base, gen_ai_tool_name: 'echo' }))).toBe(2);
      expect(
        series.get(key(`${D}_count`, { ...base, gen_ai_tool_name: 'boom', error_type: 'tool_error' })),
      ).toBe(1);
      expect(series.get('mcp_server_sessions_active{network_transport="pipe"}')).toBe(1);
      if (line === 'v1') {
        // The SDK v1 stdio transport reports each malformed line; v2's serveStdio keeps its wire to itself.
        expect(series.get('mcpulse_transport_errors_total{network_transport="pipe"}')).toBe(2);
        expect(child.logs.filter((l) => l.msg === 'MCP transport error')).toHaveLength(1);
      }
    },
  );

  it('with file logging, client logging and progress on, stdout still carries only JSON-RPC', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpulse-stdio-log-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const child = spawnStdioServer('v1', { MCPULSE_TEST_LOG_DIR: dir });
    // pino-roll names files app.<date>.<n>.jsonl: read every file of one log, in order.
    const readLog = (prefix: string) =>
      readdirSync(dir)
        .filter((name) => name.startsWith(`${prefix}.`))
        .sort()
        .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
    const client = new ClientV1({ name: 'stdio-logging', version: '1.0.0' });
    const messages: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
    const { PipeTransport } = await import('./pipe-transport.js');
    await client.connect(new PipeTransport(child.proc));
    await client.setLoggingLevel('warning');
    const result = await client.callTool({ name: 'chatty', arguments: {} }, undefined, {
      onprogress: () => {},
    });
    expect(result.content).toEqual([{ type: 'text', text: 'chatted' }]);
    await client.close();
    await new Promise((resolve) => child.proc.once('exit', resolve));

    const parsed = child.stdout.map(
      (l) =>
        JSON.parse(l) as {
          jsonrpc: string;
          id?: number;
          method?: string;
          result?: unknown;
          params?: { progress?: number; progressToken?: number };
        },
    );
    for (const message of parsed) expect(message.jsonrpc).toBe('2.0');
    expect(parsed.filter((m) => m.method === 'notifications/message')).toHaveLength(2);
    expect(messages).toEqual([
      { level: 'warning', logger: 'chatty', data: 'warning message' },
      { level: 'error', logger: 'chatty', data: 'error message' },
    ]);
    // Both progress values precede the reply on the wire (the SDK client may drop them when they share a
    // read with the reply: it handles notifications a microtask after replies).
    const progress = parsed.filter((m) => m.method === 'notifications/progress');
    expect(progress.map((m) => m.params?.progress)).toEqual([1, 2]);
    const token = progress[0]!.params!.progressToken;
    const reply = parsed.findIndex((m) => m.id === token && m.result !== undefined);
    expect(parsed.indexOf(progress[1]!)).toBeLessThan(reply);
    // The file holds the same lines as stderr: the handler's own line and the operation line, one request id.
    const lines = readLog('app').map((l) => JSON.parse(l) as Record<string, unknown>);
    const handlerLine = lines.find((l) => l.msg === 'chatty handler running')!;
    expect(handlerLine).toMatchObject({ level: 30, tool: 'chatty', secret: '[REDACTED]' });
    const opLine = lines.find((l) => l.outcome !== undefined && l.tool === 'chatty')!;
    expect(opLine).toMatchObject({
      outcome: 'ok',
      request_id: handlerLine.request_id,
      network_transport: 'pipe',
    });
    const errors = readLog('errors');
    expect(errors.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['error message']);
  });

  it('SDK v2 serveStdio speaking 2026-07-28 is recorded with its protocol version', async () => {
    const child = spawnStdioServer('v2');
    const client = new ClientV2(
      { name: 'stdio-modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const { PipeTransport } = await import('./pipe-transport.js');
    await client.connect(new PipeTransport(child.proc));
    await client.callTool({ name: 'echo', arguments: { text: 'm' } });
    const metricsText = await (await fetch(`${await child.metricsUrl}/metrics`)).text();
    await client.close();
    // stderr is written asynchronously: the last lines arrive when the server shuts down.
    await child.closed;
    const series = parseExposition(metricsText);
    expect(
      series.get(
        key(`${D}_count`, {
          mcp_protocol_version: '2026-07-28',
          network_transport: 'pipe',
          mcp_method_name: 'tools/call',
          gen_ai_tool_name: 'echo',
        }),
      ),
    ).toBe(1);
    for (const l of child.stdout) expect(JSON.parse(l)).toMatchObject({ jsonrpc: '2.0' });
    const echo = child.logs.find((l) => l.tool === 'echo')!;
    expect(echo).toMatchObject({ client: 'stdio-modern', protocol_version: '2026-07-28' });
    expect(echo.session_id).toBeUndefined();
  });
});
