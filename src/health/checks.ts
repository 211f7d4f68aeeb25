/**
 * Built-in health checks. Each factory validates its options at once (a bad value fails at startup
 * with a message naming it) and returns a `HealthCheck` for `HealthRegistry.register`. The checks
 * report failures as results rather than throwing, and honour the registry's AbortSignal where the
 * underlying API can be cancelled.
 */
import { statfs } from 'node:fs/promises';
import { connect } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import v8 from 'node:v8';

import { badArgument, badOption } from '../core/errors.js';
import { show, type CheckResult, type HealthCheck, type HealthStatus } from './registry.js';

/** setTimeout fires at once for anything larger. */
const MAX_TIMER_MS = 2_147_483_647;

export interface EventLoopDelayCheckOptions {
  /** p99 delay above which the check warns, in ms; default 100. */
  warnMs?: number;
  /** p99 delay above which the check fails, in ms; default 1000. */
  failMs?: number;
}

/** How often the histogram samples the loop; a finer one costs more wake-ups of an idle process. */
const EVENT_LOOP_RESOLUTION_MS = 20;

/**
 * The event loop's delay: p99 of the window since the previous run of this check, in ms (the
 * histogram is reset after each reading). The histogram is created on the first run and never keeps
 * the process alive.
 */
export function eventLoopDelayCheck(options: EventLoopDelayCheckOptions = {}): HealthCheck {
  const label = 'eventLoopDelayCheck';
  optionsObject(label, options);
  const warnMs = positive(`${label} warnMs`, options.warnMs, 100);
  const failMs = positive(`${label} failMs`, options.failMs, 1000);
  if (warnMs > failMs) {
    throw badOption(`mcpulse: ${label} warnMs (${warnMs}) must not be above failMs (${failMs})`);
  }
  let histogram: IntervalHistogram | undefined;
  let bridge: NodeJS.Timeout | undefined;
  let bridgeDelayMs = 0;

  // reset() and enable() make the histogram forget its previous tick, so the first interval after
  // them is never recorded: a loop blocked right after a check would go unseen. A one-shot timer of
  // the same resolution measures that interval instead.
  const startWindow = (monitor: IntervalHistogram): void => {
    monitor.reset();
    bridgeDelayMs = 0;
    clearTimeout(bridge);
    const armed = performance.now();
    bridge = setTimeout(() => {
      bridgeDelayMs = Math.max(0, performance.now() - armed - EVENT_LOOP_RESOLUTION_MS);
    }, EVENT_LOOP_RESOLUTION_MS);
    bridge.unref();
  };

  return async (): Promise<CheckResult> => {
    if (histogram === undefined) {
      histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
      histogram.enable(); // its libuv timer is unref'ed: it never keeps the process alive
      startWindow(histogram);
    }
    // The histogram records a stall only when its timer fires after it; a loop blocked just before
    // this call would otherwise show up only in the next window.
    await delay(0);
    const monitor = histogram;
    // Samples are whole intervals (resolution + delay) in ns.
    const histogramDelayMs =
      monitor.count > 0 ? Math.max(0, monitor.percentile(99) / 1e6 - EVENT_LOOP_RESOLUTION_MS) : 0;
    const p99 = round(Math.max(histogramDelayMs, bridgeDelayMs));
    startWindow(monitor);
    const status: HealthStatus = p99 > failMs ? 'fail' : p99 > warnMs ? 'warn' : 'pass';
    const result: CheckResult = { status, observedValue: p99, observedUnit: 'ms' };
    if (status !== 'pass') {
      result.output = `event loop delay p99 ${p99} ms is over ${status === 'fail' ? failMs : warnMs} ms`;
    }
    return result;
  };
}

export interface MemoryCheckOptions {
  /** Heap used / heap limit above which the check warns; default 0.85. */
  heapUsedRatioWarn?: number;
  /** Heap used / heap limit above which the check fails; default 0.95. */
  heapUsedRatioFail?: number;
  /** Resident set size above which the check fails, in bytes; default none. */
  rssMaxBytes?: number;
}

/**
 * V8 heap used as a share of the heap limit (`observedValue`, unit `ratio`); near the limit V8 spends
 * its time in GC and then aborts the process. Optionally fails when RSS is over `rssMaxBytes`.
 */
export function memoryCheck(options: MemoryCheckOptions = {}): HealthCheck {
  const label = 'memoryCheck';
  optionsObject(label, options);
  const warnRatio = ratio(`${label} heapUsedRatioWarn`, options.heapUsedRatioWarn, 0.85);
  const failRatio = ratio(`${label} heapUsedRatioFail`, options.heapUsedRatioFail, 0.95);
  if (warnRatio > failRatio) {
    throw badOption(
      `mcpulse: ${label} heapUsedRatioWarn (${warnRatio}) must not be above heapUsedRatioFail (${failRatio})`,
    );
  }
  const rssMaxBytes =
    options.rssMaxBytes === undefined ? undefined : positive(`${label} rssMaxBytes`, options.rssMaxBytes, 0);

  return (): CheckResult => {
    const heap = v8.getHeapStatistics();
    const used = heap.used_heap_size / heap.heap_size_limit;
    const observedValue = Math.round(used * 10_000) / 10_000;
    const problems: string[] = [];
    let status: HealthStatus = 'pass';
    if (used > warnRatio) {
      status = used > failRatio ? 'fail' : 'warn';
      problems.push(
        `heap used ${percent(used)} of its ${formatBytes(heap.heap_size_limit)} limit, over ${percent(status === 'fail' ? failRatio : warnRatio)}`,
      );
    }
    if (rssMaxBytes !== undefined) {
      const rss = process.memoryUsage.rss();
      if (rss > rssMaxBytes) {
        status = 'fail';
        problems.push(`rss ${formatBytes(rss)} is over ${formatBytes(rssMaxBytes)}`);
      }
    }
    const result: CheckResult = { status, observedValue, observedUnit: 'ratio' };
    if (problems.length > 0) result.output = problems.join('; ');
    return result;
  };
}

export interface DiskSpaceCheckOptions {
  /** Free bytes (available to unprivileged users) below which the check fails; default none. */
  minFreeBytes?: number;
  /** Free share below which the check fails; default 0.05. */
  minFreeRatio?: number;
  /** Free share below which the check warns; default 0.1. */
  warnFreeRatio?: number;
}

/**
 * Free space on the filesystem holding `path` (`observedValue` the free share, unit `ratio`), as
 * `statfs` sees it for an unprivileged user. `statfs` cannot be cancelled: on a hung network mount
 * the check times out but holds a libuv thread until the mount answers.
 */
export function diskSpaceCheck(path: string, options: DiskSpaceCheckOptions = {}): HealthCheck {
  const label = 'diskSpaceCheck';
  if (typeof path !== 'string' || path === '') {
    throw badOption(`mcpulse: ${label} path must be a non-empty string, got ${show(path)}`);
  }
  optionsObject(label, options);
  const minFreeBytes =
    options.minFreeBytes === undefined
      ? undefined
      : nonNegative(`${label} minFreeBytes`, options.minFreeBytes);
  const minFreeRatio = ratio(`${label} minFreeRatio`, options.minFreeRatio, 0.05);
  const warnFreeRatio = ratio(`${label} warnFreeRatio`, options.warnFreeRatio, 0.1);
  if (minFreeRatio > warnFreeRatio) {
    throw badOption(
      `mcpulse: ${label} minFreeRatio (${minFreeRatio}) must not be above warnFreeRatio (${warnFreeRatio})`,
    );
  }

  return async (): Promise<CheckResult> => {
    let stats;
    try {
      stats = await statfs(path);
    } catch (error) {
      return { status: 'fail', output: errorOutput(error) };
    }
    const total = stats.blocks * stats.bsize;
    const free = stats.bavail * stats.bsize;
    if (total <= 0) return { status: 'fail', output: `statfs reports no size for ${path}` };
    const freeRatio = free / total;
    const observedValue = Math.round(freeRatio * 10_000) / 10_000;
    let status: HealthStatus = 'pass';
    if (freeRatio < minFreeRatio || (minFreeBytes !== undefined && free < minFreeBytes)) status = 'fail';
    else if (freeRatio < warnFreeRatio) status = 'warn';
    const result: CheckResult = { status, observedValue, observedUnit: 'ratio' };
    if (status !== 'pass') {
      result.output = `${formatBytes(free)} free (${percent(freeRatio)}) of ${formatBytes(total)} on ${path}`;
    }
    return result;
  };
}

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

/** The message, with the system error code (ECONNREFUSED, ENOTFOUND) when the message lacks it. */
function errorOutput(error: unknown): string {
  try {
    // fetch wraps the socket error in a generic `fetch failed`; the cause says what happened.
    const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    if (!(inner instanceof Error)) return typeof inner === 'string' ? inner : String(inner);
    const code = (inner as NodeJS.ErrnoException).code;
    const message = inner.message;
    if (typeof code !== 'string' || message.includes(code)) return message || inner.name;
    return message === '' ? code : `${code}: ${message}`;
  } catch {
    return 'check failed';
  }
}

/** The URL as given, without user:password, for validation messages. */
function redactUrl(url: unknown): unknown {
  if (typeof url === 'string') return url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
  return url instanceof URL ? redactUrl(url.href) : url;
}

function optionsObject(label: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw badOption(`mcpulse: ${label} options must be an object, got ${show(options)}`);
  }
}

function positive(label: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw badOption(`mcpulse: ${label} must be a number > 0, got ${show(value)}`);
  }
  return value;
}

function nonNegative(label: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw badOption(`mcpulse: ${label} must be a number >= 0, got ${show(value)}`);
  }
  return value;
}

function milliseconds(label: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 1 || value > MAX_TIMER_MS) {
    throw badOption(`mcpulse: ${label} must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${show(value)}`);
  }
  return value;
}

function ratio(label: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 1) {
    throw badOption(`mcpulse: ${label} must be a number from 0 to 1, got ${show(value)}`);
  }
  return value;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
