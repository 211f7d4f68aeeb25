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

import { API_CONTENT_TYPE, API_PREFIX, MAX_API_BODY_BYTES } from './prometheus-api.js';
import type { PrometheusApiHandler } from './prometheus-api.js';

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
  /** Prometheus's query API under `<prefix>/api/v1/` (createPrometheusApi); absent: not served. */
  api?: PrometheusApiHandler;
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

type Route = 'metrics' | 'livez' | 'readyz' | 'health' | 'api';

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
    api: functionSchema<PrometheusApiHandler>().optional(),
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

/** The query string of a request target ('' when none). */
function searchOf(target: string): string {
  const start = target.indexOf('?');
  if (start < 0) return '';
  const end = target.indexOf('#', start);
  return target.slice(start + 1, end < 0 ? undefined : end);
}

/** Go's r.Form: the form body's values first, then the query string's. */
function formParams(query: string, body: string): URLSearchParams {
  const params = new URLSearchParams(body);
  for (const [name, value] of new URLSearchParams(query)) params.append(name, value);
  return params;
}

function isForm(contentType: string | null | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Reads a request body up to `limit` bytes; undefined when it is longer. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createMonitoringRoutes(options: MonitoringRoutesOptions): MonitoringRoutes {
  const {
    registry,
    isReady,
    onError,
    health,
    api,
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

  const apiPrefix = `${prefix}${API_PREFIX}`;

  const matchRoute = (target: string): Route | undefined => {
    const path = pathOf(target);
    if (path === undefined) return undefined;
    if (api !== undefined && path.startsWith(apiPrefix)) return 'api';
    return routes.get(path);
  };

  /** Answers `/api/v1/…`; a 404 for an endpoint mcpulse does not serve, as Prometheus gives one. */
  const answerApi = (target: string, method: string, body: string | undefined): PlainResponse => {
    const path = pathOf(target) ?? '';
    const params = formParams(searchOf(target), body ?? '');
    const answer = api!(path.slice(apiPrefix.length), method, params);
    if (answer === undefined) return text(404, '404 page not found\n');
    return {
      status: answer.status,
      headers: { 'Content-Type': API_CONTENT_TYPE, 'Cache-Control': 'no-store' },
      body: answer.body,
      lengthKnown: true,
    };
  };

  /** Answers a matched route; never rejects. */
  const respond = async (
    route: Exclude<Route, 'api'>,
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
    const answer =
      route === 'api'
        ? (method === 'POST' && isForm(req.headers['content-type'])
            ? readBody(req, MAX_API_BODY_BYTES)
            : Promise.resolve('')
          ).then((body) =>
            body === undefined
              ? text(413, 'request body too large\n')
              : answerApi(req.url ?? '', method, body),
          )
        : respond(route, method, req.headers.accept, req.headers.authorization);
    answer
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
    let response: PlainResponse;
    if (route === 'api') {
      // A declared length over the limit is refused unread; an undeclared one is measured once read.
      const declared = Number(request.headers.get('content-length') ?? 0);
      const readForm = method === 'POST' && isForm(request.headers.get('content-type'));
      const body = readForm && !(declared > MAX_API_BODY_BYTES) ? await request.text() : '';
      try {
        response =
          declared > MAX_API_BODY_BYTES || Buffer.byteLength(body) > MAX_API_BODY_BYTES
            ? text(413, 'request body too large\n')
            : answerApi(request.url, method, body);
      } catch (error) {
        safeReport(onError, error, 'api');
        response = text(500, 'internal error\n');
      }
    } else {
      response = await respond(
        route,
        method,
        request.headers.get('accept'),
        request.headers.get('authorization') ?? undefined,
      );
    }
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
