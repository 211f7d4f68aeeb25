/**
 * The bounded, counted half of the `mcpulse/otel` pipeline (src/tracing/setup.ts): a span processor
 * that bounds the export queue and an exporter wrapper that counts each batch's result, so exporter
 * trouble is counted and swallowed and never reaches a request.
 *
 * How drops are counted, exactly. `BatchSpanProcessor` drops a span silently when its queue is full
 * and offers no public hook for it, so it is wrapped in a span processor that keeps an exact mirror of
 * its queue length: +1 for each sampled span it forwards, −n when the batch processor hands a batch of
 * n spans to the exporter (seen by a wrapper around the exporter; the batch processor takes spans off
 * its queue and hands them over in the same synchronous step; it defers the handover only for a
 * resource with asynchronous attributes, which the one setupTracing builds never has). When the mirror is at
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

import { diag, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as PromClient from 'prom-client';
import type { Counter, Registry } from 'prom-client';

import { McpulseError } from '../core/errors.js';

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

export const METRIC_TRACING_SPANS_EXPORTED = 'mcpulse_tracing_spans_exported_total';
export const METRIC_TRACING_SPANS_DROPPED = 'mcpulse_tracing_spans_dropped_total';

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

type DropReason = 'queue_full' | 'export_failed';

export class Counts {
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
export function promClient(): typeof PromClient {
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
export class CountingExporter implements SpanExporter {
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
export class CountingBatchProcessor implements SpanProcessor {
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
