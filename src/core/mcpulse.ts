/**
 * The mcpulse instance, one per process: the composition root. It builds the parts from the options
 * and wires them together; each part owns its own state (the pipeline, the sinks, the providers,
 * health, logging, monitoring routes, the store, alerting). Longer than most files: it is also the public
 * surface of an instance, each method a documented delegation to the part that does the work.
 */
import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';
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
import { createPrometheusApi } from '../http/prometheus-api.js';
import { registerDefaultChecks } from '../health/defaults.js';
import { Drain } from '../health/drain.js';
import { HEALTH_JSON_CONTENT_TYPE, HealthRegistry } from '../health/registry.js';
import { healthResponse } from '../health/response.js';
import { attachFastMcpObserver, isFastMcp } from '../instrument/fastmcp.js';
import { ListenerSink, OperationPipeline } from '../instrument/pipeline.js';
import type { OperationRecord } from '../instrument/record.js';
import { attachServerObserver } from '../instrument/server.js';
import {
  attachTransportObserver,
  type ObserveTransportOptions,
  type TransportLike,
} from '../instrument/transport.js';
import {
  idleContext,
  RequestContextProvider,
  setFallbackLogger,
  setOtelContextLookup,
  type OperationContext,
  type RequestContext,
} from '../logging/context.js';
import { ProcessLogging } from '../logging/setup.js';
import { registerHostMetrics, type HostMetrics } from '../metrics/host.js';
import { LabelGuard } from '../metrics/labels.js';
import { McpMetrics } from '../metrics/mcp.js';
import { SelfMetrics } from '../metrics/self.js';
import type { AlertTransition } from '../alerting/rule-status.js';
import { Alerting } from '../alerting/setup.js';
import { alertingParts, TransitionListeners } from './alerting-parts.js';
import { EmbeddedStore } from '../store/embedded.js';
import type { MatrixValue, QueryValue } from '../store/promql/value.js';
import { TracingProvider } from '../tracing/provider.js';
import { loadOtelApi, McpTracer } from '../tracing/spans.js';
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
  private readonly _pipeline: OperationPipeline;
  private readonly _logging: ProcessLogging;
  private readonly _self: SelfMetrics;
  private readonly _guard: LabelGuard;
  private readonly _drain = new Drain();
  private readonly _listeners: ListenerSink;
  private readonly _requestContext: RequestContextProvider;
  private readonly _servers = new Set<MonitoringServer>();
  private readonly _hostMetrics: HostMetrics | undefined;
  private readonly _store: EmbeddedStore | undefined;
  private readonly _alerting: Alerting | undefined;
  private readonly _alertListeners: TransitionListeners;
  /** Puts back the process-wide state this instance installed (fallback logger, OTel lookup). */
  private readonly _restoreGlobals: (() => void)[] = [];
  private _shutdown: Promise<void> | undefined;

  constructor(options?: McpulseOptions) {
    const o = resolveOptions(options, process.env);
    this._options = o;
    this.registry = o.registry;
    this._self = new SelfMetrics(this.registry);
    this._logging = new ProcessLogging({
      ...o,
      registry: this.registry,
      onError: (error) => this._internalError(error, 'log-destination'),
      onDrop: (lines) => this._self.logLinesDropped(lines),
    });
    this.logger = this._logging.logger;
    this._guard = new LabelGuard({ tools: o.tools, prompts: o.prompts, maxClients: o.maxClientNames });

    const idPrefix = randomBytes(4).toString('hex');
    let sequence = 0;
    const guard = this._guard;
    const internalError = (error: unknown, where: string) => this._internalError(error, where);
    this._alertListeners = new TransitionListeners(internalError);
    this._pipeline = new OperationPipeline({
      maxInflightPerTransport: o.maxInflightPerTransport,
      capturePayloads: o.logPayloadBytes !== undefined || o.traceContentBytes !== undefined,
      defaultClientLogLevel: o.clientLogLevel,
      clientLogRate: o.clientLogRate,
      nextRequestId: () => `${idPrefix}-${(++sequence).toString(36)}`,
      accepting: () => this._drain.accepting,
      toolsListed: (names) => names.forEach((name) => guard.allowTool(name)),
      promptsListed: (names) => names.forEach((name) => guard.allowPrompt(name)),
      dropped: (kind, reason) => this._self.clientNotificationDropped(kind, reason),
      internalError,
    });

    const tracing = o.tracing ? this._tracing(o.traceContentBytes) : undefined;
    this._listeners = new ListenerSink(internalError);
    for (const sink of [
      this._drain,
      new McpMetrics(this.registry, guard, tracing !== undefined),
      this._logging.operationLog,
      this._listeners,
    ])
      this._pipeline.addSink(sink);
    this._requestContext = new RequestContextProvider({
      mode: o.context,
      logger: this.logger,
      ...(tracing !== undefined && {
        spanOf: (scope) => tracing.spanOf(scope),
        carry: (traceContext, context) => tracing.carry(traceContext, context),
      }),
    });
    if (tracing !== undefined) {
      this._pipeline.addProvider(tracing);
      this._restoreGlobals.push(
        setOtelContextLookup(() => tracing.carriedRequestContext() as OperationContext | undefined),
      );
    }
    // Without anything to carry it at dispatch, the request context is made on first use only.
    if (tracing !== undefined || o.context === 'async') this._pipeline.addProvider(this._requestContext);

    if (o.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which promtool rejects (only counters end in _total);
      // the per-type `nodejs_active_handles` / `nodejs_active_requests` / `nodejs_active_resources` stay.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
    if (o.hostMetrics) this._hostMetrics = registerHostMetrics(this.registry, o.hostMetrics);
    if (o.store) {
      this._store = new EmbeddedStore(this.registry, o.store, internalError);
      this._store.start();
      void this._store.loaded.then((result) => {
        if (result.status === 'loaded') {
          this.logger.info(
            { series: result.series, file: o.store && o.store.snapshotFile },
            'mcpulse store snapshot loaded',
          );
        }
      });
      if (o.alerting) {
        const at = o.monitoring || { host: '127.0.0.1', port: 9464 };
        this._alerting = new Alerting(
          o.alerting,
          alertingParts({
            registry: this.registry,
            listeners: this._alertListeners,
            store: this._store,
            externalUrl: `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`,
            logger: this.logger,
            warnings: this._logging.warnings,
            onError: internalError,
          }),
        );
        this._alerting.start();
      }
    }

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
    if (o.defaultHealthChecks) registerDefaultChecks(this.health);
    this.routes = createMonitoringRoutes({
      registry: this.registry,
      isReady: async () => {
        if (!this._drain.accepting) return { ready: false, failing: ['shutting down'] };
        return this.health.readiness();
      },
      health: (authorization) => this._healthResponse(authorization),
      onError: (error, where) => this._internalError(error, `http:${where}`),
      ...(this._store !== undefined && {
        api: createPrometheusApi(this._store, o.version, this._alerting?.manager),
      }),
    });
    if (o.handleSignals) handleSignals(this);
    this._restoreGlobals.push(setFallbackLogger(this.logger));
    this.monitoring = o.monitoring
      ? this.startMonitoringServer(o.monitoring).catch((error: unknown) => {
          this._internalError(error, 'monitoring-listen');
          return undefined;
        })
      : Promise.resolve(undefined);
  }

  /** The tracing provider, when `@opentelemetry/api` is installed. */
  private _tracing(contentBytes: number | undefined): TracingProvider | undefined {
    const api = loadOtelApi();
    if (api === undefined) return undefined;
    const guard = this._guard;
    return new TracingProvider(api, new McpTracer(api, contentBytes), {
      tool: (name) => guard.tool(name),
      prompt: (name) => guard.prompt(name),
    });
  }

  /**
   * Observes an MCP server: SDK v1 or v2, `McpServer` or low-level `Server`. Call it before or after
   * `connect`; calling it twice is harmless. Returns the same server, so it fits inside a v2 factory:
   * `createMcpHandler(() => pulse.observe(buildServer()))`.
   */
  observe<S>(server: S, options?: ObserveTransportOptions): S {
    validateObserveOptions(options);
    // punkpeye's fastmcp: one low-level SDK Server per session, observed as each session connects.
    if (
      isFastMcp(server) &&
      attachFastMcpObserver((session) => this.observe(session, options), server, {
        toolsListed: (names) => this._pipeline.settings.toolsListed(names),
        promptsListed: (names) => this._pipeline.settings.promptsListed(names),
        observeTransport: (transport) => this.observeTransport(transport, options),
        onError: (error, where) => this._internalError(error, where),
      })
    ) {
      return server;
    }
    if (!attachServerObserver(this._pipeline, server, options)) {
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
    if (!attachServerObserver(this._pipeline, client, options, 'client')) {
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
    attachTransportObserver(this._pipeline, transport as unknown as TransportLike, options);
    return transport;
  }

  /**
   * The request context of a handler, from the `extra` argument every SDK handler receives (SDK v1's
   * `extra`, SDK v2's `ctx`, fastmcp's `context`): a logger bound to the request, logging to the MCP
   * client, progress, and the span. Free for servers that never call it: no AsyncLocalStorage.
   *
   * @example
   * server.registerTool('geocode', schema, async ({ city }, extra) => {
   *   const { log, progress } = pulse.context(extra);
   *   log.info({ city }, 'geocoding');
   *   await progress(1, 3, 'geocoding');
   * });
   */
  context(extra: unknown): RequestContext {
    if (!extra || typeof extra !== 'object') return idleContext();
    const e = extra as { requestId?: unknown; sessionId?: unknown; mcpReq?: { id?: unknown } };
    const sessionId = typeof e.sessionId === 'string' ? e.sessionId : undefined;
    // fastmcp's context has no JSON-RPC id (its `requestId` is a client-sent `_meta` value).
    const id = e.mcpReq !== undefined ? e.mcpReq.id : isFastMcpContext(extra) ? undefined : e.requestId;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return idleContext();
    const found = this._pipeline.find(id, sessionId);
    return found === undefined ? idleContext() : this._requestContext.contextOf(found);
  }

  /** Subscribes to completed operation records. Returns the unsubscribe function. */
  onOperation(listener: OperationListener): () => void {
    return this._listeners.add(listener);
  }

  /**
   * Calls `listener` with each evaluation's alert state changes (pending, firing, resolved, inactive),
   * oldest first; returns a function that removes it. A listener that throws is counted, never rethrown.
   */
  onAlertTransitions(listener: (transitions: readonly AlertTransition[]) => void): () => void {
    return this._alertListeners.add(listener);
  }

  /**
   * A PromQL instant query over the embedded store at `at` (default now), as Prometheus's
   * `/api/v1/query` answers it. Throws a QueryError (`MCPULSE_QUERY_INVALID`, `errorType: 'bad_data'`)
   * for a query that cannot run; `MCPULSE_ARGUMENT_INVALID` when the store is off (`store: false`).
   */
  query(expr: string, at?: Date | number): QueryValue {
    return this._storeOrThrow('query').query(expr, at);
  }

  /** A PromQL range query from `start` to `end` every `step` (ms, or a duration such as '60s'), as `/api/v1/query_range`. */
  queryRange(expr: string, start: Date | number, end: Date | number, step: number | string): MatrixValue {
    return this._storeOrThrow('queryRange').queryRange(expr, start, end, step);
  }

  /**
   * A sampling pass of the registry into the store now, besides the timer's, stamped `timestampMs`
   * (default now); resolves to the samples stored and never rejects.
   */
  sampleStore(timestampMs?: number): Promise<number> {
    return this._storeOrThrow('sampleStore').sampleNow(timestampMs);
  }

  private _storeOrThrow(method: string): EmbeddedStore {
    if (this._store === undefined)
      throw badArgument(`pulse.${method}() needs the embedded store, and it is off (store: false)`);
    return this._store;
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
   * monitoring servers close, sinks flush and logs are written out. Process-wide state this instance
   * installed is put back. With `handleSignals: true`, SIGTERM and SIGINT run it, then end the process.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= (async () => {
      const inflight = this._drain.inflight;
      if (inflight > 0) {
        this.logger.info({ in_flight: inflight }, 'mcpulse shutting down: draining requests in flight');
      }
      await this._drain.drain(this._options.drainTimeoutMs);
      if (this._drain.inflight > 0) {
        this.logger.warn({ in_flight: this._drain.inflight }, 'mcpulse shutting down: drain timed out');
      }
      this.health.stop();
      this._hostMetrics?.stop();
      // Rules stop before the store's last pass, so its snapshot holds their last results.
      await this._alerting?.shutdown();
      await this._store?.shutdown();
      releaseSignals(this);
      await this.monitoring;
      await Promise.allSettled([...this._servers].map((server) => server.close()));
      await this._pipeline.flush();
      await this._pipeline.shutdown();
      await this._logging.close().catch((error: unknown) => this._internalError(error, 'log-close'));
      for (const restore of this._restoreGlobals.splice(0)) restore();
    })();
    return this._shutdown;
  }

  private async _healthResponse(
    authorization: string | undefined,
  ): Promise<{ status: number; body: string }> {
    return healthResponse({
      report: await this.health.run(),
      authorization,
      token: this._options.healthToken,
      hideDetails: this._options.healthHideDetails,
      version: this._options.version,
      service: this._options.service,
      ready: this._drain.accepting,
    });
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

  /** Counted always; logged at most once per interval per place, so a broken part cannot flood the log. */
  private _internalError(error: unknown, where: string): void {
    this._self.internalError(where);
    this._logging.warnings.warn(
      `internal:${where}`,
      { err: error, where },
      'mcpulse internal error (the server is unaffected)',
    );
  }
}

/** fastmcp's tool context: it reports progress itself and carries no JSON-RPC id. */
function isFastMcpContext(extra: object): boolean {
  return typeof (extra as { reportProgress?: unknown }).reportProgress === 'function';
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
