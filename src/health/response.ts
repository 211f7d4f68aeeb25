/**
 * The health answer served on `/health` and as the `health://status` resource: the report as
 * application/health+json, `fail` (503) once the server stops being ready, and check details only for
 * callers that show the health token when details are hidden.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { toHealthJson } from './json.js';
import type { HealthReport } from './types.js';

export interface HealthResponseInput {
  report: HealthReport;
  /** The caller's `Authorization` header, if any. */
  authorization: string | undefined;
  /** The token that shows details (`Authorization: Bearer <token>`); none: nobody sees hidden details. */
  token: string | undefined;
  /** Hide outputs and observed values from callers without the token. */
  hideDetails: boolean;
  version: string;
  service: string;
  /** False once shutdown began: the answer is then `fail`, whatever the checks say. */
  ready: boolean;
}

export interface HealthResponse {
  status: number;
  body: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether `authorization` is exactly `Bearer <token>`. Compared in constant time over SHA-256 digests,
 * so neither the position of the first difference nor the length of the token shows in the timing.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (typeof authorization !== 'string') return false;
  return timingSafeEqual(sha256(authorization), sha256(`Bearer ${token}`));
}

export function healthResponse(input: HealthResponseInput): HealthResponse {
  const hideDetails =
    input.hideDetails && (input.token === undefined || !bearerMatches(input.authorization, input.token));
  const body = toHealthJson(input.report, {
    version: input.version,
    serviceId: input.service,
    hideDetails,
  });
  if (!input.ready) body.status = 'fail';
  return { status: body.status === 'fail' ? 503 : 200, body: JSON.stringify(body) };
}
