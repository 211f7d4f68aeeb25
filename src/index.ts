// Public API of mcpulse. Every export is listed by name; anything added here becomes public API.
// The root holds the instance and what a handler needs. The monitoring server and routes
// (`mcpulse/http`), the health checks (`mcpulse/health`) and the trace pipeline (`mcpulse/otel`) are
// subpaths; their types stay here too, as they describe what an instance returns (`pulse.health` ...).

export { createMcpulse, Mcpulse } from './core/mcpulse.js';
export type { BusinessMetrics, OperationListener } from './core/mcpulse.js';
export { McpulseError, McpulseOptionError } from './core/errors.js';
export type { McpulseErrorCode } from './core/errors.js';
export type { McpulseOptions, MonitoringOptions } from './core/options.js';

export type {
  ExceptionInfo,
  NetworkTransport,
  OperationRecord,
  OperationSide,
  Outcome,
} from './instrument/record.js';
export type { ObserveTransportOptions } from './instrument/transport.js';
export type { SessionInfo } from './instrument/pipeline.js';

export { defineRules, formatRuleFile } from './alerting/define-rules.js';
export type {
  AlertingRuleDefinition,
  RecordingRuleDefinition,
  RuleDefinition,
  RuleGroupDefinition,
  RuleGroupsDefinition,
} from './alerting/define-rules.js';
export { BUILTIN_ALERTS, builtinRules, DEFAULT_RUNBOOK_URL } from './alerting/builtin.js';
export type { BuiltinAlert, BuiltinRulesOptions } from './alerting/builtin.js';
export type { AlertingRuleSpec, RecordingRuleSpec, RuleGroupSpec, RuleSpec } from './alerting/rule-file.js';
export type { AlertingOptions } from './alerting/setup.js';
export type {
  AlertingRuleStatus,
  AlertState,
  AlertStatus,
  AlertTransition,
  RecordingRuleStatus,
  RuleGroupStatus,
  RuleHealth,
  RuleStatus,
} from './alerting/rule-status.js';
export type { PostableAlert } from './alerting/notify/types.js';

export { MCP_LOG_LEVELS, requestContext } from './logging/context.js';
export type { ClientLog, McpLogLevel, RequestContext, SpanLike } from './logging/context.js';
export type { LogFileOptions } from './logging/outputs.js';
export type { SamplingOptions } from './logging/sampling.js';
export { CENSOR, redact, redactText } from './logging/redact.js';

export type {
  CheckOptions,
  CheckReport,
  CheckResult,
  HealthCheck,
  HealthJsonOptions,
  HealthRegistry,
  HealthReport,
  HealthStatus,
} from './health/registry.js';

export {
  MCP_DURATION_BUCKETS,
  METRIC_CLIENT_OPERATION_DURATION,
  METRIC_OPERATIONS_ACTIVE,
  METRIC_SERVER_OPERATION_DURATION,
  METRIC_SERVER_SESSION_DURATION,
  METRIC_SESSIONS_ACTIVE,
} from './metrics/mcp.js';
export type { HostMetricsOptions } from './metrics/host.js';
export type {
  MonitoringRoutes,
  MonitoringRoutesOptions,
  MonitoringServer,
  MonitoringServerOptions,
} from './http/monitoring.js';
export type { ExpositionFormat } from './metrics/render.js';
