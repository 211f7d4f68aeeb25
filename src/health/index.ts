// `mcpulse/health`: ready-made health checks (node:net, node:fs, node:v8, fetch) and the registry
// behind /readyz and /health. Every export is listed by name; anything added here becomes public API.

export {
  diskSpaceCheck,
  eventLoopDelayCheck,
  httpCheck,
  memoryCheck,
  pingCheck,
  tcpCheck,
} from './checks.js';
export type {
  DiskSpaceCheckOptions,
  EventLoopDelayCheckOptions,
  HttpCheckOptions,
  MemoryCheckOptions,
  PingCheckOptions,
} from './checks.js';
export { HEALTH_JSON_CONTENT_TYPE, HealthRegistry, toHealthJson } from './registry.js';
export type {
  CheckOptions,
  CheckReport,
  CheckResult,
  HealthCheck,
  HealthJsonOptions,
  HealthRegistryOptions,
  HealthReport,
  HealthStatus,
} from './registry.js';
