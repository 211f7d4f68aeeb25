/**
 * Alerts as Alertmanager 0.25 takes them in: the /api/v2/alerts handler's defaults (no startsAt:
 * now; no endsAt: now + resolve_timeout, marked as a timeout) and checks, and the alert provider's
 * store, where an alert posted again (same label set, so the same fingerprint) is merged with the
 * one kept when their times overlap (types.Alert.Merge: the earliest start, the latest explicit end).
 */
import { badArgument } from '../../core/errors.js';
import { fingerprint, LABEL_NAME, type LabelSet } from './labelset.js';
import type { PostableAlert } from './types.js';

/** Go's zero time.Time, 0001-01-01T00:00:00Z, which JSON shows for "no end". */
export const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export interface StoredAlert {
  readonly fingerprint: string;
  readonly labels: LabelSet;
  readonly annotations: LabelSet;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly updatedAt: number;
  /** endsAt was set from resolve_timeout, not by the sender. */
  readonly timeout: boolean;
}

/** Alert.ResolvedAt: it has an end, and the end is not after `now`. */
export function resolvedAt(alert: StoredAlert, now: number): boolean {
  return alert.endsAt !== ZERO_TIME_MS && alert.endsAt <= now;
}

/** time.Time's JSON form for whole milliseconds in UTC: fraction without trailing zeros, zero time as Go's. */
export function formatGoTime(ms: number): string {
  if (ms === ZERO_TIME_MS) return '0001-01-01T00:00:00Z';
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

function parseTime(text: string | undefined, field: string): number {
  if (text === undefined || text === '') return ZERO_TIME_MS;
  if (!RFC3339.test(text)) throw badArgument(`${field} ${JSON.stringify(text)} is not an RFC 3339 time`);
  const ms = Date.parse(text.toUpperCase());
  if (!Number.isFinite(ms)) throw badArgument(`${field} ${JSON.stringify(text)} is not an RFC 3339 time`);
  return ms <= ZERO_TIME_MS ? ZERO_TIME_MS : ms;
}

/**
 * postAlertsHandler + Alert.Validate for one alert received at `now`: labels with empty values are
 * dropped, at least one label must remain, names must be valid, the start must not follow the end.
 * Throws with the reason when the alert is refused.
 */
export function acceptAlert(posted: PostableAlert, now: number, resolveTimeoutMs: number): StoredAlert {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(posted.labels ?? {})) {
    if (typeof value !== 'string')
      throw badArgument(`label ${JSON.stringify(name)} must have a string value`);
    if (value === '') continue;
    if (!LABEL_NAME.test(name)) throw badArgument(`invalid name ${JSON.stringify(name)}`);
    labels[name] = value;
  }
  if (Object.keys(labels).length === 0) throw badArgument('at least one label pair required');
  const annotations: Record<string, string> = {};
  for (const [name, value] of Object.entries(posted.annotations ?? {})) {
    if (!LABEL_NAME.test(name)) throw badArgument(`invalid name ${JSON.stringify(name)}`);
    annotations[name] = String(value);
  }
  let startsAt = parseTime(posted.startsAt, 'startsAt');
  let endsAt = parseTime(posted.endsAt, 'endsAt');
  if (startsAt === ZERO_TIME_MS) startsAt = endsAt === ZERO_TIME_MS ? now : endsAt;
  const timeout = endsAt === ZERO_TIME_MS;
  if (timeout) endsAt = now + resolveTimeoutMs;
  if (endsAt < startsAt) throw badArgument('start time must be before end time');
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations,
    startsAt,
    endsAt,
    generatorURL: typeof posted.generatorURL === 'string' ? posted.generatorURL : '',
    updatedAt: now,
    timeout,
  };
}

/** types.Alert.Merge(a, o): `o` wins (it is the newer), keeping the earlier start and the later explicit end. */
export function mergeAlerts(a: StoredAlert, o: StoredAlert, now: number): StoredAlert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  let startsAt = o.startsAt;
  let endsAt = o.endsAt;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (resolvedAt(o, now)) {
    if (resolvedAt(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    endsAt = a.endsAt;
  }
  return { ...o, startsAt, endsAt };
}

/** The provider's alerts by fingerprint, at most `max`; resolved ones are collected by gc(). */
export class AlertStore {
  private readonly alerts = new Map<string, StoredAlert>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.alerts.size;
  }

  /** mem.Alerts.Put for one alert: merged with the kept one when their times overlap. Undefined when full. */
  put(alert: StoredAlert, now: number): StoredAlert | undefined {
    const old = this.alerts.get(alert.fingerprint);
    let stored = alert;
    if (old) {
      const overlaps =
        (alert.endsAt > old.startsAt && alert.endsAt < old.endsAt) ||
        (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt);
      if (overlaps) stored = mergeAlerts(old, alert, now);
    } else if (this.alerts.size >= this.max) {
      this.gc(now);
      if (this.alerts.size >= this.max) return undefined;
    }
    this.alerts.set(stored.fingerprint, stored);
    return stored;
  }

  /** Drops resolved alerts (Alertmanager does so every --alerts.gc-interval, 30 minutes by default). */
  gc(now: number): void {
    for (const [key, alert] of this.alerts) if (resolvedAt(alert, now)) this.alerts.delete(key);
  }

  list(): StoredAlert[] {
    return [...this.alerts.values()];
  }
}
