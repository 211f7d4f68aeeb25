/**
 * Serves the demo over Streamable HTTP (SDK v1) with plain `node:http`: stateful sessions, one observed
 * demo server per session, at `/mcp`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

import type { Mcpulse } from '../core/mcpulse.js';
import { buildDemoServer, type DemoServerOptions } from './server.js';

export const MCP_PATH = '/mcp';
/** Largest request body read; beyond it the answer is 413. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_MAX_SESSIONS = 1000;
const DEFAULT_SESSION_IDLE_MS = 10 * 60_000;
/** On close, connections still busy this long after the sessions ended are cut. */
const CLOSE_GRACE_MS = 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface DemoHttpOptions {
  /** 0 picks a free port. */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Options of every demo server built (randomness, sleep scale). */
  demo?: DemoServerOptions;
  /** Most sessions open at once (default 1000); beyond it new sessions get 503. */
  maxSessions?: number;
  /** Sessions with no request for this long are closed (default 10 minutes). */
  sessionIdleMs?: number;
}

export interface DemoHttpServer {
  /** `http://<host>:<port>/mcp`. */
  url: string;
  port: number;
  /** Number of sessions currently open. */
  sessions(): number;
  /**
   * Closes every session and the HTTP server; a request still open then is cut. To let calls in flight
   * finish first, drain them (`pulse.shutdown()`) before. Idempotent.
   */
  close(): Promise<void>;
}

type Pulse = Pick<Mcpulse, 'observe' | 'logger' | 'context'>;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastActivity: number;
  /** HTTP requests of this session still open (an SSE GET stays open). */
  open: number;
}

class BodyTooLarge extends Error {}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(new BodyTooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isInitialize(body: unknown): boolean {
  return Array.isArray(body)
    ? body.some((message) => isInitializeRequest(message))
    : isInitializeRequest(body);
}

/** With a loopback bind, only loopback Host headers are accepted (DNS rebinding protection). */
function hostAllowed(req: IncomingMessage, bindHost: string): boolean {
  if (!LOOPBACK_HOSTS.has(bindHost)) return true;
  const host = req.headers.host;
  if (!host) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the demo's Streamable HTTP endpoint. Every new session (an `initialize` POST without a
 * session id) gets its own demo server, observed by `pulse`. Rejects if the port cannot be bound
 * (the error keeps its `code`, e.g. `EADDRINUSE`).
 */
export async function serveDemoHttp(pulse: Pulse, options: DemoHttpOptions): Promise<DemoHttpServer> {
  const host = options.host ?? DEFAULT_HOST;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sessions = new Map<string, Session>();
  /** Every session, also those whose initialize has not completed (not in `sessions` yet). */
  const all = new Set<Session>();
  let closing: Promise<void> | undefined;

  const closeSession = async (session: Session): Promise<void> => {
    all.delete(session);
    const id = session.transport.sessionId;
    if (id !== undefined && sessions.get(id) === session) sessions.delete(id);
    await session.server.close().catch(() => undefined);
  };

  const track = (session: Session, res: ServerResponse): void => {
    session.open++;
    session.lastActivity = Date.now();
    res.once('close', () => {
      session.open--;
      session.lastActivity = Date.now();
    });
  };

  const newSession = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    if (all.size >= maxSessions) {
      rpcError(res, 503, -32000, `Too many sessions (${maxSessions}); try again later`, {
        'retry-after': '5',
      });
      return;
    }
    const server = pulse.observe(buildDemoServer(pulse, options.demo));
    const session: Session = {
      server,
      lastActivity: Date.now(),
      open: 0,
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, session);
        },
        // A DELETE ends the session; the transport then closes itself.
        onsessionclosed: (id) => {
          all.delete(session);
          if (sessions.get(id) === session) sessions.delete(id);
        },
      }),
    };
    session.transport.onclose = () => {
      all.delete(session);
      const id = session.transport.sessionId;
      if (id !== undefined && sessions.get(id) === session) sessions.delete(id);
    };
    all.add(session);
    track(session, res);
    await server.connect(session.transport);
    await session.transport.handleRequest(req, res, body);
    // An initialize the transport refused leaves a session that can never be used.
    if (session.transport.sessionId === undefined || !sessions.has(session.transport.sessionId)) {
      await closeSession(session);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== MCP_PATH) {
      sendJson(res, 404, { error: 'not found', path: url.pathname });
      return;
    }
    if (!hostAllowed(req, host)) {
      rpcError(res, 403, -32000, `Invalid Host header: ${String(req.headers.host)}`);
      return;
    }
    if (closing) {
      rpcError(res, 503, -32000, 'Server is shutting down', { connection: 'close' });
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      rpcError(res, 405, -32000, `Method ${method} not allowed`, { allow: 'GET, POST, DELETE' });
      return;
    }
    const sessionId = headerValue(req.headers['mcp-session-id']);

    let body: unknown;
    if (method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          rpcError(res, 413, -32000, `Request body larger than ${MAX_BODY_BYTES} bytes`, {
            connection: 'close',
          });
          req.resume();
          return;
        }
        throw error;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        rpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON');
        return;
      }
    }

    if (sessionId === undefined) {
      if (method === 'POST' && isInitialize(body)) {
        await newSession(req, res, body);
        return;
      }
      rpcError(res, 400, -32000, 'Bad Request: no valid session id (send initialize first)');
      return;
    }
    const session = sessions.get(sessionId);
    if (!session) {
      rpcError(res, 404, -32001, 'Session not found');
      return;
    }
    track(session, res);
    await session.transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      pulse.logger.error({ err: error, url: req.url, method: req.method }, 'demo HTTP request failed');
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });

  await listen(http, options.port, host);
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const session of all) {
        if (session.open === 0 && now - session.lastActivity > idleMs) void closeSession(session);
      }
    },
    Math.max(1000, Math.min(idleMs, 60_000)),
  );
  sweep.unref();

  return {
    url: `http://${urlHost}:${port}${MCP_PATH}`,
    port,
    sessions: () => sessions.size,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        await Promise.allSettled([...all].map((session) => closeSession(session)));
        // Replies already written still go out: idle connections close now, busy ones when their
        // response ends, and whatever is left after a grace period is cut.
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
          force.unref();
          http.close(() => {
            clearTimeout(force);
            resolve();
          });
          http.closeIdleConnections();
        });
      })();
      return closing;
    },
  };
}
