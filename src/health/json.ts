/**
 * `toHealthJson` renders a report as `application/health+json` (draft-inadarei-api-health-check-06).
 */
import { badArgument, badOption } from '../core/errors.js';
import type { HealthReport } from './types.js';
import { show } from './validate.js';

export interface HealthJsonOptions {
  version?: string;
  releaseId?: string;
  serviceId?: string;
  description?: string;
  /** omit output and observedValue/observedUnit (for callers without credentials) */
  hideDetails?: boolean;
}

export const HEALTH_JSON_CONTENT_TYPE = 'application/health+json';

/**
 * IETF draft-inadarei-api-health-check-06 body: `{ status, version?, releaseId?, serviceId?,
 * description?, checks: { "name:measurement": [ { componentType?, observedValue?, observedUnit?,
 * status, time, output? } ] } }`; output is omitted for pass, as the draft says.
 */
export function toHealthJson(report: HealthReport, options: HealthJsonOptions = {}): Record<string, unknown> {
  if (typeof report !== 'object' || report === null || !Array.isArray(report.checks)) {
    throw badArgument(`mcpulse: toHealthJson needs a HealthReport, got ${show(report)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw badOption(`mcpulse: toHealthJson options must be an object, got ${show(options)}`);
  }
  const hideDetails = options.hideDetails ?? false;
  if (typeof hideDetails !== 'boolean') {
    throw badOption(`mcpulse: toHealthJson hideDetails must be a boolean, got ${show(hideDetails)}`);
  }
  const body: Record<string, unknown> = { status: report.status };
  for (const field of ['version', 'releaseId', 'serviceId', 'description'] as const) {
    const value = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw badOption(`mcpulse: toHealthJson ${field} must be a string, got ${show(value)}`);
    }
    body[field] = value;
  }
  const checks: Record<string, Record<string, unknown>[]> = {};
  for (const check of report.checks) {
    const item: Record<string, unknown> = {};
    if (check.componentType !== undefined) item.componentType = check.componentType;
    if (!hideDetails && check.observedValue !== undefined) item.observedValue = check.observedValue;
    if (!hideDetails && check.observedUnit !== undefined) item.observedUnit = check.observedUnit;
    item.status = check.status;
    item.time = check.time;
    if (!hideDetails && check.status !== 'pass' && check.output !== undefined) item.output = check.output;
    (checks[check.key] ??= []).push(item);
  }
  body.checks = checks;
  return body;
}
