/**
 * An mcpulse for tests: no monitoring server, host or process metrics and no signal handlers; logs
 * silent unless the test gives them a destination. The options given override these.
 */
import { createMcpulse, type Mcpulse, type McpulseOptions } from '../src/index.js';

export function quietMcpulse(options: McpulseOptions = {}): Mcpulse {
  return createMcpulse({
    monitoring: false,
    hostMetrics: false,
    processMetrics: false,
    handleSignals: false,
    ...(options.logDestination === undefined ? { logLevel: 'silent' as const } : {}),
    ...options,
  });
}
