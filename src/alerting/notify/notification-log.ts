/**
 * Alertmanager 0.25's notification log (nflog) and DedupStage: what was last sent for each
 * aggregation group to each integration of a receiver (`receiver/integration/idx`), so a flush
 * notifies only when the firing set grew or changed, the resolved set changed (for integrations
 * that send resolved notifications), the group went from firing to all resolved, or
 * repeat_interval has passed since the last notification. Entries expire 2 × repeat_interval after
 * they were written, as Alertmanager's do; the log holds at most `max` of them.
 */

export interface LogEntry {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly timestamp: number;
  readonly expiresAt: number;
}

/** nflog's receiverKey: `receiver/integration/idx`. */
export function receiverKey(receiver: string, integration: string, index: number): string {
  return `${receiver}/${integration}/${index}`;
}

function isSubset(set: ReadonlySet<string>, subset: ReadonlySet<string>): boolean {
  for (const key of subset) if (!set.has(key)) return false;
  return true;
}

/** DedupStage.needsUpdate. */
export function needsUpdate(
  entry: LogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  if (!isSubset(entry.firing, firing)) return true;
  // Nothing firing now: notify once if the last notification had firing alerts.
  if (firing.size === 0) return entry.firing.size > 0;
  if (sendResolved && !isSubset(entry.resolved, resolved)) return true;
  return entry.timestamp < now - repeatIntervalMs;
}

export class NotificationLog {
  private readonly entries = new Map<string, LogEntry>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  private static key(groupKey: string, receiver: string): string {
    return `${groupKey}:${receiver}`;
  }

  query(groupKey: string, receiver: string): LogEntry | undefined {
    return this.entries.get(NotificationLog.key(groupKey, receiver));
  }

  /** SetNotifiesStage: records a notification (or a decision not to send one) at `now`. */
  log(
    groupKey: string,
    receiver: string,
    firing: ReadonlySet<string>,
    resolved: ReadonlySet<string>,
    now: number,
    expiryMs: number,
  ): void {
    const key = NotificationLog.key(groupKey, receiver);
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      // The oldest written goes first (a Map iterates in insertion order).
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { firing, resolved, timestamp: now, expiresAt: now + expiryMs });
  }

  /** nflog's GC: drops expired entries. */
  gc(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt < now) this.entries.delete(key);
  }
}
