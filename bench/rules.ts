/**
 * What alerting costs (issue 12): one evaluation of a rule group, as the rule manager runs it every
 * 60 s (manager.ts iterate: `RuleGroup.evaluate` through storageQuery/storageAppendable), over a day
 * of a realistic MCP server's series in the embedded store.
 *
 * - The server: the registry of a `createMcpulse` (defaults, less the monitoring endpoint, signal
 *   handling and log; its own store and alerting off, as this bench samples the registry on a clock of
 *   its own) with N tools. Each 15 s pass, each tool's calls come from bench/store-mix.ts's traffic
 *   (Poisson arrivals, log-normal durations and message sizes) and go into the registry's own
 *   `mcp_server_operation_duration_seconds` and size histograms; a share of them fail (tool_error, and
 *   now and then -32602 and -32603), so error series exist as they would. Process, host, health and
 *   mcpulse's own series are those createMcpulse registers, read from this process at every pass.
 * - The store: an EmbeddedStore over that registry, sampled (`sampleNow(t)`) every 15 s for 24 h.
 * - Each round is one more minute: four passes, then, at its last, one evaluation of each group: the
 *   built-in `mcpulse` group (10 alerting rules, templates expanded, ALERTS appended) and the user file
 *   examples/rules/mcp-recording-rules.yml (3 recording rules, appended). Both server sizes and both
 *   groups are measured in every round, the order rotating, so drift hits all alike. WARMUP rounds
 *   first, then ROUNDS; median and 90th percentile. The engine runs on the caller's thread, so these
 *   are also the time the event loop is held once a minute.
 *
 * Run: node --import tsx bench/rules.ts   (RULES_BENCH_ROUNDS, default 30; RULES_BENCH_TOOLS, default 10,225)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { builtinRules } from '../src/alerting/builtin.js';
import { checkPromql } from '../src/alerting/define-rules.js';
import { loadRuleFile, type RuleGroupSpec } from '../src/alerting/rule-file.js';
import { RuleGroup } from '../src/alerting/rule-group.js';
import { storageAppendable, storageQuery } from '../src/alerting/rule-storage.js';
import { expandAlertTemplate } from '../src/alerting/template/index.js';
import { createMcpulse } from '../src/index.js';
import type { SeriesHistogram } from '../src/metrics/series.js';
import { EmbeddedStore } from '../src/store/embedded.js';
import { seeded, toolCalls, toolProfile } from './store-mix.js';

const INTERVAL_MS = 15_000;
const MINUTE_MS = 60_000;
const DAY_PASSES = 5760;
const WARMUP = 5;
const ROUNDS = Number(process.env.RULES_BENCH_ROUNDS ?? 30);
const TOOL_COUNTS = (process.env.RULES_BENCH_TOOLS ?? '10,225').split(',').map(Number);
const USER_FILE = 'examples/rules/mcp-recording-rules.yml';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** A server with `tools` tools and a day of its series in an embedded store; `minute()` adds one more. */
async function buildServer(tools: number, startMs: number) {
  const pulse = createMcpulse({
    monitoring: false,
    handleSignals: false,
    logLevel: 'silent',
    store: false,
    alerting: false,
  });
  const errors: unknown[] = [];
  const embedded = new EmbeddedStore(pulse.registry, {}, (error) => errors.push(error));
  const histogram = (name: string) => pulse.registry.getSingleMetric(name) as SeriesHistogram;
  const duration = histogram('mcp_server_operation_duration_seconds');
  const requestSize = histogram('mcpulse_server_request_size_bytes');
  const responseSize = histogram('mcpulse_server_response_size_bytes');
  const random = seeded(12);
  const profiles = Array.from({ length: tools }, (_, i) => {
    const profile = toolProfile(random);
    // Most tools fail rarely; one in ten is flaky (5–25% of its calls).
    const errorShare = random() < 0.1 ? 0.05 + random() * 0.2 : random() * 0.02;
    const base = {
      mcp_method_name: 'tools/call',
      gen_ai_tool_name: `tool_${i}`,
      network_transport: 'pipe',
      mcp_protocol_version: '2025-06-18',
    };
    const outcomes = new Map<string, ReturnType<SeriesHistogram['series']>>();
    const durationOf = (errorType: string) => {
      let series = outcomes.get(errorType);
      if (series === undefined) {
        series = duration.series(errorType === '' ? base : { ...base, error_type: errorType });
        outcomes.set(errorType, series);
      }
      return series;
    };
    const sizeLabels = { mcp_method_name: 'tools/call', gen_ai_tool_name: `tool_${i}` };
    return {
      profile,
      errorShare,
      durationOf,
      request: requestSize.series(sizeLabels),
      response: responseSize.series(sizeLabels),
    };
  });
  let nextMs = startMs;
  const pass = async () => {
    for (const tool of profiles) {
      toolCalls(random, tool.profile, (seconds, requestBytes, responseBytes) => {
        const failed = random() < tool.errorShare;
        const kind = random();
        const errorType = !failed ? '' : kind < 0.7 ? 'tool_error' : kind < 0.9 ? '-32602' : '-32603';
        tool.durationOf(errorType).observe(seconds);
        tool.request.observe(requestBytes);
        tool.response.observe(responseBytes);
      });
    }
    await embedded.sampleNow(nextMs);
    nextMs += INTERVAL_MS;
  };
  for (let i = 0; i < DAY_PASSES; i++) await pass();
  return {
    tools,
    pulse,
    embedded,
    errors,
    /** Four more passes; resolves to the time of the last, when the groups are evaluated. */
    async minute(): Promise<number> {
      for (let i = 0; i < MINUTE_MS / INTERVAL_MS; i++) await pass();
      return nextMs - INTERVAL_MS;
    },
  };
}

/** A group set up as the rule manager sets its groups up (manager.ts). */
function ruleGroup(spec: RuleGroupSpec): RuleGroup {
  return new RuleGroup(spec, {
    expandTemplate: expandAlertTemplate,
    externalURL: 'http://127.0.0.1:9464',
    defaultIntervalMs: MINUTE_MS,
    resendDelayMs: MINUTE_MS,
    maxTransitions: 1000,
    clock: () => performance.now(),
  });
}

export interface GroupResult {
  group: string;
  rules: number;
  median: number;
  p90: number;
  /** The rules by median time, slowest first. */
  slowest: { rule: string; median: number }[];
  /** Alerts pending or firing after the last round (alerting rules), or series written (recording rules). */
  output: string;
}

export interface RulesBenchResult {
  servers: { tools: number; series: number; samples: number; groups: GroupResult[] }[];
}

export async function rulesBench(): Promise<RulesBenchResult> {
  const loaded = loadRuleFile(USER_FILE, checkPromql);
  if (loaded.errors.length > 0) throw new Error(`${USER_FILE}: ${loaded.errors.join('; ')}`);
  const specs = [...builtinRules(), ...loaded.groups];
  // The day ends WARMUP + ROUNDS minutes before now, so every evaluation time has passed.
  const endOfDay = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (WARMUP + ROUNDS) * MINUTE_MS;
  const servers = [];
  for (const tools of TOOL_COUNTS)
    servers.push(await buildServer(tools, endOfDay - (DAY_PASSES - 1) * INTERVAL_MS));
  const runs = servers.flatMap((server) =>
    specs.map((spec) => ({
      server,
      spec,
      group: ruleGroup(spec),
      query: storageQuery(server.embedded),
      appendable: storageAppendable(server.embedded),
      times: [] as number[],
      /** Each rule's own evaluation time per round, by rule name. */
      ruleTimes: new Map<string, number[]>(),
    })),
  );
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const at = new Map<(typeof servers)[number], number>();
    for (const server of servers) at.set(server, await server.minute());
    for (let k = 0; k < runs.length; k++) {
      const run = runs[(round + k) % runs.length]!;
      const t0 = performance.now();
      await run.group.evaluate(run.query, run.appendable, at.get(run.server)!);
      const ms = performance.now() - t0;
      run.group.drainTransitions(); // as the manager does after each evaluation
      const unhealthy = run.group.status().rules.filter((rule) => rule.health !== 'ok');
      if (unhealthy.length > 0)
        throw new Error(`${run.spec.name}: ${unhealthy.map((r) => `${r.name}: ${r.lastError}`).join('; ')}`);
      if (round < WARMUP) continue;
      run.times.push(ms);
      for (const rule of run.group.status().rules) {
        const times = run.ruleTimes.get(rule.name) ?? [];
        times.push(rule.evaluationDurationMs);
        run.ruleTimes.set(rule.name, times);
      }
    }
  }
  const result: RulesBenchResult = {
    servers: servers.map((server) => {
      const stats = server.embedded.store.stats();
      return {
        tools: server.tools,
        series: stats.series,
        samples: stats.samples,
        groups: runs
          .filter((run) => run.server === server)
          .map((run) => {
            const sorted = [...run.times].sort((a, b) => a - b);
            const status = run.group.status();
            const alerts = status.rules.flatMap((rule) => (rule.type === 'alerting' ? rule.alerts : []));
            const firing = alerts.filter((alert) => alert.state === 'firing').length;
            const pending = alerts.filter((alert) => alert.state === 'pending').length;
            const isAlerting = status.rules.some((rule) => rule.type === 'alerting');
            const written = server.embedded.series(
              status.rules.map((rule) =>
                server.embedded.parseMatchers(`{__name__=${JSON.stringify(rule.name)}}`),
              ),
              0,
              Number.MAX_SAFE_INTEGER,
            ).length;
            return {
              group: run.spec.name,
              rules: status.rules.length,
              median: percentile(sorted, 0.5),
              p90: percentile(sorted, 0.9),
              slowest: [...run.ruleTimes]
                .map(([rule, times]) => ({ rule, median: median(times) }))
                .sort((a, b) => b.median - a.median),
              output: isAlerting ? `${firing} firing, ${pending} pending` : `${written} series`,
            };
          }),
      };
    }),
  };
  for (const server of servers) {
    if (server.errors.length > 0) throw new Error(`store sampling failed: ${String(server.errors[0])}`);
    await server.pulse.shutdown();
  }
  return result;
}

export function rulesBenchSection(result: RulesBenchResult): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const n = (value: number) => value.toLocaleString('en-US');
  const name = (group: string) =>
    group === 'mcpulse' ? 'built-in `mcpulse` (alerting)' : `\`${USER_FILE}\` (recording)`;
  const rows = result.servers.flatMap((server) =>
    server.groups.map(
      (g) =>
        `| ${server.tools} | ${n(server.series)} | ${name(g.group)} | ${g.rules} | ${g.output} | ${ms(g.median)} | ${ms(g.p90)} |`,
    ),
  );
  const largest = result.servers.at(-1);
  const slowest = (largest?.groups ?? []).map(
    (g) =>
      `- ${name(g.group)}, ${largest!.tools} tools: ` +
      g.slowest
        .slice(0, 3)
        .map((r) => `\`${r.rule}\` ${ms(r.median)}`)
        .join(', ') +
      '.',
  );
  return [
    '## Alerting rules over the embedded store',
    '',
    `\`node --import tsx bench/rules.ts\`, in its own process. One evaluation of a rule group as the rule manager`,
    "runs it every 60 s (`RuleGroup.evaluate` over the store's engine, results and ALERTS appended, templates",
    "expanded), over a day (24 h at 15 s) of a `createMcpulse` registry: N tools' histograms fed bench/store-mix.ts's",
    'tool traffic (a share of calls failing, so error series exist) and the process, host and health series it',
    'registers. Each round adds a minute of sampling passes, then evaluates each group on each server, the order',
    `rotating; ${WARMUP} rounds to warm up, then ${ROUNDS}. The evaluation runs on the event loop (off the request path,`,
    'but a request arriving meanwhile waits); the live rule manager yields between two rules, so the longest',
    'wait is the slowest single rule (listed below), not the group.',
    '',
    '| tools | series in store | group | rules | after the last round | median | p90 |',
    '| ---: | ---: | --- | ---: | --- | ---: | ---: |',
    ...rows,
    '',
    ...result.servers.map(
      (server) =>
        `- ${server.tools} tools: both groups hold the event loop ` +
        `${ms(server.groups.reduce((sum, g) => sum + g.median, 0))} a minute (median), ` +
        `${((server.groups.reduce((sum, g) => sum + g.median, 0) / MINUTE_MS) * 100).toFixed(2)}% of the time.`,
    ),
    '',
    "The slowest rules (median of each rule's own evaluation time):",
    '',
    ...slowest,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await rulesBench();
  console.log(rulesBenchSection(result));
}
