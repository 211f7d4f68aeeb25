/**
 * The rule manager: runs rule groups on their interval against the embedded store and engine, as
 * Prometheus 2.42's rules.Manager and Group.run do, and serves what /api/v1/rules and /api/v1/alerts
 * show (RulesService).
 *
 * Each group is evaluated at slotted times: every interval, shifted by an offset that Prometheus derives
 * from the group's file and name (xxhash64 of the label set {file, name} modulo the interval), so the
 * same file loaded under the same path is evaluated at the same times by both, and groups spread over
 * the interval. The first evaluation is at the first slot after start(). An evaluation never overlaps
 * the group's previous one: when one outlasts its interval, the slots it covered are skipped and
 * counted in prometheus_rule_group_iterations_missed_total, and the next runs at once at the latest
 * slot passed, as Prometheus's ticker loop does. Rules run in order (rule-group.ts); recording rules and
 * ALERTS series are appended into the store; the alerts due go to the AlertSink after each evaluation.
 * Nothing here throws to the host after construction: an unexpected failure goes to onError.
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';

import { badOption, functionSchema, integerSchema, parseOptions, textSchema } from '../core/errors.js';
import { compareStrings } from '../store/labels.js';
import { parseExpr } from '../store/promql/parse.js';
import type { AlertTemplateExpander } from './alerting-rule.js';
import { isClock, realClock, type Clock, type Timer } from './clock.js';
import { exprString } from './expr-string.js';
import type { AlertSink, PostableAlert } from './notify/types.js';
import type { RuleGroupSpec } from './rule-file.js';
import { RuleGroup, type Appendable, type InstantQuery } from './rule-group.js';
import { initGroupMetrics, ruleGroupMetrics, type RuleGroupMetrics } from './rule-metrics.js';
import type { AlertTransition, RuleGroupStatus, RulesService } from './rule-status.js';
import { expandAlertTemplate } from './template/index.js';
import { groupKey, slotAtOrBefore, slotOffsetMs } from './rule-slots.js';
import { storageAppendable, storageQuery, type RuleStorage } from './rule-storage.js';

/** A macrotask turn, so requests are served between two rules rather than after a whole group. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Prometheus's global evaluation_interval default. */
export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
/** Prometheus's --rules.alert.resend-delay default. */
export const DEFAULT_RESEND_DELAY_MS = 60_000;
export const DEFAULT_MAX_TRANSITIONS = 1000;
export { groupKey, slotAtOrBefore, slotOffsetMs };
const DAY_MS = 86_400_000;

export interface RuleManagerOptions {
  /** The groups to run (from loadRuleFile, or typed objects); `file` + `name` must be unique. */
  groups: readonly RuleGroupSpec[];
  /** The embedded store (an EmbeddedStore fits): queried through `engine`, rule results appended to `store`. */
  storage: RuleStorage;
  /** Expands alerting rules' label and annotation templates; default the Go template engine. */
  expandTemplate?: AlertTemplateExpander;
  /** Where the alerts due after each evaluation go; without one they are only shown. */
  sink?: AlertSink;
  /** The interval of a group whose file sets none (the global evaluation_interval); default 60,000 ms. */
  evaluationIntervalMs?: number;
  /** How often a firing alert is resent; default 60,000 ms. */
  resendDelayMs?: number;
  /** `$externalURL` in templates and the base of alerts' generatorURL (--web.external-url). */
  externalURL?: string;
  /** `$externalLabels` in templates; added to sent alerts that lack them. */
  externalLabels?: Record<string, string>;
  /** Transitions kept for alertTransitions(), newest; default 1,000. */
  maxTransitions?: number;
  /** The prometheus_rule_* metrics are registered here; default none. */
  registry?: Registry;
  /** Time and timers (tests pass a fake one); default the real clock. */
  clock?: Clock;
  /** Each evaluation's alert state changes, oldest first (for the process log); a throw goes to onError. */
  onTransitions?: (transitions: readonly AlertTransition[]) => void;
  /** Unexpected failures (a bug, a sink that throws); default: ignored. */
  onError?: (error: unknown, where: string) => void;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const optionsSchema = z.strictObject({
  groups: z.array(
    z.custom<RuleGroupSpec>((value) => isGroupSpec(value), { error: 'must be a rule group' }),
    {
      error: 'must be an array of rule groups',
    },
  ),
  storage: z.custom<RuleStorage>(
    (value) =>
      typeof (value as RuleStorage | undefined)?.engine?.instant === 'function' &&
      typeof (value as RuleStorage | undefined)?.store?.append === 'function',
    { error: 'must be the embedded store (with store and engine)' },
  ),
  expandTemplate: functionSchema<AlertTemplateExpander>().optional(),
  sink: z
    .custom<AlertSink>((value) => typeof (value as AlertSink | undefined)?.send === 'function', {
      error: 'must be an AlertSink (with send and close)',
    })
    .optional(),
  evaluationIntervalMs: integerSchema(1, DAY_MS).optional(),
  resendDelayMs: integerSchema(1, DAY_MS).optional(),
  externalURL: z.string({ error: 'must be a string' }).max(4096, { error: 'must be a string' }).optional(),
  externalLabels: z
    .record(
      z.string().regex(LABEL_NAME, { error: 'must be a label name' }),
      textSchema(4096).or(z.literal('')),
      { error: 'must be an object of label names to strings' },
    )
    .optional(),
  maxTransitions: integerSchema(1, 1_000_000).optional(),
  registry: z
    .custom<Registry>((value) => typeof (value as Registry | undefined)?.getSingleMetric === 'function', {
      error: 'must be a prom-client Registry',
    })
    .optional(),
  clock: z.custom<Clock>(isClock, { error: 'must have now, monotonic and setTimer' }).optional(),
  onTransitions: functionSchema<(transitions: readonly AlertTransition[]) => void>().optional(),
  onError: functionSchema<(error: unknown, where: string) => void>().optional(),
});

function isGroupSpec(value: unknown): value is RuleGroupSpec {
  const spec = value as RuleGroupSpec | undefined;
  return (
    typeof spec?.name === 'string' &&
    typeof spec.file === 'string' &&
    Number.isInteger(spec.intervalMs) &&
    spec.intervalMs >= 0 &&
    Number.isInteger(spec.limit) &&
    Array.isArray(spec.rules)
  );
}

/** One group's schedule and its last run. */
interface GroupRun {
  readonly group: RuleGroup;
  readonly key: string;
  offsetMs: number;
  /** The evaluation time of the last (or, before the first, the coming) evaluation. */
  evalTimestampMs: number;
  timer: Timer | undefined;
  /** Whether the loop has run its first evaluation (the first slot is set by start()). */
  ticked: boolean;
  running: Promise<void> | undefined;
  /** Wall time of the last evaluation's start; 0 before the first. */
  lastEvaluationMs: number;
  evaluationDurationMs: number;
}

export class RuleManager implements RulesService {
  readonly evaluationIntervalMs: number;
  private readonly runs: GroupRun[];
  private readonly query: InstantQuery;
  private readonly appendable: Appendable;
  private readonly sink: AlertSink | undefined;
  private readonly clock: Clock;
  private readonly onError: (error: unknown, where: string) => void;
  private readonly onTransitions: ((transitions: readonly AlertTransition[]) => void) | undefined;
  private readonly metrics: RuleGroupMetrics | undefined;
  private readonly maxTransitions: number;
  private readonly storageLoaded: Promise<unknown> | undefined;
  private transitions: AlertTransition[] = [];
  /** Bounded by the rules given. */
  private readonly printedExprs = new Map<string, string>();
  private started: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(options: RuleManagerOptions) {
    const valid = parseOptions(optionsSchema, options, { name: 'rule manager options', prefix: 'rules' });
    this.evaluationIntervalMs = valid.evaluationIntervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS;
    this.maxTransitions = valid.maxTransitions ?? DEFAULT_MAX_TRANSITIONS;
    this.clock = valid.clock ?? realClock;
    this.onError = valid.onError ?? (() => {});
    this.onTransitions = valid.onTransitions;
    this.sink = valid.sink;
    this.query = storageQuery(valid.storage);
    this.appendable = storageAppendable(valid.storage);
    this.storageLoaded = valid.storage.loaded;
    this.metrics = valid.registry === undefined ? undefined : ruleGroupMetrics(valid.registry);
    const expandTemplate = valid.expandTemplate ?? expandAlertTemplate;
    const seen = new Set<string>();
    const sorted = [...valid.groups].sort(
      (a, b) => compareStrings(a.file, b.file) || compareStrings(a.name, b.name),
    );
    this.runs = sorted.map((spec) => {
      const key = groupKey(spec.file, spec.name);
      if (seen.has(key))
        throw badOption(
          `mcpulse: rules.groups has rule group ${JSON.stringify(spec.name)} of file ${JSON.stringify(spec.file)} twice`,
        );
      seen.add(key);
      const group = new RuleGroup(spec, {
        expandTemplate,
        externalLabels: valid.externalLabels,
        externalURL: valid.externalURL,
        defaultIntervalMs: this.evaluationIntervalMs,
        resendDelayMs: valid.resendDelayMs ?? DEFAULT_RESEND_DELAY_MS,
        maxTransitions: this.maxTransitions,
        clock: () => this.clock.monotonic(),
        betweenRules: yieldToEventLoop,
      });
      if (this.metrics) initGroupMetrics(this.metrics, key, group.intervalMs, spec.rules.length);
      return {
        group,
        key,
        offsetMs: 0,
        evalTimestampMs: 0,
        timer: undefined,
        ticked: false,
        running: undefined,
        lastEvaluationMs: 0,
        evaluationDurationMs: 0,
      };
    });
  }

  /**
   * Starts every group's loop (idempotent), once the storage is `loaded`; resolves once each group has
   * its first evaluation scheduled, at the first slot after now. Never rejects.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      // A snapshot loads into an empty store only: no rule result may go in before it.
      await this.storageLoaded?.catch(() => {});
      for (const run of this.runs) {
        run.offsetMs = await slotOffsetMs(run.group.file, run.group.name, run.group.intervalMs);
        if (this.stopped !== undefined) return;
        run.evalTimestampMs =
          slotAtOrBefore(this.clock.now(), run.group.intervalMs, run.offsetMs) + run.group.intervalMs;
        this.arm(run, run.evalTimestampMs);
      }
    })().catch((error: unknown) => this.onError(error, 'rule-manager-start'));
    return this.started;
  }

  /** Stops every loop (idempotent); resolves when the evaluations under way have ended. The sink is the caller's to close. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const run of this.runs) {
        run.timer?.cancel();
        run.timer = undefined;
      }
      await Promise.all(this.runs.map((run) => run.running ?? Promise.resolve()));
    })();
    return this.stopped;
  }

  ruleGroups(): RuleGroupStatus[] {
    return this.runs.map((run) => {
      const status = run.group.status();
      return {
        ...status,
        rules: status.rules.map((rule) => ({ ...rule, query: this.printed(rule.query) })),
        lastEvaluationMs: run.lastEvaluationMs,
        evaluationDurationMs: run.evaluationDurationMs,
      };
    });
  }

  /** A rule's expression as Prometheus shows it: parsed and printed back (`up==0` is `up == 0`). */
  private printed(expr: string): string {
    let text = this.printedExprs.get(expr);
    if (text === undefined) {
      try {
        text = exprString(parseExpr(expr));
      } catch {
        text = expr; // a rule that does not parse shows its error; its text stays as written
      }
      this.printedExprs.set(expr, text);
    }
    return text;
  }

  alertTransitions(): readonly AlertTransition[] {
    return this.transitions;
  }

  /** The slot offsets of the groups, by group key (known after start() resolved). */
  slotOffsets(): Record<string, number> {
    return Object.fromEntries(this.runs.map((run) => [run.key, run.offsetMs]));
  }

  /**
   * Waits until `slotMs`. Timers keep monotonic time: one that fires a little before the wall clock's
   * slot is set again for the rest; one far before it (the wall clock was set back) takes the slot now.
   */
  private arm(run: GroupRun, slotMs: number): void {
    if (this.stopped !== undefined) return;
    run.timer = this.clock.setTimer(Math.max(0, slotMs - this.clock.now()), () => {
      run.timer = undefined;
      if (this.stopped !== undefined) return;
      const now = this.clock.now();
      const intervalMs = run.group.intervalMs;
      if (now < slotMs) {
        if (slotMs - now <= intervalMs) return this.arm(run, slotMs);
        const slot = slotAtOrBefore(now, intervalMs, run.offsetMs);
        run.evalTimestampMs = run.ticked ? slot - intervalMs : slot;
      }
      this.tick(run);
    });
  }

  /** One tick of Group.run; the first evaluation's slot is already set by start(). */
  private tick(run: GroupRun): void {
    const intervalMs = run.group.intervalMs;
    if (run.ticked) {
      const missed = Math.floor((this.clock.now() - run.evalTimestampMs) / intervalMs) - 1;
      if (missed > 0) {
        this.metrics?.missed.inc({ rule_group: run.key }, missed);
        this.metrics?.iterations.inc({ rule_group: run.key }, missed);
      }
      run.evalTimestampMs += (Math.max(missed, 0) + 1) * intervalMs;
    }
    run.ticked = true;
    const evaluation = this.iterate(run, run.evalTimestampMs).finally(() => {
      run.running = undefined;
      // The next slot after this one; if already passed, the tick Go's ticker holds fires at once.
      this.arm(run, run.evalTimestampMs + intervalMs);
    });
    run.running = evaluation;
  }

  /** Group.run's iter: one evaluation of the group at `timeMs`, counted, its alerts sent. */
  private async iterate(run: GroupRun, timeMs: number): Promise<void> {
    const labels = { rule_group: run.key };
    this.metrics?.iterations.inc(labels);
    const startWall = this.clock.now();
    const start = this.clock.monotonic();
    let alerts: PostableAlert[] = [];
    try {
      alerts = await run.group.evaluate(this.query, this.appendable, timeMs);
    } catch (error) {
      this.metrics?.failures.inc(labels);
      this.onError(error, 'rule-evaluation');
    }
    run.evaluationDurationMs = this.clock.monotonic() - start;
    run.lastEvaluationMs = startWall;
    this.record(run);
    if (alerts.length > 0 && this.sink !== undefined) {
      try {
        this.sink.send(alerts);
      } catch (error) {
        this.onError(error, 'rule-notify');
      }
    }
  }

  private record(run: GroupRun): void {
    try {
      const { transitions } = run.group.drainTransitions();
      if (transitions.length > 0) {
        this.transitions = this.transitions.concat(transitions);
        if (this.transitions.length > this.maxTransitions)
          this.transitions = this.transitions.slice(-this.maxTransitions);
        this.onTransitions?.(transitions);
      }
      if (this.metrics === undefined) return;
      const labels = { rule_group: run.key };
      const rules = run.group.status().rules;
      this.metrics.evaluations.inc(labels, rules.length);
      const failed = rules.filter((rule) => rule.health === 'err').length;
      if (failed > 0) this.metrics.failures.inc(labels, failed);
      this.metrics.lastDuration.set(labels, run.evaluationDurationMs / 1000);
      this.metrics.lastEvaluation.set(labels, run.lastEvaluationMs / 1000);
    } catch (error) {
      this.onError(error, 'rule-evaluation');
    }
  }
}
