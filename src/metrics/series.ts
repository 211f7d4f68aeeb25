/**
 * A prom-client histogram with per-series handles for the per-operation hot path.
 *
 * prom-client's `observe(labels, value)` validates the label names, hashes the label object and
 * allocates on every call (its `labels()` child does the same each time): about 0.6 µs per
 * observation, three per operation. Here a series is resolved once into a handle that keeps its
 * bucket counts in a typed array, so an observation is a bucket search and three additions. The
 * class is still a prom-client `Histogram`: registration, name and label validation, `get()`, the
 * text and OpenMetrics renders (exemplars included) and aggregation all stay prom-client's.
 */
import { Histogram, type HistogramConfiguration } from 'prom-client';

/** The trace ids an exemplar carries (OpenMetrics allows 128 characters of labels; these take 52). */
interface ExemplarSlot {
  traceId: string;
  spanId: string;
  value: number;
  /** Seconds since the epoch, as prom-client writes exemplar timestamps. */
  timestamp: number;
}

/** One label set of a `SeriesHistogram`. Obtain with `histogram.series(labels)` and keep it. */
export class HistogramSeries {
  /** Per-bucket (non-cumulative) counts; the last slot is the +Inf overflow. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Observed since the last reset: only those are exported, as prom-client exports only observed series. */
  live = false;
  exemplars: (ExemplarSlot | undefined)[] | undefined;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly _bounds: Float64Array,
  ) {
    this.counts = new Float64Array(_bounds.length + 1);
  }

  /** Records one value; non-finite values are ignored (prom-client would throw). */
  observe(value: number): void {
    if (Number.isFinite(value)) this._add(value);
  }

  /** Records one value and makes it the exemplar of its bucket (the latest one wins, as in prom-client). */
  observeWithExemplar(value: number, traceId: string, spanId: string): void {
    if (!Number.isFinite(value)) return;
    const i = this._add(value);
    const exemplars = (this.exemplars ??= new Array<ExemplarSlot | undefined>(this.counts.length));
    const slot = exemplars[i];
    const timestamp = Date.now() / 1000;
    if (slot === undefined) exemplars[i] = { traceId, spanId, value, timestamp };
    else {
      slot.traceId = traceId;
      slot.spanId = spanId;
      slot.value = value;
      slot.timestamp = timestamp;
    }
  }

  /** Counts a finite value; returns its bucket's index. */
  private _add(value: number): number {
    const bounds = this._bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    this.live = true;
    return i;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.live = false;
    this.exemplars = undefined;
  }
}

/** A value as prom-client's registry renders it (lib/registry.js `getMetricsAsString`). */
interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
  sharedLabels?: Record<string, string>;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number } | null;
}

/** What prom-client's registry asks a metric for; not in its type declarations, so described here. */
interface PromStringSource {
  getForPromString(): Promise<{ values: ExportedValue[] }>;
}

export class SeriesHistogram<T extends string = string> extends Histogram<T> {
  private readonly _bounds: Float64Array;
  private readonly _seriesByKey = new Map<string, HistogramSeries>();
  private readonly _allowed: ReadonlySet<string>;
  private readonly _name: string;

  constructor(configuration: HistogramConfiguration<T>) {
    super(configuration);
    this._name = configuration.name;
    const buckets = configuration.buckets ?? [];
    this._bounds = Float64Array.from(buckets);
    this._allowed = new Set(configuration.labelNames ?? []);
  }

  /**
   * The handle of one label set, created on first use; the same handle for the same labels. Meant to
   * be called once per label set and cached by the caller (this lookup itself builds a key).
   */
  series(labels: Partial<Record<T, string>>): HistogramSeries {
    // Labels keep the caller's order in the exposition (as prom-client's own observe does); the key
    // that identifies the series is order-independent.
    const copy: Record<string, string> = {};
    for (const name of Object.keys(labels)) {
      const value = labels[name as T];
      if (value === undefined) continue;
      if (!this._allowed.has(name)) {
        throw new Error(
          `Added label "${name}" is not included in initial labelset: ${[...this._allowed].join(', ')}`,
        );
      }
      copy[name] = value;
    }
    let key = '';
    for (const name of Object.keys(copy).sort()) key += `${name}\u0000${copy[name]}\u0001`;
    let series = this._seriesByKey.get(key);
    if (series === undefined) {
      series = new HistogramSeries(Object.freeze(copy), this._bounds);
      this._seriesByKey.set(key, series);
    }
    return series;
  }

  /** The registry renders from this (and `get()` splays its result): prom-client's own series, then ours. */
  async getForPromString(): Promise<{ values: ExportedValue[] }> {
    const base = await (Histogram.prototype as unknown as PromStringSource).getForPromString.call(this);
    const values = base.values;
    const bucketName = `${this._name}_bucket`;
    const bounds = this._bounds;
    for (const series of this._seriesByKey.values()) {
      if (!series.live) continue;
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += series.counts[i]!;
        const slot = series.exemplars?.[i];
        values.push({
          labels: { le: i < bounds.length ? bounds[i]! : '+Inf' },
          sharedLabels: series.labels,
          value: i < bounds.length ? cumulative : series.count,
          metricName: bucketName,
          exemplar:
            slot === undefined
              ? null
              : {
                  labelSet: { trace_id: slot.traceId, span_id: slot.spanId },
                  value: slot.value,
                  timestamp: slot.timestamp,
                },
        });
      }
      values.push(
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this._name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this._name}_count` },
      );
    }
    return base;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    const all = this._seriesByKey as Map<string, HistogramSeries> | undefined;
    if (all !== undefined) for (const series of all.values()) series.clear();
  }
}
