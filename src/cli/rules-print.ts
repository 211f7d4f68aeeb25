/**
 * `mcpulse rules [--no-builtin] [FILE…]`: the built-in group (with its default thresholds) and the
 * groups of the rule files given, printed to stdout as one Prometheus rule file that `promtool check
 * rules` accepts. A file that does not load is reported as `mcpulse rules test` would report it, and
 * nothing is printed; so is a group name held twice, which one file cannot hold.
 */
import { builtinRules } from '../alerting/builtin.js';
import { checkPromql, formatRuleFile } from '../alerting/define-rules.js';
import { loadRuleFile, type RuleGroupSpec } from '../alerting/rule-file.js';
import { err, EXIT_FAILURE, EXIT_OK } from './io.js';

export interface RulesPrintOptions {
  /** Default true: print the built-in `mcpulse` group first. */
  builtin?: boolean;
}

export function rulesFileText(groups: readonly RuleGroupSpec[]): string {
  const sources = [...new Set(groups.map((group) => group.file))];
  const from = sources.map((file) => (file === 'builtin' ? 'the built-in rules (default thresholds)' : file));
  return formatRuleFile(groups, [
    `Printed by \`mcpulse rules\`: ${from.length > 0 ? from.join(', ') : 'no rules'}.`,
    'Prometheus reads it as it is (promtool check rules accepts it).',
  ]);
}

export function runRulesPrint(files: readonly string[], options: RulesPrintOptions = {}): number {
  const groups: RuleGroupSpec[] = options.builtin === false ? [] : builtinRules();
  const errors: string[] = [];
  for (const file of files) {
    const loaded = loadRuleFile(file, checkPromql);
    errors.push(...loaded.errors);
    groups.push(...loaded.groups);
  }
  const seen = new Map<string, string>();
  for (const group of groups) {
    const other = seen.get(group.name);
    if (other !== undefined)
      errors.push(
        `group ${JSON.stringify(group.name)} is in both ${other} and ${group.file}; one rule file cannot hold both (rename one${other === 'builtin' ? ', or use --no-builtin' : ''})`,
      );
    else seen.set(group.name, group.file);
  }
  if (errors.length > 0) {
    for (const error of errors) err(`mcpulse rules: ${error}`);
    return EXIT_FAILURE;
  }
  // A reader that stops early (`mcpulse rules | head`) closes the pipe: that is no error of ours.
  process.stdout.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') err(`mcpulse rules: cannot write to stdout: ${error.message}`);
  });
  process.stdout.write(rulesFileText(groups));
  return EXIT_OK;
}
