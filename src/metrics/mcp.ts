/**
 * MCP metrics from operation records, named after the OpenTelemetry MCP conventions as Prometheus
 * exports them (standards.md §1.3): `mcp.server.operation.duration` → `mcp_server_operation_duration_seconds`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { methodLabel, OTHER, protocolVersionLabel } from '../instrument/conventions.js';
import type { OperationRecord } from '../instrument/record.js';
import type { NotificationEvent, OperationSink, SessionEvent } from '../instrument/pipeline.js';
import { errorTypeLabel, type LabelGuard } from './labels.js';
import { SeriesHistogram, type HistogramSeries } from './series.js';

/** The bucket boundaries the conventions prescribe for every MCP duration histogram, in seconds. */
export const MCP_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
];

/** Message size buckets, 64 B to 16 MiB by powers of four. */
export const MESSAGE_SIZE_BUCKETS: readonly number[] = [
  64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
];

export const METRIC_SERVER_OPERATION_DURATION = 'mcp_server_operation_duration_seconds';
export const METRIC_CLIENT_OPERATION_DURATION = 'mcp_client_operation_duration_seconds';
export const METRIC_SERVER_SESSION_DURATION = 'mcp_server_session_duration_seconds';
export const METRIC_SESSIONS_ACTIVE = 'mcp_server_sessions_active';
export const METRIC_OPERATIONS_ACTIVE = 'mcp_server_operations_active';
export const METRIC_REQUEST_SIZE = 'mcpulse_server_request_size_bytes';
export const METRIC_RESPONSE_SIZE = 'mcpulse_server_response_size_bytes';
export const METRIC_NOTIFICATIONS = 'mcpulse_server_notifications_received_total';
export const METRIC_CLIENT_NOTIFICATIONS = 'mcpulse_client_notifications_received_total';
export const METRIC_CLIENT_OPERATIONS = 'mcpulse_server_operations_by_client_total';
export const METRIC_TRANSPORT_ERRORS = 'mcpulse_transport_errors_total';

const OPERATION_LABELS = [
  'mcp_method_name',
  'gen_ai_tool_name',
  'gen_ai_prompt_name',
  'error_type',
  'network_transport',
  'mcp_protocol_version',
] as const;
type OperationLabel = (typeof OPERATION_LABELS)[number];

/** The series one kind of operation updates, resolved once per label set. */
interface SeriesBundle {
  duration: HistogramSeries;
  /** Server side only. */
  requestSize: HistogramSeries | undefined;
  responseSize: HistogramSeries | undefined;
}

type Tree = Map<string, Tree | SeriesBundle>;

/** Walks (and grows) a tree of label values; no key string is built per operation. */
function branch(tree: Tree, key: string): Tree {
  let next = tree.get(key) as Tree | undefined;
  if (next === undefined) tree.set(key, (next = new Map()));
  return next;
}

/** Builds and records the MCP metric families on one registry. */
export class McpMetrics implements OperationSink {
  readonly name = 'metrics';
  private readonly _serverDuration: SeriesHistogram<OperationLabel>;
  private readonly _clientDuration: SeriesHistogram<OperationLabel>;
  private readonly _sessionDuration: Histogram<'network_transport' | 'mcp_protocol_version'>;
  private readonly _sessionsActive: Gauge<'network_transport'>;
  private readonly _requestSize: SeriesHistogram<'mcp_method_name' | 'gen_ai_tool_name'>;
  private readonly _responseSize: SeriesHistogram<'mcp_method_name' | 'gen_ai_tool_name'>;
  /** Resolved series by side, method, target, error type, transport and protocol version labels. */
  private readonly _serverSeries: Tree = new Map();
  private readonly _clientSeries: Tree = new Map();
  private readonly _notifications: Counter<'mcp_method_name' | 'network_transport'>;
  private readonly _clientNotifications: Counter<'mcp_method_name' | 'network_transport'>;
  private readonly _transportErrors: Counter<'network_transport'>;
  /** Requests by client label and outcome, counted as plain numbers and handed to prom-client at scrape time. */
  private readonly _byClient = new Map<string, Map<string, number>>();
  /** In-flight requests by method label, kept as plain numbers and read at scrape time (cheaper than inc/dec). */
  private readonly _inflight = new Map<string, number>();

  constructor(
    registry: Registry,
    private readonly _guard: LabelGuard,
    /** Attach trace_id/span_id exemplars to duration buckets (shown when OpenMetrics is negotiated). */
    private readonly _exemplars = false,
  ) {
    const registers = [registry];
    // Exemplars are kept by the series themselves and rendered by prom-client when OpenMetrics is
    // negotiated (renderMetrics drops them from the text format).
    this._serverDuration = new SeriesHistogram({
      name: METRIC_SERVER_OPERATION_DURATION,
      help: 'Duration of MCP requests handled by this server, from receipt until the reply was sent.',
      labelNames: OPERATION_LABELS,
      buckets: [...MCP_DURATION_BUCKETS],
      registers,
    });
    this._clientDuration = new SeriesHistogram({
      name: METRIC_CLIENT_OPERATION_DURATION,
      help: 'Duration of MCP requests this process sent (server to client: sampling, elicitation, roots).',
      labelNames: OPERATION_LABELS,
      buckets: [...MCP_DURATION_BUCKETS],
      registers,
    });
    this._sessionDuration = new Histogram({
      name: METRIC_SERVER_SESSION_DURATION,
      help: 'Duration of MCP sessions (2025-era protocol) from initialize until the transport closed.',
      labelNames: ['network_transport', 'mcp_protocol_version'],
      buckets: [...MCP_DURATION_BUCKETS],
      registers,
    });
    this._sessionsActive = new Gauge({
      name: METRIC_SESSIONS_ACTIVE,
      help: 'MCP sessions currently open.',
      labelNames: ['network_transport'],
      registers,
    });
    const inflight = this._inflight;
    new Gauge({
      name: METRIC_OPERATIONS_ACTIVE,
      help: 'MCP requests currently being handled.',
      labelNames: ['mcp_method_name'],
      registers,
      collect() {
        for (const [method, count] of inflight) this.set({ mcp_method_name: method }, count);
      },
    });
    this._requestSize = new SeriesHistogram({
      name: METRIC_REQUEST_SIZE,
      help: 'Size of MCP request messages received, as JSON, in bytes.',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name'],
      buckets: [...MESSAGE_SIZE_BUCKETS],
      registers,
    });
    this._responseSize = new SeriesHistogram({
      name: METRIC_RESPONSE_SIZE,
      help: 'Size of MCP replies sent, as JSON, in bytes.',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name'],
      buckets: [...MESSAGE_SIZE_BUCKETS],
      registers,
    });
    this._notifications = new Counter({
      name: METRIC_NOTIFICATIONS,
      help: 'MCP notifications this server received from its clients.',
      labelNames: ['mcp_method_name', 'network_transport'],
      registers,
    });
    this._clientNotifications = new Counter({
      name: METRIC_CLIENT_NOTIFICATIONS,
      help: 'MCP notifications observed clients of this process received from their servers.',
      labelNames: ['mcp_method_name', 'network_transport'],
      registers,
    });
    this._transportErrors = new Counter({
      name: METRIC_TRANSPORT_ERRORS,
      help: 'Errors reported by MCP transports (malformed JSON on the wire, failed writes…).',
      labelNames: ['network_transport'],
      registers,
    });
    const byClient = this._byClient;
    new Counter({
      name: METRIC_CLIENT_OPERATIONS,
      help: 'MCP requests handled, by client name (a bounded set; others are _OTHER) and outcome.',
      labelNames: ['client_name', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [client, outcomes] of byClient) {
          for (const [outcome, count] of outcomes) this.inc({ client_name: client, outcome }, count);
        }
      },
    });
  }

  onStart(op: OperationRecord): void {
    if (op.side !== 'server') return;
    const method = methodLabel(op.method);
    this._inflight.set(method, (this._inflight.get(method) ?? 0) + 1);
  }

  onEnd(op: OperationRecord): void {
    const method = methodLabel(op.method);
    let target = '';
    if (op.method === 'tools/call')
      target = op.toolName === undefined ? OTHER : this._guard.tool(op.toolName);
    else if (op.method === 'prompts/get')
      target = op.promptName === undefined ? OTHER : this._guard.prompt(op.promptName);
    // A server answers with codes of its own; a client's error reply carries whatever code it chose.
    const errorType =
      op.errorType === undefined ? '' : op.side === 'client' ? errorTypeLabel(op.errorType) : op.errorType;
    const transport = op.networkTransport ?? '';
    const version = protocolVersionLabel(op.protocolVersion) ?? '';
    const server = op.side === 'server';
    const leaf = branch(
      branch(branch(branch(server ? this._serverSeries : this._clientSeries, method), target), errorType),
      transport,
    );
    let series = leaf.get(version) as SeriesBundle | undefined;
    if (series === undefined) {
      series = this._bundle(op, method, target, errorType, transport, version);
      leaf.set(version, series);
    }
    const seconds = op.durationMs / 1000;
    if (this._exemplars && op.traceId !== undefined)
      series.duration.observeWithExemplar(seconds, op.traceId, op.spanId ?? '');
    else series.duration.observe(seconds);
    if (!server) return;
    this._inflight.set(method, (this._inflight.get(method) ?? 1) - 1);
    series.requestSize!.observe(op.requestBytes);
    if (op.responseBytes !== undefined) series.responseSize!.observe(op.responseBytes);
    const client = this._guard.client(op.clientName);
    let outcomes = this._byClient.get(client);
    if (outcomes === undefined) this._byClient.set(client, (outcomes = new Map<string, number>()));
    outcomes.set(op.outcome, (outcomes.get(op.outcome) ?? 0) + 1);
  }

  /** The series of one label set; labels that do not apply (empty here) are left off, as the conventions say. */
  private _bundle(
    op: OperationRecord,
    method: string,
    target: string,
    errorType: string,
    transport: string,
    version: string,
  ): SeriesBundle {
    const labels: Partial<Record<OperationLabel, string>> = { mcp_method_name: method };
    const sizeLabels: Partial<Record<'mcp_method_name' | 'gen_ai_tool_name', string>> = {
      mcp_method_name: method,
    };
    if (op.method === 'tools/call') labels.gen_ai_tool_name = sizeLabels.gen_ai_tool_name = target;
    else if (op.method === 'prompts/get') labels.gen_ai_prompt_name = target;
    if (errorType !== '') labels.error_type = errorType;
    if (transport !== '') labels.network_transport = transport;
    if (version !== '') labels.mcp_protocol_version = version;
    if (op.side === 'client') {
      return {
        duration: this._clientDuration.series(labels),
        requestSize: undefined,
        responseSize: undefined,
      };
    }
    return {
      duration: this._serverDuration.series(labels),
      requestSize: this._requestSize.series(sizeLabels),
      responseSize: this._responseSize.series(sizeLabels),
    };
  }

  onNotification(event: NotificationEvent): void {
    const labels: Partial<Record<'mcp_method_name' | 'network_transport', string>> = {
      mcp_method_name: methodLabel(event.method),
    };
    if (event.networkTransport !== undefined) labels.network_transport = event.networkTransport;
    (event.side === 'server' ? this._notifications : this._clientNotifications).inc(labels);
  }

  onTransportError(_error: unknown, networkTransport: string | undefined): void {
    this._transportErrors.inc(networkTransport === undefined ? {} : { network_transport: networkTransport });
  }

  onSession(event: SessionEvent): void {
    const session = event.session;
    const transport = session.networkTransport ? { network_transport: session.networkTransport } : {};
    if (event.kind === 'start') {
      this._sessionsActive.inc(transport);
      return;
    }
    const labels: Partial<Record<'network_transport' | 'mcp_protocol_version', string>> = { ...transport };
    const version = protocolVersionLabel(session.protocolVersion);
    if (version !== undefined) labels.mcp_protocol_version = version;
    this._sessionDuration.observe(labels, event.durationSeconds ?? 0);
    this._sessionsActive.dec(transport);
  }
}
