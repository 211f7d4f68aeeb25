/**
 * One alerting rule's alerts, as Prometheus 2.42's rules.AlertingRule keeps them. Each evaluation
 * queries the expression; every sample becomes an alert identified by its labels (the sample's, without
 * `__name__`, plus the rule's labels expanded as templates, plus `alertname`). A new alert is pending;
 * it fires once it has been active for `for` (at once when `for` is 0). When the expression stops
 * returning it, a pending alert is dropped and a firing one resolves, unless `keep_firing_for` keeps it
 * firing that long after the expression stopped returning it. Resolved alerts stay 15 minutes so they
 * are resent as resolved. Each evaluation returns the ALERTS and ALERTS_FOR_STATE samples to append.
 */
import {
  compareLabels,
  labelsKey,
  LabelsBuilder,
  METRIC_NAME,
  type Label,
  type Labels,
} from '../store/labels.js';
import { parseExpr } from '../store/promql/parse.js';
import type { Sample } from '../store/promql/value.js';
import { exprString } from './expr-string.js';
import type { AlertingRuleSpec } from './rule-file.js';
import type { AlertState, AlertStatus, AlertTransition } from './rule-status.js';
import type { PostableAlert } from './notify/types.js';

/** The data a label or annotation template sees: `$labels`, `$externalLabels`, `$externalURL`, `$value`. */
export interface AlertTemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly value: number;
}

/** One sample of a template `query` result. */
export interface TemplateQuerySample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface AlertTemplateContext {
  /** The rule's name; the expander names the template after it. */
  readonly name: string;
  /** The evaluation time, for template functions that query. */
  readonly timeMs: number;
  /** Runs an instant query for the template's `query` function; throws with the query's error. */
  readonly query?: (expr: string, timeMs: number) => readonly TemplateQuerySample[];
  /** What the `externalURL` and `pathPrefix` functions read; without it they fail, as under promtool. */
  readonly externalUrl?: string;
}

/** Expands one template text; may throw (the alert then carries `<error expanding template: …>`). */
export type AlertTemplateExpander = (
  text: string,
  data: AlertTemplateData,
  context: AlertTemplateContext,
) => string | Promise<string>;

export interface AlertingRuleOptions {
  readonly expandTemplate: AlertTemplateExpander;
  /** The global external labels: seen by templates, and added to sent alerts that lack them. */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** Seen by templates as `$externalURL`, and the base of each sent alert's generatorURL. */
  readonly externalURL?: string;
  /**
   * The URL the template functions `externalURL` and `pathPrefix` read: externalURL unless given;
   * null for none (they fail, as under promtool, whose rule manager has no URL).
   */
  readonly templateURL?: string | null;
}

/** How long a resolved alert is kept (and resent as resolved): Prometheus's resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export const ALERTS_METRIC = 'ALERTS';
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE';
const ALERT_NAME = 'alertname';
const ALERT_STATE = 'alertstate';

/** rules.Alert. Times are ms since the epoch; undefined is Go's zero time (the epoch itself is a real time). */
export interface Alert {
  state: AlertState;
  readonly labels: Labels;
  /** In the rule's annotation order (sorted by name), empty values kept, as Prometheus keeps them. */
  annotations: readonly Label[];
  value: number;
  activeAtMs: number;
  firedAtMs: number | undefined;
  resolvedAtMs: number | undefined;
  lastSentAtMs: number | undefined;
  validUntilMs: number | undefined;
  keepFiringSinceMs: number | undefined;
}

/** What an alert is, for transitions: a resolved alert Prometheus keeps is 'resolved', a missing one 'inactive'. */
type Phase = AlertState | 'resolved';

function phaseOf(alert: Alert | undefined): Phase {
  if (alert === undefined) return 'inactive';
  if (alert.state === 'inactive') return alert.resolvedAtMs !== undefined ? 'resolved' : 'inactive';
  return alert.state;
}

const STATE_RANK: Readonly<Record<AlertState, number>> = { inactive: 0, pending: 1, firing: 2 };

export function labelsRecord(labels: readonly Label[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const label of labels) record[label.name] = label.value;
  return record;
}

const sortedEntries = (record: Readonly<Record<string, string>>): [string, string][] =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Go's url.QueryEscape: only [A-Za-z0-9-_.~] stay as they are; a space is '+'. */
export function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** strfmt.DateTime's JSON (milliseconds, UTC); undefined is Go's zero time. */
function isoTime(ms: number | undefined): string {
  return ms === undefined ? '0001-01-01T00:00:00.000Z' : new Date(ms).toISOString();
}

/** Alert.needsSending: a firing alert every resendDelay, a resolved one once more after it resolved. */
function needsSending(alert: Alert, timeMs: number, resendDelayMs: number): boolean {
  if (alert.state === 'pending') return false;
  if (alert.lastSentAtMs === undefined) return true;
  if (alert.resolvedAtMs !== undefined && alert.resolvedAtMs > alert.lastSentAtMs) return true;
  return alert.lastSentAtMs + resendDelayMs < timeMs;
}

export class AlertingRule {
  /** By label-set key; pending, firing and resolved-but-retained alerts. */
  private active = new Map<string, Alert>();
  private readonly ruleLabels: readonly [string, string][];
  private readonly ruleAnnotations: readonly [string, string][];
  private readonly externalLabels: Readonly<Record<string, string>>;
  private readonly externalURL: string;
  /** Every sent alert's link: the expression as Prometheus writes it back, in a graph URL. */
  private readonly generatorURL: string;

  constructor(
    readonly spec: AlertingRuleSpec,
    private readonly options: AlertingRuleOptions,
  ) {
    this.ruleLabels = sortedEntries(spec.labels);
    this.ruleAnnotations = sortedEntries(spec.annotations);
    this.externalLabels = options.externalLabels ?? {};
    this.externalURL = options.externalURL ?? '';
    let written = spec.expr;
    try {
      written = exprString(parseExpr(spec.expr));
    } catch {
      // A rule file's expressions were checked when it loaded; one built in code links as written.
    }
    this.generatorURL = `${this.externalURL}/graph?g0.expr=${goQueryEscape(written)}&g0.tab=1`;
  }

  get name(): string {
    return this.spec.name;
  }

  private async expand(
    text: string,
    data: AlertTemplateData,
    context: AlertTemplateContext,
  ): Promise<string> {
    try {
      return await this.options.expandTemplate(text, data, context);
    } catch (error) {
      return `<error expanding template: ${error instanceof Error ? error.message : String(error)}>`;
    }
  }

  /** One ALERTS or ALERTS_FOR_STATE sample: the rule's raw labels, overwritten by the alert's. */
  private seriesSample(alert: Alert, metric: string, timeMs: number, value: number): Sample {
    const builder = new LabelsBuilder(this.ruleLabels.map(([name, value]) => ({ name, value })));
    for (const label of alert.labels) builder.set(label.name, label.value);
    builder.set(METRIC_NAME, metric).set(ALERT_NAME, this.name);
    if (metric === ALERTS_METRIC) builder.set(ALERT_STATE, alert.state);
    return { metric: builder.labels(), t: timeMs, v: value };
  }

  /**
   * AlertingRule.Eval at `timeMs` on the expression's result `vector`: updates the alerts and returns
   * the ALERTS and ALERTS_FOR_STATE samples. Throws on a repeated label set or an exceeded `limit`
   * (which also forgets every alert, as Prometheus does). `onTransition` hears every change of state.
   */
  async evaluate(
    vector: readonly Sample[],
    timeMs: number,
    limit: number,
    query: AlertTemplateContext['query'],
    onTransition?: (from: Phase, to: Phase, alert: Alert) => void,
  ): Promise<Sample[]> {
    const fresh = new Map<string, Alert>();
    const templateURL = this.options.templateURL === undefined ? this.externalURL : this.options.templateURL;
    const context: AlertTemplateContext = {
      name: this.name,
      timeMs,
      query,
      ...(templateURL === null ? {} : { externalUrl: templateURL }),
    };
    for (const sample of vector) {
      const data: AlertTemplateData = {
        labels: labelsRecord(sample.metric),
        externalLabels: this.externalLabels,
        externalURL: this.externalURL,
        value: sample.v,
      };
      const builder = new LabelsBuilder(sample.metric).delete(METRIC_NAME);
      for (const [name, text] of this.ruleLabels) builder.set(name, await this.expand(text, data, context));
      builder.set(ALERT_NAME, this.name);
      const annotations: Label[] = [];
      for (const [name, text] of this.ruleAnnotations)
        annotations.push({ name, value: await this.expand(text, data, context) });
      const labels = builder.labels();
      const key = labelsKey(labels);
      if (fresh.has(key))
        throw new Error('vector contains metrics with the same labelset after applying alert labels');
      fresh.set(key, {
        state: 'pending',
        labels,
        annotations,
        value: sample.v,
        activeAtMs: timeMs,
        firedAtMs: undefined,
        resolvedAtMs: undefined,
        lastSentAtMs: undefined,
        validUntilMs: undefined,
        keepFiringSinceMs: undefined,
      });
    }

    const before = new Map<string, { phase: Phase; alert: Alert }>();
    for (const [key, alert] of this.active) before.set(key, { phase: phaseOf(alert), alert });

    for (const [key, alert] of fresh) {
      const existing = this.active.get(key);
      if (existing !== undefined && existing.state !== 'inactive') {
        existing.value = alert.value;
        existing.annotations = alert.annotations;
      } else this.active.set(key, alert);
    }

    const out: Sample[] = [];
    let activeCount = 0;
    for (const [key, alert] of this.active) {
      if (!fresh.has(key)) {
        let keepFiring = false;
        if (alert.state === 'firing' && this.spec.keepFiringForMs > 0) {
          alert.keepFiringSinceMs ??= timeMs;
          if (timeMs - alert.keepFiringSinceMs < this.spec.keepFiringForMs) keepFiring = true;
        }
        if (
          alert.state === 'pending' ||
          (alert.resolvedAtMs !== undefined && timeMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)
        ) {
          this.active.delete(key);
        }
        if (alert.state !== 'inactive' && !keepFiring) {
          alert.state = 'inactive';
          alert.resolvedAtMs = timeMs;
        }
        if (!keepFiring) continue;
      } else alert.keepFiringSinceMs = undefined;
      activeCount++;
      if (alert.state === 'pending' && timeMs - alert.activeAtMs >= this.spec.forMs) {
        alert.state = 'firing';
        alert.firedAtMs = timeMs;
      }
      out.push(this.seriesSample(alert, ALERTS_METRIC, timeMs, 1));
      out.push(
        this.seriesSample(alert, ALERTS_FOR_STATE_METRIC, timeMs, Math.floor(alert.activeAtMs / 1000)),
      );
    }

    const exceeded = limit > 0 && activeCount > limit;
    if (exceeded) this.active = new Map();

    if (onTransition !== undefined) {
      for (const [key, { phase, alert }] of before) {
        const now = this.active.get(key);
        const to = now === undefined ? 'inactive' : phaseOf(now);
        // A retained resolved alert that expires is no news.
        if (to !== phase && !(phase === 'resolved' && to === 'inactive'))
          onTransition(phase, to, now ?? alert);
      }
      for (const [key, alert] of this.active) {
        if (!before.has(key)) onTransition('inactive', phaseOf(alert), alert);
      }
    }

    if (exceeded) throw new Error(`exceeded limit of ${limit} with ${activeCount} alerts`);
    return out;
  }

  /** AlertingRule.sendAlerts: the alerts due to be sent at `timeMs`, marked as sent. */
  alertsToSend(timeMs: number, resendDelayMs: number, intervalMs: number): PostableAlert[] {
    const out: PostableAlert[] = [];
    for (const alert of this.active.values()) {
      if (!needsSending(alert, timeMs, resendDelayMs)) continue;
      alert.lastSentAtMs = timeMs;
      // Allows for two failed evaluations or sends before Alertmanager resolves it on its own.
      alert.validUntilMs = timeMs + 4 * Math.max(resendDelayMs, intervalMs);
      const labels = labelsRecord(alert.labels);
      // notifier.Manager.Send adds the external labels an alert lacks.
      for (const [name, value] of Object.entries(this.externalLabels)) {
        if ((labels[name] ?? '') === '' && value !== '') labels[name] = value;
      }
      out.push({
        labels,
        annotations: labelsRecord(alert.annotations),
        startsAt: isoTime(alert.firedAtMs),
        endsAt: isoTime(alert.resolvedAtMs ?? alert.validUntilMs),
        generatorURL: this.generatorURL,
      });
    }
    return out;
  }

  /** The highest state of its alerts (State()). */
  state(): AlertState {
    let state: AlertState = 'inactive';
    for (const alert of this.active.values())
      if (STATE_RANK[alert.state] > STATE_RANK[state]) state = alert.state;
    return state;
  }

  /** Copies of every alert kept, resolved ones included (currentAlerts), sorted by labels. */
  currentAlerts(): Alert[] {
    return [...this.active.values()]
      .map((alert) => ({ ...alert }))
      .sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** Pending and firing alerts (ActiveAlerts), sorted by labels. */
  activeAlerts(): Alert[] {
    return this.currentAlerts().filter((alert) => alert.resolvedAtMs === undefined);
  }

  alertStatuses(): AlertStatus[] {
    return this.activeAlerts().map((alert) => ({
      labels: labelsRecord(alert.labels),
      annotations: labelsRecord(alert.annotations),
      state: alert.state,
      activeAtMs: alert.activeAtMs,
      firedAtMs: alert.firedAtMs ?? 0,
      resolvedAtMs: alert.resolvedAtMs ?? 0,
      value: alert.value,
      keepFiringSinceMs: alert.keepFiringSinceMs ?? 0,
    }));
  }
}

/** A transition of one alert of `rule` in `group`, as the history keeps it. */
export function transitionOf(
  group: string,
  rule: string,
  atMs: number,
  from: Phase,
  to: Phase,
  alert: Alert,
): AlertTransition {
  return { atMs, group, rule, labels: labelsRecord(alert.labels), from, to, value: alert.value };
}
