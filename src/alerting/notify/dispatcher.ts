/**
 * mcpulse's embedded notifier: alerts in (the body of Alertmanager's /api/v2/alerts, through
 * AlertSink.send), notifications out, routed, grouped and deduplicated as Alertmanager 0.25 does
 * (dispatch.Dispatcher, its aggregation groups, and the notify pipeline's Dedup, Retry and
 * SetNotifies stages for each integration of a receiver). It has no silences, inhibitions or time
 * intervals: the configuration refuses them.
 *
 * Receivers plug in through two functions: `buildIntegrations` turns a receiver's configuration
 * into its Integrations (the integrations' module reads their fields and secrets), and `deliver`
 * sends one message to one integration with that module's timeouts and retries, resolving true when
 * it was delivered. Everything is bounded (`maxAlerts`, `maxGroups`, the notification log) and
 * send() never blocks: it only updates memory and sets timers.
 */
import { badOption } from '../../core/errors.js';
import { realClock, type Clock, type Timer } from '../clock.js';
import { AggregationGroup } from './aggregation-group.js';
import { acceptAlert, AlertStore, resolvedAt, type StoredAlert } from './alert-store.js';
import type { AlertmanagerConfig, GlobalConfig, ReceiverConfig } from './config.js';
import { fingerprint } from './labelset.js';
import { buildMessage } from './notification-data.js';
import { needsUpdate, NotificationLog, receiverKey } from './notification-log.js';
import { Route } from './route.js';
import type { AlertSink, Integration, PostableAlert, WebhookMessage } from './types.js';

export type BuildIntegrations = (receiver: ReceiverConfig, global: GlobalConfig) => Integration[];

/** Sends one message to one integration until delivered or `signal` aborts; never rejects. */
export type Deliver = (
  receiver: string,
  integration: Integration,
  message: WebhookMessage,
  signal: AbortSignal,
) => Promise<boolean>;

export interface DispatcherOptions {
  readonly config: AlertmanagerConfig;
  readonly buildIntegrations: BuildIntegrations;
  /** Default: one attempt, no retry (the integrations' module supplies the real one). */
  readonly deliver?: Deliver;
  readonly clock?: Clock;
  /** The webhook message's externalURL. Default ''. */
  readonly externalUrl?: string;
  /** Alerts kept at once (firing or resolved but not yet collected). Default 10,000. */
  readonly maxAlerts?: number;
  /** Aggregation groups at once, over all routes. Default 1,000. */
  readonly maxGroups?: number;
  /** Called for an error inside the notifier (counted by the caller as an internal error). */
  readonly internalError?: (error: unknown, where: string) => void;
}

export interface DispatcherStats {
  readonly alerts: number;
  readonly groups: number;
  /** Alerts refused by Alertmanager's checks (no labels, a bad name, a start after the end, …). */
  readonly invalidAlerts: number;
  /** Alerts dropped because maxAlerts were kept. */
  readonly droppedAlerts: number;
  /** Alerts not grouped on a route because maxGroups groups existed (Alertmanager's group limit). */
  readonly droppedGroups: number;
}

export interface GroupSnapshot {
  readonly receiver: string;
  readonly groupKey: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly alerts: readonly StoredAlert[];
}

/** Alertmanager's notify.MinTimeout: a flush's deliveries get at least this long. */
const MIN_FLUSH_TIMEOUT_MS = 10_000;
/** dispatcher cleanup of empty groups, and notification-log GC, run this often (Alertmanager: 30 s). */
const CLEANUP_INTERVAL_MS = 30_000;
/** Resolved alerts leave the store this often (Alertmanager's --alerts.gc-interval default). */
const ALERT_GC_INTERVAL_MS = 30 * 60_000;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw badOption(`notifier ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

const deliverOnce: Deliver = async (_receiver, integration, message, signal) => {
  try {
    await integration.notify(message, signal);
    return true;
  } catch {
    return false;
  }
};

export class Dispatcher implements AlertSink {
  private readonly route: Route;
  private readonly global: GlobalConfig;
  private readonly integrations = new Map<string, readonly Integration[]>();
  private readonly deliver: Deliver;
  private readonly clock: Clock;
  private readonly externalUrl: string;
  private readonly maxGroups: number;
  private readonly internalError: (error: unknown, where: string) => void;
  private readonly store: AlertStore;
  private readonly log: NotificationLog;
  private readonly groups = new Map<Route, Map<string, AggregationGroup>>();
  private groupCount = 0;
  private cleanupTimer: Timer | undefined;
  private lastAlertGc: number;
  private closed: Promise<void> | undefined;
  private counts = { invalidAlerts: 0, droppedAlerts: 0, droppedGroups: 0 };

  constructor(options: DispatcherOptions) {
    const maxAlerts = positiveInteger(options.maxAlerts, 10_000, 'maxAlerts');
    this.maxGroups = positiveInteger(options.maxGroups, 1_000, 'maxGroups');
    this.route = new Route(options.config.route);
    this.global = options.config.global;
    for (const receiver of options.config.receivers) {
      this.integrations.set(receiver.name, options.buildIntegrations(receiver, this.global));
    }
    this.deliver = options.deliver ?? deliverOnce;
    this.clock = options.clock ?? realClock;
    this.externalUrl = options.externalUrl ?? '';
    this.internalError = options.internalError ?? (() => undefined);
    this.store = new AlertStore(maxAlerts);
    // Each group writes one entry per integration of its receiver; stale ones expire.
    this.log = new NotificationLog(this.maxGroups * 16);
    this.lastAlertGc = this.clock.now();
    this.scheduleCleanup();
  }

  /** The root of the routing tree, for inspection. */
  get routes(): Route {
    return this.route;
  }

  stats(): DispatcherStats {
    return { alerts: this.store.size, groups: this.groupCount, ...this.counts };
  }

  /** The aggregation groups and the alerts in each, as Alertmanager's /api/v2/alerts/groups sees them. */
  snapshot(): GroupSnapshot[] {
    const out: GroupSnapshot[] = [];
    for (const [route, groups] of this.groups) {
      for (const group of groups.values()) {
        if (group.empty()) continue;
        out.push({
          receiver: route.options.receiver,
          groupKey: group.groupKey,
          labels: group.labels,
          alerts: group.list(),
        });
      }
    }
    return out;
  }

  send(alerts: readonly PostableAlert[]): void {
    if (this.closed) return;
    try {
      const now = this.clock.now();
      for (const posted of alerts) {
        let alert: StoredAlert;
        try {
          alert = acceptAlert(posted, now, this.global.resolveTimeoutMs);
        } catch {
          this.counts.invalidAlerts++;
          continue;
        }
        const stored = this.store.put(alert, now);
        if (!stored) {
          this.counts.droppedAlerts++;
          continue;
        }
        for (const route of this.route.match(stored.labels)) this.processAlert(stored, route);
      }
    } catch (error) {
      this.internalError(error, 'notifier-send');
    }
  }

  /** dispatcher.processAlert. */
  private processAlert(alert: StoredAlert, route: Route): void {
    const labels = route.groupLabels(alert.labels);
    const key = fingerprint(labels);
    let routeGroups = this.groups.get(route);
    if (!routeGroups) {
      routeGroups = new Map();
      this.groups.set(route, routeGroups);
    }
    let group = routeGroups.get(key);
    if (!group) {
      if (this.groupCount >= this.maxGroups) {
        this.counts.droppedGroups++;
        return;
      }
      group = new AggregationGroup(route, labels, this.clock, (g, a, now) => this.notify(g, a, now));
      routeGroups.set(key, group);
      this.groupCount++;
    }
    group.insert(alert);
  }

  /** The receiver's pipeline for one flush: every integration in parallel; true when all succeeded. */
  private async notify(
    group: AggregationGroup,
    alerts: readonly StoredAlert[],
    now: number,
  ): Promise<boolean> {
    const receiver = group.route.options.receiver;
    const integrations = this.integrations.get(receiver) ?? [];
    const abort = new AbortController();
    const timeout = this.clock.setTimer(
      Math.max(group.route.options.groupIntervalMs, MIN_FLUSH_TIMEOUT_MS),
      () => abort.abort(new Error('notification timed out')),
    );
    try {
      const results = await Promise.all(
        integrations.map((integration) =>
          this.notifyIntegration(group, receiver, integration, alerts, now, abort.signal),
        ),
      );
      return results.every(Boolean);
    } finally {
      timeout.cancel();
    }
  }

  /** DedupStage, RetryStage's resolved filter, the delivery, then SetNotifiesStage. */
  private async notifyIntegration(
    group: AggregationGroup,
    receiver: string,
    integration: Integration,
    alerts: readonly StoredAlert[],
    now: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    try {
      const firing = new Set<string>();
      const resolved = new Set<string>();
      for (const alert of alerts) (resolvedAt(alert, now) ? resolved : firing).add(alert.fingerprint);
      const key = receiverKey(receiver, integration.integration, integration.index);
      const { repeatIntervalMs } = group.route.options;
      const entry = this.log.query(group.groupKey, key);
      if (!needsUpdate(entry, firing, resolved, integration.sendResolved, repeatIntervalMs, now)) return true;
      const sent = integration.sendResolved ? alerts : alerts.filter((alert) => !resolvedAt(alert, now));
      if (sent.length > 0) {
        const message = buildMessage({
          receiver,
          groupKey: group.groupKey,
          groupLabels: group.labels,
          alerts: sent,
          now,
          externalUrl: this.externalUrl,
        });
        if (!(await this.deliver(receiver, integration, message, signal))) return false;
      }
      this.log.log(group.groupKey, key, firing, resolved, this.clock.now(), 2 * repeatIntervalMs);
      return true;
    } catch (error) {
      this.internalError(error, 'notifier-notify');
      return false;
    }
  }

  private scheduleCleanup(): void {
    this.cleanupTimer = this.clock.setTimer(CLEANUP_INTERVAL_MS, () => {
      try {
        this.cleanup();
      } catch (error) {
        this.internalError(error, 'notifier-cleanup');
      }
      if (!this.closed) this.scheduleCleanup();
    });
  }

  private cleanup(): void {
    const now = this.clock.now();
    for (const groups of this.groups.values()) {
      for (const [key, group] of groups) {
        if (!group.empty()) continue;
        void group.stop();
        groups.delete(key);
        this.groupCount--;
      }
    }
    this.log.gc(now);
    if (now - this.lastAlertGc >= ALERT_GC_INTERVAL_MS) {
      this.store.gc(now);
      this.lastAlertGc = now;
    }
  }

  /** Stops the timers and waits for flushes under way (bounded by their timeout); pending groups are not sent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.cleanupTimer?.cancel();
      const stops: Promise<void>[] = [];
      for (const groups of this.groups.values())
        for (const group of groups.values()) stops.push(group.stop());
      await Promise.all(stops);
    })();
    return this.closed;
  }
}
