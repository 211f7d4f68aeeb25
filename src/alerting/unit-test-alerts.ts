/**
 * promtool 2.42's alert_rule_test check: at an eval_time, the firing alerts of every rule named by the
 * test (across all groups) against the expected ones, both sorted by labels then annotations and
 * compared exactly, reported in promtool's words and layout (its trailing spaces included).
 */
import { compareLabels, compareStrings, type Label } from '../store/labels.js';
import { formatGoLabels, formatModelDuration } from './go-format.js';
import type { RuleGroup } from './rule-group.js';
import type { AlertTestCase } from './unit-test-file.js';

interface LabelsAndAnnotations {
  readonly labels: readonly Label[];
  readonly annotations: readonly Label[];
}

/** labels.FromMap: sorted by name, empty values kept. */
function fromMap(record: Readonly<Record<string, string>>): Label[] {
  return Object.entries(record)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => compareStrings(a.name, b.name));
}

function compareAlerts(a: LabelsAndAnnotations, b: LabelsAndAnnotations): number {
  return compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations);
}

function sameAlerts(a: readonly LabelsAndAnnotations[], b: readonly LabelsAndAnnotations[]): boolean {
  return a.length === b.length && a.every((x, i) => compareAlerts(x, b[i]!) === 0);
}

/** promtool's indentLines: every line but the first gets the indent. */
function indentLines(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`);
}

function alertString(alert: LabelsAndAnnotations): string {
  return `Labels:${formatGoLabels(alert.labels)}\nAnnotations:${formatGoLabels(alert.annotations)}`;
}

/** labelsAndAnnotations.String. */
function alertsString(alerts: readonly LabelsAndAnnotations[]): string {
  if (alerts.length === 0) return '[]';
  const items = alerts.map((alert, i) => `${i}:` + indentLines(`\n${alertString(alert)}`, '  '));
  return `[\n${items.join(',\n')}\n]`;
}

/** The firing alerts of every alerting rule named `alertname`, in group order. */
function firingAlerts(groups: readonly RuleGroup[], alertname: string): LabelsAndAnnotations[] {
  const out: LabelsAndAnnotations[] = [];
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.alerting === undefined || rule.name !== alertname) continue;
      for (const alert of rule.alerting.activeAlerts()) {
        if (alert.state === 'firing') out.push({ labels: alert.labels, annotations: alert.annotations });
      }
    }
  }
  return out;
}

/** The alert tests of one eval_time, checked after the evaluation at or just before it; their errors. */
export function checkAlertTests(
  tests: readonly AlertTestCase[],
  groups: readonly RuleGroup[],
  testGroupName: string | undefined,
): string[] {
  const errors: string[] = [];
  for (const test of tests) {
    const alertname = test.alertname ?? '';
    const got = firingAlerts(groups, alertname).sort(compareAlerts);
    const expected = (test.exp_alerts ?? [])
      .map((alert) => ({
        labels: fromMap({ ...(alert?.exp_labels ?? {}), alertname }),
        annotations: fromMap(alert?.exp_annotations ?? {}),
      }))
      .sort(compareAlerts);
    if (sameAlerts(expected, got)) continue;
    const name = testGroupName ? `    name: ${testGroupName},\n` : '';
    const indent = ' '.repeat(12);
    errors.push(
      `${name}    alertname: ${alertname}, time: ${formatModelDuration(test.eval_time ?? 0)}, \n` +
        `        exp:${indentLines(alertsString(expected), indent)}, \n` +
        `        got:${indentLines(alertsString(got), indent)}`,
    );
  }
  return errors;
}
