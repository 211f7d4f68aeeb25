/**
 * One call of a check, turned into an outcome: whatever it returns, throws or rejects with becomes a
 * status with an optional output, and the outcomes of several checks combine into one status.
 */
import type { CheckReport, CheckResult, HealthCheck, HealthStatus } from './types.js';
import { show } from './validate.js';

/** Keeps a driver's multi-kilobyte error (query text, stack) out of every probe response. */
const MAX_OUTPUT_LENGTH = 1024;
/** The draft's aliases, for checks written in plain JavaScript. */
const STATUS_ALIASES: Readonly<Record<string, HealthStatus>> = {
  pass: 'pass',
  ok: 'pass',
  up: 'pass',
  warn: 'warn',
  fail: 'fail',
  error: 'fail',
  down: 'fail',
};

export type Outcome = Omit<CheckResult, 'status'> & { status: HealthStatus };

/** What `invoke` needs of a registered check. */
export interface InvokedCheck {
  readonly name: string;
  readonly check: HealthCheck;
}

/** fail if any critical check fails; else warn if any check warns or a non-critical one fails; else pass */
export function overallStatus(checks: readonly CheckReport[]): HealthStatus {
  let status: HealthStatus = 'pass';
  for (const check of checks) {
    if (check.status === 'fail' && check.critical) return 'fail';
    if (check.status !== 'pass') status = 'warn';
  }
  return status;
}

export async function invoke(
  entry: InvokedCheck,
  signal: AbortSignal,
  onInvalid: (error: unknown) => void,
): Promise<Outcome> {
  let value: unknown;
  try {
    value = await entry.check(signal);
  } catch (error) {
    return { status: 'fail', output: errorText(error) };
  }
  const outcome = normalize(value);
  if (outcome) return outcome;
  const message = `check returned ${show(value)}, not a status or a { status } object`;
  onInvalid(new TypeError(`mcpulse: health check ${JSON.stringify(entry.name)} ${message}`));
  return { status: 'fail', output: message };
}

function normalize(value: unknown): Outcome | undefined {
  if (value === undefined) return { status: 'pass' };
  if (typeof value === 'string') {
    const status = statusOf(value);
    return status && { status };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const result = value as Partial<Record<keyof CheckResult, unknown>>;
  const status = typeof result.status === 'string' ? statusOf(result.status) : undefined;
  if (!status) return undefined;
  const outcome: Outcome = { status };
  if (result.observedValue !== undefined) outcome.observedValue = result.observedValue;
  if (typeof result.observedUnit === 'string') outcome.observedUnit = result.observedUnit;
  if (typeof result.output === 'string') outcome.output = truncate(result.output);
  return outcome;
}

function statusOf(value: string): HealthStatus | undefined {
  const key = value.toLowerCase();
  return Object.hasOwn(STATUS_ALIASES, key) ? STATUS_ALIASES[key] : undefined;
}

function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return truncate(error.message || error.name);
    if (typeof error === 'string') return truncate(error);
    return truncate(JSON.stringify(error) ?? String(error));
  } catch {
    return 'check failed'; // a getter that throws, a cycle, an object without toString
  }
}

function truncate(text: string): string {
  return text.length > MAX_OUTPUT_LENGTH ? `${text.slice(0, MAX_OUTPUT_LENGTH - 1)}…` : text;
}
