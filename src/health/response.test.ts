/** The health answer: details only with the token (compared whole), `fail` once not ready. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { HealthRegistry, type HealthReport } from './registry.js';
import { bearerMatches, healthResponse, type HealthResponseInput } from './response.js';

const TOKEN = 's3cret-health-token';

describe('healthResponse', () => {
  let health: HealthRegistry;
  let report: HealthReport;

  beforeEach(async () => {
    health = new HealthRegistry();
    health.register(
      'database',
      () => ({ status: 'warn', output: 'replica lag 12 s', observedValue: 12, observedUnit: 's' }),
      { minInterval: 0, componentType: 'datastore', measurement: 'lag' },
    );
    report = await health.run();
  });
  afterEach(() => health.stop());

  const answer = (overrides: Partial<HealthResponseInput>) => {
    const { status, body } = healthResponse({
      report,
      authorization: undefined,
      token: TOKEN,
      hideDetails: true,
      version: '1.2.3',
      service: 'weather',
      ready: true,
      ...overrides,
    });
    const json = JSON.parse(body) as {
      status: string;
      version: string;
      serviceId: string;
      checks: Record<string, Record<string, unknown>[]>;
    };
    return { status, json, check: json.checks['database:lag']![0]! };
  };

  it('shows details to the caller with the token', () => {
    const { status, json, check } = answer({ authorization: `Bearer ${TOKEN}` });
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'warn', version: '1.2.3', serviceId: 'weather' });
    expect(check).toEqual({
      componentType: 'datastore',
      observedValue: 12,
      observedUnit: 's',
      status: 'warn',
      time: report.checks[0]!.time,
      output: 'replica lag 12 s',
    });
  });

  it.each([
    ['no header', undefined],
    ['another token of the same length', `Bearer ${'x'.repeat(TOKEN.length)}`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token and more', `Bearer ${TOKEN}x`],
    ['the token alone', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['an empty header', ''],
  ])('hides details from a caller with %s', (_, authorization) => {
    const { status, check } = answer({ authorization });
    expect(status).toBe(200);
    expect(check).toEqual({ componentType: 'datastore', status: 'warn', time: report.checks[0]!.time });
  });

  it('hides details from everyone when there is no token, and from no one when details are not hidden', () => {
    expect(answer({ token: undefined, authorization: `Bearer ${TOKEN}` }).check.output).toBeUndefined();
    expect(answer({ hideDetails: false }).check.output).toBe('replica lag 12 s');
  });

  it('fails with 503 once not ready, whatever the checks say', () => {
    const { status, json } = answer({ ready: false });
    expect(status).toBe(503);
    expect(json.status).toBe('fail');
  });
});

describe('bearerMatches', () => {
  it('is true only for exactly "Bearer <token>"', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer  ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches(['Bearer', TOKEN] as unknown as string, TOKEN)).toBe(false);
  });
});
