// Public API of mcpulse. Every export is listed by name; anything added here becomes public API.

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

export { MCP_LOG_LEVELS, requestContext } from './logging/context.js';
export type { ClientLog, McpLogLevel, RequestContext, SpanLike } from './logging/context.js';
export type { LogFileOptions } from './logging/outputs.js';
export type { SamplingOptions } from './logging/sampling.js';
export { CENSOR, redact, redactText } from './logging/redact.js';

export {
  diskSpaceCheck,
  eventLoopDelayCheck,
  httpCheck,
  memoryCheck,
  pingCheck,
  tcpCheck,
} from './health/checks.js';
export { HEALTH_JSON_CONTENT_TYPE, HealthRegistry, toHealthJson } from './health/registry.js';
export type {
  CheckOptions,
  CheckReport,
  CheckResult,
  HealthCheck,
  HealthJsonOptions,
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
export { PROMETHEUS_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE } from './metrics/render.js';
export type { HostMetricsOptions } from './metrics/host.js';
export { createMonitoringRoutes, startMonitoringServer } from './http/monitoring.js';
export type {
  MonitoringRoutes,
  MonitoringRoutesOptions,
  MonitoringServer,
  MonitoringServerOptions,
} from './http/monitoring.js';
export { negotiateFormat, renderMetrics } from './metrics/render.js';
export type { ExpositionFormat } from './metrics/render.js';
