/**
 * Rules written in TypeScript: `defineRules({ groups: [...] })` takes objects of exactly the rule-file
 * shape (durations as Prometheus duration strings such as '5m') and validates them as a rule file is
 * validated, by writing them out as one and parsing that with rule-file.ts: the same checks, the same
 * messages (without line numbers, which would point into text nobody wrote). `formatRuleFile` writes
 * parsed groups back out as a rule file `promtool check rules` accepts.
 */
import { stringify } from 'yaml';
import { z } from 'zod';

import { issuesError, must, parseOptions } from '../core/errors.js';
import { parseExpr } from '../store/promql/parse.js';
import { formatModelDuration, parseModelDuration } from './go-format.js';
import { parseRuleGroups, type ExpressionCheck, type RuleGroupSpec, type RuleSpec } from './rule-file.js';

export interface AlertingRuleDefinition {
  alert: string;
  expr: string;
  /** A Prometheus duration such as '5m'; default 0 (fires at the first evaluation that matches). */
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RecordingRuleDefinition {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export type RuleDefinition = AlertingRuleDefinition | RecordingRuleDefinition;

export interface RuleGroupDefinition {
  name: string;
  /** A Prometheus duration such as '1m'; default the evaluator's. */
  interval?: string;
  /** Most series a rule of the group may produce; 0 (the default) is no limit. */
  limit?: number;
  rules: RuleDefinition[];
}

export interface RuleGroupsDefinition {
  groups: RuleGroupDefinition[];
}

/** A Prometheus duration string (model.ParseDuration: '90s', '1h30m', '0'). */
export function durationSchema(): z.ZodString {
  const expected = must("a Prometheus duration string such as '5m' or '1h30m'");
  return z.string(expected).refine((text) => {
    try {
      parseModelDuration(text);
      return true;
    } catch {
      return false;
    }
  }, expected);
}

const stringMap = () =>
  z.record(z.string(), z.string(must('a string')), must('an object of string values')).optional();

// One object with every key optional: which of `alert` and `record` is set, and what may go with it, is
// rule-file.ts's to check, with Prometheus's messages.
const ruleSchema = z.strictObject(
  {
    alert: z.string(must('a string')).optional(),
    record: z.string(must('a string')).optional(),
    expr: z.string(must('a string')).optional(),
    for: durationSchema().optional(),
    keep_firing_for: durationSchema().optional(),
    labels: stringMap(),
    annotations: stringMap(),
  },
  must('a rule object such as { alert, expr } or { record, expr }'),
);

const groupsSchema = z.strictObject(
  {
    groups: z.array(
      z.strictObject(
        {
          name: z.string(must('a string')),
          interval: durationSchema().optional(),
          limit: z.int(must('an integer >= 0')).min(0, must('an integer >= 0')).optional(),
          rules: z.array(ruleSchema, must('an array of rules')),
        },
        must('a rule group object such as { name, rules }'),
      ),
      must('an array of rule groups'),
    ),
  },
  must('an object such as { groups: [...] }'),
);

/** Checks an expression with mcpulse's PromQL parser (the one its engine runs). */
export const checkPromql: ExpressionCheck = (expr) => {
  try {
    parseExpr(expr);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** Line and column prefixes (`4:17: `) of rule-file messages, which would point into generated text. */
const POSITIONS = /^(\d+:\d+: )+/;

/**
 * Validates rule groups given as objects of the rule-file shape; throws a McpulseOptionError listing
 * every problem (`group "g", rule 1, "a": invalid field 'for' in recording rule`). `source` is the
 * groups' `file`, as the rules API shows it.
 */
export function defineRules(definition: RuleGroupsDefinition, source = 'defineRules'): RuleGroupSpec[] {
  const valid = parseOptions(groupsSchema, definition, { name: 'rules', prefix: 'rules' });
  const { groups, errors } = parseRuleGroups(stringify(valid), source, checkPromql);
  if (errors.length > 0)
    throw issuesError(errors.map((error) => `defineRules: ${error.replace(POSITIONS, '')}`));
  return groups;
}

function ruleObject(rule: RuleSpec): Record<string, unknown> {
  const labels = Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {};
  if (rule.kind === 'recording') return { record: rule.name, expr: rule.expr, ...labels };
  return {
    alert: rule.name,
    expr: rule.expr,
    ...(rule.forMs > 0 && { for: formatModelDuration(rule.forMs) }),
    ...(rule.keepFiringForMs > 0 && { keep_firing_for: formatModelDuration(rule.keepFiringForMs) }),
    ...labels,
    ...(Object.keys(rule.annotations).length > 0 && { annotations: rule.annotations }),
  };
}

/**
 * Parsed groups as one Prometheus rule file (YAML), each line of `header` as a comment above it.
 * Multi-line expressions stay block literals; no line is folded.
 */
export function formatRuleFile(groups: readonly RuleGroupSpec[], header: readonly string[] = []): string {
  const file = {
    groups: groups.map((group) => ({
      name: group.name,
      ...(group.intervalMs > 0 && { interval: formatModelDuration(group.intervalMs) }),
      ...(group.limit > 0 && { limit: group.limit }),
      rules: group.rules.map(ruleObject),
    })),
  };
  const comments = header.map((line) => (line === '' ? '#\n' : `# ${line}\n`)).join('');
  return comments + stringify(file, { lineWidth: 0, blockQuote: 'literal', singleQuote: true });
}
