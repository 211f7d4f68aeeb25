/**
 * The shapes alerts travel in between mcpulse's rule evaluation and its notifier, taken from the
 * formats the big tools already use so nothing is translated twice:
 * - PostableAlert is one element of the body Prometheus POSTs to Alertmanager's `/api/v2/alerts`
 *   (the rule manager sends exactly that, to the embedded notifier or to a real Alertmanager);
 * - WebhookMessage is Alertmanager's webhook payload, version 4 (its template.Data): what a receiver's
 *   integrations are handed for one notification of one aggregation group.
 */

/** One alert as POSTed to Alertmanager's /api/v2/alerts; times are RFC 3339 strings. */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** In the past (or now) means resolved. */
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** Where the rule manager sends alerts after each evaluation: the embedded notifier or an Alertmanager pusher. */
export interface AlertSink {
  /** Never throws and never blocks: queues, and drops (counted) when its bounded queue is full. */
  send(alerts: readonly PostableAlert[]): void;
  /** Delivers what is queued (bounded by the sink's own timeouts); idempotent. */
  close(): Promise<void>;
}

/** One alert inside a notification (Alertmanager's template.Alert). */
export interface NotificationAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** "0001-01-01T00:00:00Z" while firing without an end, as Alertmanager writes it. */
  readonly endsAt: string;
  readonly generatorURL: string;
  /** Alertmanager's fingerprint of the label set: 16 hex digits. */
  readonly fingerprint: string;
}

/** Alertmanager's webhook message, version 4: the data of one notification. */
export interface WebhookMessage {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly NotificationAlert[];
}

/** One configured integration of a receiver (a webhook_configs, slack_configs, … entry). */
export interface Integration {
  /** Alertmanager's integration name: 'webhook', 'slack', 'email', 'pagerduty'. */
  readonly integration: string;
  /** Its position among the receiver's integrations of the same kind (Alertmanager's idx). */
  readonly index: number;
  /** Whether resolved notifications are sent (each kind has Alertmanager's default). */
  readonly sendResolved: boolean;
  /**
   * Sends one notification; resolves when delivered. Rejects with a NotifyError saying whether a
   * retry may help. The delivery layer adds the timeout (through `signal`), retries and counting.
   */
  notify(message: WebhookMessage, signal: AbortSignal): Promise<void>;
}

/** A failed delivery; `retry` false for an answer a retry cannot change (e.g. HTTP 400). */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}
