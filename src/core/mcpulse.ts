/**
 * The mcpulse instance: one per process. It owns the metrics registry, the logger and the
 * monitoring endpoint, and turns what the transport observers see into metrics and log lines.
 */
import { randomBytes } from 'node:crypto';

import { pino, type Logger } from 'pino';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

import {
  createMonitoringRoutes,
  startMonitoringServer,
  type MonitoringRoutes,
  type MonitoringServer,
  type MonitoringServerOptions,
} from '../http/monitoring.js';
import type { OperationRecord } from '../instrument/record.js';
import { eventLoopDelayCheck, memoryCheck } from '../health/checks.js';
import { HEALTH_JSON_CONTENT_TYPE, HealthRegistry, toHealthJson } from '../health/registry.js';
import { attachFastMcpObserver, isFastMcp } from '../instrument/fastmcp.js';
import { attachServerObserver } from '../instrument/server.js';
import {
  attachTransportObserver,
  type InstrumentHub,
  type ObserveTransportOptions,
  type SessionInfo,
  type TransportLike,
} from '../instrument/transport.js';
import { setFallbackLogger, setOtelContextLookup, type OperationContext } from '../logging/context.js';
import { abandonDestination, createLogger, OperationLog, ownDestination } from '../logging/logger.js';
import { createLogOutputs, type LogOutputs } from '../logging/outputs.js';
import { LineSampler } from '../logging/sampling.js';
import { registerHostMetrics, type HostMetrics } from '../metrics/host.js';
import { LabelGuard } from '../metrics/labels.js';
import { McpMetrics } from '../metrics/mcp.js';
import { loadOtelApi, McpTracer, REQUEST_CONTEXT_KEY_NAME } from '../tracing/spans.js';
import { badArgument, badOption } from './errors.js';
import { resolveOptions, type McpulseOptions, type ResolvedOptions } from './options.js';
import { handleSignals, releaseSignals } from './signals.js';

export type OperationListener = (op: OperationRecord) => void;

type MetricConfig<C> = Omit<C, 'registers'>;

/** The user's own business metrics, on the same registry as mcpulse's. */
export interface BusinessMetrics {
  counter<T extends string = string>(config: MetricConfig<CounterConfiguration<T>>): Counter<T>;
  gauge<T extends string = string>(config: MetricConfig<GaugeConfiguration<T>>): Gauge<T>;
  histogram<T extends string = string>(config: MetricConfig<HistogramConfiguration<T>>): Histogram<T>;
}

const INTERNAL_LOG_INTERVAL_MS = 10_000;
const LOG_FLUSH_TIMEOUT_MS = 2_000;
const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export class Mcpulse {
  readonly registry: Registry;
  readonly logger: Logger;
  /** The monitoring routes, to mount on an existing node:http, express or hono app. */
  readonly routes: MonitoringRoutes;
  /** Register your own metrics (the seed's `business_*` examples) on the same registry. */
  readonly metrics: BusinessMetrics;
  /** Dependency checks behind `/readyz` and `/health`: `pulse.health.register(name, check, options)`. */
  readonly health: HealthRegistry;
  /** The monitoring server started from the `monitoring` option, once it listens (undefined if off or failed). */
  readonly monitoring: Promise<MonitoringServer | undefined>;

  private readonly _options: ResolvedOptions;
  private readonly _hub: InstrumentHub;
  private readonly _mcpMetrics: McpMetrics;
  private readonly _operationLog: OperationLog;
  private readonly _outputs: LogOutputs | undefined;
  private readonly _droppedLogLines: Counter | undefined;
  private readonly _onExit: () => void;
  private readonly _guard: LabelGuard;
  private readonly _listeners = new Set<OperationListener>();
  private readonly _servers = new Set<MonitoringServer>();
  private readonly _internalErrors: Counter<'where'>;
  private readonly _lastWarnAt = new Map<string, number>();
  private readonly _hostMetrics: HostMetrics | undefined;
  private readonly _idPrefix = randomBytes(4).toString('hex');
  private _sequence = 0;
  private _otel: ReturnType<typeof loadOtelApi>;
  private _tracer: McpTracer | undefined;
  /** The OpenTelemetry context key the request context rides under when tracing carries it. */
  private _requestKey: symbol | undefined;
  private _ready = true;
  private _accepting = true;
  private _inflightTotal = 0;
  private readonly _drainWaiters: (() => void)[] = [];
  private _shutdown: Promise<void> | undefined;

  constructor(options?: McpulseOptions) {
    const o = resolveOptions(options, process.env);
    this._options = o;
    this.registry = o.registry;
    const onLogError = (error: unknown) => this._internalError(error, 'log-destination');
    if (o.logger === undefined && (o.logFile !== undefined || o.logPretty)) {
      this._outputs = createLogOutputs({
        level: o.logLevel,
        stderr: o.logStderr,
        pretty: o.logPretty,
        ...(o.logFile !== undefined && { files: o.logFile }),
        onError: onLogError,
      });
    }
    this.logger =
      o.logger ??
      createLogger({
        service: o.service,
        version: o.version,
        env: o.env,
        level: o.logLevel,
        destination:
          this._outputs?.stream ?? (o.logStderr ? o.logDestination : pino.destination('/dev/null')),
        onError: onLogError,
        onDrop: (lines) => this._droppedLogLines?.inc(lines),
      });
    // Lines are batched wherever mcpulse made the destination (all asynchronous); a stream the user
    // passed in gets them one by one.
    this._operationLog = new OperationLog(
      this.logger,
      o.logger === undefined,
      typeof o.logDestination !== 'object' || this._outputs !== undefined,
      o.logSampling === undefined ? undefined : new LineSampler(o.logSampling, this.registry),
      o.logPayloadBytes,
    );
    const operationLog = this._operationLog;
    this._onExit = () => operationLog.drainSync();
    process.once('exit', this._onExit);
    this._droppedLogLines = new Counter({
      name: 'mcpulse_log_lines_dropped_total',
      help: 'Log lines dropped because the destination (e.g. an undrained stderr pipe) could not keep up.',
      registers: [this.registry],
    });
    this._guard = new LabelGuard({ tools: o.tools, prompts: o.prompts, maxClients: o.maxClientNames });
    if (o.tracing) {
      this._otel = loadOtelApi();
      if (this._otel !== undefined) {
        this._tracer = new McpTracer(this._otel, o.traceContentBytes);
        const api = this._otel;
        this._requestKey = api.createContextKey(REQUEST_CONTEXT_KEY_NAME);
        const key = this._requestKey;
        setOtelContextLookup(() => api.context.active().getValue(key) as OperationContext | undefined);
      }
    }
    this._mcpMetrics = new McpMetrics(this.registry, this._guard, this._tracer !== undefined);
    this._internalErrors = new Counter({
      name: 'mcpulse_internal_errors_total',
      help: 'Errors inside mcpulse itself (caught, never thrown into the server), by where they happened.',
      labelNames: ['where'],
      registers: [this.registry],
    });
    if (o.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which promtool rejects (only counters end in _total);
      // the per-type `nodejs_active_handles` / `nodejs_active_requests` / `nodejs_active_resources` stay.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
    if (o.hostMetrics) this._hostMetrics = registerHostMetrics(this.registry, o.hostMetrics);

    const registry = this.registry;
    this.metrics = {
      counter: (config) => new Counter({ ...config, registers: [registry] }),
      gauge: (config) => new Gauge({ ...config, registers: [registry] }),
      histogram: (config) => new Histogram({ ...config, registers: [registry] }),
    };
    this.health = new HealthRegistry({
      registry: this.registry,
      onError: (error, where) => this._internalError(error, `health:${where}`),
    });
    if (o.defaultHealthChecks) {
      // Non-critical: a slow event loop or a full heap is worth a warning, not a restart or a drain.
      this.health.register('event_loop', eventLoopDelayCheck(), {
        critical: false,
        componentType: 'system',
        measurement: 'delay',
      });
      this.health.register('memory', memoryCheck(), {
        critical: false,
        componentType: 'system',
        measurement: 'utilization',
      });
    }
    this.routes = createMonitoringRoutes({
      registry: this.registry,
      isReady: async () => {
        if (!this._ready) return { ready: false, failing: ['shutting down'] };
        return this.health.readiness();
      },
      health: (authorization) => this._healthResponse(authorization),
      onError: (error, where) => this._internalError(error, `http:${where}`),
    });
    if (o.handleSignals) handleSignals(this);
    this._hub = this._createHub();
    setFallbackLogger(this.logger);
    this.monitoring = o.monitoring
      ? this.startMonitoringServer(o.monitoring).catch((error: unknown) => {
          this._internalError(error, 'monitoring-listen');
          return undefined;
        })
      : Promise.resolve(undefined);
  }

  /**
   * Observes an MCP server: SDK v1 or v2, `McpServer` or low-level `Server`. Call it before or after
   * `connect`; calling it twice is harmless. Returns the same server, so it fits inside a v2 factory:
   * `createMcpHandler(() => pulse.observe(buildServer()))`.
   */
  observe<S>(server: S, options?: ObserveTransportOptions): S {
    validateObserveOptions(options);
    const names = {
      toolsListed: (list: string[]) => list.forEach((name) => this._guard.allowTool(name)),
      promptsListed: (list: string[]) => list.forEach((name) => this._guard.allowPrompt(name)),
    };
    // punkpeye's fastmcp: one low-level SDK Server per session, observed as each session connects.
    if (
      isFastMcp(server) &&
      attachFastMcpObserver((session) => this.observe(session, options), server, {
        ...names,
        observeTransport: (transport) => this.observeTransport(transport, options),
        onError: (error, where) => this._internalError(error, where),
      })
    ) {
      return server;
    }
    if (!attachServerObserver(this._hub, names, server, options)) {
      throw badArgument(
        `mcpulse: observe() needs an MCP server (McpServer or Server from @modelcontextprotocol/sdk or @modelcontextprotocol/server, or a FastMCP), got ${describe(server)}`,
      );
    }
    return server;
  }

  /**
   * Observes an MCP client (SDK v1 or v2 `Client`): each request it sends gets a CLIENT span whose
   * context travels to the server in `params._meta`, and a `mcp_client_operation_duration_seconds`
   * observation. Call it before `connect`. Returns the same client.
   */
  observeClient<C>(client: C, options?: ObserveTransportOptions): C {
    validateObserveOptions(options);
    if (
      !attachServerObserver(this._hub, { toolsListed: () => {}, promptsListed: () => {} }, client, options)
    ) {
      throw badArgument(
        `mcpulse: observeClient() needs an MCP Client (@modelcontextprotocol/sdk or @modelcontextprotocol/client), got ${describe(client)}`,
      );
    }
    return client;
  }

  /** Observes one transport directly: the primitive under `observe`. Returns the same transport. */
  observeTransport<T>(transport: T, options?: ObserveTransportOptions): T {
    validateObserveOptions(options);
    if (
      !transport ||
      typeof transport !== 'object' ||
      typeof (transport as { send?: unknown }).send !== 'function'
    ) {
      throw badArgument(
        `mcpulse: observeTransport() needs an MCP transport with send(), got ${describe(transport)}`,
      );
    }
    attachTransportObserver(this._hub, transport as unknown as TransportLike, options);
    return transport;
  }

  /** Subscribes to completed operation records. Returns the unsubscribe function. */
  onOperation(listener: OperationListener): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Starts a monitoring endpoint (`/metrics`, `/livez`, `/readyz`); bound to 127.0.0.1 unless told otherwise. */
  async startMonitoringServer(options?: MonitoringServerOptions): Promise<MonitoringServer> {
    const server = await startMonitoringServer(this.routes, options);
    this._servers.add(server);
    this.logger.info({ url: server.url }, 'mcpulse monitoring listening');
    return server;
  }

  /**
   * Graceful shutdown, idempotent: readiness fails first (`/readyz` 503), new MCP requests are refused
   * with a JSON-RPC error, requests in flight drain (up to `drainTimeoutMs`), then background work stops,
   * monitoring servers close and logs flush. With `handleSignals` (default), SIGTERM and SIGINT run it and exit.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= (async () => {
      this._ready = false;
      this._accepting = false;
      if (this._inflightTotal > 0) {
        this.logger.info(
          { in_flight: this._inflightTotal },
          'mcpulse shutting down: draining requests in flight',
        );
      }
      await this._drained(this._options.drainTimeoutMs);
      if (this._inflightTotal > 0) {
        this.logger.warn({ in_flight: this._inflightTotal }, 'mcpulse shutting down: drain timed out');
      }
      this.health.stop();
      this._hostMetrics?.stop();
      releaseSignals(this);
      await this.monitoring;
      await Promise.allSettled([...this._servers].map((server) => server.close()));
      this._operationLog.drain();
      process.off('exit', this._onExit);
      await this._flushLogs();
      await this._outputs?.close().catch((error: unknown) => this._internalError(error, 'log-close'));
    })();
    return this._shutdown;
  }

  /**
   * Waits until the log destination has written what it holds. One that cannot take the rest (a stderr
   * nobody reads, a log writer thread that is stuck) must not hold shutdown, nor the exit after it: past
   * LOG_FLUSH_TIMEOUT_MS shutdown goes on, and mcpulse's own destination is abandoned (what is pending is
   * dropped, no retry is left to keep the process alive, later log calls do nothing).
   */
  private async _flushLogs(): Promise<void> {
    const own = this._options.logger === undefined ? ownDestination(this.logger) : undefined;
    const written = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), LOG_FLUSH_TIMEOUT_MS);
      const done = (error?: Error | null) => {
        clearTimeout(timer);
        resolve(error === undefined || error === null);
      };
      try {
        if (own !== undefined) own.flush(done);
        else this.logger.flush(done);
      } catch {
        clearTimeout(timer);
        resolve(false);
      }
    });
    if (!written && own !== undefined) abandonDestination(own);
  }

  /** Resolves when no request is in flight, or after `timeoutMs`. */
  private _drained(timeoutMs: number): Promise<void> {
    if (this._inflightTotal === 0) return Promise.resolve();
    return new Promise((resolve) => {
      // Not unref'ed: a drain in progress keeps the process alive until it ends or times out.
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this._drainWaiters.push(done);
    });
  }

  private async _healthResponse(
    authorization: string | undefined,
  ): Promise<{ status: number; body: string }> {
    const report = await this.health.run();
    const token = this._options.healthToken;
    const hideDetails =
      this._options.healthHideDetails && (token === undefined || authorization !== `Bearer ${token}`);
    const body = toHealthJson(report, {
      version: this._options.version,
      serviceId: this._options.service,
      hideDetails,
    });
    if (!this._ready) body.status = 'fail';
    return { status: body.status === 'fail' ? 503 : 200, body: JSON.stringify(body) };
  }

  /**
   * Exposes the health report to MCP clients as a resource (default `health://status`) on an SDK v1 or
   * v2 `McpServer`. Returns the server.
   */
  exposeHealth<S extends { registerResource: (...args: never[]) => unknown }>(
    server: S,
    uri = 'health://status',
  ): S {
    const register = server.registerResource as unknown as (
      name: string,
      uri: string,
      metadata: Record<string, unknown>,
      read: (url: URL) => Promise<unknown>,
    ) => unknown;
    register.call(
      server,
      'health',
      uri,
      {
        description: 'Health of this MCP server (application/health+json)',
        mimeType: HEALTH_JSON_CONTENT_TYPE,
      },
      async () => {
        const { body } = await this._healthResponse(undefined);
        return { contents: [{ uri, mimeType: HEALTH_JSON_CONTENT_TYPE, text: body }] };
      },
    );
    return server;
  }

  private _createHub(): InstrumentHub {
    const dropped = new Counter({
      name: 'mcpulse_client_notifications_dropped_total',
      help: 'Client log messages and progress values not sent to the MCP client, by kind and reason.',
      labelNames: ['kind', 'reason'],
      registers: [this.registry],
    });
    const isAccepting = () => this._accepting;
    return {
      get accepting() {
        return isAccepting();
      },
      logger: this.logger,
      contextEnabled: this._options.context,
      defaultClientLogLevel: this._options.clientLogLevel,
      clientLogRate: this._options.clientLogRate,
      capturePayloads:
        this._options.logPayloadBytes !== undefined || this._options.traceContentBytes !== undefined,
      tracer: this._tracer,
      withOtelContext: (context, fn) => (this._otel ? this._otel.context.with(context, fn) : fn()),
      carry: (context, request) =>
        this._requestKey !== undefined && this._tracer?.propagatesContext === true
          ? context.setValue(this._requestKey, request)
          : undefined,
      spanTarget: (op) => {
        const name =
          op.method === 'tools/call' ? op.toolName : op.method === 'prompts/get' ? op.promptName : undefined;
        if (name === undefined) return undefined;
        // A client names what it calls itself; a server only trusts names it registered (or listed).
        if (op.side === 'client') return name;
        const label = op.method === 'tools/call' ? this._guard.tool(name) : this._guard.prompt(name);
        return label === name ? name : undefined;
      },
      dropped: (kind, reason) => dropped.inc({ kind, reason }),
      maxInflightPerTransport: this._options.maxInflightPerTransport,
      nextRequestId: () => `${this._idPrefix}-${(++this._sequence).toString(36)}`,
      operationStarted: (op) => {
        if (op.side === 'server') this._inflightTotal++;
        try {
          this._mcpMetrics.operationStarted(op);
        } catch (error) {
          this._internalError(error, 'metrics');
        }
      },
      operationEnded: (op) => {
        if (op.side === 'server' && --this._inflightTotal === 0 && this._drainWaiters.length > 0) {
          for (const done of this._drainWaiters.splice(0)) done();
        }
        this._operationEnded(op);
      },
      notificationReceived: (method, networkTransport) => {
        try {
          this._mcpMetrics.notificationReceived(method, networkTransport);
        } catch (error) {
          this._internalError(error, 'metrics');
        }
      },
      transportError: (error, networkTransport) => {
        try {
          this._mcpMetrics.transportError(networkTransport);
        } catch (internal) {
          this._internalError(internal, 'metrics');
        }
        // A peer can send garbage at any rate: log the first of each burst, count them all.
        this._throttledWarn(
          `transport:${networkTransport ?? ''}`,
          { err: error, network_transport: networkTransport },
          'MCP transport error',
        );
      },
      sessionStarted: (session: SessionInfo) => {
        try {
          this._mcpMetrics.sessionStarted(session);
        } catch (error) {
          this._internalError(error, 'metrics');
        }
      },
      sessionEnded: (session: SessionInfo, seconds: number) => {
        try {
          this._mcpMetrics.sessionEnded(session, seconds);
        } catch (error) {
          this._internalError(error, 'metrics');
        }
      },
      toolsListed: (names) => names.forEach((name) => this._guard.allowTool(name)),
      promptsListed: (names) => names.forEach((name) => this._guard.allowPrompt(name)),
      internalError: (error, where) => this._internalError(error, where),
    };
  }

  private _operationEnded(op: OperationRecord): void {
    try {
      this._mcpMetrics.operationEnded(op);
    } catch (error) {
      this._internalError(error, 'metrics');
    }
    try {
      this._operationLog.write(op);
    } catch (error) {
      this._internalError(error, 'log');
    }
    if (this._listeners.size === 0) return;
    for (const listener of this._listeners) {
      try {
        listener(op);
      } catch (error) {
        this._internalError(error, 'listener');
      }
    }
  }

  /** Counted always; logged at most once per interval per place, so a broken sink cannot flood the log. */
  private _internalError(error: unknown, where: string): void {
    try {
      this._internalErrors.inc({ where });
    } catch {
      // Nothing left to count with.
    }
    this._throttledWarn(
      `internal:${where}`,
      { err: error, where },
      'mcpulse internal error (the server is unaffected)',
    );
  }

  private _throttledWarn(key: string, fields: Record<string, unknown>, message: string): void {
    try {
      const now = Date.now();
      const last = this._lastWarnAt.get(key);
      if (last !== undefined && now - last < INTERNAL_LOG_INTERVAL_MS) return;
      if (this._lastWarnAt.size < 100) this._lastWarnAt.set(key, now);
      this.logger.warn(fields, message);
    } catch {
      // Nothing left to report to.
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'an object';
}

function validateObserveOptions(options: ObserveTransportOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw badOption(`mcpulse: observe options must be an object, got ${typeof options}`);
  }
  const nt = options.networkTransport;
  if (nt !== undefined && nt !== 'pipe' && nt !== 'tcp') {
    throw badOption(`mcpulse: networkTransport must be "pipe" or "tcp", got ${JSON.stringify(nt)}`);
  }
}

/** Creates the mcpulse instance for this process. */
export function createMcpulse(options?: McpulseOptions): Mcpulse {
  return new Mcpulse(options);
}
