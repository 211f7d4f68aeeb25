/**
 * The monitoring HTTP endpoint: `/metrics` (Prometheus text or OpenMetrics, negotiated), `/livez` and
 * `/readyz`, as a node:http / express handler, a WHATWG fetch handler, or a small standalone server.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import {
  badArgument,
  functionSchema,
  integerSchema,
  McpulseError,
  must,
  parseOptions,
  showValue,
} from '../core/errors.js';

import {
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
} from '../metrics/render.js';
import type { AnyRegistry } from '../metrics/render.js';

export interface MonitoringRoutesOptions {
  registry: AnyRegistry;
  /** readiness: true when the service accepts traffic */
  isReady?: () => boolean | Readiness | Promise<boolean | Readiness>;
  /** The detailed health (`/health`, `/health/detailed`): status code and application/health+json body. */
  health?: (authorization: string | undefined) => Promise<{ status: number; body: string }>;
  /** called with internal errors (never throw) */
  onError?: (error: unknown, where: string) => void;
  /** path prefix, default '' */
  prefix?: string;
}

export interface MonitoringRoutes {
  /** node:http / express style: returns true when it handled the request; for express use `(req,res,next) => routes.node(req,res) || next()` */
  node(req: IncomingMessage, res: ServerResponse): boolean;
  /** express/connect middleware */
  middleware(): (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  /** WHATWG fetch style (hono: `app.get('/metrics', c => routes.fetch(c.req.raw))`, or `app.use(async (c, next) => (await routes.fetch(c.req.raw)) ?? next())`): resolves undefined when the path is not a monitoring route */
  fetch(request: Request): Promise<Response | undefined>;
}

export interface MonitoringServerOptions {
  /** default 9464; 0 = ephemeral */
  port?: number;
  /** default '127.0.0.1' */
  host?: string;
  /** called with server-level errors (failed accepts, unexpected handler failures); never throw */
  onError?: (error: unknown, where: string) => void;
}

export interface MonitoringServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  /** idempotent */
  close(): Promise<void>;
}

export const DEFAULT_MONITORING_PORT = 9464;
export const DEFAULT_MONITORING_HOST = '127.0.0.1';

const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
const ALLOW = 'GET, HEAD';
/** After close() is requested, in-flight responses get this long before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** false when the body is unknown for a HEAD request, so no Content-Length */
  lengthKnown: boolean;
}

type Route = 'metrics' | 'livez' | 'readyz' | 'health';

/** Readiness with the names of what fails it (shown on /readyz). */
export interface Readiness {
  ready: boolean;
  failing?: string[];
}

function text(status: number, body: string, extra: Record<string, string> = {}): PlainResponse {
  return {
    status,
    headers: { 'Content-Type': TEXT_CONTENT_TYPE, 'Cache-Control': 'no-store', ...extra },
    body,
    lengthKnown: true,
  };
}

function safeReport(
  onError: ((error: unknown, where: string) => void) | undefined,
  error: unknown,
  where: string,
): void {
  if (!onError) return;
  try {
    onError(error, where);
  } catch {
    // onError must not throw; if it does, there is nowhere left to report to.
  }
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  let normalized = prefix.replace(/\/+$/, '');
  if (normalized !== '' && !normalized.startsWith('/')) normalized = `/${normalized}`;
  return normalized;
}

const routesOptionsSchema = z.strictObject(
  {
    // Duck-typed: a second copy of prom-client in node_modules fails instanceof.
    registry: z.custom<AnyRegistry>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { metrics?: unknown }).metrics === 'function',
      must('a prom-client Registry'),
    ),
    isReady: functionSchema<NonNullable<MonitoringRoutesOptions['isReady']>>().optional(),
    health: functionSchema<NonNullable<MonitoringRoutesOptions['health']>>().optional(),
    onError: functionSchema<NonNullable<MonitoringRoutesOptions['onError']>>().optional(),
    prefix: z
      .string(must("a path string like '/ops'"))
      .refine((prefix) => !/[?#\s]/.test(prefix), must("a path string like '/ops'"))
      .optional(),
  } satisfies Record<keyof MonitoringRoutesOptions, z.ZodType>,
  must('an object'),
);

const serverOptionsSchema = z.strictObject(
  {
    port: integerSchema(0, 65535).optional(),
    host: z
      .string(must('a non-empty string'))
      .refine((host) => host.trim() !== '', must('a non-empty string'))
      .optional(),
    onError: functionSchema<NonNullable<MonitoringServerOptions['onError']>>().optional(),
  } satisfies Record<keyof MonitoringServerOptions, z.ZodType>,
  must('an object'),
);

/** The path of a request target, without query or fragment; undefined when it cannot be parsed. */
function pathOf(target: string): string | undefined {
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

export function createMonitoringRoutes(options: MonitoringRoutesOptions): MonitoringRoutes {
  const {
    registry,
    isReady,
    onError,
    health,
    prefix: given,
  } = parseOptions(routesOptionsSchema, options, {
    name: 'createMonitoringRoutes options',
    prefix: 'monitoring',
  });
  const prefix = normalizePrefix(given);
  const routes = new Map<string, Route>([
    [`${prefix}/metrics`, 'metrics'],
    [`${prefix}/livez`, 'livez'],
    [`${prefix}/readyz`, 'readyz'],
    [`${prefix}/health`, 'health'],
    [`${prefix}/health/detailed`, 'health'],
  ]);

  const matchRoute = (target: string): Route | undefined => {
    const path = pathOf(target);
    return path === undefined ? undefined : routes.get(path);
  };

  /** Answers a matched route; never rejects. */
  const respond = async (
    route: Route,
    method: string,
    accept: string | null | undefined,
    authorization: string | undefined,
  ): Promise<PlainResponse> => {
    try {
      const head = method === 'HEAD';
      if (method !== 'GET' && !head) return text(405, 'method not allowed\n', { Allow: ALLOW });
      switch (route) {
        case 'livez':
          return text(200, 'ok\n');
        case 'readyz': {
          const answer = isReady ? await isReady() : true;
          const readiness: Readiness =
            typeof answer === 'object' && answer !== null ? answer : { ready: answer === true };
          if (readiness.ready === true) return text(200, 'ok\n');
          const failing = readiness.failing?.length ? `: ${readiness.failing.join(', ')}` : '';
          return text(503, `not ready${failing}\n`);
        }
        case 'health': {
          if (health === undefined) return text(404, 'not found\n');
          const { status, body } = await health(authorization);
          return {
            status,
            headers: { 'Content-Type': 'application/health+json', 'Cache-Control': 'no-store' },
            body,
            lengthKnown: true,
          };
        }
        case 'metrics': {
          const format = negotiateFormat(accept);
          if (head) {
            // No render for HEAD: collectors can be costly, and the length is optional.
            const contentType = format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
            return {
              status: 200,
              headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' },
              body: '',
              lengthKnown: false,
            };
          }
          const rendered = await renderMetrics(registry, format);
          if ('error' in rendered) {
            safeReport(onError, rendered.error, 'metrics');
            return text(500, rendered.body);
          }
          return {
            status: 200,
            headers: { 'Content-Type': rendered.contentType, 'Cache-Control': 'no-store' },
            body: rendered.body,
            lengthKnown: true,
          };
        }
      }
    } catch (error) {
      safeReport(onError, error, route);
      return text(500, 'internal error\n');
    }
  };

  const writeNode = (res: ServerResponse, head: boolean, response: PlainResponse): void => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    const headers: Record<string, string | number> = { ...response.headers };
    if (response.lengthKnown) headers['Content-Length'] = Buffer.byteLength(response.body);
    res.writeHead(response.status, headers);
    res.end(head ? undefined : response.body);
  };

  const node = (req: IncomingMessage, res: ServerResponse): boolean => {
    let route: Route | undefined;
    try {
      route = matchRoute(req.url ?? '');
    } catch (error) {
      safeReport(onError, error, 'request');
      return false;
    }
    if (route === undefined) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    respond(route, method, req.headers.accept, req.headers.authorization)
      .then((response) => writeNode(res, method === 'HEAD', response))
      .catch((error: unknown) => {
        safeReport(onError, error, route);
        try {
          if (!res.headersSent) writeNode(res, false, text(500, 'internal error\n'));
          else res.destroy();
        } catch {
          res.destroy();
        }
      });
    return true;
  };

  const fetchHandler = async (request: Request): Promise<Response | undefined> => {
    let route: Route | undefined;
    try {
      route = matchRoute(request.url);
    } catch (error) {
      safeReport(onError, error, 'request');
      return undefined;
    }
    if (route === undefined) return undefined;
    const method = request.method.toUpperCase();
    const response = await respond(
      route,
      method,
      request.headers.get('accept'),
      request.headers.get('authorization') ?? undefined,
    );
    const headers = new Headers(response.headers);
    if (response.lengthKnown) headers.set('Content-Length', String(Buffer.byteLength(response.body)));
    return new Response(method === 'HEAD' ? null : response.body, { status: response.status, headers });
  };

  return {
    node,
    middleware: () => (req, res, next) => {
      if (!node(req, res)) next();
    },
    fetch: fetchHandler,
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function validateServerOptions(routes: unknown, options: unknown): { port: number; host: string } {
  if (
    typeof routes !== 'object' ||
    routes === null ||
    typeof (routes as MonitoringRoutes).node !== 'function'
  ) {
    throw badArgument(
      `mcpulse: startMonitoringServer needs the routes from createMonitoringRoutes, got ${showValue(routes)}`,
    );
  }
  const { port = DEFAULT_MONITORING_PORT, host = DEFAULT_MONITORING_HOST } = parseOptions(
    serverOptionsSchema,
    options === undefined ? {} : options,
    { name: 'monitoring server options', prefix: 'monitoring' },
  );
  return { port, host: host.trim() };
}

/**
 * Starts a standalone monitoring server (127.0.0.1:9464 by default) that serves `routes` and answers
 * anything else with 404. The server does not keep the process alive.
 */
export async function startMonitoringServer(
  routes: MonitoringRoutes,
  options?: MonitoringServerOptions,
): Promise<MonitoringServer> {
  const { port, host } = validateServerOptions(routes, options);
  const onError = options?.onError;
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (closing && inFlight.size === 0) server.closeAllConnections?.();
    });
    if (closing) res.shouldKeepAlive = false;
    let handled = false;
    try {
      handled = routes.node(req, res);
    } catch (error) {
      safeReport(onError, error, 'request');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': TEXT_CONTENT_TYPE, 'Content-Length': 15 });
        res.end('internal error\n');
      } else {
        res.destroy();
      }
      return;
    }
    if (!handled && !res.headersSent) {
      res.writeHead(404, {
        'Content-Type': TEXT_CONTENT_TYPE,
        'Cache-Control': 'no-store',
        'Content-Length': 10,
      });
      res.end(req.method === 'HEAD' ? undefined : 'not found\n');
    }
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const code = error.code ?? 'error';
      const hint =
        code === 'EADDRINUSE'
          ? ' (another process is using the port; choose another port, or 0 for an ephemeral one)'
          : code === 'EACCES'
            ? ' (permission denied; ports below 1024 usually need privileges)'
            : '';
      reject(
        new McpulseError(
          'MCPULSE_LISTEN_FAILED',
          `mcpulse: cannot listen on ${hostPort(host, port)}: ${code}${hint}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    const onListening = () => {
      server.off('error', onListenError);
      resolve();
    };
    server.once('error', onListenError);
    server.once('listening', onListening);
    server.listen(port, host);
  });

  // After listening, errors (e.g. EMFILE on accept) must not crash the process.
  server.on('error', (error) => safeReport(onError, error, 'server'));
  server.unref();

  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${hostPort(host, actualPort)}`;

  return {
    url,
    port: actualPort,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => server.closeAllConnections?.(), CLOSE_GRACE_MS);
        timer.unref();
        server.close((error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
        // Responses in flight finish, then close their connection; idle keep-alive connections go now.
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        if (inFlight.size === 0) server.closeAllConnections?.();
        else server.closeIdleConnections?.();
      });
      return closing;
    },
  };
}
