/**
 * The storage a rule unit test runs on: every sample kept in memory, no bounds but the test file's
 * own, and appends judged as the Prometheus TSDB head judges them, because promtool's results depend
 * on it. A batch (one appender) is checked against what is already committed: a sample older than the
 * series' last is `out of order sample`, one at the same time with other value bits is `duplicate sample
 * for timestamp`, the same value again is accepted and ignored. Within a batch, later samples at or
 * before one already in it are dropped silently at commit, as the head's commit drops them.
 */
import { compareLabels, labelsKey, labelValue, type Labels } from '../store/labels.js';
import type { LabelMatcher, Queryable, SelectedSeries } from '../store/queryable.js';

export const OUT_OF_ORDER = 'out of order sample';
export const DUPLICATE_SAMPLE = 'duplicate sample for timestamp';
export const EMPTY_LABELSET = 'empty labelset: invalid sample';

interface StoredSeries {
  readonly labels: Labels;
  readonly t: number[];
  readonly v: number[];
  readonly stale: boolean[];
}

interface PendingSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

/** One batch of appends; nothing is visible to queries before commit(). */
export interface SampleAppender {
  /** Returns the TSDB's error message when the sample is refused, undefined when accepted. */
  append(labels: Labels, t: number, v: number, stale?: boolean): string | undefined;
  commit(): void;
}

/** Same value bits, as far as a JS number shows them: NaNs are alike unless one is a staleness marker. */
function sameValue(a: number, aStale: boolean, b: number, bStale: boolean): boolean {
  if (aStale || bStale) return aStale === bStale;
  if (Number.isNaN(a)) return Number.isNaN(b);
  return Object.is(a, b);
}

function firstAtOrAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class UnitTestStorage implements Queryable {
  private readonly series = new Map<string, StoredSeries>();

  appender(): SampleAppender {
    const pending: PendingSample[] = [];
    return {
      append: (labels, t, v, stale = false) => {
        if (labels.length === 0) return EMPTY_LABELSET;
        const stored = this.series.get(labelsKey(labels));
        const last = stored ? stored.t.length - 1 : -1;
        if (stored && last >= 0) {
          const lastT = stored.t[last]!;
          if (t < lastT) return OUT_OF_ORDER;
          if (t === lastT && !sameValue(stored.v[last]!, stored.stale[last]!, v, stale))
            return DUPLICATE_SAMPLE;
        }
        pending.push({ labels, t, v, stale });
        return undefined;
      },
      commit: () => {
        for (const sample of pending) this.commitSample(sample);
        pending.length = 0;
      },
    };
  }

  private commitSample(sample: PendingSample): void {
    const key = labelsKey(sample.labels);
    let stored = this.series.get(key);
    if (!stored) {
      stored = { labels: sample.labels, t: [], v: [], stale: [] };
      this.series.set(key, stored);
    }
    const lastT = stored.t[stored.t.length - 1];
    if (lastT !== undefined && sample.t <= lastT) return;
    stored.t.push(sample.t);
    stored.v.push(sample.v);
    stored.stale.push(sample.stale);
  }

  select(matchers: readonly LabelMatcher[], mintMs: number, maxtMs: number): SelectedSeries[] {
    const out: SelectedSeries[] = [];
    for (const stored of this.series.values()) {
      if (!matchers.every((matcher) => matcher.matches(labelValue(stored.labels, matcher.name)))) continue;
      const from = firstAtOrAfter(stored.t, mintMs);
      const to = firstAtOrAfter(stored.t, maxtMs + 1);
      if (from >= to) continue;
      const staleSlice = stored.stale.slice(from, to);
      out.push({
        labels: stored.labels,
        t: Float64Array.from(stored.t.slice(from, to)),
        v: Float64Array.from(stored.v.slice(from, to)),
        stale: staleSlice.includes(true) ? Uint8Array.from(staleSlice, (flag) => (flag ? 1 : 0)) : undefined,
      });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }
}
