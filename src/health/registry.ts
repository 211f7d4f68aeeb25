/**
 * Health checks for `/readyz` and `/health`: every check runs concurrently, each bounded by its own
 * timeout, and results are cached for `minInterval` so a burst of probes (kubelet, load balancer,
 * people) cannot hammer a database. Nothing a check does reaches the caller: a throw, a rejection or
 * a timeout is a `fail` with the reason as `output` (src/health/runner.ts).
 *
 * The shared types live in types.ts, the health+json rendering in json.ts; both are re-exported here so
 * imports of this module keep working.
 */
import { Gauge, type Registry } from 'prom-client';

import { badArgument, badOption, McpulseError } from '../core/errors.js';
import { invoke, overallStatus, type Outcome } from './runner.js';
import type { CheckReport, HealthCheck, HealthReport, HealthStatus } from './types.js';
import { checkName, milliseconds, show, stringList } from './validate.js';

export { HEALTH_JSON_CONTENT_TYPE, toHealthJson, type HealthJsonOptions } from './json.js';
export type { CheckReport, CheckResult, HealthCheck, HealthReport, HealthStatus } from './types.js';
export { show } from './validate.js';

export interface CheckOptions {
  /** Milliseconds, default 2000; a check still running then is a fail with output `timed out after N ms`. */
  timeout?: number;
  /** Default true: a failing critical check fails readiness and `/health`; a non-critical one only warns. */
  critical?: boolean;
  /**
   * Milliseconds, default 1000: results are cached this long so probes cannot hammer a dependency;
   * concurrent callers during a run share the same in-flight run.
   */
  minInterval?: number;
  /**
   * Milliseconds, at least 100: after `start()`, run in the background on an unref'ed timer so probes
   * read a fresh cached value. While the timer runs, a result stays cached until the next one is due
   * (`refreshInterval + timeout`, at least `minInterval`).
   */
  refreshInterval?: number;
  tags?: string[];
  /** health+json componentType, e.g. 'datastore', 'system', 'component' (or a URI). */
  componentType?: string;
  /** health+json measurement name for the key `name:measurement`; default 'status'. */
  measurement?: string;
}

export interface HealthRegistryOptions {
  /** Where `mcpulse_health_check_status` and `mcpulse_health_check_duration_seconds` go. */
  registry?: Registry;
  /**
   * Told about what is not a check's own failure: an invalid result (where `check <name>`), a metric
   * update that threw (`metrics`). Must not throw.
   */
  onError?: (error: unknown, where: string) => void;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MIN_INTERVAL_MS = 1000;
/** Below this a background refresh is a busy loop against the dependency. */
const MIN_REFRESH_INTERVAL_MS = 100;
/** setTimeout fires at once for anything larger. */
const MAX_TIMER_MS = 2_147_483_647;
const STATUS_VALUE: Record<HealthStatus, number> = { pass: 1, warn: 0.5, fail: 0 };

interface Entry {
  readonly name: string;
  readonly key: string;
  readonly check: HealthCheck;
  readonly timeout: number;
  readonly critical: boolean;
  readonly minInterval: number;
  readonly refreshInterval: number | undefined;
  readonly tags: readonly string[];
  readonly componentType: string | undefined;
  last: { report: CheckReport; at: number } | undefined;
  inflight: Promise<CheckReport> | undefined;
  /** The check's own promise while it runs, past its timeout included: one call at a time per check. */
  running: Promise<Outcome> | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class HealthRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #onError: ((error: unknown, where: string) => void) | undefined;
  readonly #statusGauge: Gauge<'check'> | undefined;
  readonly #durationGauge: Gauge<'check'> | undefined;
  #started = false;

  constructor(options: HealthRegistryOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw badOption(`mcpulse: HealthRegistry options must be an object, got ${show(options)}`);
    }
    const { registry, onError } = options;
    if (onError !== undefined && typeof onError !== 'function') {
      throw badOption(`mcpulse: HealthRegistry onError must be a function, got ${show(onError)}`);
    }
    this.#onError = onError;
    if (registry === undefined) return;
    // Duck-typed: a second copy of prom-client in node_modules fails instanceof.
    if (
      typeof registry !== 'object' ||
      registry === null ||
      typeof registry.registerMetric !== 'function' ||
      typeof registry.getSingleMetric !== 'function'
    ) {
      throw badOption(
        `mcpulse: HealthRegistry registry must be a prom-client Registry, got ${show(registry)}`,
      );
    }
    this.#statusGauge = gauge(
      registry,
      'mcpulse_health_check_status',
      'Result of the last run of a health check: 1 pass, 0.5 warn, 0 fail.',
    );
    this.#durationGauge = gauge(
      registry,
      'mcpulse_health_check_duration_seconds',
      'Duration of the last run of a health check, in seconds.',
    );
  }

  /** Adds a check; throws on a duplicate name or a bad option, so mistakes show at startup. */
  register(name: string, check: HealthCheck, options: CheckOptions = {}): void {
    checkName('health check name', name);
    if (this.#entries.has(name)) {
      throw new McpulseError(
        'MCPULSE_ALREADY_REGISTERED',
        `mcpulse: health check ${JSON.stringify(name)} is already registered`,
      );
    }
    const label = `health check ${JSON.stringify(name)}`;
    if (typeof check !== 'function') {
      throw badArgument(`mcpulse: ${label} must be a function, got ${show(check)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw badOption(`mcpulse: ${label} options must be an object, got ${show(options)}`);
    }
    const timeout = milliseconds(`${label} timeout`, options.timeout, DEFAULT_TIMEOUT_MS, 1, MAX_TIMER_MS);
    const minInterval = milliseconds(
      `${label} minInterval`,
      options.minInterval,
      DEFAULT_MIN_INTERVAL_MS,
      0,
      Infinity,
    );
    const refreshInterval =
      options.refreshInterval === undefined
        ? undefined
        : milliseconds(
            `${label} refreshInterval`,
            options.refreshInterval,
            0,
            MIN_REFRESH_INTERVAL_MS,
            MAX_TIMER_MS,
          );
    const critical = options.critical ?? true;
    if (typeof critical !== 'boolean') {
      throw badOption(`mcpulse: ${label} critical must be a boolean, got ${show(critical)}`);
    }
    const tags = stringList(`${label} tags`, options.tags) ?? [];
    const { componentType } = options;
    if (componentType !== undefined && (typeof componentType !== 'string' || componentType === '')) {
      throw badOption(
        `mcpulse: ${label} componentType must be a non-empty string, got ${show(componentType)}`,
      );
    }
    const measurement = options.measurement ?? 'status';
    checkName(`${label} measurement`, measurement);

    const entry: Entry = {
      name,
      key: `${name}:${measurement}`,
      check,
      timeout,
      critical,
      minInterval,
      refreshInterval,
      tags: [...new Set(tags)],
      componentType,
      last: undefined,
      inflight: undefined,
      running: undefined,
      timer: undefined,
    };
    this.#entries.set(name, entry);
    if (this.#started) this.#schedule(entry);
  }

  /** Removes a check, its background timer and its metric series; false when there was none. */
  unregister(name: string): boolean {
    const entry = this.#entries.get(name);
    if (!entry) return false;
    this.#entries.delete(name);
    clearInterval(entry.timer);
    entry.timer = undefined;
    try {
      this.#statusGauge?.remove({ check: name });
      this.#durationGauge?.remove({ check: name });
    } catch (error) {
      this.#report(error, 'metrics');
    }
    return true;
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Runs every check (or those with one of `tags`; an empty list means all) concurrently, each
   * bounded by its timeout, using cached results younger than minInterval. `fresh` skips the cache
   * but still joins a run already in flight. Never rejects because of a check.
   */
  async run(options: { tags?: string[]; fresh?: boolean } = {}): Promise<HealthReport> {
    if (typeof options !== 'object' || options === null) {
      throw badOption(`mcpulse: health run options must be an object, got ${show(options)}`);
    }
    const tags = stringList('health run tags', options.tags);
    const fresh = options.fresh ?? false;
    if (typeof fresh !== 'boolean') {
      throw badOption(`mcpulse: health run fresh must be a boolean, got ${show(fresh)}`);
    }
    let entries = [...this.#entries.values()];
    if (tags !== undefined && tags.length > 0) {
      entries = entries.filter((entry) => entry.tags.some((tag) => tags.includes(tag)));
    }
    const checks = await Promise.all(entries.map((entry) => this.#evaluate(entry, fresh)));
    return { status: overallStatus(checks), checks };
  }

  /** ready = every critical check is pass or warn (runs them, with caching) */
  async readiness(): Promise<{ ready: boolean; failing: string[] }> {
    const critical = [...this.#entries.values()].filter((entry) => entry.critical);
    const reports = await Promise.all(critical.map((entry) => this.#evaluate(entry, false)));
    const failing = reports.filter((report) => report.status === 'fail').map((report) => report.name);
    return { ready: failing.length === 0, failing };
  }

  /** Starts the background refresh of checks that have a refreshInterval (unref'ed timers); idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#entries.values()) this.#schedule(entry);
  }

  /** Stops the background refresh; runs in flight finish. Idempotent. */
  stop(): void {
    this.#started = false;
    for (const entry of this.#entries.values()) {
      clearInterval(entry.timer);
      entry.timer = undefined;
    }
  }

  #schedule(entry: Entry): void {
    if (entry.refreshInterval === undefined || entry.timer !== undefined) return;
    const refresh = (): void => {
      // #evaluate never rejects; the catch is only so a bug there cannot become an unhandled rejection.
      this.#evaluate(entry, true).catch((error: unknown) => this.#report(error, 'refresh'));
    };
    entry.timer = setInterval(refresh, entry.refreshInterval);
    entry.timer.unref(); // monitoring must never keep the process alive
    refresh(); // so the first probe after start() already reads a value
  }

  #evaluate(entry: Entry, fresh: boolean): Promise<CheckReport> {
    if (entry.inflight) return entry.inflight;
    const last = entry.last;
    if (!fresh && last && performance.now() - last.at < maxAge(entry)) {
      return Promise.resolve({ ...last.report, tags: [...last.report.tags], cached: true });
    }
    const run = this.#execute(entry);
    entry.inflight = run;
    void run.then(() => {
      if (entry.inflight === run) entry.inflight = undefined;
    });
    return run;
  }

  async #execute(entry: Entry): Promise<CheckReport> {
    const started = performance.now();
    const outcome = await this.#attempt(entry);
    const durationMs = performance.now() - started;
    const report: CheckReport = {
      name: entry.name,
      key: entry.key,
      status: outcome.status,
      critical: entry.critical,
      durationMs: Math.round(durationMs * 1000) / 1000,
      time: new Date().toISOString(),
      tags: [...entry.tags],
      cached: false,
    };
    if (outcome.observedValue !== undefined) report.observedValue = outcome.observedValue;
    if (outcome.observedUnit !== undefined) report.observedUnit = outcome.observedUnit;
    if (outcome.output !== undefined) report.output = outcome.output;
    if (entry.componentType !== undefined) report.componentType = entry.componentType;
    entry.last = { report, at: performance.now() };
    // A run that outlived unregister() must not bring the removed series back.
    if (this.#entries.get(entry.name) === entry) this.#record(entry.name, outcome.status, durationMs);
    return { ...report, tags: [...report.tags] };
  }

  /** The check's outcome, or a fail once its timeout passes (the signal is aborted then). */
  async #attempt(entry: Entry): Promise<Outcome> {
    let call = entry.running;
    // A call that timed out and is still running is awaited again rather than started anew, so a
    // check that ignores its signal cannot pile up calls against a hung dependency.
    const joined = call !== undefined;
    const controller = new AbortController();
    if (call === undefined) {
      const started: Promise<Outcome> = invoke(entry, controller.signal, (error) =>
        this.#report(error, `check ${entry.name}`),
      );
      call = started;
      entry.running = started;
      void started.then(() => {
        if (entry.running === started) entry.running = undefined;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => {
        const message = `timed out after ${entry.timeout} ms`;
        resolve({
          status: 'fail',
          output: joined ? `${message} (a call from an earlier run is still running)` : message,
        });
        if (!joined) controller.abort(new DOMException(message, 'TimeoutError'));
      }, entry.timeout);
    });
    try {
      return await Promise.race([call, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #record(name: string, status: HealthStatus, durationMs: number): void {
    try {
      this.#statusGauge?.set({ check: name }, STATUS_VALUE[status]);
      this.#durationGauge?.set({ check: name }, durationMs / 1000);
    } catch (error) {
      this.#report(error, 'metrics');
    }
  }

  #report(error: unknown, where: string): void {
    if (!this.#onError) return;
    try {
      this.#onError(error, where);
    } catch {
      // onError must not throw; if it does, there is nowhere left to report to.
    }
  }
}

function maxAge(entry: Entry): number {
  // With a background refresh, a probe between two refreshes must read the cache, not run the check.
  if (entry.timer === undefined || entry.refreshInterval === undefined) return entry.minInterval;
  return Math.max(entry.minInterval, entry.refreshInterval + entry.timeout);
}

function gauge(registry: Registry, name: string, help: string): Gauge<'check'> {
  // A second HealthRegistry on the same prom-client registry shares the series rather than throwing.
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  if (existing !== undefined) {
    throw new McpulseError(
      'MCPULSE_ALREADY_REGISTERED',
      `mcpulse: metric ${name} is already registered and is not a Gauge`,
    );
  }
  return new Gauge({ name, help, labelNames: ['check'], registers: [registry] });
}
