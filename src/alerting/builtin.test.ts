import { afterAll, describe, expect, it } from 'vitest';

import { optionErrorMessage } from '../../test/thrown.js';

import { createMcpulse } from '../core/mcpulse.js';
import type { Expr } from '../store/promql/ast.js';
import { parseExpr } from '../store/promql/parse.js';
import { BUILTIN_ALERTS, builtinRules, DEFAULT_RUNBOOK_URL } from './builtin.js';
import type { AlertingRuleSpec } from './rule-file.js';

function alerts(options?: Parameters<typeof builtinRules>[0]): AlertingRuleSpec[] {
  const groups = builtinRules(options);
  expect(groups.map((group) => [group.name, group.file])).toEqual([['mcpulse', 'builtin']]);
  return groups[0]!.rules as AlertingRuleSpec[];
}

const rule = (rules: AlertingRuleSpec[], name: string) => rules.find((r) => r.name === name)!;

describe('builtinRules', () => {
  it('is one group of ten alerting rules, each with a severity, a summary, a description and its runbook', () => {
    const rules = alerts();
    expect(rules.map((r) => [r.kind, r.name, r.labels.severity, r.forMs])).toEqual([
      ['alerting', 'McpServerErrorRatioHigh', 'critical', 300_000],
      ['alerting', 'McpToolErrorRatioHigh', 'warning', 300_000],
      ['alerting', 'McpLatencyP95High', 'warning', 300_000],
      ['alerting', 'McpToolLatencyP95High', 'warning', 300_000],
      ['alerting', 'McpulseMemoryHigh', 'warning', 300_000],
      ['alerting', 'McpulseCpuHigh', 'warning', 300_000],
      ['alerting', 'McpulseEventLoopLagHigh', 'warning', 300_000],
      ['alerting', 'McpulseHealthCheckFailing', 'critical', 300_000],
      ['alerting', 'McpNoTraffic', 'warning', 0],
      ['alerting', 'McpulseNotificationsFailing', 'warning', 0],
    ]);
    for (const r of rules) {
      expect(Object.keys(r.annotations), r.name).toEqual(['summary', 'description', 'runbook_url']);
      expect(r.annotations.runbook_url).toBe(`${DEFAULT_RUNBOOK_URL}#${r.name.toLowerCase()}`);
    }
  });

  it('puts the thresholds, windows and labels it is given into the rules', () => {
    const rules = alerts({
      errorRatio: 0.05,
      minRequestRate: 2,
      rateWindow: '120s',
      for: '30s',
      latencyP95Seconds: 0.5,
      memoryRatio: 0.9,
      cpuRatio: 0.75,
      eventLoopLagSeconds: 1,
      noTrafficFor: '1h',
      interval: '15s',
      labels: { team: 'search' },
      runbookBaseUrl: 'https://wiki.example/runbooks',
      exclude: ['McpulseCpuHigh'],
    });
    expect(builtinRules({ interval: '15s' })[0]!.intervalMs).toBe(15_000);
    expect(rules).toHaveLength(9);
    expect(rules.find((r) => r.name === 'McpulseCpuHigh')).toBeUndefined();
    const errors = rule(rules, 'McpServerErrorRatioHigh');
    expect(errors.expr).toContain(') > 0.05\nand on (job, instance)\n');
    expect(errors.expr).toContain('(rate(mcp_server_operation_duration_seconds_count[2m])) > 2');
    expect(errors.forMs).toBe(30_000);
    expect(errors.labels).toEqual({ severity: 'critical', team: 'search' });
    expect(errors.annotations.description).toContain('above 5% while serving more than 2 requests/s');
    expect(errors.annotations.runbook_url).toBe('https://wiki.example/runbooks#mcpservererrorratiohigh');
    expect(rule(rules, 'McpToolLatencyP95High').expr).toContain(')) > 0.5\n');
    expect(rule(rules, 'McpulseMemoryHigh').expr.endsWith('\n> 0.9')).toBe(true);
    expect(rule(rules, 'McpulseEventLoopLagHigh').expr).toBe('nodejs_eventloop_lag_p99_seconds > 1');
    expect(rule(rules, 'McpNoTraffic').expr).toContain('(process_start_time_seconds) > 3600\n');
    expect(rule(rules, 'McpNoTraffic').expr).toContain('[1h])) > 0');
    expect(rule(rules, 'McpNoTraffic').annotations.summary).toBe('No MCP requests for 1h');
    expect(alerts({ for: '0s' }).every((r) => r.forMs === 0)).toBe(true);
  });

  it('refuses bad options, naming each', () => {
    expect(optionErrorMessage(() => builtinRules({ errorRatio: 1.5 }))).toBe(
      'mcpulse: builtinRules.errorRatio must be a number greater than 0 and less than 1, got 1.5',
    );
    expect(
      optionErrorMessage(() =>
        builtinRules({
          rateWindow: '0s',
          latencyP95Seconds: Infinity,
          exclude: ['McpCpu' as never],
          labels: { severity: 'page' },
          runbookBaseUrl: 'runbooks.md',
        }),
      ),
    ).toBe(
      [
        'mcpulse: 5 invalid options:',
        '  - builtinRules.runbookBaseUrl must be an http:// or https:// URL without a #fragment, got "runbooks.md"',
        `  - builtinRules.rateWindow must be a Prometheus duration greater than 0 such as '5m', got "0s"`,
        '  - builtinRules.latencyP95Seconds must be a finite number greater than 0, got Infinity',
        '  - builtinRules.labels.severity is not a label the built-in rules can take (a name [a-zA-Z_][a-zA-Z0-9_]* other than severity, which each rule sets, and __name__)',
        `  - builtinRules.exclude[0] must be one of ${BUILTIN_ALERTS.join(', ')}, got "McpCpu"`,
      ].join('\n'),
    );
    expect(optionErrorMessage(() => builtinRules({ thresholds: {} } as never))).toMatch(
      /^mcpulse: unknown option "builtinRules.thresholds"/,
    );
  });
});

/** The nodes of an expression's tree of one kind. */
function nodes<K extends Expr['kind']>(kind: K, node: unknown, out: Extract<Expr, { kind: K }>[] = []) {
  if (typeof node !== 'object' || node === null) return out;
  if ((node as Expr).kind === kind) out.push(node as Extract<Expr, { kind: K }>);
  for (const value of Object.values(node)) nodes(kind, value, out);
  return out;
}
/** Target labels a Prometheus scrape adds; the store has none. */
const TARGET = ['job', 'instance'];

describe('the metrics the built-in rules read', () => {
  const pulse = createMcpulse({ monitoring: false, store: false, logLevel: 'silent' });
  afterAll(() => pulse.shutdown());

  it('are the names and labels mcpulse exports (mcpulse_notifications_total comes with the receivers)', async () => {
    await pulse.health.run();
    const registered = new Map<string, readonly string[]>();
    for (const metric of await pulse.registry.getMetricsAsJSON()) {
      const labels = (pulse.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] })
        .labelNames;
      const names =
        String(metric.type) === 'histogram'
          ? ['_bucket', '_count', '_sum'].map((s) => metric.name + s)
          : [metric.name];
      for (const name of names)
        registered.set(name, [...(labels ?? []), ...(name.endsWith('_bucket') ? ['le'] : [])]);
    }
    const missing = new Set<string>();
    for (const r of alerts()) {
      const expr = parseExpr(r.expr);
      // Every label grouped by (other than the target's) is a label of what is aggregated.
      for (const aggregate of nodes('aggregate', expr)) {
        for (const selector of nodes('vector', aggregate.expr)) {
          const labels = registered.get(selector.name!) ?? [];
          for (const name of aggregate.grouping.filter((label) => !TARGET.includes(label)))
            if (!missing.has(selector.name!) && registered.has(selector.name!))
              expect(labels, `${r.name}: ${selector.name} by ${name}`).toContain(name);
        }
      }
      // So is every label an annotation shows.
      for (const [, name] of Object.values(r.annotations)
        .join(' ')
        .matchAll(/\$labels\.(\w+)/g)) {
        const shown = nodes('vector', expr).some((selector) =>
          registered.get(selector.name!)?.includes(name!),
        );
        expect(shown || r.name === 'McpulseNotificationsFailing', `${r.name}: $labels.${name}`).toBe(true);
      }
      for (const selector of nodes('vector', expr)) {
        const labels = registered.get(selector.name!);
        if (labels === undefined) {
          missing.add(selector.name!);
          continue;
        }
        for (const matcher of selector.matchers) {
          if (matcher.name !== '__name__')
            expect(labels, `${r.name}: ${selector.name}`).toContain(matcher.name);
        }
      }
    }
    expect([...missing]).toEqual(
      registered.has('mcpulse_notifications_total') ? [] : ['mcpulse_notifications_total'],
    );
    expect(registered.get('mcpulse_health_check_status')).toEqual(['check']);
    expect(registered.get('system_memory_usage_bytes')).toEqual(['system_memory_state']);
  });
});
