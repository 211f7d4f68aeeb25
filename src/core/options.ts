/**
 * Options of `createMcpulse`, validated up front: a bad value fails at startup with a message naming
 * it, never later on the request path.
 */
import type { Logger } from 'pino';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import type { z } from 'zod';

import type { McpLogLevel } from '../logging/context.js';
import { validateLogFileOptions, type LogFileOptions } from '../logging/outputs.js';
import { validateSampling, type SamplingOptions } from '../logging/sampling.js';
import type { HostMetricsOptions } from '../metrics/host.js';
import type { AlertingOptions } from '../alerting/setup.js';
import type { StoreOptions } from '../store/embedded.js';
import type { LOG_LEVELS } from '../logging/logger.js';
import { issueLines, issuesError, McpulseOptionError } from './errors.js';
import {
  DEFAULT_CONTENT_BYTES,
  healthTokenSchema,
  logLevelSchema,
  mcpulseOptionsSchema,
  OPTION_DEFAULTS,
  type LOG_LEVEL_NAMES,
} from './options-schema.js';

/** Kept here too: it was first exported from this module. */
export { McpulseOptionError } from './errors.js';

export interface MonitoringOptions {
  /** Default 9464 (the port Prometheus exporters conventionally use for OpenTelemetry); 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`: monitoring is not exposed beyond the machine unless asked. */
  host?: string;
}

export interface McpulseOptions {
  /** Service name on every log line (default `mcp-server`). */
  service?: string;
  /** Service version on every log line (default `0.0.0`). */
  version?: string;
  /** Deployment environment on every log line (default `NODE_ENV`, else `development`). */
  env?: string;
  /** Registry for all metrics; default a private one (never prom-client's global registry). */
  registry?: Registry;
  /** prom-client's process metrics (CPU, memory, event loop, GC, fds). Default true. */
  processMetrics?: boolean;
  /** Host metrics (CPU, memory, disk, load, network, fds), sampled off the request path. Default true. */
  hostMetrics?: boolean | HostMetricsOptions;
  /**
   * The embedded time-series store: the registry sampled every `intervalMs` (default 15 s) and kept for
   * `retentionMs` (default 24 h), queried with PromQL (`pulse.query`, `/api/v1/query`). Default true.
   */
  store?: boolean | StoreOptions;
  /**
   * Alert rules evaluated over the store (the built-in group, rule files, `defineRules` objects) and
   * their notification (an Alertmanager configuration, or real Alertmanagers). Default true while the
   * store is on: the built-in rules, shown at `/api/v1/alerts` and logged, sent nowhere.
   */
  alerting?: boolean | AlertingOptions;
  /** A pino logger to use instead of the one mcpulse builds. */
  logger?: Logger;
  /** Log level (default `LOG_LEVEL`, else `info`); `silent` turns the operation log off. */
  logLevel?: (typeof LOG_LEVELS)[number] | 'silent';
  /** Where logs go: a file descriptor (default 2, stderr; never 1 under stdio), a file path, or a pino stream. */
  logDestination?: number | string | DestinationStream;
  /** Start the monitoring endpoint (`/metrics`, `/livez`, `/readyz`); `false` to mount the routes yourself. */
  monitoring?: MonitoringOptions | false;
  /** Tool names always allowed as metric labels (registered tools are allowed automatically). */
  tools?: readonly string[];
  /** Prompt names always allowed as metric labels. */
  prompts?: readonly string[];
  /** Most distinct client names kept as label values (default 50); the rest are `_OTHER`. */
  maxClientNames?: number;
  /** Most requests tracked in flight on one transport (default 10000); beyond it they are not recorded. */
  maxInflightPerTransport?: number;
  /**
   * How handlers reach their request context. Default: explicitly, `pulse.context(extra)` with the
   * handler's `extra`, at no cost to anyone else. `'async'` (or `true`) also makes `requestContext()`
   * work anywhere below a handler, through AsyncLocalStorage, which costs every promise of the process a
   * little on Node 20. Where tracing registered a context manager, `requestContext()` works anyway.
   */
  context?: boolean | 'async';
  /**
   * Level of MCP client logging for a 2025-era session that never sent `logging/setLevel` (the spec lets
   * the server decide); default `info`, `'off'` sends nothing until the client asks. 2026-07-28 requests
   * always follow their own `_meta` level.
   */
  clientLogLevel?: McpLogLevel | 'off';
  /** Most client log messages per second on one connection (burst: twice as many); default 20. */
  clientLogRate?: number;
  /** Log files, rotated by size and by day, written by a worker thread: every level to `path`, errors also to `errorPath`. */
  logFile?: LogFileOptions;
  /** Human-readable stderr (needs the optional package pino-pretty); default `LOG_PRETTY=1`, else false. */
  logPretty?: boolean;
  /** JSON lines on stderr besides any log files; default true. */
  logStderr?: boolean;
  /** Log only a fraction of successful operations (failures are always logged); skipped lines are counted. */
  logSampling?: SamplingOptions;
  /**
   * Log tool and prompt arguments and results (redacted, cut to `maxBytes`, default 2048). Off by default:
   * they may hold personal data.
   */
  logPayloads?: boolean | { maxBytes?: number };
  /** Run `shutdown()` on SIGTERM and SIGINT, then let the signal end the process; default false. */
  handleSignals?: boolean;
  /** How long `shutdown()` waits for requests in flight (default 10000 ms). */
  drainTimeoutMs?: number;
  /** Built-in non-critical checks (event loop delay, heap): default true. */
  defaultHealthChecks?: boolean;
  /** Hide check messages and observed values on `/health` from callers without `Authorization: Bearer <healthToken>`. */
  healthHideDetails?: boolean;
  /** The token that reveals hidden health details; default `MCPULSE_HEALTH_TOKEN`. Never logged. */
  healthToken?: string;
  /**
   * OpenTelemetry spans per operation (through `@opentelemetry/api`, a no-op until a tracer provider is
   * registered, e.g. by `mcpulse/otel`); default true. `captureContent` records tool arguments and results
   * (redacted, up to `maxBytes`, default 2048) as `gen_ai.tool.call.arguments` / `.result`: off by default.
   */
  tracing?: boolean | { captureContent?: boolean | { maxBytes?: number } };
}

export interface ResolvedOptions {
  service: string;
  version: string;
  env: string;
  registry: Registry;
  processMetrics: boolean;
  hostMetrics: HostMetricsOptions | false;
  store: StoreOptions | false;
  alerting: AlertingOptions | false;
  logger: Logger | undefined;
  logLevel: string;
  logDestination: number | string | DestinationStream;
  monitoring: Required<MonitoringOptions> | false;
  tools: readonly string[];
  prompts: readonly string[];
  maxClientNames: number;
  maxInflightPerTransport: number;
  context: 'explicit' | 'async';
  clientLogLevel: McpLogLevel | undefined;
  clientLogRate: number;
  logFile: LogFileOptions | undefined;
  logPretty: boolean;
  logStderr: boolean;
  logSampling: SamplingOptions | undefined;
  /** Byte cap of logged payloads; undefined when payloads are not logged. */
  logPayloadBytes: number | undefined;
  handleSignals: boolean;
  drainTimeoutMs: number;
  defaultHealthChecks: boolean;
  healthHideDetails: boolean;
  healthToken: string | undefined;
  tracing: boolean;
  /** Byte cap of span content capture; undefined when content is not captured. */
  traceContentBytes: number | undefined;
}

/** Throws the option error every mcpulse module uses, prefixed `mcpulse: `. */
function fail(message: string): never {
  throw new McpulseOptionError(`mcpulse: ${message}`);
}

/** The message lines of an environment variable that stands in for an option, checked like it. */
function envLines(schema: z.ZodType, value: string | undefined, name: string): string[] {
  if (value === undefined) return [];
  const result = schema.safeParse(value);
  return result.success ? [] : issueLines(result.error.issues, schema, value, { name });
}

/** Alerting reads the store: on by default with it, and an error to ask for without it. */
function resolveAlerting(
  alerting: McpulseOptions['alerting'],
  store: McpulseOptions['store'],
): AlertingOptions | false {
  if (alerting === false) return false;
  if (store === false) {
    if (alerting === undefined) return false;
    fail('alerting needs the embedded store, and store is false; leave alerting out or set store');
  }
  return alerting === true || alerting === undefined ? {} : alerting;
}

export function resolveOptions(options: McpulseOptions | undefined, env: NodeJS.ProcessEnv): ResolvedOptions {
  const input: unknown = options === undefined ? {} : options;
  const parsed = mcpulseOptionsSchema.safeParse(input);
  const lines = parsed.success
    ? []
    : issueLines(parsed.error.issues, mcpulseOptionsSchema, input, { name: 'options' });
  const given: Partial<Record<string, unknown>> = typeof input === 'object' && input !== null ? input : {};
  if (given.logLevel === undefined) lines.push(...envLines(logLevelSchema, env.LOG_LEVEL, 'LOG_LEVEL'));
  if (given.healthToken === undefined) {
    lines.push(...envLines(healthTokenSchema, env.MCPULSE_HEALTH_TOKEN, 'MCPULSE_HEALTH_TOKEN'));
  }
  if (!parsed.success || lines.length > 0) throw issuesError(lines);
  const o = parsed.data;
  const d = OPTION_DEFAULTS;

  const logFile = o.logFile === undefined ? undefined : validateLogFileOptions(o.logFile);
  const logPretty = o.logPretty ?? (env.LOG_PRETTY === '1' || d.logPretty);
  if ((logFile !== undefined || logPretty) && o.logDestination !== undefined) {
    fail('logDestination cannot be combined with logFile or logPretty; use logStderr to turn stderr off');
  }
  const payloads = o.logPayloads ?? d.logPayloads;
  const tracing = o.tracing ?? d.tracing;
  const capture = typeof tracing === 'object' ? tracing.captureContent : undefined;
  const healthToken = o.healthToken ?? env.MCPULSE_HEALTH_TOKEN;
  return {
    tracing: tracing !== false,
    traceContentBytes: contentBytes(capture),
    handleSignals: o.handleSignals ?? d.handleSignals,
    drainTimeoutMs: o.drainTimeoutMs ?? d.drainTimeoutMs,
    defaultHealthChecks: o.defaultHealthChecks ?? d.defaultHealthChecks,
    healthHideDetails: o.healthHideDetails ?? d.healthHideDetails,
    healthToken: healthToken || undefined,
    logFile,
    logPretty,
    logStderr: o.logStderr ?? d.logStderr,
    logSampling: o.logSampling === undefined ? undefined : validateSampling(o.logSampling),
    logPayloadBytes: contentBytes(payloads),
    context: o.context === true || o.context === 'async' ? 'async' : 'explicit',
    clientLogLevel: o.clientLogLevel === 'off' ? undefined : (o.clientLogLevel ?? d.clientLogLevel),
    clientLogRate: o.clientLogRate ?? d.clientLogRate,
    service: o.service ?? d.service,
    version: o.version ?? d.version,
    env: o.env ?? (env.NODE_ENV || d.env),
    registry: o.registry ?? new Registry(),
    processMetrics: o.processMetrics ?? d.processMetrics,
    hostMetrics:
      o.hostMetrics === false
        ? false
        : o.hostMetrics === true || o.hostMetrics === undefined
          ? {}
          : o.hostMetrics,
    store: o.store === false ? false : o.store === true || o.store === undefined ? {} : o.store,
    alerting: resolveAlerting(o.alerting, o.store),
    logger: o.logger,
    logLevel: o.logLevel ?? (env.LOG_LEVEL as (typeof LOG_LEVEL_NAMES)[number] | undefined) ?? d.logLevel,
    logDestination: o.logDestination ?? d.logDestination,
    monitoring:
      o.monitoring === false
        ? false
        : { port: o.monitoring?.port ?? d.monitoring.port, host: o.monitoring?.host ?? d.monitoring.host },
    tools: o.tools ?? d.tools,
    prompts: o.prompts ?? d.prompts,
    maxClientNames: o.maxClientNames ?? d.maxClientNames,
    maxInflightPerTransport: o.maxInflightPerTransport ?? d.maxInflightPerTransport,
  };
}

/** The byte cap of `true` / `{ maxBytes }` content (logged payloads, captured span content); undefined when off. */
function contentBytes(option: boolean | { maxBytes?: number | undefined } | undefined): number | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? DEFAULT_CONTENT_BYTES : (option.maxBytes ?? DEFAULT_CONTENT_BYTES);
}
