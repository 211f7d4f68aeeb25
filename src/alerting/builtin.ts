/**
 * The built-in alerting rules: one group, `mcpulse`, over the metrics mcpulse exports, written so the
 * same rules work embedded (where series carry no `job` or `instance`) and in a Prometheus scraping many
 * mcpulse targets (where they do: every aggregation keeps both, so each target alerts on its own).
 * Thresholds come from validated options; docs/runbooks.md says what each alert means and what to do.
 * examples/rules/mcpulse-alerts.yml is this group printed with the defaults (a test keeps it so), and
 * examples/rules/mcpulse-alerts.test.yml its promtool unit tests.
 */
import { z } from 'zod';

import { must, parseOptions, SENTENCE } from '../core/errors.js';
import { defineRules, durationSchema, type AlertingRuleDefinition } from './define-rules.js';
import { formatModelDuration, parseModelDuration } from './go-format.js';
import type { RuleGroupSpec } from './rule-file.js';

export const BUILTIN_GROUP = 'mcpulse';

export const BUILTIN_ALERTS = [
  'McpServerErrorRatioHigh',
  'McpToolErrorRatioHigh',
  'McpLatencyP95High',
  'McpToolLatencyP95High',
  'McpulseMemoryHigh',
  'McpulseCpuHigh',
  'McpulseEventLoopLagHigh',
  'McpulseHealthCheckFailing',
  'McpNoTraffic',
  'McpulseNotificationsFailing',
] as const;

export type BuiltinAlert = (typeof BUILTIN_ALERTS)[number];

/** Where the runbooks are; each alert links to `<runbookBaseUrl>#<alert name in lower case>`. */
export const DEFAULT_RUNBOOK_URL = 'https://github.com/mcpulse/mcpulse/blob/main/docs/runbooks.md';

export interface BuiltinRulesOptions {
  /** Default DEFAULT_RUNBOOK_URL (docs/runbooks.md of the repository). */
  runbookBaseUrl?: string;
  /** The group's evaluation interval, e.g. '30s'; default none (the evaluator's). */
  interval?: string;
  /** How long a condition must hold before its alert fires; default '5m'. */
  for?: string;
  /** The window of every rate and quantile; default '5m'. */
  rateWindow?: string;
  /** Requests per second below which error ratios and latencies do not alert; default 0.1. */
  minRequestRate?: number;
  /** Share of requests failing through the server's fault; default 0.1 (10%). */
  errorRatio?: number;
  /** p95 latency in seconds, overall and per tool; default 2. */
  latencyP95Seconds?: number;
  /** Share of host memory in use; default 0.85. */
  memoryRatio?: number;
  /** Share of host CPU time busy; default 0.8. */
  cpuRatio?: number;
  /** p99 event-loop delay in seconds; default 0.2. */
  eventLoopLagSeconds?: number;
  /** How long a server may go without an MCP request before McpNoTraffic fires; default '15m'. */
  noTrafficFor?: string;
  /** Labels added to every built-in rule (e.g. { team: 'search' }); `severity` is the rules' own. */
  labels?: Record<string, string>;
  /** Built-in alerts to leave out, by name. */
  exclude?: BuiltinAlert[];
}

const positiveDuration = () =>
  durationSchema().refine(
    (text) => parseModelDuration(text) > 0,
    must("a Prometheus duration greater than 0 such as '5m'"),
  );
const ratio = () => {
  const expected = must('a number greater than 0 and less than 1');
  return z.number(expected).gt(0, expected).lt(1, expected);
};
const positive = () => {
  const expected = must('a finite number greater than 0');
  return z.number(expected).gt(0, expected).refine(Number.isFinite, expected);
};
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** BuiltinRulesOptions, validated (also as the `alerting.builtin` option). */
export const builtinRulesOptionsSchema = z.strictObject(
  {
    runbookBaseUrl: z
      .string(must('an http:// or https:// URL'))
      .regex(/^https?:\/\/[^\s#]+$/, must('an http:// or https:// URL without a #fragment'))
      .optional(),
    interval: positiveDuration().optional(),
    for: durationSchema().optional(),
    rateWindow: positiveDuration().optional(),
    minRequestRate: z
      .number(must('a finite number >= 0'))
      .min(0, must('a finite number >= 0'))
      .refine(Number.isFinite, must('a finite number >= 0'))
      .optional(),
    errorRatio: ratio().optional(),
    latencyP95Seconds: positive().optional(),
    memoryRatio: ratio().optional(),
    cpuRatio: ratio().optional(),
    eventLoopLagSeconds: positive().optional(),
    noTrafficFor: positiveDuration().optional(),
    labels: z
      .record(z.string(), z.string(must('a string')), must('an object of string values'))
      .superRefine((labels, ctx) => {
        for (const name of Object.keys(labels)) {
          if (LABEL_NAME.test(name) && name !== 'severity' && name !== '__name__') continue;
          ctx.addIssue({
            code: 'custom',
            path: [name],
            params: SENTENCE,
            message:
              'is not a label the built-in rules can take (a name [a-zA-Z_][a-zA-Z0-9_]* other than severity, which each rule sets, and __name__)',
          });
        }
      })
      .optional(),
    exclude: z
      .array(z.enum(BUILTIN_ALERTS, must(`one of ${BUILTIN_ALERTS.join(', ')}`)), must('an array'))
      .optional(),
  },
  must('an object such as { errorRatio: 0.1 }'),
);

/** Operations that failed through the server's fault (docs/outcomes.md, "In queries"). */
const SERVER_ERRORS = 'error_type!="",error_type!~"-32700|-32600|-32601|-32602|-32002|cancelled"';
const OPERATIONS = 'mcp_server_operation_duration_seconds_count';
const TOOL_CALLS = 'mcp_method_name="tools/call"';
/** Notifications given up on or dropped (h-receivers' delivery outcomes besides `success`). */
const LOST = 'mcpulse_notifications_total{outcome=~"failed|dropped"}';
/** How far back McpulseNotificationsFailing looks: a failure stays visible this long. */
const NOTIFICATION_WINDOW = '15m';

const percent = (value: number): string => `${Number((value * 100).toPrecision(4))}%`;
const seconds = (value: number): string =>
  value >= 1 ? `${Number(value.toPrecision(4))}s` : `${Number((value * 1000).toPrecision(4))}ms`;
const canonical = (duration: string): string => formatModelDuration(parseModelDuration(duration));

/** The built-in rules with their thresholds, before validation and `exclude`. */
function builtinAlerts(o: Required<Omit<BuiltinRulesOptions, 'interval' | 'exclude'>>) {
  const w = canonical(o.rateWindow);
  const rate = o.minRequestRate;
  const quiet = `while serving more than ${rate} requests/s`;
  const target = 'job, instance';
  const tool = 'job, instance, gen_ai_tool_name';
  const minRate = (by: string, selector: string) =>
    `and on (${by})\nsum by (${by}) (rate(${selector}[${w}])) > ${rate}`;
  const select = (name: string, ...matchers: string[]) =>
    matchers.length === 0 ? name : `${name}{${matchers.join(',')}}`;
  const errorRatio = (by: string, ...matchers: string[]) =>
    `(\n  sum by (${by}) (rate(${select(OPERATIONS, ...matchers, SERVER_ERRORS)}[${w}]))\n/\n  sum by (${by}) (rate(${select(OPERATIONS, ...matchers)}[${w}]))\n) > ${o.errorRatio}\n` +
    minRate(by, select(OPERATIONS, ...matchers));
  const p95 = (by: string, ...matchers: string[]) =>
    `histogram_quantile(0.95, sum by (${by}, le) (rate(${select('mcp_server_operation_duration_seconds_bucket', ...matchers)}[${w}]))) > ${o.latencyP95Seconds}\n` +
    minRate(by, select(OPERATIONS, ...matchers));
  const noTraffic = canonical(o.noTrafficFor);
  const rules: Record<BuiltinAlert, Omit<AlertingRuleDefinition, 'alert'> & { severity: string }> = {
    McpServerErrorRatioHigh: {
      expr: errorRatio(target),
      severity: 'critical',
      annotations: {
        summary: "{{ $value | humanizePercentage }} of MCP requests are failing through the server's fault",
        description: `{{ $value | humanizePercentage }} of the MCP requests served over the last ${w} failed with a server-side error (above ${percent(o.errorRatio)} ${quiet}). The caller's mistakes (-32700, -32600, -32601, -32602, -32002) and cancellations are not counted.`,
      },
    },
    McpToolErrorRatioHigh: {
      expr: errorRatio(tool, TOOL_CALLS),
      severity: 'warning',
      annotations: {
        summary:
          'Tool {{ $labels.gen_ai_tool_name }}: {{ $value | humanizePercentage }} of calls are failing',
        description: `{{ $value | humanizePercentage }} of the calls to tool {{ $labels.gen_ai_tool_name }} over the last ${w} failed through the server's fault (above ${percent(o.errorRatio)} ${quiet}).`,
      },
    },
    McpLatencyP95High: {
      expr: p95(target),
      severity: 'warning',
      annotations: {
        summary: 'MCP p95 latency is {{ $value | humanizeDuration }}',
        description: `95% of the MCP requests served over the last ${w} took up to {{ $value | humanizeDuration }} (above ${seconds(o.latencyP95Seconds)} ${quiet}).`,
      },
    },
    McpToolLatencyP95High: {
      expr: p95(tool, TOOL_CALLS),
      severity: 'warning',
      annotations: {
        summary: 'Tool {{ $labels.gen_ai_tool_name }}: p95 latency is {{ $value | humanizeDuration }}',
        description: `95% of the calls to tool {{ $labels.gen_ai_tool_name }} over the last ${w} took up to {{ $value | humanizeDuration }} (above ${seconds(o.latencyP95Seconds)} ${quiet}).`,
      },
    },
    McpulseMemoryHigh: {
      expr: `sum without (system_memory_state) (system_memory_usage_bytes{system_memory_state="used"})\n/\nsum without (system_memory_state) (system_memory_usage_bytes)\n> ${o.memoryRatio}`,
      severity: 'warning',
      annotations: {
        summary: 'Host memory is {{ $value | humanizePercentage }} used',
        description: `{{ $value | humanizePercentage }} of the host's memory is in use (above ${percent(o.memoryRatio)} for ${canonical(o.for)}).`,
      },
    },
    McpulseCpuHigh: {
      expr: `system_cpu_utilization_ratio > ${o.cpuRatio}`,
      severity: 'warning',
      annotations: {
        summary: 'Host CPU is {{ $value | humanizePercentage }} busy',
        description: `The host's CPUs were {{ $value | humanizePercentage }} busy (above ${percent(o.cpuRatio)} for ${canonical(o.for)}).`,
      },
    },
    McpulseEventLoopLagHigh: {
      expr: `nodejs_eventloop_lag_p99_seconds > ${o.eventLoopLagSeconds}`,
      severity: 'warning',
      annotations: {
        summary: 'Node.js event-loop delay p99 is {{ $value | humanizeDuration }}',
        description: `The p99 event-loop delay of the server's Node.js process is {{ $value | humanizeDuration }} (above ${seconds(o.eventLoopLagSeconds)} for ${canonical(o.for)}): every request waits that long before its code runs.`,
      },
    },
    McpulseHealthCheckFailing: {
      expr: 'mcpulse_health_check_status == 0',
      severity: 'critical',
      annotations: {
        summary: 'Health check {{ $labels.check }} is failing',
        description: `Health check {{ $labels.check }} has failed every run for ${canonical(o.for)} (mcpulse_health_check_status is 0); a critical check also fails /readyz and /health.`,
      },
    },
    McpNoTraffic: {
      expr: `time() - max by (${target}) (process_start_time_seconds) > ${parseModelDuration(noTraffic) / 1000}\nand on (${target}) group by (${target}) (mcpulse_log_lines_dropped_total)\nunless on (${target})\nsum by (${target}) (increase(${OPERATIONS}[${noTraffic}])) > 0`,
      severity: 'warning',
      annotations: {
        summary: `No MCP requests for ${noTraffic}`,
        description: `The server has been up for {{ $value | humanizeDuration }} and served no MCP request in the last ${noTraffic}.`,
      },
    },
    McpulseNotificationsFailing: {
      // A receiver's counter starts at its first failure, which increase() cannot see (it needs two
      // samples): a series that did not exist a window ago counts with its whole value instead.
      expr: `sum by (job, instance, receiver, integration, outcome) (\n  (increase(${LOST}[${NOTIFICATION_WINDOW}]) and ${LOST} offset ${NOTIFICATION_WINDOW})\nor\n  (${LOST} unless ${LOST} offset ${NOTIFICATION_WINDOW})\n) > 0`,
      severity: 'warning',
      annotations: {
        summary: 'Notifications to {{ $labels.receiver }} ({{ $labels.integration }}) are being lost',
        description: `About {{ $value | humanize }} {{ $labels.integration }} notifications to receiver {{ $labels.receiver }} were {{ $labels.outcome }} in the last ${NOTIFICATION_WINDOW} (failed: given up after every retry; dropped: its queue was full, or mcpulse was stopping); alerts routed there are not arriving.`,
      },
    },
  };
  /** Rules whose expression holds a window of its own fire at once; the rest wait `for`. */
  const waits = new Set<BuiltinAlert>(['McpNoTraffic', 'McpulseNotificationsFailing']);
  return BUILTIN_ALERTS.map((alert): AlertingRuleDefinition => {
    const { severity, annotations, ...rule } = rules[alert];
    return {
      alert,
      ...rule,
      ...(!waits.has(alert) && parseModelDuration(o.for) > 0 && { for: canonical(o.for) }),
      labels: { severity, ...o.labels },
      annotations: { ...annotations, runbook_url: `${o.runbookBaseUrl}#${alert.toLowerCase()}` },
    };
  });
}

/** The built-in group (`mcpulse`), validated as a rule file is; throws McpulseOptionError on bad options. */
export function builtinRules(options: BuiltinRulesOptions = {}): RuleGroupSpec[] {
  const valid = parseOptions(builtinRulesOptionsSchema, options, {
    name: 'builtinRules options',
    prefix: 'builtinRules',
  });
  const exclude = new Set<string>(valid.exclude ?? []);
  const rules = builtinAlerts({
    runbookBaseUrl: valid.runbookBaseUrl ?? DEFAULT_RUNBOOK_URL,
    for: valid.for ?? '5m',
    rateWindow: valid.rateWindow ?? '5m',
    minRequestRate: valid.minRequestRate ?? 0.1,
    errorRatio: valid.errorRatio ?? 0.1,
    latencyP95Seconds: valid.latencyP95Seconds ?? 2,
    memoryRatio: valid.memoryRatio ?? 0.85,
    cpuRatio: valid.cpuRatio ?? 0.8,
    eventLoopLagSeconds: valid.eventLoopLagSeconds ?? 0.2,
    noTrafficFor: valid.noTrafficFor ?? '15m',
    labels: valid.labels ?? {},
  }).filter((rule) => !exclude.has(rule.alert));
  return defineRules(
    {
      groups: [
        { name: BUILTIN_GROUP, ...(valid.interval !== undefined && { interval: valid.interval }), rules },
      ],
    },
    'builtin',
  );
}
