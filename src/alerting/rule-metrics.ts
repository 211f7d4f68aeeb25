/**
 * The rule manager's own metrics, under the names Prometheus 2.42's rule manager gives them
 * (rules/manager.go NewGroupMetrics), so the dashboards and alerts people already run on a
 * Prometheus's rule health (e.g. the prometheus-mixin's PrometheusRuleFailures and
 * PrometheusMissingRuleEvaluations) read mcpulse's too. `rule_group` is Prometheus's group key,
 * `<file>;<name>`. Left out: `prometheus_rule_group_last_evaluation_samples` (a group's evaluation
 * does not report its sample count), and the two summaries (`prometheus_rule_evaluation_duration_seconds`,
 * `prometheus_rule_group_duration_seconds`) are left out: the last durations are gauges here and in
 * /api/v1/rules.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RuleGroupMetrics {
  readonly evaluations: Counter<'rule_group'>;
  readonly failures: Counter<'rule_group'>;
  readonly iterations: Counter<'rule_group'>;
  readonly missed: Counter<'rule_group'>;
  readonly interval: Gauge<'rule_group'>;
  readonly lastEvaluation: Gauge<'rule_group'>;
  readonly lastDuration: Gauge<'rule_group'>;
  readonly rules: Gauge<'rule_group'>;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  // A second manager on the same registry (a restart in a test, a reload) shares the metrics.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function ruleGroupMetrics(registry: Registry): RuleGroupMetrics {
  const registers = [registry];
  const labelNames = ['rule_group'] as const;
  const counter = (name: string, help: string) =>
    reuse(registry, name, () => new Counter({ name, help, labelNames, registers }));
  const gauge = (name: string, help: string) =>
    reuse(registry, name, () => new Gauge({ name, help, labelNames, registers }));
  return {
    evaluations: counter('prometheus_rule_evaluations_total', 'The total number of rule evaluations.'),
    failures: counter(
      'prometheus_rule_evaluation_failures_total',
      'The total number of rule evaluation failures.',
    ),
    iterations: counter(
      'prometheus_rule_group_iterations_total',
      'The total number of scheduled rule group evaluations, whether executed or missed.',
    ),
    missed: counter(
      'prometheus_rule_group_iterations_missed_total',
      'The total number of rule group evaluations missed due to slow rule group evaluation.',
    ),
    interval: gauge('prometheus_rule_group_interval_seconds', 'The interval of a rule group.'),
    lastEvaluation: gauge(
      'prometheus_rule_group_last_evaluation_timestamp_seconds',
      'The timestamp of the last rule group evaluation in seconds.',
    ),
    lastDuration: gauge(
      'prometheus_rule_group_last_duration_seconds',
      'The duration of the last rule group evaluation.',
    ),
    rules: gauge('prometheus_rule_group_rules', 'The number of rules.'),
  };
}

/** NewGroup: every series of a group exists (at 0) from the start, as Prometheus's WithLabelValues makes them. */
export function initGroupMetrics(
  metrics: RuleGroupMetrics,
  key: string,
  intervalMs: number,
  ruleCount: number,
): void {
  const labels = { rule_group: key };
  for (const counter of [metrics.evaluations, metrics.failures, metrics.iterations, metrics.missed])
    counter.inc(labels, 0);
  for (const gauge of [metrics.lastEvaluation, metrics.lastDuration]) gauge.set(labels, 0);
  metrics.interval.set(labels, intervalMs / 1000);
  metrics.rules.set(labels, ruleCount);
}
