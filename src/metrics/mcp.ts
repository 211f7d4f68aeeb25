/**
 * MCP metrics from operation records, named after the OpenTelemetry MCP conventions as Prometheus
 * exports them (standards.md §1.3): `mcp.server.operation.duration` → `mcp_server_operation_duration_seconds`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { methodLabel, OTHER, protocolVersionLabel } from '../instrument/conventions.js';
import type { OperationRecord } from '../instrument/record.js';
import type { SessionInfo } from '../instrument/transport.js';
import type { LabelGuard } from './labels.js';

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

/** Builds and records the MCP metric families on one registry. */
export class McpMetrics {
  private readonly _serverDuration: Histogram<OperationLabel>;
  private readonly _clientDuration: Histogram<OperationLabel>;
  private readonly _sessionDuration: Histogram<'network_transport' | 'mcp_protocol_version'>;
  private readonly _sessionsActive: Gauge<'network_transport'>;
  private readonly _requestSize: Histogram<'mcp_method_name' | 'gen_ai_tool_name'>;
  private readonly _responseSize: Histogram<'mcp_method_name' | 'gen_ai_tool_name'>;
  private readonly _notifications: Counter<'mcp_method_name' | 'network_transport'>;
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
    // prom-client accepts exemplar-enabled metrics only on an OpenMetrics registry; renderMetrics picks
    // the format per scrape anyway (and drops exemplars from the text format), so the registry's own
    // content type is switched only while these two are built.
    const contentType = registry.contentType;
    if (_exemplars) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    this._serverDuration = new Histogram({
      name: METRIC_SERVER_OPERATION_DURATION,
      help: 'Duration of MCP requests handled by this server, from receipt until the reply was sent.',
      labelNames: OPERATION_LABELS,
      buckets: [...MCP_DURATION_BUCKETS],
      registers,
      enableExemplars: _exemplars,
    });
    this._clientDuration = new Histogram({
      name: METRIC_CLIENT_OPERATION_DURATION,
      help: 'Duration of MCP requests this process sent (server to client: sampling, elicitation, roots).',
      labelNames: OPERATION_LABELS,
      buckets: [...MCP_DURATION_BUCKETS],
      registers,
      enableExemplars: _exemplars,
    });
    if (_exemplars) registry.setContentType(contentType);
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
    this._requestSize = new Histogram({
      name: METRIC_REQUEST_SIZE,
      help: 'Size of MCP request messages received, as JSON, in bytes.',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name'],
      buckets: [...MESSAGE_SIZE_BUCKETS],
      registers,
    });
    this._responseSize = new Histogram({
      name: METRIC_RESPONSE_SIZE,
      help: 'Size of MCP replies sent, as JSON, in bytes.',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name'],
      buckets: [...MESSAGE_SIZE_BUCKETS],
      registers,
    });
    this._notifications = new Counter({
      name: METRIC_NOTIFICATIONS,
      help: 'MCP notifications received from clients.',
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

  operationStarted(op: OperationRecord): void {
    if (op.side !== 'server') return;
    const method = methodLabel(op.method);
    this._inflight.set(method, (this._inflight.get(method) ?? 0) + 1);
  }

  operationEnded(op: OperationRecord): void {
    const method = methodLabel(op.method);
    const labels: Partial<Record<OperationLabel, string>> = { mcp_method_name: method };
    let tool: string | undefined;
    if (op.method === 'tools/call') {
      tool = op.toolName === undefined ? OTHER : this._guard.tool(op.toolName);
      labels.gen_ai_tool_name = tool;
    } else if (op.method === 'prompts/get') {
      labels.gen_ai_prompt_name = op.promptName === undefined ? OTHER : this._guard.prompt(op.promptName);
    }
    if (op.errorType !== undefined) labels.error_type = op.errorType;
    if (op.networkTransport !== undefined) labels.network_transport = op.networkTransport;
    const version = protocolVersionLabel(op.protocolVersion);
    if (version !== undefined) labels.mcp_protocol_version = version;
    const seconds = op.durationMs / 1000;
    const duration = op.side === 'client' ? this._clientDuration : this._serverDuration;
    if (this._exemplars) {
      // With exemplars on, prom-client's observe takes one object.
      const exemplarLabels =
        op.traceId === undefined ? {} : { trace_id: op.traceId, span_id: op.spanId ?? '' };
      duration.observe({ labels, value: seconds, exemplarLabels } as never);
    } else {
      duration.observe(labels, seconds);
    }
    if (op.side === 'client') return;
    this._inflight.set(method, (this._inflight.get(method) ?? 1) - 1);
    const sizeLabels =
      tool === undefined ? { mcp_method_name: method } : { mcp_method_name: method, gen_ai_tool_name: tool };
    this._requestSize.observe(sizeLabels, op.requestBytes);
    if (op.responseBytes !== undefined) this._responseSize.observe(sizeLabels, op.responseBytes);
    const client = this._guard.client(op.clientName);
    let outcomes = this._byClient.get(client);
    if (outcomes === undefined) this._byClient.set(client, (outcomes = new Map<string, number>()));
    outcomes.set(op.outcome, (outcomes.get(op.outcome) ?? 0) + 1);
  }

  notificationReceived(method: string, networkTransport: string | undefined): void {
    const labels: Partial<Record<'mcp_method_name' | 'network_transport', string>> = {
      mcp_method_name: methodLabel(method),
    };
    if (networkTransport !== undefined) labels.network_transport = networkTransport;
    this._notifications.inc(labels);
  }

  transportError(networkTransport: string | undefined): void {
    this._transportErrors.inc(networkTransport === undefined ? {} : { network_transport: networkTransport });
  }

  sessionStarted(session: SessionInfo): void {
    this._sessionsActive.inc(session.networkTransport ? { network_transport: session.networkTransport } : {});
  }

  sessionEnded(session: SessionInfo, durationSeconds: number): void {
    const labels: Partial<Record<'network_transport' | 'mcp_protocol_version', string>> = {};
    if (session.networkTransport) labels.network_transport = session.networkTransport;
    const version = protocolVersionLabel(session.protocolVersion);
    if (version !== undefined) labels.mcp_protocol_version = version;
    this._sessionDuration.observe(labels, durationSeconds);
    this._sessionsActive.dec(session.networkTransport ? { network_transport: session.networkTransport } : {});
  }
}
