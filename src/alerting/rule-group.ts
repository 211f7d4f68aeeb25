/**
 * Evaluates a rule group at one time, as Prometheus's rules.Group.Eval does: rules in order, each
 * reading what the rules before it wrote. A recording rule's result is renamed to the rule's name, its
 * labels set (an empty value removes one), and appended. An alerting rule updates its alerts
 * (alerting-rule.ts), appends their ALERTS and ALERTS_FOR_STATE samples, and hands back the alerts due
 * to be sent. A series a rule produced last time and not now gets a staleness marker. A query error, a
 * result with clashing label sets, too many series or alerts for the group's `limit`, or a refused
 * append makes the rule's health 'err' with that lastError.
 *
 * The API the rule manager uses: `new RuleGroup(spec, options)`, then per tick
 * `await group.evaluate(query, storage, timeMs)` → the PostableAlert[] to give an AlertSink;
 * `group.status()` → RuleGroupStatus; `group.drainTransitions()` → the AlertTransitions since the last
 * drain (bounded, oldest dropped first).
 */
import { badOption } from '../core/errors.js';
import { LabelsBuilder, labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
import { queryFailed } from '../store/promql/errors.js';
import type { QueryValue, Sample } from '../store/promql/value.js';
import {
  AlertingRule,
  labelsRecord,
  transitionOf,
  type AlertTemplateExpander,
  type TemplateQuerySample,
} from './alerting-rule.js';
import type { PostableAlert } from './notify/types.js';
import type { RuleGroupSpec, RuleSpec } from './rule-file.js';
import type { AlertTransition, RuleGroupStatus, RuleHealth, RuleStatus } from './rule-status.js';
import type { SampleAppender } from './test-storage.js';

/** Runs an instant query; throws (a QueryError) when it fails. */
export type InstantQuery = (expr: string, timeMs: number) => QueryValue | Promise<QueryValue>;

export interface Appendable {
  appender(): SampleAppender;
}

export interface RuleGroupOptions {
  /** Expands alerting rules' label and annotation templates (Go templates). */
  readonly expandTemplate: AlertTemplateExpander;
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** Prometheus's --web.external-url: `$externalURL`, and the base of generatorURL. */
  readonly externalURL?: string;
  /** What the template functions `externalURL`/`pathPrefix` read: externalURL unless given; null for none. */
  readonly templateURL?: string | null;
  /** The interval used when the file sets none (the global evaluation_interval); default 1 m. */
  readonly defaultIntervalMs?: number;
  /** A firing alert is resent this often (--rules.alert.resend-delay); default 1 m. */
  readonly resendDelayMs?: number;
  /** Transitions kept until drained; default 1,000. */
  readonly maxTransitions?: number;
  /** Monotonic milliseconds for evaluation durations; default performance.now. */
  readonly clock?: () => number;
  /**
   * Awaited between two rules. The live manager passes a macrotask yield, so the event loop serves
   * requests between rules instead of after a whole group (a group over many series takes 100s of ms).
   */
  readonly betweenRules?: () => Promise<void>;
}

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_RESEND_DELAY_MS = 60_000;
const DEFAULT_MAX_TRANSITIONS = 1000;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw badOption(`RuleGroup: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** What a rule query returned, as a vector: a scalar is one sample with no labels. */
export function resultVector(value: QueryValue): Sample[] {
  if (value.type === 'vector') return value.samples;
  if (value.type === 'scalar') return [{ metric: [], t: value.t, v: value.v }];
  throw queryFailed('rule result is not a vector or scalar');
}

/** A template `query` result; templates expand synchronously, so the query must answer at once. */
function templateSamples(value: QueryValue | Promise<QueryValue>): TemplateQuerySample[] {
  if (value instanceof Promise) {
    value.catch(() => undefined);
    throw queryFailed('template queries need an engine that answers synchronously');
  }
  return resultVector(value).map((sample) => ({ labels: labelsRecord(sample.metric), value: sample.v }));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** RecordingRule.Eval: the query's result under the rule's name and labels. */
function record(spec: RuleSpec, vector: readonly Sample[], limit: number): Sample[] {
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const sample of vector) {
    const builder = new LabelsBuilder(sample.metric).set(METRIC_NAME, spec.name);
    for (const [name, value] of Object.entries(spec.labels)) builder.set(name, value);
    const metric = builder.labels();
    const key = labelsKey(metric);
    if (seen.has(key))
      throw queryFailed('vector contains metrics with the same labelset after applying rule labels');
    seen.add(key);
    out.push({ metric, t: sample.t, v: sample.v });
  }
  if (limit > 0 && out.length > limit)
    throw queryFailed(`exceeded limit of ${limit} with ${out.length} series`);
  return out;
}

/** One rule of a group with its evaluation state; `alerting` is set for alerting rules. */
export class EvaluatedRule {
  health: RuleHealth = 'unknown';
  lastError: string | undefined;
  /** The evaluation time of the last evaluation; 0 before the first. */
  lastEvaluationMs = 0;
  evaluationDurationMs = 0;
  readonly alerting: AlertingRule | undefined;
  /** The series appended at the last evaluation, by key, for staleness markers. */
  private previous = new Map<string, Labels>();

  constructor(
    readonly spec: RuleSpec,
    options: RuleGroupOptions,
  ) {
    this.alerting = spec.kind === 'alerting' ? new AlertingRule(spec, options) : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The rule's part of Group.Eval; returns the alerts to send (none for a recording rule or on error). */
  async evaluate(
    query: InstantQuery,
    storage: Appendable,
    timeMs: number,
    group: RuleGroup,
  ): Promise<PostableAlert[]> {
    let vector: Sample[];
    let alerts: PostableAlert[] = [];
    try {
      const result = resultVector(await query(this.spec.expr, timeMs));
      if (this.alerting === undefined) vector = record(this.spec, result, group.spec.limit);
      else {
        const templateQuery = (expr: string, t: number) => templateSamples(query(expr, t));
        vector = await this.alerting.evaluate(
          result,
          timeMs,
          group.spec.limit,
          templateQuery,
          (from, to, alert) =>
            group.recordTransition(transitionOf(group.name, this.name, timeMs, from, to, alert)),
        );
      }
    } catch (error) {
      this.health = 'err';
      this.lastError = errorMessage(error);
      return alerts;
    }
    this.health = 'ok';
    this.lastError = undefined;
    if (this.alerting !== undefined)
      alerts = this.alerting.alertsToSend(timeMs, group.resendDelayMs, group.intervalMs);
    const appender = storage.appender();
    const returned = new Map<string, Labels>();
    for (const sample of vector) {
      const refused = appender.append(sample.metric, sample.t, sample.v);
      if (refused !== undefined) {
        this.health = 'err';
        this.lastError = refused;
      } else returned.set(labelsKey(sample.metric), sample.metric);
    }
    for (const [key, metric] of this.previous) {
      // Refusals are expected here when another rule writes the same series; Prometheus ignores them.
      if (!returned.has(key)) appender.append(metric, timeMs, NaN, true);
    }
    appender.commit();
    this.previous = returned;
    return alerts;
  }

  status(): RuleStatus {
    const base = {
      name: this.spec.name,
      query: this.spec.expr,
      labels: this.spec.labels,
      health: this.health,
      lastError: this.lastError ?? '',
      lastEvaluationMs: this.lastEvaluationMs,
      evaluationDurationMs: this.evaluationDurationMs,
    };
    if (this.alerting === undefined || this.spec.kind !== 'alerting') return { type: 'recording', ...base };
    return {
      type: 'alerting',
      ...base,
      durationMs: this.spec.forMs,
      keepFiringForMs: this.spec.keepFiringForMs,
      annotations: this.spec.annotations,
      state: this.alerting.state(),
      alerts: this.alerting.alertStatuses(),
    };
  }
}

export class RuleGroup {
  readonly rules: readonly EvaluatedRule[];
  /** The group's interval: the file's, else the default. */
  readonly intervalMs: number;
  readonly resendDelayMs: number;
  private readonly maxTransitions: number;
  private readonly clock: () => number;
  private readonly betweenRules: (() => Promise<void>) | undefined;
  private transitions: AlertTransition[] = [];
  private droppedTransitions = 0;
  private lastEvaluationMs = 0;
  private evaluationDurationMs = 0;

  constructor(
    readonly spec: RuleGroupSpec,
    options: RuleGroupOptions,
  ) {
    if (typeof options.expandTemplate !== 'function')
      throw badOption(`RuleGroup: expandTemplate must be a function, got ${typeof options.expandTemplate}`);
    this.intervalMs =
      spec.intervalMs || positiveInteger('defaultIntervalMs', options.defaultIntervalMs, DEFAULT_INTERVAL_MS);
    this.resendDelayMs = positiveInteger('resendDelayMs', options.resendDelayMs, DEFAULT_RESEND_DELAY_MS);
    this.maxTransitions = positiveInteger('maxTransitions', options.maxTransitions, DEFAULT_MAX_TRANSITIONS);
    this.clock = options.clock ?? (() => performance.now());
    this.betweenRules = options.betweenRules;
    this.rules = spec.rules.map((rule) => new EvaluatedRule(rule, options));
  }

  get name(): string {
    return this.spec.name;
  }

  get file(): string {
    return this.spec.file;
  }

  /**
   * Group.Eval at `timeMs`: every rule in order, results appended to `storage`. Resolves with the
   * alerts to send now (Prometheus's sendAlerts of each alerting rule); never rejects: a rule's
   * error, or a storage that throws, is the rule's health and lastError (see status()).
   */
  async evaluate(query: InstantQuery, storage: Appendable, timeMs: number): Promise<PostableAlert[]> {
    const groupStart = this.clock();
    const alerts: PostableAlert[] = [];
    for (const [i, rule] of this.rules.entries()) {
      if (i > 0 && this.betweenRules !== undefined) await this.betweenRules();
      const start = this.clock();
      try {
        alerts.push(...(await rule.evaluate(query, storage, timeMs, this)));
      } catch (error) {
        // A storage fault (the rule's own errors are caught inside): the rule shows it, the group goes on.
        rule.health = 'err';
        rule.lastError = errorMessage(error);
      }
      rule.evaluationDurationMs = this.clock() - start;
      rule.lastEvaluationMs = timeMs;
    }
    this.evaluationDurationMs = this.clock() - groupStart;
    this.lastEvaluationMs = timeMs;
    return alerts;
  }

  /** Keeps a transition until drained; past maxTransitions the oldest are dropped (and counted). */
  recordTransition(transition: AlertTransition): void {
    this.transitions.push(transition);
    if (this.transitions.length > this.maxTransitions) {
      this.transitions.shift();
      this.droppedTransitions++;
    }
  }

  /** The transitions since the last drain, oldest first; `dropped` counts those lost to the bound. */
  drainTransitions(): { transitions: AlertTransition[]; dropped: number } {
    const drained = { transitions: this.transitions, dropped: this.droppedTransitions };
    this.transitions = [];
    this.droppedTransitions = 0;
    return drained;
  }

  status(): RuleGroupStatus {
    return {
      name: this.spec.name,
      file: this.spec.file,
      intervalMs: this.intervalMs,
      limit: this.spec.limit,
      rules: this.rules.map((rule) => rule.status()),
      lastEvaluationMs: this.lastEvaluationMs,
      evaluationDurationMs: this.evaluationDurationMs,
    };
  }
}
