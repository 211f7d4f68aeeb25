/**
 * The monitoring HTTP endpoint: `/metrics` (Prometheus text or OpenMetrics, negotiated), `/livez` and
 * `/readyz`, as a node:http / express handler, a WHATWG fetch handler (routes.ts, re-exported here), or
 * the small standalone server below.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';

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

import { safeReport, TEXT_CONTENT_TYPE, type MonitoringRoutes } from './routes.js';

export { createMonitoringRoutes } from './routes.js';
export type { MonitoringRoutes, MonitoringRoutesOptions, Readiness } from './routes.js';

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

/** After close() is requested, in-flight responses get this long before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

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
