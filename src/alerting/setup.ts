/**
 * Alerting as one part, for the composition root: the rule groups (built-in, rule files, typed
 * objects) run by a RuleManager over the embedded store, their alerts sent to the embedded notifier
 * (an Alertmanager configuration's route and receivers) and/or pushed to real Alertmanagers, and each
 * alert's state change logged. Everything is validated here, up front: a bad rule file or notifier
 * configuration throws McpulseOptionError naming it, as Prometheus and Alertmanager refuse to start.
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';

import { httpUrlSchema, integerSchema, issuesError, must, parseOptions, textSchema } from '../core/errors.js';
import { builtinRules, builtinRulesOptionsSchema, type BuiltinRulesOptions } from './builtin.js';
import type { Clock } from './clock.js';
import { checkPromql, defineRules, type RuleGroupsDefinition } from './define-rules.js';
import { RuleManager } from './manager.js';
import { AlertmanagerPush } from './notify/alertmanager-push.js';
import { loadAlertmanagerConfig, parseAlertmanagerConfig } from './notify/config.js';
import type { DeliveryFailure } from './notify/delivery.js';
import { EmbeddedNotifier } from './notify/notifier.js';
import type { AlertSink, PostableAlert } from './notify/types.js';
import { loadRuleFile, type RuleGroupSpec } from './rule-file.js';
import type { AlertTransition } from './rule-status.js';
import type { RuleStorage } from './rule-storage.js';

export interface AlertingOptions {
  /**
   * Rule groups besides the built-in ones: paths of Prometheus rule files, and rule-file-shaped
   * objects (`{ groups: [...] }`, or what `defineRules` returns).
   */
  rules?: readonly (string | RuleGroupsDefinition | readonly RuleGroupSpec[])[];
  /** The built-in `mcpulse` group (error ratio, latency, memory, CPU, …); `false` leaves it out. Default true. */
  builtin?: boolean | BuiltinRulesOptions;
  /** The interval of groups that set none (Prometheus's evaluation_interval); default 60,000 ms. */
  evaluationIntervalMs?: number;
  /** How often a firing alert is sent again (Prometheus's --rules.alert.resend-delay); default 60,000 ms. */
  resendDelayMs?: number;
  /**
   * The embedded notifier: an Alertmanager configuration file's path, or the same document as an
   * object. Its `route` and `receivers` are evaluated here (see docs/alerting.md for the subset).
   */
  notifications?: string | Record<string, unknown>;
  /** Real Alertmanagers (base URLs such as `http://127.0.0.1:9093`) every alert is pushed to. */
  alertmanagers?: readonly string[];
  /** `$externalURL` in templates and the base of alerts' generatorURL; default the monitoring URL. */
  externalUrl?: string;
  /** `$externalLabels` in templates, added to every alert sent. */
  externalLabels?: Record<string, string>;
  /** How the embedded notifier delivers (and, for attemptTimeoutMs, how long a push to an Alertmanager may take). */
  delivery?: AlertDeliveryOptions;
}

/** The embedded notifier's delivery: per integration, a bounded queue, a timeout per attempt, retries. */
export interface AlertDeliveryOptions {
  /** Notifications waiting per integration (full: the oldest is dropped); default 100. */
  queueSize?: number;
  /** Notifications in flight at once per integration; default 4. */
  concurrency?: number;
  /** Per attempt, and per POST to an Alertmanager; default 10,000 ms. */
  attemptTimeoutMs?: number;
  /** Retry n waits random() × min(backoffMaxMs, backoffBaseMs × 2^(n-1)); defaults 1,000 and 60,000 ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Attempts per notification before it is counted failed; default 10. */
  maxAttempts?: number;
  /** No retry starts later than this after the first attempt; default 300,000 ms. */
  deadlineMs?: number;
}

const ruleSourceSchema = z.union(
  [
    textSchema(4096),
    z.array(z.custom<RuleGroupSpec>((value) => typeof value === 'object' && value !== null)),
    z.custom<RuleGroupsDefinition>(
      (value) =>
        typeof value === 'object' && value !== null && Array.isArray((value as { groups?: unknown }).groups),
    ),
  ],
  must('a rule file path, an object such as { groups: [...] }, or what defineRules returns'),
);

const deliveryOptionsSchema = z
  .strictObject(
    {
      queueSize: integerSchema(1, 100_000).optional(),
      concurrency: integerSchema(1, 1_000).optional(),
      attemptTimeoutMs: integerSchema(1, 600_000).optional(),
      backoffBaseMs: integerSchema(1, 3_600_000).optional(),
      backoffMaxMs: integerSchema(1, 3_600_000).optional(),
      maxAttempts: integerSchema(1, 1_000).optional(),
      deadlineMs: integerSchema(1, 86_400_000).optional(),
    },
    must('an object such as { maxAttempts: 5, attemptTimeoutMs: 5000 }'),
  )
  .refine(
    (d) => d.backoffBaseMs === undefined || d.backoffMaxMs === undefined || d.backoffBaseMs <= d.backoffMaxMs,
    { error: 'must be at most backoffMaxMs', path: ['backoffBaseMs'] },
  );

export const alertingOptionsSchema = z.strictObject({
  rules: z.array(ruleSourceSchema, must('an array of rule files or rule groups')).optional(),
  builtin: z
    .union(
      [z.boolean(), builtinRulesOptionsSchema],
      must('a boolean or an object such as { errorRatio: 0.05 }'),
    )
    .optional(),
  evaluationIntervalMs: integerSchema(1_000, 86_400_000).optional(),
  resendDelayMs: integerSchema(1_000, 86_400_000).optional(),
  notifications: z
    .union(
      [
        textSchema(4096),
        z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null),
      ],
      must('an Alertmanager configuration file path or object'),
    )
    .optional(),
  alertmanagers: z.array(httpUrlSchema(), must('an array of http(s) URLs')).max(16).optional(),
  externalUrl: httpUrlSchema().optional(),
  externalLabels: z.record(z.string(), z.string(must('a string')), must('an object of strings')).optional(),
  delivery: deliveryOptionsSchema.optional(),
});

export interface AlertingParts {
  readonly registry: Registry;
  readonly storage: RuleStorage;
  /** The default of externalUrl (the monitoring endpoint's URL). */
  readonly externalUrl: string;
  /** Each batch of alert state changes, for the process log. */
  readonly onTransitions: (transitions: readonly AlertTransition[]) => void;
  /** A failed push to an Alertmanager (no secret in it), for a throttled warning. */
  readonly onPushFailure: (url: string, error: string, alerts: number) => void;
  /** A notification the embedded notifier gave up on (its error text is redacted), for a throttled warning. */
  readonly onDeliveryFailure: (failure: DeliveryFailure) => void;
  readonly onError: (error: unknown, where: string) => void;
  /** Time and timers of the rule manager, the notifier and the pushers; default the real clock. */
  readonly clock?: Clock;
}

/** Every sink gets every batch; one that throws does not stop the others. */
class FanOut implements AlertSink {
  constructor(
    private readonly sinks: readonly AlertSink[],
    private readonly onError: (error: unknown, where: string) => void,
  ) {}

  send(alerts: readonly PostableAlert[]): void {
    for (const sink of this.sinks) {
      try {
        sink.send(alerts);
      } catch (error) {
        this.onError(error, 'alert-sink');
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sinks.map((sink) => sink.close().catch((error: unknown) => this.onError(error, 'alert-sink'))),
    );
  }
}

function ruleGroups(options: AlertingOptions): RuleGroupSpec[] {
  const groups: RuleGroupSpec[] = [];
  if (options.builtin !== false)
    groups.push(
      ...builtinRules(options.builtin === true || options.builtin === undefined ? {} : options.builtin),
    );
  const errors: string[] = [];
  (options.rules ?? []).forEach((source, i) => {
    if (typeof source === 'string') {
      const loaded = loadRuleFile(source, checkPromql);
      errors.push(...loaded.errors);
      groups.push(...loaded.groups);
    } else if (Array.isArray(source)) groups.push(...(source as readonly RuleGroupSpec[]));
    else groups.push(...defineRules(source as RuleGroupsDefinition, `alerting.rules[${i}]`));
  });
  if (errors.length > 0) throw issuesError(errors.map((error) => `alerting.rules: ${error}`));
  return groups;
}

export class Alerting {
  readonly manager: RuleManager;
  readonly notifier: EmbeddedNotifier | undefined;
  private readonly sink: AlertSink | undefined;
  private closed: Promise<void> | undefined;

  constructor(options: AlertingOptions, parts: AlertingParts) {
    const valid = parseOptions(alertingOptionsSchema, options, {
      name: 'alerting options',
      prefix: 'alerting',
    });
    const groups = ruleGroups(valid);
    const sinks: AlertSink[] = [];
    const clock = parts.clock !== undefined ? { clock: parts.clock } : {};
    if (valid.notifications !== undefined) {
      const config =
        typeof valid.notifications === 'string'
          ? loadAlertmanagerConfig(valid.notifications)
          : parseAlertmanagerConfig(valid.notifications, 'alerting.notifications');
      this.notifier = new EmbeddedNotifier({
        config,
        registry: parts.registry,
        // A notification's externalURL (Alertmanager's own URL there): where this process's alerts are shown.
        externalUrl: valid.externalUrl ?? parts.externalUrl,
        delivery: { ...valid.delivery, onFailure: parts.onDeliveryFailure },
        onError: parts.onError,
        ...clock,
      });
      sinks.push(this.notifier);
    }
    for (const url of valid.alertmanagers ?? []) {
      sinks.push(
        new AlertmanagerPush({
          url,
          registry: parts.registry,
          ...(valid.delivery?.attemptTimeoutMs !== undefined && {
            timeoutMs: valid.delivery.attemptTimeoutMs,
          }),
          onFailure: (error, alerts) => parts.onPushFailure(url, error, alerts),
          onError: parts.onError,
          ...clock,
        }),
      );
    }
    this.sink =
      sinks.length === 0 ? undefined : sinks.length === 1 ? sinks[0] : new FanOut(sinks, parts.onError);
    this.manager = new RuleManager({
      groups,
      storage: parts.storage,
      registry: parts.registry,
      externalURL: valid.externalUrl ?? parts.externalUrl,
      ...(valid.externalLabels !== undefined && { externalLabels: valid.externalLabels }),
      ...(valid.evaluationIntervalMs !== undefined && { evaluationIntervalMs: valid.evaluationIntervalMs }),
      ...(valid.resendDelayMs !== undefined && { resendDelayMs: valid.resendDelayMs }),
      ...(this.sink !== undefined && { sink: this.sink }),
      ...clock,
      onTransitions: parts.onTransitions,
      onError: parts.onError,
    });
  }

  start(): void {
    void this.manager.start();
  }

  /** Stops evaluating, then lets the sinks deliver what they hold (bounded by their own timeouts); idempotent. */
  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      await this.manager.stop();
      await this.sink?.close();
    })();
    return this.closed;
  }
}
