/**
 * One aggregation group (dispatch.aggrGroup of Alertmanager 0.25): the alerts one route received
 * with the same values of its group_by labels. It first flushes group_wait after it was made (at
 * once if an alert it gets started more than group_wait ago and it has not flushed yet), then every
 * group_interval. A flush hands the alerts, sorted and with their status at that moment, to the
 * notify pipeline; when that succeeds, the resolved alerts it carried (and that were not updated
 * meanwhile) leave the group. A group with no alerts left is removed by the dispatcher's cleanup.
 */
import type { Clock, Timer } from '../clock.js';
import { resolvedAt, type StoredAlert } from './alert-store.js';
import { compareAlertLabels, type LabelSet } from './labelset.js';
import type { Route } from './route.js';

/** Sends one flush's alerts; resolves true when every integration succeeded. */
export type FlushHandler = (
  group: AggregationGroup,
  alerts: readonly StoredAlert[],
  now: number,
) => Promise<boolean>;

export class AggregationGroup {
  readonly groupKey: string;
  private readonly alerts = new Map<string, StoredAlert>();
  private timer: Timer | undefined;
  private hasFlushed = false;
  private flushing: Promise<void> | undefined;
  /** A tick came while a flush was running: Go's loop would take it right after. */
  private tickPending = false;
  private stopped = false;

  constructor(
    readonly route: Route,
    readonly labels: LabelSet,
    private readonly clock: Clock,
    private readonly onFlush: FlushHandler,
  ) {
    this.groupKey = route.groupKey(labels);
    this.schedule(route.options.groupWaitMs);
  }

  get size(): number {
    return this.alerts.size;
  }

  empty(): boolean {
    return this.alerts.size === 0;
  }

  list(): StoredAlert[] {
    return [...this.alerts.values()];
  }

  private schedule(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(delayMs, () => this.tick());
  }

  /** aggrGroup.insert. */
  insert(alert: StoredAlert): void {
    this.alerts.set(alert.fingerprint, alert);
    if (!this.hasFlushed && alert.startsAt + this.route.options.groupWaitMs < this.clock.now()) {
      this.schedule(0);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.schedule(this.route.options.groupIntervalMs);
    this.hasFlushed = true;
    if (this.flushing) {
      this.tickPending = true;
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.tickPending && !this.stopped) {
        this.tickPending = false;
        this.tick();
      }
    });
  }

  /** aggrGroup.flush. */
  private async flush(): Promise<void> {
    if (this.empty()) return;
    const now = this.clock.now();
    const alerts = this.list().sort((a, b) => compareAlertLabels(a.labels, b.labels));
    let ok = false;
    try {
      ok = await this.onFlush(this, alerts, now);
    } catch {
      ok = false;
    }
    if (!ok) return;
    for (const sent of alerts) {
      const current = this.alerts.get(sent.fingerprint);
      if (resolvedAt(sent, now) && current?.updatedAt === sent.updatedAt)
        this.alerts.delete(sent.fingerprint);
    }
  }

  /** aggrGroup.stop; resolves once a flush under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.flushing;
  }
}
