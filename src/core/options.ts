/**
 * Options of `createMcpulse`, validated up front: a bad value fails at startup with a message naming
 * it, never later on the request path.
 */
import type { Logger } from 'pino';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';

import { isMcpLogLevel, MCP_LOG_LEVELS, type McpLogLevel } from '../logging/context.js';
import { validateLogFileOptions, type LogFileOptions } from '../logging/outputs.js';
import { validateSampling, type SamplingOptions } from '../logging/sampling.js';
import type { HostMetricsOptions } from '../metrics/host.js';
import type { LOG_LEVELS } from '../logging/logger.js';

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

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class McpulseOptionError extends TypeError {
  readonly code = 'MCPULSE_INVALID_OPTION';
}

/** Throws the option error every mcpulse module uses, prefixed `mcpulse: `. */
export function fail(message: string): never {
  throw new McpulseOptionError(`mcpulse: ${message}`);
}

/** A value as an option error shows it: strings quoted, objects and arrays named, not dumped. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function text(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    fail(`${name} must be a non-empty string of at most 256 characters, got ${show(value)}`);
  }
  return value;
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

function names(name: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    fail(`${name} must be an array of strings, got ${show(value)}`);
  }
  return value as string[];
}

const KNOWN_KEYS = new Set([
  'service',
  'version',
  'env',
  'registry',
  'processMetrics',
  'hostMetrics',
  'logger',
  'logLevel',
  'logDestination',
  'monitoring',
  'tools',
  'prompts',
  'maxClientNames',
  'maxInflightPerTransport',
  'context',
  'clientLogLevel',
  'clientLogRate',
  'logFile',
  'logPretty',
  'logStderr',
  'logSampling',
  'logPayloads',
  'handleSignals',
  'drainTimeoutMs',
  'defaultHealthChecks',
  'healthHideDetails',
  'healthToken',
  'tracing',
]);

export function resolveOptions(options: McpulseOptions | undefined, env: NodeJS.ProcessEnv): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(`options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option ${JSON.stringify(key)}`);
  }
  if (options.registry !== undefined && !(options.registry instanceof Registry)) {
    fail(`registry must be a prom-client Registry, got ${show(options.registry)}`);
  }
  const level = options.logLevel ?? env.LOG_LEVEL ?? 'info';
  if (!LEVELS.has(level)) {
    fail(
      `${options.logLevel === undefined ? 'LOG_LEVEL' : 'logLevel'} must be one of ${[...LEVELS].join(', ')}, got ${show(level)}`,
    );
  }
  const destination = options.logDestination ?? 2;
  if (destination === 1) {
    fail('logDestination 1 (stdout) would corrupt the stdio transport; use 2 (stderr) or a file');
  }
  if (
    !(typeof destination === 'number' && Number.isInteger(destination) && destination >= 0) &&
    !(typeof destination === 'string' && destination.length > 0) &&
    !(typeof destination === 'object' && destination !== null && typeof destination.write === 'function')
  ) {
    fail(`logDestination must be a file descriptor, a file path or a stream, got ${show(destination)}`);
  }
  let monitoring: ResolvedOptions['monitoring'] = false;
  if (options.monitoring !== false) {
    const m = options.monitoring ?? {};
    if (typeof m !== 'object' || m === null) fail(`monitoring must be an object or false, got ${show(m)}`);
    monitoring = {
      port: integer('monitoring.port', m.port, 9464, 0, 65535),
      host: text('monitoring.host', m.host, '127.0.0.1'),
    };
  }
  const host = options.hostMetrics ?? true;
  if (typeof host !== 'boolean' && (typeof host !== 'object' || host === null)) {
    fail(`hostMetrics must be a boolean or an object, got ${show(host)}`);
  }
  if (options.processMetrics !== undefined && typeof options.processMetrics !== 'boolean') {
    fail(`processMetrics must be a boolean, got ${show(options.processMetrics)}`);
  }
  if (options.logger !== undefined && typeof (options.logger as { info?: unknown }).info !== 'function') {
    fail(`logger must be a pino logger, got ${show(options.logger)}`);
  }
  if (options.context !== undefined && typeof options.context !== 'boolean' && options.context !== 'async') {
    fail(`context must be a boolean or "async", got ${show(options.context)}`);
  }
  const clientLogLevel = options.clientLogLevel ?? 'info';
  if (clientLogLevel !== 'off' && !isMcpLogLevel(clientLogLevel)) {
    fail(`clientLogLevel must be one of ${MCP_LOG_LEVELS.join(', ')} or off, got ${show(clientLogLevel)}`);
  }
  for (const name of ['logPretty', 'logStderr'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      fail(`${name} must be a boolean, got ${show(options[name])}`);
    }
  }
  const logFile = options.logFile === undefined ? undefined : validateLogFileOptions(options.logFile);
  const logPretty = options.logPretty ?? env.LOG_PRETTY === '1';
  if ((logFile !== undefined || logPretty) && options.logDestination !== undefined) {
    fail('logDestination cannot be combined with logFile or logPretty; use logStderr to turn stderr off');
  }
  let logPayloadBytes: number | undefined;
  const payloads = options.logPayloads;
  if (payloads === true) logPayloadBytes = 2048;
  else if (payloads !== undefined && payloads !== false) {
    if (typeof payloads !== 'object' || payloads === null) {
      fail(`logPayloads must be a boolean or { maxBytes }, got ${show(payloads)}`);
    }
    logPayloadBytes = integer('logPayloads.maxBytes', payloads.maxBytes, 2048, 16, 1_048_576);
  }
  for (const name of ['handleSignals', 'defaultHealthChecks', 'healthHideDetails'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      fail(`${name} must be a boolean, got ${show(options[name])}`);
    }
  }
  const healthToken = options.healthToken ?? env.MCPULSE_HEALTH_TOKEN;
  if (healthToken !== undefined && (typeof healthToken !== 'string' || healthToken.length < 8)) {
    // The value is a secret: the message says what is wrong, never what it is.
    fail('healthToken must be a string of at least 8 characters');
  }
  const tracing = options.tracing ?? true;
  let traceContentBytes: number | undefined;
  if (typeof tracing === 'object' && tracing !== null) {
    const capture = tracing.captureContent;
    if (capture === true) traceContentBytes = 2048;
    else if (typeof capture === 'object' && capture !== null) {
      traceContentBytes = integer('tracing.captureContent.maxBytes', capture.maxBytes, 2048, 16, 1_048_576);
    } else if (capture !== undefined && capture !== false) {
      fail(`tracing.captureContent must be a boolean or { maxBytes }, got ${show(capture)}`);
    }
  } else if (typeof tracing !== 'boolean') {
    fail(`tracing must be a boolean or an object, got ${show(tracing)}`);
  }
  return {
    tracing: tracing !== false,
    traceContentBytes,
    handleSignals: options.handleSignals ?? false,
    drainTimeoutMs: integer('drainTimeoutMs', options.drainTimeoutMs, 10_000, 0, 600_000),
    defaultHealthChecks: options.defaultHealthChecks ?? true,
    healthHideDetails: options.healthHideDetails ?? false,
    healthToken: healthToken || undefined,
    logFile,
    logPretty,
    logStderr: options.logStderr ?? true,
    logSampling: options.logSampling === undefined ? undefined : validateSampling(options.logSampling),
    logPayloadBytes,
    context: options.context === true || options.context === 'async' ? 'async' : 'explicit',
    clientLogLevel: clientLogLevel === 'off' ? undefined : clientLogLevel,
    clientLogRate: integer('clientLogRate', options.clientLogRate, 20, 1, 10_000),
    service: text('service', options.service, 'mcp-server'),
    version: text('version', options.version, '0.0.0'),
    env: text('env', options.env, env.NODE_ENV || 'development'),
    registry: options.registry ?? new Registry(),
    processMetrics: options.processMetrics ?? true,
    hostMetrics: host === true ? {} : host,
    logger: options.logger,
    logLevel: level,
    logDestination: destination,
    monitoring,
    tools: names('tools', options.tools),
    prompts: names('prompts', options.prompts),
    maxClientNames: integer('maxClientNames', options.maxClientNames, 50, 0, 10_000),
    maxInflightPerTransport: integer(
      'maxInflightPerTransport',
      options.maxInflightPerTransport,
      10_000,
      1,
      1_000_000,
    ),
  };
}
