/**
 * `mcpulse/otel`: a ready OpenTelemetry trace pipeline for an MCP server, exporting OTLP over
 * HTTP/protobuf. This module and bounded-export.ts, which only it imports, are the only ones of mcpulse
 * that import the OpenTelemetry SDK; the core only talks to `@opentelemetry/api` (src/tracing/spans.ts)
 * and never imports this file.
 *
 * What it sets up, and what it leaves to the SDK:
 * - a `NodeTracerProvider`, registered globally with the AsyncLocalStorage context manager and the
 *   W3C trace-context + baggage propagators (`provider.register()`);
 * - the sampler is the SDK's own reading of `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`
 *   (default `parentbased_always_on`), and the span limits its reading of `OTEL_SPAN_*_LIMIT`;
 * - the resource: the SDK defaults (`telemetry.sdk.*`), then `OTEL_RESOURCE_ATTRIBUTES` and
 *   `OTEL_SERVICE_NAME` (the SDK's env detector), then `serviceName` / `serviceVersion`; `service.name`
 *   is `mcp-server` when none of them names it;
 * - the exporter: the OTLP http/protobuf exporter, which still reads its headers, timeout,
 *   compression and certificates from `OTEL_EXPORTER_OTLP_[TRACES_]*`; only its URL is resolved here;
 * - a `BatchSpanProcessor` (batch size, delay and export timeout from `OTEL_BSP_*`), with its queue
 *   bounded by `maxQueueSize`.
 *
 * A tracer provider the application registered itself is left alone: nothing is created, registered
 * or changed, and `installed` is false.
 *
 * Exporter trouble never reaches a request: spans are queued in memory up to `maxQueueSize` and
 * dropped past it; an export that fails (collector down, refused, timed out) or throws is counted and
 * swallowed; `forceFlush()` and `shutdown()` never reject. The bounded queue and the counting live in
 * bounded-export.ts, which says how drops are counted, exactly.
 */
import { context, diag, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Registry } from 'prom-client';
import { z } from 'zod';

import {
  httpUrlSchema,
  integerSchema,
  McpulseOptionError,
  must,
  parseOptions,
  textSchema,
} from '../core/errors.js';
import {
  CountingBatchProcessor,
  CountingExporter,
  Counts,
  promClient,
  type TracingStats,
} from './bounded-export.js';

export {
  METRIC_TRACING_SPANS_DROPPED,
  METRIC_TRACING_SPANS_EXPORTED,
  type TracingStats,
} from './bounded-export.js';

export interface TracingSetupOptions {
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `mcp-server`. */
  serviceName?: string;
  /** `service.version`; default: none (or the one in `OTEL_RESOURCE_ATTRIBUTES`). */
  serviceVersion?: string;
  /**
   * The OTLP/HTTP traces URL. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  endpoint?: string;
  /** Spans held in memory waiting for export, 1 to 100000; default `OTEL_BSP_MAX_QUEUE_SIZE`, else 2048. */
  maxQueueSize?: number;
  /**
   * When given, the pipeline's own counters are registered in it:
   * `mcpulse_tracing_spans_exported_total` and
   * `mcpulse_tracing_spans_dropped_total{reason="queue_full"|"export_failed"}`.
   */
  registry?: Registry;
  /** Replaces the OTLP exporter (tests: an `InMemorySpanExporter`). Exclusive with `endpoint`. */
  exporter?: SpanExporter;
}

export interface TracingSetup {
  /**
   * False when a tracer provider was already registered by the user (it was left alone), or when
   * `OTEL_SDK_DISABLED=true`: nothing was created or registered.
   */
  installed: boolean;
  provider?: NodeTracerProvider;
  /** The OTLP traces URL in use; undefined with a custom exporter or when not installed. */
  endpoint?: string;
  /** Exports what is queued and waits for every export in flight. Never rejects. */
  forceFlush(): Promise<void>;
  /**
   * Flushes, shuts the provider and exporter down and, if this provider is still the global one,
   * unregisters the global tracer provider, context manager and propagator it installed. Idempotent;
   * never rejects.
   */
  shutdown(): Promise<void>;
  stats(): TracingStats;
}

const DEFAULT_SERVICE_NAME = 'mcp-server';
const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces';
const DEFAULT_MAX_QUEUE_SIZE = 2048;
const MAX_QUEUE_SIZE = 100_000;
const DEFAULT_EXPORT_TIMEOUT_MS = 30_000;
const MAX_EXPORT_TIMEOUT_MS = 3_600_000;
/** What a fresh ProxyTracerProvider delegates to: the API's no-op provider (not exported by the API). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** An `OTEL_*` variable; empty means unset, as the OTel specification says. */
function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  return parseOptions(integerSchema(min, max), value, { name });
}

function isExporter(value: unknown): value is SpanExporter {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'export' | 'shutdown', unknown>>;
  return typeof candidate.export === 'function' && typeof candidate.shutdown === 'function';
}

const tracingSetupSchema = z.strictObject(
  {
    serviceName: textSchema().optional(),
    serviceVersion: textSchema().optional(),
    endpoint: httpUrlSchema().optional(),
    maxQueueSize: integerSchema(1, MAX_QUEUE_SIZE).optional(),
    registry: z
      .custom<Registry>((value) => value instanceof promClient().Registry, must('a prom-client Registry'))
      .optional(),
    exporter: z
      .custom<SpanExporter>(isExporter, must('a SpanExporter (with export and shutdown methods)'))
      .optional(),
  } satisfies Record<keyof TracingSetupOptions, z.ZodType>,
  must('an object'),
);

function httpUrl(name: string, value: string): string {
  return parseOptions(httpUrlSchema(), value, { name });
}

function resolveEndpoint(env: NodeJS.ProcessEnv): string {
  const traces = envString(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces !== undefined) return httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = envString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base !== undefined) {
    httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base);
    return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
  }
  return DEFAULT_ENDPOINT;
}

/** True when someone registered a global tracer provider (through this or another copy of the API). */
function userProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  // Another, compatible copy of @opentelemetry/api registered its own proxy: a provider is set.
  if (!(provider instanceof ProxyTracerProvider)) return true;
  return provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

function notInstalled(): TracingSetup {
  return {
    installed: false,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    stats: () => ({
      ended: 0,
      queued: 0,
      exporting: 0,
      exported: 0,
      dropped: { queue_full: 0, export_failed: 0 },
    }),
  };
}

function isGlobal(provider: NodeTracerProvider): boolean {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider && global.getDelegate() === provider;
}

export function setupTracing(options?: TracingSetupOptions): TracingSetup {
  options = parseOptions(tracingSetupSchema, options === undefined ? {} : options, {
    name: 'tracing options',
    unknownKey: 'tracing option',
  });
  const env = process.env;
  const { serviceName, serviceVersion } = options;
  if (options.exporter !== undefined && options.endpoint !== undefined) {
    throw new McpulseOptionError(
      'mcpulse: endpoint and exporter cannot both be set: the endpoint is the OTLP exporter’s',
    );
  }
  const endpoint = options.exporter !== undefined ? undefined : (options.endpoint ?? resolveEndpoint(env));
  const maxQueueSize =
    options.maxQueueSize ??
    envInteger(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 1, MAX_QUEUE_SIZE) ??
    DEFAULT_MAX_QUEUE_SIZE;
  const exportTimeoutMillis =
    envInteger(env, 'OTEL_BSP_EXPORT_TIMEOUT', 1, MAX_EXPORT_TIMEOUT_MS) ?? DEFAULT_EXPORT_TIMEOUT_MS;

  // OTEL_SDK_DISABLED=true turns the SDK off (a no-op API everywhere), as the OTel specification says.
  if (envString(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return notInstalled();
  if (userProviderRegistered()) return notInstalled();

  const counts = new Counts(options.registry);
  const inner = options.exporter ?? new OTLPTraceExporter({ url: endpoint });
  const exporter = new CountingExporter(inner, counts, exportTimeoutMillis);
  const processor = new CountingBatchProcessor(exporter, counts, maxQueueSize, exportTimeoutMillis);

  const own: Record<string, string> = {};
  if (serviceName !== undefined) own[ATTR_SERVICE_NAME] = serviceName;
  if (serviceVersion !== undefined) own[ATTR_SERVICE_VERSION] = serviceVersion;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(own));

  // The sampler and span limits are left to the SDK, which reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_SPAN_*.
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  if (!isGlobal(provider)) {
    // Another, incompatible copy of @opentelemetry/api holds the global slot: nothing was registered.
    void provider.shutdown().catch(() => undefined);
    return notInstalled();
  }

  let shutdown: Promise<void> | undefined;
  return {
    installed: true,
    provider,
    ...(endpoint !== undefined ? { endpoint } : {}),
    forceFlush: () => processor.forceFlush(),
    shutdown() {
      shutdown ??= (async () => {
        try {
          await provider.shutdown();
        } catch (error) {
          diag.debug('mcpulse: tracing shutdown failed', error);
        }
        await processor.shutdown();
        if (isGlobal(provider)) {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })();
      return shutdown;
    },
    stats: () => counts.snapshot(),
  };
}
