/**
 * Evaluates a rule group at one time, as Prometheus's rules.Group.Eval does: rules in order, each
 * reading what the rules before it wrote. A recording rule's result is renamed to the rule's name, its
 * labels set (an empty value removes one), and appended; a series it produced last time and not now gets
 * a staleness marker. A query error, a result with clashing label sets, too many series for the group's
 * `limit`, or a refused append becomes the rule's lastError. Alerting rules are not evaluated yet.
 */
import { LabelsBuilder, labelsKey, METRIC_NAME, type Labels } from '../store/labels.js';
import { queryFailed } from '../store/promql/errors.js';
import type { QueryValue, Sample } from '../store/promql/value.js';
import type { RuleGroupSpec, RuleSpec } from './rule-file.js';
import type { SampleAppender } from './test-storage.js';

/** Runs an instant query; throws (a QueryError) when it fails. */
export type InstantQuery = (expr: string, timeMs: number) => QueryValue | Promise<QueryValue>;

export interface Appendable {
  appender(): SampleAppender;
}

/** What a rule query returned, as a vector: a scalar is one sample with no labels. */
export function resultVector(value: QueryValue): Sample[] {
  if (value.type === 'vector') return value.samples;
  if (value.type === 'scalar') return [{ metric: [], t: value.t, v: value.v }];
  throw queryFailed('rule result is not a vector or scalar');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class EvaluatedRule {
  lastError: string | undefined;
  /** The series appended at the last evaluation, by key, for staleness markers. */
  private previous = new Map<string, Labels>();

  constructor(readonly spec: RuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** RecordingRule.Eval: the query's result under the rule's name and labels. */
  private async record(query: InstantQuery, timeMs: number, limit: number): Promise<Sample[]> {
    const vector = resultVector(await query(this.spec.expr, timeMs));
    const seen = new Set<string>();
    const out: Sample[] = [];
    for (const sample of vector) {
      const builder = new LabelsBuilder(sample.metric).set(METRIC_NAME, this.spec.name);
      for (const [name, value] of Object.entries(this.spec.labels)) builder.set(name, value);
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

  async evaluate(query: InstantQuery, storage: Appendable, timeMs: number, limit: number): Promise<void> {
    if (this.spec.kind !== 'recording') {
      this.lastError = undefined;
      return;
    }
    let vector: Sample[];
    try {
      vector = await this.record(query, timeMs, limit);
    } catch (error) {
      this.lastError = errorMessage(error);
      return;
    }
    this.lastError = undefined;
    const appender = storage.appender();
    const returned = new Map<string, Labels>();
    for (const sample of vector) {
      const refused = appender.append(sample.metric, sample.t, sample.v);
      if (refused !== undefined) this.lastError = refused;
      else returned.set(labelsKey(sample.metric), sample.metric);
    }
    for (const [key, metric] of this.previous) {
      // Refusals are expected here when another rule writes the same series; Prometheus ignores them.
      if (!returned.has(key)) appender.append(metric, timeMs, NaN, true);
    }
    appender.commit();
    this.previous = returned;
  }
}

export class RuleGroup {
  readonly rules: readonly EvaluatedRule[];

  constructor(readonly spec: RuleGroupSpec) {
    this.rules = spec.rules.map((rule) => new EvaluatedRule(rule));
  }

  get name(): string {
    return this.spec.name;
  }

  /** Group.Eval at one time; read each rule's lastError afterwards. */
  async evaluate(query: InstantQuery, storage: Appendable, timeMs: number): Promise<void> {
    for (const rule of this.rules) await rule.evaluate(query, storage, timeMs, this.spec.limit);
  }
}
