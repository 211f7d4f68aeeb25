/**
 * `mcpulse/otel`: a ready OpenTelemetry trace pipeline for an MCP server, exporting OTLP over
 * HTTP/protobuf. This is the only module of mcpulse that imports the OpenTelemetry SDK; the core only
 * talks to `@opentelemetry/api` (src/tracing/spans.ts) and never imports this file.
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
 * swallowed; `forceFlush()` and `shutdown()` never reject.
 *
 * How drops are counted, exactly. `BatchSpanProcessor` drops a span silently when its queue is full
 * and offers no public hook for it, so it is wrapped in a span processor that keeps an exact mirror of
 * its queue length: +1 for each sampled span it forwards, −n when the batch processor hands a batch of
 * n spans to the exporter (seen by a wrapper around the exporter; the batch processor takes spans off
 * its queue and hands them over in the same synchronous step; it defers the handover only for a
 * resource with asynchronous attributes, which this resource never has). When the mirror is at
 * `maxQueueSize` the wrapper drops the span itself and counts it (`queue_full`), so the batch
 * processor, configured with the same bound, never has to. The exporter wrapper counts each batch once, from the export
 * result: `exported` on success, `export_failed` on failure, on a synchronous throw, or when no result
 * comes back within the batch processor's export timeout. Hence, once `forceFlush()` or `shutdown()`
 * has returned and no span ended meanwhile:
 *
 *     ended === exported + dropped.queue_full + dropped.export_failed
 *
 * where `ended` counts sampled spans ended while the pipeline was running (unsampled spans are never
 * exported and not counted; spans ended after `shutdown()` began are ignored, as the SDK does).
 */
import { createRequire } from 'node:module';

import { context, diag, propagation, ProxyTracerProvider, trace, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type * as PromClient from 'prom-client';
import type { Counter, Registry } from 'prom-client';
import { z } from 'zod';

import {
  httpUrlSchema,
  integerSchema,
  McpulseError,
  McpulseOptionError,
  must,
  parseOptions,
  textSchema,
} from '../core/errors.js';

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

/** The pipeline's counts (all zero when `installed` is false). */
export interface TracingStats {
  /** Sampled spans ended while the pipeline ran. */
  ended: number;
  /** Spans waiting in the batch queue. */
  queued: number;
  /** Spans handed to the exporter whose result has not come back yet. */
  exporting: number;
  exported: number;
  dropped: { queue_full: number; export_failed: number };
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

export const METRIC_TRACING_SPANS_EXPORTED = 'mcpulse_tracing_spans_exported_total';
export const METRIC_TRACING_SPANS_DROPPED = 'mcpulse_tracing_spans_dropped_total';

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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

type DropReason = 'queue_full' | 'export_failed';

class Counts {
  ended = 0;
  queued = 0;
  exporting = 0;
  exported = 0;
  readonly dropped = { queue_full: 0, export_failed: 0 };
  private _exportedCounter: Counter | undefined;
  private _droppedCounter: Counter<'reason'> | undefined;

  constructor(registry: Registry | undefined) {
    if (registry === undefined) return;
    this._exportedCounter = counter(
      registry,
      METRIC_TRACING_SPANS_EXPORTED,
      'Spans the OTLP exporter delivered to the collector.',
      [],
    );
    this._droppedCounter = counter(
      registry,
      METRIC_TRACING_SPANS_DROPPED,
      'Spans lost instead of exported: queue_full (the export queue was at maxQueueSize), ' +
        'export_failed (the export failed: collector down, refused or timed out).',
      ['reason'],
    );
    this._exportedCounter.inc(0);
    this._droppedCounter.inc({ reason: 'queue_full' }, 0);
    this._droppedCounter.inc({ reason: 'export_failed' }, 0);
  }

  exportedSpans(count: number): void {
    this.exported += count;
    this._exportedCounter?.inc(count);
  }

  drop(reason: DropReason, count: number): void {
    this.dropped[reason] += count;
    this._droppedCounter?.inc({ reason }, count);
  }

  snapshot(): TracingStats {
    return {
      ended: this.ended,
      queued: this.queued,
      exporting: this.exporting,
      exported: this.exported,
      dropped: { ...this.dropped },
    };
  }
}

/**
 * prom-client, loaded only when a registry is given (and so already loaded by its owner): importing
 * `mcpulse/otel` alone never pulls it in. `require` because setupTracing is synchronous; it is the same
 * module instance an `import` gets, so `instanceof` holds.
 */
function promClient(): typeof PromClient {
  return createRequire(import.meta.url)('prom-client') as typeof PromClient;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const { Counter } = promClient();
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return new Counter({ name, help, labelNames, registers: [registry] });
  if (!(existing instanceof Counter)) {
    throw new McpulseError(
      'MCPULSE_ALREADY_REGISTERED',
      `mcpulse: registry already has a metric ${name} that is not a counter`,
    );
  }
  return existing;
}

/**
 * Counts every batch the batch processor hands over, once, from its result; never throws, and
 * reports a failure itself when the wrapped exporter gives no result within the export timeout.
 */
class CountingExporter implements SpanExporter {
  private readonly _inflight = new Set<Promise<void>>();
  private _shutdown: Promise<void> | undefined;

  constructor(
    private readonly _inner: SpanExporter,
    private readonly _counts: Counts,
    private readonly _timeoutMs: number,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const count = spans.length;
    const counts = this._counts;
    counts.queued = Math.max(0, counts.queued - count);
    counts.exporting += count;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this._inflight.add(settled);
    let done = false;
    const finish = (result: ExportResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      counts.exporting -= count;
      if (result.code === ExportResultCode.SUCCESS) counts.exportedSpans(count);
      else counts.drop('export_failed', count);
      this._inflight.delete(settled);
      settle();
      try {
        resultCallback(result);
      } catch (error) {
        diag.error('mcpulse: tracing export callback failed', error);
      }
    };
    const timer = setTimeout(
      () => finish({ code: ExportResultCode.FAILED, error: new Error('mcpulse: span export timed out') }),
      this._timeoutMs,
    );
    timer.unref();
    try {
      this._inner.export(spans, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: asError(error) });
    }
  }

  /** Waits for every export in flight to report its result (each is bounded by the export timeout). */
  async settle(): Promise<void> {
    while (this._inflight.size > 0) await Promise.all([...this._inflight]);
  }

  async forceFlush(): Promise<void> {
    try {
      await this._inner.forceFlush?.();
    } catch (error) {
      diag.debug('mcpulse: tracing exporter flush failed', error);
    }
  }

  shutdown(): Promise<void> {
    this._shutdown ??= (async () => {
      try {
        await this._inner.shutdown();
      } catch (error) {
        diag.debug('mcpulse: tracing exporter shutdown failed', error);
      }
    })();
    return this._shutdown;
  }
}

/**
 * A BatchSpanProcessor behind a gate that mirrors its queue length (see the module comment): spans
 * past `maxQueueSize` are dropped and counted here, where the batch processor would drop them silently.
 */
class CountingBatchProcessor implements SpanProcessor {
  private readonly _batch: BatchSpanProcessor;
  private _closing = false;
  private _shutdown: Promise<void> | undefined;

  constructor(
    private readonly _exporter: CountingExporter,
    private readonly _counts: Counts,
    private readonly _maxQueueSize: number,
    exportTimeoutMillis: number,
  ) {
    // The remaining BatchSpanProcessor settings (batch size, delay) come from OTEL_BSP_* as usual.
    this._batch = new BatchSpanProcessor(_exporter, { maxQueueSize: _maxQueueSize, exportTimeoutMillis });
  }

  onStart(span: Span, parentContext: Context): void {
    this._batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this._closing) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    const counts = this._counts;
    counts.ended++;
    if (counts.queued >= this._maxQueueSize) {
      counts.drop('queue_full', 1);
      return;
    }
    counts.queued++;
    try {
      this._batch.onEnd(span);
    } catch (error) {
      diag.error('mcpulse: tracing span processor failed', error);
    }
  }

  async forceFlush(): Promise<void> {
    try {
      await this._batch.forceFlush();
    } catch (error) {
      // A failed export rejects the flush; it is already counted.
      diag.debug('mcpulse: tracing flush failed', error);
    }
    await this._exporter.settle();
  }

  shutdown(): Promise<void> {
    this._shutdown ??= (async () => {
      this._closing = true;
      try {
        await this._batch.shutdown();
      } catch (error) {
        // The batch processor skips its exporter's shutdown when the last flush failed.
        diag.debug('mcpulse: tracing shutdown flush failed', error);
      }
      await this._exporter.settle();
      await this._exporter.shutdown();
    })();
    return this._shutdown;
  }
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
