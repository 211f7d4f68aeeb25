import { describe, expect, it } from 'vitest';

import { optionErrorMessage } from '../../test/thrown.js';

import { checkPromql, defineRules, formatRuleFile, type RuleGroupsDefinition } from './define-rules.js';
import { parseRuleGroups } from './rule-file.js';

const definition: RuleGroupsDefinition = {
  groups: [
    {
      name: 'api',
      interval: '30s',
      limit: 10,
      rules: [
        {
          record: 'job:requests:rate5m',
          expr: 'sum by (job) (rate(requests_total[5m]))',
          labels: { team: 'a' },
        },
        {
          alert: 'Down',
          expr: 'up == 0',
          for: '1h30m',
          keep_firing_for: '90s',
          labels: { severity: 'critical' },
          annotations: { summary: '{{ $labels.instance }} is down' },
        },
        { alert: 'Instant', expr: 'vector(1)' },
      ],
    },
  ],
};

describe('defineRules', () => {
  it('returns the groups as a rule file would parse them', () => {
    expect(defineRules(definition, 'api.ts')).toEqual([
      {
        file: 'api.ts',
        name: 'api',
        intervalMs: 30_000,
        limit: 10,
        rules: [
          {
            kind: 'recording',
            name: 'job:requests:rate5m',
            expr: 'sum by (job) (rate(requests_total[5m]))',
            labels: { team: 'a' },
          },
          {
            kind: 'alerting',
            name: 'Down',
            expr: 'up == 0',
            forMs: 5_400_000,
            keepFiringForMs: 90_000,
            labels: { severity: 'critical' },
            annotations: { summary: '{{ $labels.instance }} is down' },
          },
          {
            kind: 'alerting',
            name: 'Instant',
            expr: 'vector(1)',
            forMs: 0,
            keepFiringForMs: 0,
            labels: {},
            annotations: {},
          },
        ],
      },
    ]);
  });

  it('formats groups as a rule file that parses back to the same groups', () => {
    const groups = defineRules(definition, 'api.ts');
    const text = formatRuleFile(groups, ['a header']);
    expect(text.startsWith('# a header\ngroups:\n  - name: api\n    interval: 30s\n    limit: 10\n')).toBe(
      true,
    );
    expect(text).toContain('        for: 1h30m\n        keep_firing_for: 1m30s\n');
    expect(parseRuleGroups(text, 'api.ts', checkPromql)).toEqual({ groups, errors: [] });
  });

  it('refuses what Prometheus refuses in a rule file, with its messages and no line numbers', () => {
    expect(
      optionErrorMessage(() =>
        defineRules({
          groups: [
            {
              name: 'g',
              rules: [
                { record: 'x', expr: 'up', for: '5m' },
                { alert: 'A', expr: 'up +' },
              ],
            },
            { name: 'g', rules: [{ alert: 'B', expr: 'up', labels: { 'bad-name': 'x' } }] },
          ],
        }),
      ),
    ).toBe(
      [
        'mcpulse: 4 invalid options:',
        `  - defineRules: group "g", rule 1, "x": invalid field 'for' in recording rule`,
        `  - defineRules: group "g", rule 2, "A": could not parse expression: ${checkPromql('up +')}`,
        '  - defineRules: groupname: "g" is repeated in the same file',
        '  - defineRules: group "g", rule 1, "B": invalid label name: bad-name',
      ].join('\n'),
    );
  });

  it('checks label and annotation templates as rule files are checked', () => {
    const summary = { summary: '{{ $value | nope }}' };
    expect(
      optionErrorMessage(() =>
        defineRules({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', annotations: summary }] }] }),
      ),
    ).toBe(
      'mcpulse: defineRules: group "g", rule 1, "A": annotation "summary": template: __alert_A:1: function "nope" not defined',
    );
  });

  it('refuses a wrong shape by path before anything else', () => {
    expect(
      optionErrorMessage(() =>
        defineRules({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: '5 minutes' }] }] }),
      ),
    ).toBe(
      `mcpulse: rules.groups[0].rules[0].for must be a Prometheus duration string such as '5m' or '1h30m', got "5 minutes"`,
    );
    expect(
      optionErrorMessage(() =>
        defineRules({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', severity: 'x' } as never] }] }),
      ),
    ).toBe(
      'mcpulse: unknown option "rules.groups[0].rules[0].severity" (known: alert, record, expr, for, keep_firing_for, labels, annotations)',
    );
    expect(optionErrorMessage(() => defineRules({ groups: [{ name: 'g', limit: -1, rules: [] }] }))).toBe(
      'mcpulse: rules.groups[0].limit must be an integer >= 0, got -1',
    );
  });
});
