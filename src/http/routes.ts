/**
 * The monitoring routes: `/metrics` (Prometheus text or OpenMetrics, negotiated), `/livez`, `/readyz`
 * and `/health`, as a node:http / express handler or a WHATWG fetch handler. The standalone server
 * that serves them is in monitoring.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import { functionSchema, must, parseOptions } from '../core/errors.js';

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

export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
const ALLOW = 'GET, HEAD';

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

export function safeReport(
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
