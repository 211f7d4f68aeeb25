/** The checks every mcpulse instance registers unless told not to (`defaultHealthChecks: false`). */
import { eventLoopDelayCheck, memoryCheck } from './checks.js';
import type { HealthRegistry } from './registry.js';

export function registerDefaultChecks(health: HealthRegistry): void {
  // Non-critical: a slow event loop or a full heap is worth a warning, not a restart or a drain.
  health.register('event_loop', eventLoopDelayCheck(), {
    critical: false,
    componentType: 'system',
    measurement: 'delay',
  });
  health.register('memory', memoryCheck(), {
    critical: false,
    componentType: 'system',
    measurement: 'utilization',
  });
}
