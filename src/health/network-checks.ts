/**
 * Built-in checks of a dependency: an HTTP endpoint, a TCP port, or any client's ping. Like the
 * system checks (checks.ts), each factory validates its options at once and reports failures as
 * results; these honour the registry's AbortSignal.
 */
import { connect } from 'node:net';

import { badArgument, badOption } from '../core/errors.js';
import { errorOutput, round } from './check-output.js';
import type { CheckResult, HealthCheck } from './types.js';
import { optionsObject, positive, show } from './validate.js';

/** setTimeout fires at once for anything larger. */
const MAX_TIMER_MS = 2_147_483_647;

export interface HttpCheckOptions {
  /** Own timeout in ms, on top of the registry's; default none (the registry's applies). */
  timeout?: number;
  /** Which statuses pass; default 200–399, as a Kubernetes httpGet probe. */
  expectStatus?: (status: number) => boolean;
  /** Default 'GET'. */
  method?: string;
  headers?: Record<string, string>;
}

/**
 * An HTTP endpoint answers with an expected status (`observedValue` the latency to the response
 * headers, in ms). Redirects are not followed (a 3xx is judged as is, like a Kubernetes probe, and
 * credentials never travel to another host). Credentials in the URL are sent as Basic auth and never
 * appear in any output.
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): HealthCheck {
  const label = 'httpCheck';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw badOption(`mcpulse: ${label} url must be an absolute http(s) URL, got ${show(redactUrl(url))}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw badOption(`mcpulse: ${label} url must be an absolute http(s) URL, got ${show(redactUrl(url))}`);
  }
  optionsObject(label, options);
  const timeout =
    options.timeout === undefined ? undefined : milliseconds(`${label} timeout`, options.timeout);
  const expectStatus = options.expectStatus ?? ((status: number) => status >= 200 && status < 400);
  if (typeof expectStatus !== 'function') {
    throw badOption(`mcpulse: ${label} expectStatus must be a function, got ${show(expectStatus)}`);
  }
  const method = options.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
    throw badOption(`mcpulse: ${label} method must be an HTTP method like 'GET', got ${show(method)}`);
  }
  const headers = new Headers();
  if (options.headers !== undefined) {
    const given: unknown = options.headers;
    if (
      typeof given !== 'object' ||
      given === null ||
      Array.isArray(given) ||
      !Object.values(given).every((value) => typeof value === 'string')
    ) {
      throw badOption(`mcpulse: ${label} headers must be an object of strings, got ${show(given)}`);
    }
    for (const [name, value] of Object.entries(given as Record<string, string>)) {
      try {
        headers.set(name, value);
      } catch {
        throw badOption(`mcpulse: ${label} header ${show(name)} is not a valid header`);
      }
    }
  }
  // fetch refuses URLs with credentials, and they must not leak into outputs either.
  const secrets: string[] = [];
  if (target.username !== '' || target.password !== '') {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    if (!headers.has('authorization')) {
      headers.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    }
    secrets.push(target.username, target.password, user, password);
    target.username = '';
    target.password = '';
  }
  const href = target.href;
  const scrub = (text: string): string => {
    let clean = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
    for (const secret of secrets) if (secret.length > 0) clean = clean.split(secret).join('***');
    return clean;
  };

  return async (signal): Promise<CheckResult> => {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () => controller.abort(new DOMException(`timed out after ${timeout} ms`, 'TimeoutError')),
            timeout,
          );
    const started = performance.now();
    try {
      const response = await fetch(href, {
        method: method.toUpperCase(),
        headers,
        redirect: 'manual',
        signal: controller.signal,
      });
      const observedValue = round(performance.now() - started);
      // Unread bodies hold the connection.
      await response.body?.cancel().catch(() => {});
      if (expectStatus(response.status)) return { status: 'pass', observedValue, observedUnit: 'ms' };
      return { status: 'fail', observedValue, observedUnit: 'ms', output: `HTTP ${response.status}` };
    } catch (error) {
      return { status: 'fail', output: scrub(errorOutput(error)) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
}

/** A TCP connection to `host:port` opens (`observedValue` the connect latency, in ms). */
export function tcpCheck(host: string, port: number): HealthCheck {
  const label = 'tcpCheck';
  if (typeof host !== 'string' || host === '') {
    throw badOption(`mcpulse: ${label} host must be a non-empty string, got ${show(host)}`);
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw badOption(`mcpulse: ${label} port must be an integer from 1 to 65535, got ${show(port)}`);
  }

  return async (signal): Promise<CheckResult> => {
    const started = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const socket = connect({ host, port });
        const finish = (error?: Error): void => {
          signal.removeEventListener('abort', onAbort);
          socket.on('error', () => {}); // a late error must not become an uncaught exception
          socket.destroy();
          if (error === undefined) resolve();
          else reject(error);
        };
        const onAbort = (): void => finish(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => finish());
        socket.once('error', finish);
      });
    } catch (error) {
      return { status: 'fail', output: errorOutput(error) };
    }
    return { status: 'pass', observedValue: round(performance.now() - started), observedUnit: 'ms' };
  };
}

export interface PingCheckOptions {
  /** Latency in ms above which a successful ping only warns; default none. */
  slowMs?: number;
}

/**
 * Turns any client's ping (database, cache, queue) into a check: pass when it resolves (warn when
 * slower than `slowMs`), fail with the error's message when it rejects. `observedValue` is the
 * latency in ms. The signal fires at the check's timeout; pass it on where the client accepts one.
 *
 * @example
 * // pg
 * health.register('postgres', pingCheck(() => pool.query('SELECT 1')), { componentType: 'datastore' });
 * @example
 * // ioredis
 * health.register('redis', pingCheck(() => redis.ping()), { componentType: 'datastore', timeout: 500 });
 */
export function pingCheck(
  ping: (signal: AbortSignal) => Promise<unknown>,
  options: PingCheckOptions = {},
): HealthCheck {
  const label = 'pingCheck';
  if (typeof ping !== 'function') {
    throw badArgument(`mcpulse: ${label} needs a function that pings, got ${show(ping)}`);
  }
  optionsObject(label, options);
  const slowMs = options.slowMs === undefined ? undefined : positive(`${label} slowMs`, options.slowMs, 0);

  return async (signal): Promise<CheckResult> => {
    const started = performance.now();
    try {
      await ping(signal);
    } catch (error) {
      return { status: 'fail', output: errorOutput(error) };
    }
    const observedValue = round(performance.now() - started);
    if (slowMs !== undefined && observedValue > slowMs) {
      return {
        status: 'warn',
        observedValue,
        observedUnit: 'ms',
        output: `ping took ${observedValue} ms, over ${slowMs} ms`,
      };
    }
    return { status: 'pass', observedValue, observedUnit: 'ms' };
  };
}

/** The URL as given, without user:password, for validation messages. */
function redactUrl(url: unknown): unknown {
  if (typeof url === 'string') return url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
  return url instanceof URL ? redactUrl(url.href) : url;
}

function milliseconds(label: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 1 || value > MAX_TIMER_MS) {
    throw badOption(`mcpulse: ${label} must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${show(value)}`);
  }
  return value;
}
