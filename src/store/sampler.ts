/**
 * Samples a prom-client registry into the store every intervalMs: one sampling pass per tick, with the
 * series of /metrics in the Prometheus text format (the same names, `_bucket`/`_sum`/`_count` for
 * histograms, `le` and `quantile` as prom-client prints them, "0.005" or "+Inf"; the same values), so a
 * query reads what Prometheus would have scraped.
 *
 * A pass reads each metric the way prom-client's registry renders it (lib/registry.js
 * getMetricsAsString): `getForPromString()` where the metric has one, else `get()`, and labels merged as
 * it merges them (the value's own, the registry's default labels, then shared labels). The default
 * labels are read from the registry's `_defaultLabels` field: prom-client has no getter for them.
 * Series are found through a cache keyed by their label text, so a pass builds no label arrays for
 * series it has seen before; entries not seen in a pass are dropped.
 *
 * Nothing is thrown to the host: a metric whose collect fails is left out of that pass (its series get
 * staleness markers, as a failed scrape's would) and the error goes to onError; the timer is unref'd,
 * and a tick that finds the previous pass still running is skipped.
 */
import type { Registry, RegistryContentType } from 'prom-client';
import { z } from 'zod';

import { functionSchema, integerSchema, parseOptions } from '../core/errors.js';
import { labelsFrom, type Labels } from './labels.js';
import type { SeriesRef, SeriesStore } from './series-store.js';

export const DEFAULT_SAMPLE_INTERVAL_MS = 15_000;

export interface SamplerOptions {
  /** Milliseconds between passes; default 15 s. */
  intervalMs?: number;
  /** Called with every error a pass catches. It must not throw (if it does, that is swallowed too). */
  onError?: (error: unknown) => void;
  /** The clock passes are stamped with; default Date.now. */
  now?: () => number;
}

export interface SamplerStats {
  passes: number;
  errors: number;
  /** Samples the last pass stored, and how long it took (ms). */
  lastSamples: number;
  lastDurationMs: number;
}

const optionsSchema = z.strictObject({
  intervalMs: integerSchema(100, 3_600_000).optional(),
  onError: functionSchema<(error: unknown) => void>().optional(),
  now: functionSchema<() => number>().optional(),
});

/** One value as prom-client hands it to its renderer. */
interface ExportedValue {
  value?: unknown;
  labels?: Record<string, unknown>;
  sharedLabels?: Record<string, unknown>;
  metricName?: string;
}

interface ExportedMetric {
  values?: ExportedValue[];
}

interface RenderableMetric {
  name: string;
  get(): Promise<ExportedMetric> | ExportedMetric;
  getForPromString?(): Promise<ExportedMetric> | ExportedMetric;
}

interface Slot {
  ref: SeriesRef | undefined;
  /** undefined when the value cannot be a series (a label name printed twice). */
  readonly labels: Labels | undefined;
  readonly name: string;
  /** The value's own labels as names and raw values, compared on the fast path. */
  readonly own: readonly unknown[];
  seen: number;
}

interface Group {
  pass: number;
  next: number;
  /** For a group of own labels: their content when its slots were made. */
  content: readonly unknown[] | undefined;
  readonly slots: (Slot | undefined)[];
}

const hasOwn = Object.prototype.hasOwnProperty;

export class RegistrySampler {
  readonly intervalMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly now: () => number;
  private readonly slots = new Map<string, Slot>();
  /** Shared label objects' text, by identity: prom-client caches their rendering the same way. */
  private readonly sharedText = new WeakMap<object, string>();
  private groups = new WeakMap<object, Group>();
  private lastAnchor: object | undefined;
  private lastGroup: Group | undefined;
  private defaultsText = '';
  private refs: (SeriesRef | undefined)[] = [];
  private values = new Float64Array(1024);
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private pass = 0;
  private readonly counts: SamplerStats = { passes: 0, errors: 0, lastSamples: 0, lastDurationMs: 0 };

  constructor(
    private readonly registry: Registry<RegistryContentType>,
    private readonly store: SeriesStore,
    options: SamplerOptions = {},
  ) {
    const valid = parseOptions(optionsSchema, options, { name: 'sampler', prefix: 'sampler' });
    this.intervalMs = valid.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    this.onError = valid.onError ?? (() => {});
    this.now = valid.now ?? Date.now;
  }

  /** Starts sampling every intervalMs (the first pass after one interval). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.sampleOnce();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  stats(): SamplerStats {
    return { ...this.counts };
  }

  /** One pass, stamped `timestampMs` (default now); resolves to the samples stored, never rejects. */
  async sampleOnce(timestampMs?: number): Promise<number> {
    this.running = true;
    try {
      const at = timestampMs ?? Math.round(this.now());
      const started = performance.now();
      const metrics = this.registry.getMetricsAsArray() as unknown as RenderableMetric[];
      const read = await Promise.all(metrics.map((metric) => this.read(metric)));
      const pass = ++this.pass;
      const defaults = defaultLabelsOf(this.registry);
      const defaultsText = defaults === undefined ? '' : textOf(defaults);
      if (defaultsText !== this.defaultsText) {
        this.groups = new WeakMap(); // every series' labels changed: let the slow path find them
        this.defaultsText = defaultsText;
      }
      let count = 0;
      for (let i = 0; i < metrics.length; i++) {
        const values = read[i]?.values;
        if (values === undefined) continue;
        const name = metrics[i]!.name;
        for (const value of values) count = this.add(name, value, defaults, pass, count);
      }
      const stored = this.store.appendScrapeRefs(at, this.refs, this.values, count);
      this.refs.fill(undefined, 0, count);
      this.prune(pass, count);
      this.lastAnchor = this.lastGroup = undefined;
      this.counts.passes += 1;
      this.counts.lastSamples = stored;
      this.counts.lastDurationMs = performance.now() - started;
      return stored;
    } catch (error) {
      this.report(error);
      return 0;
    } finally {
      this.running = false;
    }
  }

  private async read(metric: RenderableMetric): Promise<ExportedMetric | undefined> {
    try {
      return typeof metric.getForPromString === 'function'
        ? await metric.getForPromString()
        : await metric.get();
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  /** Adds one exported value to the pass at index `count`; returns the next index. */
  private add(
    metricName: string,
    exported: ExportedValue,
    defaults: Record<string, unknown> | undefined,
    pass: number,
    count: number,
  ): number {
    const value = exported.value;
    if (typeof value !== 'number') return count; // prom-client would print it as text Prometheus cannot parse
    const name = exported.metricName ?? metricName;
    const own = exported.labels;
    const shared = exported.sharedLabels;
    const anchor = shared ?? own;
    let slot: Slot;
    if (anchor === undefined) {
      slot = this.lookup(name, own, defaults, shared, pass);
    } else {
      const group = this.groupOf(anchor, shared === undefined, pass);
      const ordinal = group.next++;
      const cached = group.slots[ordinal];
      if (
        cached !== undefined &&
        cached.name === name &&
        (shared === undefined || sameContent(own, cached.own))
      ) {
        slot = cached;
        slot.seen = pass;
      } else {
        slot = this.lookup(name, own, defaults, shared, pass);
        group.slots[ordinal] = slot;
      }
    }
    let ref = slot.ref;
    if (slot.labels !== undefined && (ref === undefined || !this.store.isLive(ref))) {
      ref = slot.ref = this.store.resolve(slot.labels); // new, dropped at the series limit, or swept
    }
    if (ref === undefined) return count;
    if (count === this.values.length) {
      const grown = new Float64Array(count * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.refs[count] = ref;
    this.values[count] = value;
    return count + 1;
  }

  /**
   * The slots of a label object prom-client keeps from pass to pass: a value's shared labels (a
   * histogram's label set), or its own labels when it has no shared ones (a counter's or gauge's).
   * A group's slots are its values in the order the metric lists them.
   */
  private groupOf(anchor: Record<string, unknown>, ownLabels: boolean, pass: number): Group {
    let group = this.lastAnchor === anchor ? this.lastGroup : this.groups.get(anchor);
    if (group === undefined) {
      group = { pass: -1, next: 0, content: undefined, slots: [] };
      this.groups.set(anchor, group);
    }
    if (group.pass !== pass) {
      group.pass = pass;
      group.next = 0;
      // Own labels are the caller's object, which prom-client keeps and reprints as it now reads.
      if (ownLabels && (group.content === undefined || !sameContent(anchor, group.content))) {
        group.content = contentOf(anchor);
        group.slots.length = 0;
      }
    }
    this.lastAnchor = anchor;
    this.lastGroup = group;
    return group;
  }

  /** The slot of a value by its label text, made (labels and all) on first sight. */
  private lookup(
    name: string,
    own: Record<string, unknown> | undefined,
    defaults: Record<string, unknown> | undefined,
    shared: Record<string, unknown> | undefined,
    pass: number,
  ): Slot {
    let sharedText = '';
    if (shared !== undefined) {
      sharedText = this.sharedText.get(shared) ?? '';
      if (sharedText === '') this.sharedText.set(shared, (sharedText = textOf(shared)));
    }
    // Joined, not +=: the Map keeps its keys, and a flat string is a fraction of a string tree's size.
    const key = [name, own === undefined ? '' : textOf(own), this.defaultsText, sharedText].join('\xfe');
    let slot = this.slots.get(key);
    if (slot === undefined) {
      const labels = exposedLabels(name, own ?? {}, defaults, shared);
      slot = { ref: undefined, labels, name, own: own === undefined ? [] : contentOf(own), seen: pass };
      this.slots.set(key, slot);
    }
    slot.seen = pass;
    return slot;
  }

  private prune(pass: number, count: number): void {
    if (this.slots.size <= count) return; // every slot may have been seen: not worth a walk
    for (const [key, slot] of this.slots) if (slot.seen !== pass) this.slots.delete(key);
  }

  private report(error: unknown): void {
    this.counts.errors += 1;
    try {
      this.onError(error);
    } catch {
      // the host's callback failed too: nothing more to tell
    }
  }
}

function defaultLabelsOf(registry: object): Record<string, unknown> | undefined {
  const defaults = (registry as { _defaultLabels?: unknown })._defaultLabels;
  if (typeof defaults !== 'object' || defaults === null) return undefined;
  for (const name in defaults) if (hasOwn.call(defaults, name)) return defaults as Record<string, unknown>;
  return undefined;
}

/** Names and raw values of a label object, in order. */
function contentOf(labels: Record<string, unknown>): unknown[] {
  const content: unknown[] = [];
  for (const name in labels) if (hasOwn.call(labels, name)) content.push(name, labels[name]);
  return content;
}

/** Whether a label object still holds `content` (raw values compared: 1 and '1' differ, safely). */
function sameContent(labels: Record<string, unknown> | undefined, content: readonly unknown[]): boolean {
  let i = 0;
  if (labels !== undefined) {
    for (const name in labels) {
      if (!hasOwn.call(labels, name)) continue;
      if (content[i] !== name || content[i + 1] !== labels[name]) return false;
      i += 2;
    }
  }
  return i === content.length;
}

/** A label object's text for the cache key: every own name and value, in order (flat, as joined). */
function textOf(labels: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const name in labels) if (hasOwn.call(labels, name)) parts.push(name, String(labels[name]));
  return parts.join('\xff');
}

/**
 * The label set prom-client prints for a value (registry.js getMetricsAsString and formatLabels): own
 * labels, default labels the value does not set, then shared labels, an own one giving way to a shared
 * one of the same name; values as template strings print them. Empty values mean no label, as
 * Prometheus reads them; a name printed twice would fail Prometheus's parse, so the value is skipped.
 */
function exposedLabels(
  name: string,
  own: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
  shared: Record<string, unknown> | undefined,
): Labels | undefined {
  const merged = defaults === undefined ? own : { ...own, ...defaults, ...own };
  const record: Record<string, string> = {};
  const names = new Set<string>(['__name__']);
  let duplicate = false;
  const take = (labels: Record<string, unknown>, skipShared: boolean): void => {
    for (const label of Object.keys(labels)) {
      if (skipShared && shared !== undefined && hasOwn.call(shared, label)) continue;
      if (names.has(label)) duplicate = true;
      names.add(label);
      record[label] = `${labels[label] as string}`;
    }
  };
  take(merged, true);
  if (shared !== undefined) take(shared, false);
  if (duplicate) return undefined;
  record.__name__ = name;
  return labelsFrom(record);
}
