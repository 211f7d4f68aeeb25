/**
 * A real FastMCP server (punkpeye's `fastmcp`) observed through its sessions, driven by a real SDK v1
 * client over Streamable HTTP (stateful and stateless) and over stdio (a spawned child process).
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastMCP } from 'fastmcp';
import { afterEach, describe, expect, it } from 'vitest';

import { key, parseExposition, seriesOf } from '../../test/exposition.js';
import { buildFastMcp } from '../../test/fixtures/fastmcp-stdio.js';
import { quietMcpulse } from '../../test/quiet.js';
import type { Mcpulse } from '../core/mcpulse.js';
import { attachFastMcpObserver, isFastMcp } from './fastmcp.js';
import type { OperationRecord } from './record.js';

const D = 'mcp_server_operation_duration_seconds';
const V = '2025-11-25';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function logSink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

function newPulse(): { pulse: Mcpulse; records: OperationRecord[]; lines: Record<string, unknown>[] } {
  const { stream, lines } = logSink();
  const pulse = quietMcpulse({ logDestination: stream });
  cleanups.push(() => pulse.shutdown());
  const records: OperationRecord[] = [];
  pulse.onOperation((op) => records.push({ ...op }));
  return { pulse, records, lines };
}

/** What users write: `pulse.observe(fastmcp)` (it returns the same instance). */
function observeWith(pulse: Mcpulse, server: FastMCP): boolean {
  return pulse.observe(server) === server;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startHttp(server: FastMCP, stateless = false): Promise<URL> {
  const port = await freePort();
  await server.start({
    transportType: 'httpStream',
    httpStream: { port, host: '127.0.0.1', ...(stateless && { stateless: true }) },
  });
  cleanups.push(() => server.stop());
  return new URL(`http://127.0.0.1:${port}/mcp`);
}

async function httpClient(
  url: URL,
  name = 'fast-client',
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name, version: '4.5.6' });
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

async function counts(pulse: Mcpulse): Promise<Record<string, number>> {
  return seriesOf(parseExposition(await pulse.registry.metrics()), `${D}_count`);
}

function toolKey(tool: string, transport: string, errorType?: string): string {
  return key(`${D}_count`, {
    mcp_protocol_version: V,
    network_transport: transport,
    mcp_method_name: 'tools/call',
    gen_ai_tool_name: tool,
    ...(errorType !== undefined && { error_type: errorType }),
  });
}

function methodKey(method: string, transport: string, version: string | null = V): string {
  return key(`${D}_count`, {
    ...(version !== null && { mcp_protocol_version: version }),
    network_transport: transport,
    mcp_method_name: method,
  });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('isFastMcp', () => {
  it('recognises a FastMCP instance and nothing else', () => {
    expect(isFastMcp(buildFastMcp())).toBe(true);
    expect(isFastMcp(buildFastMcp().sessions)).toBe(false);
    expect(isFastMcp({ on() {}, addTool() {} })).toBe(false);
    expect(isFastMcp(null)).toBe(false);
    expect(isFastMcp('fastmcp')).toBe(false);
    expect(attachFastMcpObserver(() => undefined, {})).toBe(false);
  });
});

describe('attachFastMcpObserver hooks', () => {
  it('learns tool and prompt names registered after observation, only once FastMCP accepted them', () => {
    const server = buildFastMcp();
    const tools: string[] = [];
    const prompts: string[] = [];
    attachFastMcpObserver(() => undefined, server, {
      toolsListed: (names) => tools.push(...names),
      promptsListed: (names) => prompts.push(...names),
    });
    server.addTool({ name: 'later', execute: () => Promise.resolve('x') });
    server.addTools([
      { name: 'a', execute: () => Promise.resolve('a') },
      { name: 'b', execute: () => Promise.resolve('b') },
    ]);
    expect(() =>
      server.addTool({ name: 'bad', parameters: {} as never, execute: () => Promise.resolve('') }),
    ).toThrow();
    server.addPrompt({ name: 'p1', load: () => Promise.resolve('p') });
    server.addPrompts([{ name: 'p2', load: () => Promise.resolve('p') }]);
    expect(tools).toEqual(['later', 'a', 'b']);
    expect(prompts).toEqual(['p1', 'p2']);
  });

  it('an observer that throws is reported, never thrown into FastMCP', async () => {
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const server = buildFastMcp();
    const errors: string[] = [];
    attachFastMcpObserver(
      () => {
        throw new Error('observer broke');
      },
      server,
      {
        observeTransport: () => {
          throw new Error('transport observer broke');
        },
        onError: (error, where) => errors.push(`${where}: ${(error as Error).message}`),
      },
    );
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'c', version: '1' });
    cleanups.push(() => client.close());
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'still works' } });
    expect(result.content).toEqual([{ type: 'text', text: 'still works' }]);
    expect(errors).toEqual([
      'fastmcp-transport: transport observer broke',
      'fastmcp-session: observer broke',
    ]);
  });
});

describe('FastMCP over Streamable HTTP (stateful)', () => {
  it('counts every tools/call by tool, thrown errors as tool_error, with the client from initialize', async () => {
    const { pulse, records, lines } = newPulse();
    const server = buildFastMcp(pulse);
    expect(observeWith(pulse, server)).toBe(true);
    expect(observeWith(pulse, server)).toBe(true); // observing twice never double-counts
    const url = await startHttp(server);
    const { client } = await httpClient(url);
    const clientLogs: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void clientLogs.push(n.params));

    // The tool label takes only known names: FastMCP's registry is private, tools/list teaches them.
    await client.listTools();
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
    const thrown = await client.callTool({ name: 'boom', arguments: {} });
    const user = await client.callTool({ name: 'user_fail', arguments: {} });
    const soft = await client.callTool({ name: 'soft_fail', arguments: {} });
    const logged = await client.callTool({ name: 'logs', arguments: { n: 7 } });
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool/);
    await expect(client.callTool({ name: 'echo', arguments: { text: 42 } })).rejects.toThrow(
      /validation failed/,
    );

    // FastMCP turns a thrown error into an isError result itself; the exception never reaches the SDK.
    expect(thrown).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: "Tool 'boom' execution failed: kaboom" }],
    });
    expect(user).toMatchObject({ isError: true, content: [{ type: 'text', text: 'bad input, try again' }] });
    expect(soft.isError).toBe(true);
    expect(logged.content).toEqual([{ type: 'text', text: 'logged 7' }]);

    expect(await counts(pulse)).toEqual({
      [methodKey('initialize', 'tcp')]: 1,
      [methodKey('tools/list', 'tcp')]: 1,
      [toolKey('echo', 'tcp')]: 3,
      [toolKey('echo', 'tcp', '-32602')]: 1,
      [toolKey('boom', 'tcp', 'tool_error')]: 1,
      [toolKey('user_fail', 'tcp', 'tool_error')]: 1,
      [toolKey('soft_fail', 'tcp', 'tool_error')]: 1,
      [toolKey('logs', 'tcp')]: 1,
      // FastMCP answers an unknown tool with a JSON-RPC error -32601 (the SDK's McpServer: isError, -32602).
      [toolKey('_OTHER', 'tcp', '-32601')]: 1,
    });

    const boom = records.find((r) => r.toolName === 'boom')!;
    expect(boom).toMatchObject({
      outcome: 'tool_error',
      errorType: 'tool_error',
      errorMessage: "Tool 'boom' execution failed: kaboom",
      clientName: 'fast-client',
      clientVersion: '4.5.6',
      protocolVersion: V,
      networkTransport: 'tcp',
    });
    // The exception itself (type, stack) is not available: FastMCP catches it inside its handler.
    expect(boom.exception).toBeUndefined();
    const init = records.find((r) => r.method === 'initialize')!;
    expect(init.clientName).toBe('fast-client');
    const echo = records.find((r) => r.toolName === 'echo')!;
    expect(echo.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(echo.sessionId).toBe(server.sessions[0]!.sessionId);
    expect(records.find((r) => r.toolName === 'no_such_tool')).toMatchObject({
      errorCode: -32601,
      callerFault: true,
    });

    // pulse.context(context) inside execute: the line carries the request's ids.
    const logsOp = records.find((r) => r.toolName === 'logs')!;
    const inside = lines.find((l) => l.msg === 'inside a fastmcp tool')!;
    expect(inside).toMatchObject({
      n: 7,
      request_id: logsOp.requestId,
      jsonrpc_id: logsOp.jsonrpcId,
      tool: 'logs',
      method: 'tools/call',
      client: 'fast-client',
      session_id: logsOp.sessionId,
    });
    // FastMCP's own client logging still reaches the client (on the session's standalone SSE stream).
    await waitFor(() => clientLogs.length > 0, 'the FastMCP log notification');
    expect(clientLogs).toEqual([
      { level: 'info', data: { message: 'hello from fastmcp', context: { n: 7 } } },
    ]);

    const mid = parseExposition(await pulse.registry.metrics());
    expect(mid.get('mcp_server_sessions_active{network_transport="tcp"}')).toBe(1);
  });

  it('observes sessions that already exist, and each later one once', async () => {
    const { pulse, records } = newPulse();
    const server = buildFastMcp();
    const url = await startHttp(server);
    const early = await httpClient(url, 'early-client');
    await early.client.listTools();
    expect(server.sessions).toHaveLength(1);

    expect(observeWith(pulse, server)).toBe(true);
    observeWith(pulse, server);
    pulse.observe(server.sessions[0]!.server); // the session's server directly: still counted once
    await early.client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await early.client.callTool({ name: 'echo', arguments: { text: 'b' } });
    const late = await httpClient(url, 'late-client');
    await late.client.callTool({ name: 'echo', arguments: { text: 'c' } });
    expect(server.sessions).toHaveLength(2);

    // The early session's initialize and tools/list happened before observation: not seen, and with
    // them the protocol version, the client name and the tool names (the label guard learns them from a
    // tools/list result). The late session is seen from its initialize on.
    await late.client.listTools();
    await late.client.callTool({ name: 'echo', arguments: { text: 'd' } });
    expect(await counts(pulse)).toEqual({
      [methodKey('initialize', 'tcp')]: 1,
      [methodKey('tools/list', 'tcp')]: 1,
      [key(`${D}_count`, {
        network_transport: 'tcp',
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: '_OTHER',
      })]: 2,
      [toolKey('_OTHER', 'tcp')]: 1,
      [toolKey('echo', 'tcp')]: 1,
    });
    const echoes = records.filter((r) => r.toolName === 'echo');
    expect(echoes.map((r) => [r.clientName, r.protocolVersion])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      ['late-client', V],
      ['late-client', V],
    ]);
    expect(new Set(echoes.map((r) => r.sessionId))).toEqual(
      new Set(server.sessions.map((session) => session.sessionId)),
    );
  });

  it('stateless mode: FastMCP never announces its per-request sessions, so nothing is observed', async () => {
    const { pulse, records } = newPulse();
    const server = buildFastMcp();
    observeWith(pulse, server);
    const url = await startHttp(server, true);
    const { client } = await httpClient(url);
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(server.sessions).toHaveLength(0);
    expect(records).toEqual([]);
    expect(await counts(pulse)).toEqual({});
  });
});

describe('FastMCP in process through fastmcp.connect(transport)', () => {
  it('observes the transport before FastMCP connects, so initialize is recorded', async () => {
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const { pulse, records } = newPulse();
    const server = buildFastMcp();
    observeWith(pulse, server);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'memory-client', version: '1.0.0' });
    cleanups.push(() => client.close());
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });

    const c = await counts(pulse);
    expect(c).toEqual({
      [key(`${D}_count`, { mcp_protocol_version: V, mcp_method_name: 'initialize' })]: 1,
      [key(`${D}_count`, { mcp_protocol_version: V, mcp_method_name: 'tools/list' })]: 1,
      [key(`${D}_count`, {
        mcp_protocol_version: V,
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: 'echo',
      })]: 1,
    });
    expect(records.find((r) => r.toolName === 'echo')?.clientName).toBe('memory-client');
  });
});

interface StdioRun {
  client: Client;
  logs: Record<string, unknown>[];
  metricsUrl: Promise<string>;
  clientLogs: LoggingMessageNotification['params'][];
}

async function spawnFastMcp(mode: 'start' | 'connect'): Promise<StdioRun> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'test/fixtures/fastmcp-stdio.ts', mode],
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'info' },
    stderr: 'pipe',
  });
  const logs: Record<string, unknown>[] = [];
  let resolveUrl: (url: string) => void;
  const metricsUrl = new Promise<string>((resolve) => (resolveUrl = resolve));
  let buffered = '';
  transport.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (typeof entry.url === 'string') resolveUrl(entry.url);
    }
  });
  const client = new Client({ name: `stdio-${mode}`, version: '1.0.0' });
  const clientLogs: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void clientLogs.push(n.params));
  await client.connect(transport);
  cleanups.push(() => client.close());
  // FastMCP announces a stdio session only once its initialize is handled (and >= 100 ms after it
  // started reading stdin): until then nothing is observed, so wait for the announcement.
  await waitFor(() => logs.some((l) => l.msg === 'fastmcp connect event'), 'the connect event');
  return { client, logs, metricsUrl, clientLogs };
}

async function driveStdio(run: StdioRun): Promise<Record<string, number>> {
  await run.client.listTools();
  await run.client.callTool({ name: 'echo', arguments: { text: 'a' } });
  await run.client.callTool({ name: 'echo', arguments: { text: 'b' } });
  await run.client.callTool({ name: 'boom', arguments: {} });
  await run.client.callTool({ name: 'logs', arguments: { n: 3 } });
  await waitFor(() => run.clientLogs.length > 0, 'the FastMCP log notification');
  // Operation lines reach stderr in batches, at most 50 ms after the reply.
  await waitFor(
    () => run.logs.filter((l) => l.method === 'tools/call' && l.outcome !== undefined).length >= 4,
    'the operation lines',
  );
  const text = await (await fetch(`${await run.metricsUrl}/metrics`)).text();
  return seriesOf(parseExposition(text), `${D}_count`);
}

describe('FastMCP over stdio (a spawned child process)', () => {
  it('fastmcp.connect(new StdioServerTransport()): everything is recorded, initialize included', async () => {
    const run = await spawnFastMcp('connect');
    const c = await driveStdio(run);
    expect(c).toEqual({
      [methodKey('initialize', 'pipe')]: 1,
      [methodKey('tools/list', 'pipe')]: 1,
      [toolKey('echo', 'pipe')]: 2,
      [toolKey('boom', 'pipe', 'tool_error')]: 1,
      [toolKey('logs', 'pipe')]: 1,
    });
    const ops = run.logs.filter((l) => l.method === 'tools/call' && l.outcome !== undefined);
    expect(ops.map((l) => [l.tool, l.outcome, l.client])).toEqual([
      ['echo', 'ok', 'stdio-connect'],
      ['echo', 'ok', 'stdio-connect'],
      ['boom', 'tool_error', 'stdio-connect'],
      ['logs', 'ok', 'stdio-connect'],
    ]);
    const inside = run.logs.find((l) => l.msg === 'inside a fastmcp tool')!;
    const logsOp = ops.find((l) => l.tool === 'logs')!;
    expect(inside).toMatchObject({
      n: 3,
      tool: 'logs',
      request_id: logsOp.request_id,
      client: 'stdio-connect',
    });
    expect(run.clientLogs).toEqual([
      { level: 'info', data: { message: 'hello from fastmcp', context: { n: 3 } } },
    ]);
  });

  it('fastmcp.start({ transportType: "stdio" }): connect comes after initialize, which is missed', async () => {
    const run = await spawnFastMcp('start');
    const c = await driveStdio(run);
    // No initialize; and without it neither the protocol version label nor the client name.
    const pipe = { network_transport: 'pipe', mcp_method_name: 'tools/call' };
    expect(c).toEqual({
      [methodKey('tools/list', 'pipe', null)]: 1,
      [key(`${D}_count`, { ...pipe, gen_ai_tool_name: 'echo' })]: 2,
      [key(`${D}_count`, { ...pipe, gen_ai_tool_name: 'boom', error_type: 'tool_error' })]: 1,
      [key(`${D}_count`, { ...pipe, gen_ai_tool_name: 'logs' })]: 1,
    });
    const ops = run.logs.filter((l) => l.method === 'tools/call' && l.outcome !== undefined);
    expect(ops.map((l) => [l.tool, l.outcome, l.client])).toEqual([
      ['echo', 'ok', undefined],
      ['echo', 'ok', undefined],
      ['boom', 'tool_error', undefined],
      ['logs', 'ok', undefined],
    ]);
    // pulse.context(context) and FastMCP's client logging both still work.
    const inside = run.logs.find((l) => l.msg === 'inside a fastmcp tool')!;
    expect(inside).toMatchObject({ n: 3, tool: 'logs', request_id: ops[3]!.request_id });
    expect(run.clientLogs).toEqual([
      { level: 'info', data: { message: 'hello from fastmcp', context: { n: 3 } } },
    ]);
  });
});
