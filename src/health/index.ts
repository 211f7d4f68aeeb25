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
export { HEALTH_JSON_CONTENT_TYPE, toHealthJson } from './json.js';
export type { HealthJsonOptions } from './json.js';
export { HealthRegistry } from './registry.js';
export type { CheckOptions, HealthRegistryOptions } from './registry.js';
export type { CheckReport, CheckResult, HealthCheck, HealthReport, HealthStatus } from './types.js';
