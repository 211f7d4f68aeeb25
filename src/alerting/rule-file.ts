/**
 * Prometheus rule files (rulefmt): `groups` of `name`, `interval`, `limit` and `rules`, each rule a
 * recording rule (`record`, `expr`, `labels`) or an alerting rule (`alert`, `expr`, `for`,
 * `keep_firing_for`, `labels`, `annotations`). Parsed strictly and validated as Prometheus 2.42 does,
 * with its messages (`4:17: group "g", rule 1, "a": invalid field 'for' in recording rule`), every error
 * prefixed with the file's name. Alerting rules' label and annotation templates must parse (rulefmt's
 * testTemplateParsing): `group "g", rule 1, "a": annotation "summary": template: __alert_a:1: …`.
 */
import { readFileSync } from 'node:fs';

import { goQuote } from './go-format.js';
import { checkTemplate } from './template/index.js';
import { decodeYaml, YamlDecodeError, type Position, type RawNode, type Shape } from './yaml-decode.js';

export interface RecordingRuleSpec {
  readonly kind: 'recording';
  readonly name: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertingRuleSpec {
  readonly kind: 'alerting';
  readonly name: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type RuleSpec = RecordingRuleSpec | AlertingRuleSpec;

export interface RuleGroupSpec {
  readonly file: string;
  readonly name: string;
  /** 0 when the file sets none (the caller's default applies). */
  readonly intervalMs: number;
  /** 0 = no limit on the series a rule may produce. */
  readonly limit: number;
  readonly rules: readonly RuleSpec[];
}

/** Checks a rule's expression; returns the parse error's message, or undefined when it parses. */
export type ExpressionCheck = (expr: string) => string | undefined;

const RULE_NODE: Shape = {
  kind: 'struct',
  goType: 'rulefmt.RuleNode',
  fields: {
    record: { kind: 'node' },
    alert: { kind: 'node' },
    expr: { kind: 'node' },
    for: { kind: 'duration' },
    keep_firing_for: { kind: 'duration' },
    labels: { kind: 'stringMap' },
    annotations: { kind: 'stringMap' },
  },
};
const RULE_GROUPS: Shape = {
  kind: 'struct',
  goType: 'rulefmt.RuleGroups',
  fields: {
    groups: {
      kind: 'list',
      goType: '[]rulefmt.RuleGroup',
      of: {
        kind: 'struct',
        goType: 'rulefmt.RuleGroup',
        fields: {
          name: { kind: 'string' },
          interval: { kind: 'duration' },
          limit: { kind: 'int' },
          rules: { kind: 'list', goType: '[]rulefmt.RuleNode', of: RULE_NODE },
        },
      },
    },
  },
};

interface DecodedRule {
  $position: Position;
  record?: RawNode;
  alert?: RawNode;
  expr?: RawNode;
  for?: number;
  keep_firing_for?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface DecodedGroup {
  $position: Position;
  name?: string;
  interval?: number;
  limit?: number;
  rules?: (DecodedRule | undefined)[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NO_NODE: RawNode = { value: '', line: 0, column: 0 };

const at = (node: Position): string => `${node.line}:${node.column}`;

/** rulefmt's RuleNode.Validate, each message already in its Error() form. */
function validateRule(rule: DecodedRule, where: string, checkExpr: ExpressionCheck): string[] {
  const record = rule.record ?? NO_NODE;
  const alert = rule.alert ?? NO_NODE;
  const expr = rule.expr ?? NO_NODE;
  const errors: string[] = [];
  const add = (message: string, node?: Position, alt?: Position): void => {
    const prefix = (node ? `${at(node)}: ` : '') + (alt ? `${at(alt)}: ` : '');
    errors.push(`${prefix}${where}: ${message}`);
  };
  if (record.value !== '' && alert.value !== '')
    add("only one of 'record' and 'alert' must be set", record, alert);
  if (record.value === '' && alert.value === '') add("one of 'record' or 'alert' must be set", record);
  if (expr.value === '') add("field 'expr' must be set in rule", expr);
  else {
    const problem = checkExpr(expr.value);
    if (problem !== undefined) add(`could not parse expression: ${problem}`, expr);
  }
  if (record.value !== '') {
    if (Object.keys(rule.annotations ?? {}).length > 0)
      add("invalid field 'annotations' in recording rule", record);
    if ((rule.for ?? 0) !== 0) add("invalid field 'for' in recording rule", record);
    if ((rule.keep_firing_for ?? 0) !== 0) add("invalid field 'keep_firing_for' in recording rule", record);
    if (!METRIC_NAME.test(record.value)) add(`invalid recording rule name: ${record.value}`, record);
  }
  for (const name of Object.keys(rule.labels ?? {})) {
    if (!LABEL_NAME.test(name) || name === '__name__') add(`invalid label name: ${name}`);
  }
  for (const name of Object.keys(rule.annotations ?? {})) {
    if (!LABEL_NAME.test(name)) add(`invalid annotation name: ${name}`);
  }
  if (alert.value !== '') {
    // Go ranges over the maps in random order; these go in key order.
    const templates = [
      ['label', rule.labels ?? {}],
      ['annotation', rule.annotations ?? {}],
    ] as const;
    for (const [kind, map] of templates) {
      for (const name of Object.keys(map).sort()) {
        const problem = checkTemplate(alert.value, map[name]!);
        if (problem !== undefined) add(`${kind} ${goQuote(name)}: ${problem}`);
      }
    }
  }
  return errors;
}

/** rulefmt.Parse and Validate of one file's text; errors are unprefixed (the caller adds the file). */
export function parseRuleGroups(
  text: string,
  file: string,
  checkExpr: ExpressionCheck,
): { groups: RuleGroupSpec[]; errors: string[] } {
  let decoded: { groups?: (DecodedGroup | undefined)[] } | undefined;
  try {
    const result = decodeYaml(text, RULE_GROUPS);
    if (result.error !== undefined) {
      const errors = [result.error];
      // Prometheus decodes the file twice; the second pass (into a list of nodes) fails too when
      // `groups` is not a list.
      const groupsLine =
        /^yaml: unmarshal errors:\n {2}line (\d+): cannot unmarshal (\S+(?: `[^`]*`)?) into \[\]rulefmt\.RuleGroup$/.exec(
          result.error,
        );
      if (groupsLine)
        errors.push(
          `yaml: unmarshal errors:\n  line ${groupsLine[1]}: cannot unmarshal ${groupsLine[2]} into []yaml.Node`,
        );
      return { groups: [], errors };
    }
    decoded = result.value as typeof decoded;
  } catch (error) {
    if (error instanceof YamlDecodeError) return { groups: [], errors: [error.message] };
    throw error;
  }
  const errors: string[] = [];
  const groups: RuleGroupSpec[] = [];
  const names = new Set<string>();
  for (const group of decoded?.groups ?? []) {
    const position = group?.$position ?? { line: 0, column: 0 };
    const name = group?.name ?? '';
    if (name === '') errors.push(`${at(position)}: Groupname must not be empty`);
    if (names.has(name))
      errors.push(`${at(position)}: groupname: ${goQuote(name)} is repeated in the same file`);
    names.add(name);
    const rules: RuleSpec[] = [];
    (group?.rules ?? []).forEach((raw, i) => {
      const rule = raw ?? { $position: { line: 0, column: 0 } };
      const ruleName = rule.alert?.value ? rule.alert.value : (rule.record?.value ?? '');
      const where = `group ${goQuote(name)}, rule ${i + 1}, ${goQuote(ruleName)}`;
      errors.push(...validateRule(rule, where, checkExpr));
      const common = { name: ruleName, expr: rule.expr?.value ?? '', labels: rule.labels ?? {} };
      if (rule.alert?.value) {
        rules.push({
          kind: 'alerting',
          ...common,
          forMs: rule.for ?? 0,
          keepFiringForMs: rule.keep_firing_for ?? 0,
          annotations: rule.annotations ?? {},
        });
      } else rules.push({ kind: 'recording', ...common });
    });
    groups.push({ file, name, intervalMs: group?.interval ?? 0, limit: group?.limit ?? 0, rules });
  }
  return { groups, errors };
}

/** rulefmt.ParseFile: reads and validates a rule file; every error starts with the file's name. */
export function loadRuleFile(
  file: string,
  checkExpr: ExpressionCheck,
): { groups: RuleGroupSpec[]; errors: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    return { groups: [], errors: [`${file}: open ${file}: ${reason}`] };
  }
  const { groups, errors } = parseRuleGroups(text, file, checkExpr);
  return { groups, errors: errors.map((error) => `${file}: ${error}`) };
}
