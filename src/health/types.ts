/**
 * The vocabulary shared by the registry, the built-in checks and the health+json rendering: what a
 * check returns, and what a run of the checks reports.
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: HealthStatus;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
}

/**
 * A check gets an AbortSignal that fires at its timeout; it may return a CheckResult, a bare status,
 * or nothing (= pass); throwing = fail with the error's message as output.
 */
export type HealthCheck = (
  signal: AbortSignal,
) => CheckResult | HealthStatus | void | Promise<CheckResult | HealthStatus | void>;

export interface CheckReport {
  name: string;
  key: string;
  status: HealthStatus;
  critical: boolean;
  durationMs: number;
  /** ISO 8601, when the result was obtained */
  time: string;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
  componentType?: string;
  tags: string[];
  /** true when served from the cache rather than by a run of the check */
  cached: boolean;
}

export interface HealthReport {
  status: HealthStatus;
  checks: CheckReport[];
}
