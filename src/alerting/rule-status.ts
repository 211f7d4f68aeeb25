/**
 * What the rule manager shows of its groups, rules and alerts: the fields of Prometheus's
 * `/api/v1/rules` and `/api/v1/alerts` (web/api/v1 RuleGroup, AlertingRule, RecordingRule, Alert), kept
 * as plain data so the http room renders them without importing this room. Times are ms since the epoch.
 */

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One active alert of an alerting rule (rules.Alert); resolved alerts are kept 15 minutes, as Prometheus does. */
export interface AlertStatus {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: AlertState;
  /** When it became pending. */
  readonly activeAtMs: number;
  /** When it last fired, 0 when it never did. */
  readonly firedAtMs: number;
  /** 0 while unresolved. */
  readonly resolvedAtMs: number;
  /** The value of the expression's sample at the last evaluation that produced it. */
  readonly value: number;
  /** 0 unless the alert is kept firing by keep_firing_for since that time. */
  readonly keepFiringSinceMs: number;
}

export type RuleHealth = 'ok' | 'err' | 'unknown';

interface RuleStatusBase {
  readonly name: string;
  readonly query: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly health: RuleHealth;
  /** '' when the last evaluation succeeded. */
  readonly lastError: string;
  /** 0 before the first evaluation. */
  readonly lastEvaluationMs: number;
  readonly evaluationDurationMs: number;
}

export interface RecordingRuleStatus extends RuleStatusBase {
  readonly type: 'recording';
}

export interface AlertingRuleStatus extends RuleStatusBase {
  readonly type: 'alerting';
  readonly durationMs: number;
  readonly keepFiringForMs: number;
  readonly annotations: Readonly<Record<string, string>>;
  /** The rule's state: the highest of its alerts' states ('inactive' with none). */
  readonly state: AlertState;
  /** Active alerts (pending and firing; not the resolved ones Prometheus keeps only to resend). */
  readonly alerts: readonly AlertStatus[];
}

export type RuleStatus = RecordingRuleStatus | AlertingRuleStatus;

export interface RuleGroupStatus {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly limit: number;
  readonly rules: readonly RuleStatus[];
  readonly lastEvaluationMs: number;
  readonly evaluationDurationMs: number;
}

/** One change of an alert's state, for the bounded transition history. */
export interface AlertTransition {
  readonly atMs: number;
  readonly group: string;
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly from: AlertState | 'resolved';
  readonly to: AlertState | 'resolved';
  readonly value: number;
}

/** What the http room reads to serve /api/v1/rules and /api/v1/alerts (structurally typed). */
export interface RulesService {
  ruleGroups(): readonly RuleGroupStatus[];
  /** Newest last; bounded. */
  alertTransitions(): readonly AlertTransition[];
}
