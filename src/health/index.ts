// `mcpulse/health`: ready-made health checks (node:net, node:fs, node:v8, fetch) and the registry
// behind /readyz and /health. Every export is listed by name; anything added here becomes public API.

export { diskSpaceCheck, eventLoopDelayCheck, memoryCheck } from './checks.js';
export type { DiskSpaceCheckOptions, EventLoopDelayCheckOptions, MemoryCheckOptions } from './checks.js';
export { httpCheck, pingCheck, tcpCheck } from './network-checks.js';
export type { HttpCheckOptions, PingCheckOptions } from './network-checks.js';
export { HEALTH_JSON_CONTENT_TYPE, toHealthJson } from './json.js';
export type { HealthJsonOptions } from './json.js';
export { HealthRegistry } from './registry.js';
export type { CheckOptions, HealthRegistryOptions } from './registry.js';
export type { CheckReport, CheckResult, HealthCheck, HealthReport, HealthStatus } from './types.js';
