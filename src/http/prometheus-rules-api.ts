/**
 * `/api/v1/rules` and `/api/v1/alerts` in Prometheus 2.42's JSON (web/api/v1 RuleDiscovery,
 * AlertDiscovery), field for field and in Go's field order, so Grafana reads mcpulse's rules as it
 * reads a Prometheus's: durations are seconds as JSON numbers, times RFC 3339 with Go's trimmed
 * nanoseconds (`0001-01-01T00:00:00Z` before the first evaluation), an alert's value a string in Go's
 * `%e` form (`1e+00`), `lastError` and a recording rule's empty `labels` left out as Go's omitempty
 * leaves them. `type=alert|record` picks one kind of rule (2.42 has no other filter). Besides,
 * mcpulse's own `/api/v1/alerts/transitions`: the bounded history of alert state changes, oldest first.
 *
 * The shapes are read structurally (the http room knows no alerting): they mirror
 * src/alerting/rule-status.ts. Times are ms since the epoch.
 */
import { jsonString } from './prometheus-json.js';

type AlertState = 'inactive' | 'pending' | 'firing';
type StringMap = Readonly<Record<string, string>>;

interface AlertView {
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly state: AlertState;
  readonly activeAtMs: number;
  readonly value: number;
  readonly keepFiringSinceMs: number;
}

interface RuleViewBase {
  readonly name: string;
  readonly query: string;
  readonly labels: StringMap;
  readonly health: string;
  readonly lastError: string;
  readonly lastEvaluationMs: number;
  readonly evaluationDurationMs: number;
}

type RuleView =
  | (RuleViewBase & { readonly type: 'recording' })
  | (RuleViewBase & {
      readonly type: 'alerting';
      readonly durationMs: number;
      readonly keepFiringForMs: number;
      readonly annotations: StringMap;
      readonly state: AlertState;
      readonly alerts: readonly AlertView[];
    });

export interface RuleGroupView {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly limit: number;
  readonly rules: readonly RuleView[];
  readonly lastEvaluationMs: number;
  readonly evaluationDurationMs: number;
}

interface TransitionView {
  readonly atMs: number;
  readonly group: string;
  readonly rule: string;
  readonly labels: StringMap;
  readonly from: string;
  readonly to: string;
  readonly value: number;
}

/** What the rules API reads: the rule manager (RulesService) fits. */
export interface RulesStatusService {
  ruleGroups(): readonly RuleGroupView[];
  alertTransitions(): readonly TransitionView[];
}

/** The rules endpoints answer as a Prometheus with no rule files does when there is no service. */
export const NO_RULES: RulesStatusService = { ruleGroups: () => [], alertTransitions: () => [] };

/** A `type` parameter 2.42 refuses; the message is its `invalid parameter "type": …`. */
export class RulesParamError extends Error {}

/** Go's strconv.FormatFloat(v, 'e', -1, 64): the shortest digits that read back exactly, e.g. 1.5e+00. */
export function formatFloatLowerE(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const [mantissa = '0', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const power = Number(exponent);
  return `${sign}${mantissa}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
}

/** A JSON number as Go's encoding/json writes a float64 (JS's shortest form is the same for finite values). */
function goNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

/**
 * Go's time.Time JSON (RFC 3339Nano: fractional seconds with trailing zeros trimmed, UTC); 0 is Go's
 * zero time. A fraction of a ms is kept to the µs, as far as a double of epoch ms holds it.
 */
export function goTimeJson(ms: number): string {
  if (ms === 0 || !Number.isFinite(ms)) return '"0001-01-01T00:00:00Z"';
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1000);
  if (micros === 1000) [whole, micros] = [whole + 1, 0];
  const iso = new Date(whole).toISOString(); // 2026-12-02T01:11:42.123Z
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '');
  return `"${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z"`;
}

/** A label set as Go marshals labels.Labels: an object, keys in byte order. */
function mapJson(map: StringMap): string {
  const names = Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${names.map((name) => `${jsonString(name)}:${jsonString(map[name]!)}`).join(',')}}`;
}

/** A duration as Go's Duration.Seconds() gives it: whole nanoseconds, so no float noise of ms arithmetic. */
const seconds = (ms: number): string => goNumber(Math.round(ms * 1e6) / 1e9);

function alertJson(alert: AlertView): string {
  const keepFiring =
    alert.keepFiringSinceMs !== 0 ? `,"keepFiringSince":${goTimeJson(alert.keepFiringSinceMs)}` : '';
  return (
    `{"labels":${mapJson(alert.labels)},"annotations":${mapJson(alert.annotations)},` +
    `"state":${jsonString(alert.state)},"activeAt":${goTimeJson(alert.activeAtMs)}${keepFiring},` +
    `"value":${jsonString(formatFloatLowerE(alert.value))}}`
  );
}

function ruleTail(rule: RuleViewBase): string {
  const lastError = rule.lastError !== '' ? `,"lastError":${jsonString(rule.lastError)}` : '';
  return (
    `"health":${jsonString(rule.health)}${lastError},"evaluationTime":${seconds(rule.evaluationDurationMs)},` +
    `"lastEvaluation":${goTimeJson(rule.lastEvaluationMs)}`
  );
}

function ruleJson(rule: RuleView): string {
  const head = `"name":${jsonString(rule.name)},"query":${jsonString(rule.query)}`;
  if (rule.type === 'recording') {
    const labels = Object.keys(rule.labels).length > 0 ? `,"labels":${mapJson(rule.labels)}` : '';
    return `{${head}${labels},${ruleTail(rule)},"type":"recording"}`;
  }
  return (
    `{"state":${jsonString(rule.state)},${head},"duration":${seconds(rule.durationMs)},` +
    `"keepFiringFor":${seconds(rule.keepFiringForMs)},"labels":${mapJson(rule.labels)},` +
    `"annotations":${mapJson(rule.annotations)},"alerts":[${rule.alerts.map(alertJson).join(',')}],` +
    `${ruleTail(rule)},"type":"alerting"}`
  );
}

/** The `data` of /api/v1/rules; `type` is the raw parameter ('' for all rules). */
export function rulesDataJson(service: RulesStatusService, type: string): string {
  const kind = type.toLowerCase();
  if (kind !== '' && kind !== 'alert' && kind !== 'record')
    throw new RulesParamError(`invalid parameter "type": not supported value ${jsonString(kind)}`);
  const wanted = (rule: RuleView): boolean =>
    kind === '' || (kind === 'alert' ? rule.type === 'alerting' : rule.type === 'recording');
  const groups = service
    .ruleGroups()
    .map(
      (group) =>
        `{"name":${jsonString(group.name)},"file":${jsonString(group.file)},` +
        `"rules":[${group.rules.filter(wanted).map(ruleJson).join(',')}],` +
        `"interval":${seconds(group.intervalMs)},"limit":${goNumber(group.limit)},` +
        `"evaluationTime":${seconds(group.evaluationDurationMs)},"lastEvaluation":${goTimeJson(group.lastEvaluationMs)}}`,
    );
  return `{"groups":[${groups.join(',')}]}`;
}

/** The `data` of /api/v1/alerts: every pending and firing alert, rule by rule. */
export function alertsDataJson(service: RulesStatusService): string {
  const alerts: string[] = [];
  for (const group of service.ruleGroups()) {
    for (const rule of group.rules) if (rule.type === 'alerting') alerts.push(...rule.alerts.map(alertJson));
  }
  return `{"alerts":[${alerts.join(',')}]}`;
}

/** The `data` of /api/v1/alerts/transitions (mcpulse's own): the kept history, oldest first. */
export function transitionsDataJson(service: RulesStatusService): string {
  const transitions = service
    .alertTransitions()
    .map(
      (transition) =>
        `{"time":${goTimeJson(transition.atMs)},"group":${jsonString(transition.group)},` +
        `"rule":${jsonString(transition.rule)},"labels":${mapJson(transition.labels)},` +
        `"from":${jsonString(transition.from)},"to":${jsonString(transition.to)},` +
        `"value":${jsonString(formatFloatLowerE(transition.value))}}`,
    );
  return `{"transitions":[${transitions.join(',')}]}`;
}
