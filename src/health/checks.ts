/**
 * Built-in health checks of the process and its host (event loop, memory, disk). Each factory validates its options at once (a bad value fails at startup
 * with a message naming it) and returns a `HealthCheck` for `HealthRegistry.register`. The checks
 * report failures as results rather than throwing, and honour the registry's AbortSignal where the
 * underlying API can be cancelled.
 */
import { statfs } from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import v8 from 'node:v8';

import { badOption } from '../core/errors.js';
import { errorOutput, formatBytes, percent, round } from './check-output.js';
import type { CheckResult, HealthCheck, HealthStatus } from './types.js';
import { nonNegative, optionsObject, positive, ratio, show } from './validate.js';

// The checks of a dependency (HTTP, TCP, a client's ping) live in network-checks.ts.
export { httpCheck, pingCheck, tcpCheck } from './network-checks.js';
export type { HttpCheckOptions, PingCheckOptions } from './network-checks.js';

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
