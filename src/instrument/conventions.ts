/**
 * Names and codes from the MCP specification and the OpenTelemetry MCP semantic conventions.
 * Everything that may become a metric label is checked against these lists so a hostile client cannot
 * create new series.
 */

/** `mcp.method.name` well-known values, plus the 2026-07-28 additions and task methods. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'completion/complete',
  'elicitation/create',
  'initialize',
  'logging/setLevel',
  'notifications/cancelled',
  'notifications/initialized',
  'notifications/message',
  'notifications/progress',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/roots/list_changed',
  'notifications/tools/list_changed',
  'ping',
  'prompts/get',
  'prompts/list',
  'resources/list',
  'resources/read',
  'resources/subscribe',
  'resources/templates/list',
  'resources/unsubscribe',
  'roots/list',
  'sampling/createMessage',
  'tools/call',
  'tools/list',
  // 2026-07-28
  'server/discover',
  'subscriptions/listen',
  'notifications/subscriptions/acknowledged',
  // 2025-11-25 tasks
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'notifications/tasks/status',
  'notifications/elicitation/complete',
]);

/** Protocol revisions that may appear as `mcp_protocol_version`; anything else is `_OTHER`. */
export const KNOWN_PROTOCOL_VERSIONS: ReadonlySet<string> = new Set([
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
  '2026-07-28',
]);

/** The fallback label value of the conventions for anything outside a bounded set. */
export const OTHER = '_OTHER';

/**
 * JSON-RPC codes the server side must not count as its own errors: the caller caused them
 * (parse error, invalid request, method not found, invalid params, resource not found in 2025-11-25).
 */
export const CALLER_FAULT_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32002]);

export const INVALID_PARAMS = -32602;

/** `_meta` keys of the 2026-07-28 per-request envelope. */
export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : OTHER;
}

export function protocolVersionLabel(version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  return KNOWN_PROTOCOL_VERSIONS.has(version) ? version : OTHER;
}

/** RFC 5424 levels, as MCP `notifications/message` uses them, in ascending severity. */
export const MCP_LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type McpLogLevel = (typeof MCP_LOG_LEVELS)[number];

export function isMcpLogLevel(value: unknown): value is McpLogLevel {
  return typeof value === 'string' && (MCP_LOG_LEVELS as readonly string[]).includes(value);
}
