import { setTimeout as sleep } from 'node:timers/promises';

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { badArgument, badOption, McpulseError, McpulseOptionError } from '../core/errors.js';
import {
  HEALTH_JSON_CONTENT_TYPE,
  HealthRegistry,
  toHealthJson,
  type CheckReport,
  type HealthReport,
} from './registry.js';

function counting(result: () => unknown = () => undefined) {
  const check = Object.assign(
    (): Promise<never> => {
      check.calls += 1;
      return Promise.resolve(result()) as Promise<never>;
    },
    { calls: 0 },
  );
  return check;
}

function byName(report: HealthReport, name: string): CheckReport {
  const check = report.checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name}`);
  return check;
}

describe('HealthRegistry.run', () => {
  it('runs checks concurrently: all ten are running at once before any finishes', async () => {
    const health = new HealthRegistry();
    // Each check waits until all ten have started; run one at a time, the first would wait until its
    // timeout and fail.
    let running = 0;
    let mostAtOnce = 0;
    let allStarted!: () => void;
    const gate = new Promise<void>((resolve) => (allStarted = resolve));
    for (let i = 0; i < 10; i += 1) {
      health.register(
        `gated${i}`,
        async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          if (running === 10) allStarted();
          await gate;
          running -= 1;
        },
        { timeout: 5000 },
      );
    }
    const report = await health.run();
    expect(mostAtOnce).toBe(10);
    expect(running).toBe(0);
    expect(report.status).toBe('pass');
    expect(report.checks).toHaveLength(10);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual(health.names().map((n) => [n, 'pass']));
  });

  it('fails a hanging check at its timeout and aborts its signal', async () => {
    const health = new HealthRegistry();
    let seen: AbortSignal | undefined;
    health.register(
      'hang',
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      { timeout: 150 },
    );
    const started = performance.now();
    const report = await health.run();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(300);
    expect(report.status).toBe('fail');
    const check = byName(report, 'hang');
    expect(check.status).toBe('fail');
    expect(check.output).toBe('timed out after 150 ms');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DOMException);
    expect((seen?.reason as DOMException).name).toBe('TimeoutError');
    expect((seen?.reason as DOMException).message).toBe('timed out after 150 ms');
  });

  it('does not call a check again while its timed-out call is still running', async () => {
    const health = new HealthRegistry();
    let calls = 0;
    let finish: () => void = () => {};
    health.register(
      'stuck',
      () => {
        calls += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { timeout: 50, minInterval: 0 },
    );
    expect(byName(await health.run(), 'stuck').output).toBe('timed out after 50 ms');
    const second = byName(await health.run(), 'stuck');
    expect(second.status).toBe('fail');
    expect(second.output).toBe('timed out after 50 ms (a call from an earlier run is still running)');
    expect(calls).toBe(1);
    // The late answer of the first call serves the run waiting on it.
    const third = health.run();
    finish();
    expect(byName(await third, 'stuck').status).toBe('pass');
    expect(calls).toBe(1);
    await health.run();
    expect(calls).toBe(2);
  });

  it('turns throws and rejections into fails with the message as output', async () => {
    const health = new HealthRegistry();
    health.register('sync', () => {
      throw new Error('sync boom');
    });
    health.register('async', () => Promise.reject(new Error('async boom')));
    health.register('string', () => {
      throw 'plain string'; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    health.register('empty', () => {
      throw new AggregateError([]);
    });
    const report = await health.run();
    expect(report.status).toBe('fail');
    expect(report.checks.map((c) => [c.name, c.status, c.output])).toEqual([
      ['sync', 'fail', 'sync boom'],
      ['async', 'fail', 'async boom'],
      ['string', 'fail', 'plain string'],
      ['empty', 'fail', 'AggregateError'],
    ]);
  });

  it('accepts a CheckResult, a bare status or nothing', async () => {
    const health = new HealthRegistry();
    health.register('nothing', () => {});
    health.register('bare', () => 'warn');
    health.register('alias', () => 'OK' as never);
    health.register('full', () => ({
      status: 'pass',
      observedValue: 42,
      observedUnit: 'ms',
      output: 'fine',
    }));
    const report = await health.run();
    expect(report.status).toBe('warn');
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['nothing', 'pass'],
      ['bare', 'warn'],
      ['alias', 'pass'],
      ['full', 'pass'],
    ]);
    const full = byName(report, 'full');
    expect(full.observedValue).toBe(42);
    expect(full.observedUnit).toBe('ms');
    expect(full.output).toBe('fine');
    expect('observedValue' in byName(report, 'nothing')).toBe(false);
  });

  it('fails an invalid result and tells onError', async () => {
    const errors: [unknown, string][] = [];
    const health = new HealthRegistry({ onError: (e, where) => errors.push([e, where]) });
    health.register('odd', () => ({ status: 'great' }) as never);
    const check = byName(await health.run(), 'odd');
    expect(check.status).toBe('fail');
    expect(check.output).toBe('check returned {"status":"great"}, not a status or a { status } object');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toBe('check odd');
    expect((errors[0]?.[0] as Error).message).toBe(
      'mcpulse: health check "odd" check returned {"status":"great"}, not a status or a { status } object',
    );
  });

  it('truncates a huge output', async () => {
    const health = new HealthRegistry();
    health.register('long', () => {
      throw new Error('x'.repeat(5000));
    });
    const output = byName(await health.run(), 'long').output ?? '';
    expect(output).toHaveLength(1024);
    expect(output.endsWith('x…')).toBe(true);
  });

  it('derives the overall status: critical fail → fail, non-critical fail or any warn → warn', async () => {
    const statusOf = async (checks: [string, boolean][]): Promise<string> => {
      const health = new HealthRegistry();
      for (const [i, [status, critical]] of checks.entries()) {
        health.register(`c${i}`, () => status as never, { critical });
      }
      return (await health.run()).status;
    };
    expect(await statusOf([])).toBe('pass');
    expect(await statusOf([['pass', true]])).toBe('pass');
    expect(
      await statusOf([
        ['pass', true],
        ['fail', false],
      ]),
    ).toBe('warn');
    expect(
      await statusOf([
        ['warn', true],
        ['pass', false],
      ]),
    ).toBe('warn');
    expect(
      await statusOf([
        ['fail', true],
        ['fail', false],
      ]),
    ).toBe('fail');
    expect(
      await statusOf([
        ['warn', false],
        ['fail', true],
      ]),
    ).toBe('fail');
  });

  it('selects checks by tag; an empty list means all', async () => {
    const health = new HealthRegistry();
    health.register('db', () => {}, { tags: ['deps', 'storage'] });
    health.register('cache', () => {}, { tags: ['deps'] });
    health.register('loop', () => {});
    const names = async (tags?: string[]) => (await health.run({ tags })).checks.map((c) => c.name);
    expect(await names(['storage'])).toEqual(['db']);
    expect(await names(['deps', 'nope'])).toEqual(['db', 'cache']);
    expect(await names(['nope'])).toEqual([]);
    expect(await names([])).toEqual(['db', 'cache', 'loop']);
    expect(await names()).toEqual(['db', 'cache', 'loop']);
    expect(byName(await health.run(), 'db').tags).toEqual(['deps', 'storage']);
  });
});

describe('HealthRegistry caching', () => {
  it('caches for minInterval, shares runs in flight, and runs anew when asked or when stale', async () => {
    const health = new HealthRegistry();
    const check = counting();
    health.register('counted', check, { minInterval: 500 });

    const first = byName(await health.run(), 'counted');
    const second = byName(await health.run(), 'counted');
    const third = byName(await health.run(), 'counted');
    expect(check.calls).toBe(1);
    expect([first.cached, second.cached, third.cached]).toEqual([false, true, true]);
    expect(second.time).toBe(first.time);

    await sleep(600);
    await health.run();
    expect(check.calls).toBe(2);

    await health.run({ fresh: true });
    expect(check.calls).toBe(3);
  });

  it('lets concurrent callers share one in-flight run', async () => {
    const health = new HealthRegistry();
    const check = counting(() => sleep(100));
    health.register('counted', check, { minInterval: 500 });
    const reports = await Promise.all([
      health.run(),
      health.run(),
      health.run({ fresh: true }),
      health.readiness(),
    ]);
    expect(check.calls).toBe(1);
    expect(reports.slice(0, 3).map((r) => byName(r as HealthReport, 'counted').cached)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('with minInterval 0 runs every time', async () => {
    const health = new HealthRegistry();
    const check = counting();
    health.register('counted', check, { minInterval: 0 });
    await health.run();
    await health.run();
    expect(check.calls).toBe(2);
  });

  it('hands out copies, so a caller cannot change the cached result', async () => {
    const health = new HealthRegistry();
    health.register('c', () => {}, { tags: ['a'] });
    const first = byName(await health.run(), 'c');
    first.status = 'fail';
    first.tags.push('b');
    const second = byName(await health.run(), 'c');
    expect(second.status).toBe('pass');
    expect(second.tags).toEqual(['a']);
  });
});

describe('HealthRegistry.readiness', () => {
  it('is ready when every critical check passes or warns, and names the failing ones', async () => {
    const health = new HealthRegistry();
    const optional = counting(() => 'fail');
    health.register('ok', () => 'pass');
    health.register('meh', () => 'warn');
    health.register('optional', optional, { critical: false });
    expect(await health.readiness()).toEqual({ ready: true, failing: [] });
    expect(optional.calls).toBe(0); // only critical checks decide readiness

    health.register('db', () => Promise.reject(new Error('down')));
    health.register('queue', () => 'fail');
    expect(await health.readiness()).toEqual({ ready: false, failing: ['db', 'queue'] });
  });
});

describe('HealthRegistry background refresh', () => {
  it('refreshes on its own after start() and stops after stop()', async () => {
    const health = new HealthRegistry();
    const check = counting();
    const idle = counting();
    health.register('refreshed', check, { refreshInterval: 100, minInterval: 0 });
    health.register('idle', idle);

    await sleep(250);
    expect(check.calls).toBe(0); // nothing runs before start()

    health.start();
    health.start(); // idempotent: no second timer
    expect(check.calls).toBe(1); // the first refresh is immediate
    await sleep(450);
    expect(check.calls).toBeGreaterThanOrEqual(4);
    expect(check.calls).toBeLessThanOrEqual(6);
    expect(idle.calls).toBe(0);

    // Probes between refreshes read the cached value.
    const before = check.calls;
    expect(byName(await health.run(), 'refreshed').cached).toBe(true);
    expect(check.calls).toBe(before);

    health.stop();
    health.stop();
    const stopped = check.calls;
    await sleep(350);
    expect(check.calls).toBe(stopped);
  });

  it('refreshes a check registered after start(), and stops refreshing an unregistered one', async () => {
    const health = new HealthRegistry();
    health.start();
    const check = counting();
    health.register('late', check, { refreshInterval: 100 });
    expect(check.calls).toBe(1);
    await sleep(250);
    expect(check.calls).toBeGreaterThanOrEqual(2);
    expect(health.unregister('late')).toBe(true);
    const removed = check.calls;
    await sleep(250);
    expect(check.calls).toBe(removed);
    health.stop();
  });
});

describe('HealthRegistry metrics', () => {
  it('exports status (1 / 0.5 / 0) and last duration per check, and drops a removed check', async () => {
    const registry = new Registry();
    const health = new HealthRegistry({ registry });
    health.register('a', () => 'pass');
    health.register('b', () => 'warn');
    health.register('c', () => 'fail', { critical: false });

    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).toBe(
      [
        '# HELP mcpulse_health_check_status Result of the last run of a health check: 1 pass, 0.5 warn, 0 fail.',
        '# TYPE mcpulse_health_check_status gauge',
      ].join('\n'),
    );

    const report = await health.run();
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).toBe(
      [
        '# HELP mcpulse_health_check_status Result of the last run of a health check: 1 pass, 0.5 warn, 0 fail.',
        '# TYPE mcpulse_health_check_status gauge',
        'mcpulse_health_check_status{check="a"} 1',
        'mcpulse_health_check_status{check="b"} 0.5',
        'mcpulse_health_check_status{check="c"} 0',
      ].join('\n'),
    );
    const durations = await registry.getSingleMetricAsString('mcpulse_health_check_duration_seconds');
    const lines = durations.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      '# HELP mcpulse_health_check_duration_seconds Duration of the last run of a health check, in seconds.',
      '# TYPE mcpulse_health_check_duration_seconds gauge',
    ]);
    expect(lines.slice(2).map((line) => line.replace(/ [0-9.e-]+$/, ''))).toEqual([
      'mcpulse_health_check_duration_seconds{check="a"}',
      'mcpulse_health_check_duration_seconds{check="b"}',
      'mcpulse_health_check_duration_seconds{check="c"}',
    ]);
    const seconds = Number(lines[2]?.split(' ')[1]);
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThan(0.1);
    expect(Math.abs(seconds * 1000 - byName(report, 'a').durationMs)).toBeLessThan(0.001);

    health.unregister('b');
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).toBe(
      [
        '# HELP mcpulse_health_check_status Result of the last run of a health check: 1 pass, 0.5 warn, 0 fail.',
        '# TYPE mcpulse_health_check_status gauge',
        'mcpulse_health_check_status{check="a"} 1',
        'mcpulse_health_check_status{check="c"} 0',
      ].join('\n'),
    );
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_duration_seconds')).not.toContain(
      'check="b"',
    );
  });

  it('updates only on real runs, not on cached reads', async () => {
    const registry = new Registry();
    const health = new HealthRegistry({ registry });
    let status: 'pass' | 'fail' = 'pass';
    health.register('flip', () => status, { minInterval: 10_000 });
    await health.run();
    status = 'fail';
    await health.run(); // cached: still pass
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).toContain(
      'mcpulse_health_check_status{check="flip"} 1',
    );
    await health.run({ fresh: true });
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).toContain(
      'mcpulse_health_check_status{check="flip"} 0',
    );
  });

  it('does not bring back the series of a check removed while it ran', async () => {
    const registry = new Registry();
    const health = new HealthRegistry({ registry });
    health.register('slow', () => sleep(50));
    const running = health.run();
    health.unregister('slow');
    await running;
    expect(await registry.getSingleMetricAsString('mcpulse_health_check_status')).not.toContain('slow');
  });

  it('shares the gauges between two registries on one prom-client registry', async () => {
    const registry = new Registry();
    const one = new HealthRegistry({ registry });
    const two = new HealthRegistry({ registry });
    one.register('x', () => 'pass');
    two.register('y', () => 'warn');
    await Promise.all([one.run(), two.run()]);
    const text = await registry.getSingleMetricAsString('mcpulse_health_check_status');
    expect(text).toContain('mcpulse_health_check_status{check="x"} 1');
    expect(text).toContain('mcpulse_health_check_status{check="y"} 0.5');
  });
});

describe('toHealthJson', () => {
  const report: HealthReport = {
    status: 'warn',
    checks: [
      {
        name: 'postgres',
        key: 'postgres:responseTime',
        status: 'pass',
        critical: true,
        durationMs: 3.2,
        time: '2026-01-17T03:36:48.000Z',
        observedValue: 3.2,
        observedUnit: 'ms',
        output: 'not shown for pass',
        componentType: 'datastore',
        tags: [],
        cached: false,
      },
      {
        name: 'cache',
        key: 'cache:status',
        status: 'fail',
        critical: false,
        durationMs: 150,
        time: '2026-01-17T03:36:49.000Z',
        output: 'timed out after 150 ms',
        tags: ['deps'],
        cached: true,
      },
    ],
  };

  it('renders the draft-06 body', () => {
    expect(HEALTH_JSON_CONTENT_TYPE).toBe('application/health+json');
    const body = toHealthJson(report, {
      version: '1',
      releaseId: '1.2.2',
      serviceId: 'authz',
      description: 'health of authz service',
    });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        status: 'warn',
        version: '1',
        releaseId: '1.2.2',
        serviceId: 'authz',
        description: 'health of authz service',
        checks: {
          'postgres:responseTime': [
            {
              componentType: 'datastore',
              observedValue: 3.2,
              observedUnit: 'ms',
              status: 'pass',
              time: '2026-01-17T03:36:48.000Z',
            },
          ],
          'cache:status': [
            { status: 'fail', time: '2026-01-17T03:36:49.000Z', output: 'timed out after 150 ms' },
          ],
        },
      }),
    );
  });

  it('hides output and observed values when asked', () => {
    expect(toHealthJson(report, { hideDetails: true })).toEqual({
      status: 'warn',
      checks: {
        'postgres:responseTime': [
          { componentType: 'datastore', status: 'pass', time: '2026-01-17T03:36:48.000Z' },
        ],
        'cache:status': [{ status: 'fail', time: '2026-01-17T03:36:49.000Z' }],
      },
    });
  });

  it('renders a real run with the measurement in the key', async () => {
    const health = new HealthRegistry();
    health.register(
      'disk',
      () => ({ status: 'warn', observedValue: 0.08, observedUnit: 'ratio', output: 'low' }),
      {
        componentType: 'system',
        measurement: 'utilization',
      },
    );
    health.register('plain', () => {});
    const run = await health.run();
    expect(toHealthJson(run)).toEqual({
      status: 'warn',
      checks: {
        'disk:utilization': [
          {
            componentType: 'system',
            observedValue: 0.08,
            observedUnit: 'ratio',
            status: 'warn',
            time: byName(run, 'disk').time,
            output: 'low',
          },
        ],
        'plain:status': [{ status: 'pass', time: byName(run, 'plain').time }],
      },
    });
    expect(new Date(byName(run, 'disk').time).toISOString()).toBe(byName(run, 'disk').time);
  });

  it('validates its options', () => {
    expect(() => toHealthJson(report, { version: 1 as never })).toThrow(
      new McpulseOptionError('mcpulse: toHealthJson version must be a string, got 1'),
    );
    expect(() => toHealthJson(report, { hideDetails: 'yes' as never })).toThrow(
      new McpulseOptionError('mcpulse: toHealthJson hideDetails must be a boolean, got "yes"'),
    );
    expect(() => toHealthJson({} as never)).toThrow(
      new McpulseError('MCPULSE_ARGUMENT_INVALID', 'mcpulse: toHealthJson needs a HealthReport, got {}'),
    );
  });
});

describe('HealthRegistry validation', () => {
  const registered = (message: string) => new McpulseError('MCPULSE_ALREADY_REGISTERED', message);
  const health = new HealthRegistry();
  health.register('taken', () => {});

  it.each([
    [
      () => health.register('taken', () => {}),
      registered,
      'mcpulse: health check "taken" is already registered',
    ],
    [
      () => health.register('a:b', () => {}),
      badOption,
      `mcpulse: health check name must be a non-empty string of at most 128 characters without ':', got "a:b"`,
    ],
    [
      () => health.register('', () => {}),
      badOption,
      `mcpulse: health check name must be a non-empty string of at most 128 characters without ':', got ""`,
    ],
    [
      () => health.register('x', 'nope' as never),
      badArgument,
      'mcpulse: health check "x" must be a function, got "nope"',
    ],
    [
      () => health.register('x', () => {}, { timeout: 0 }),
      badOption,
      'mcpulse: health check "x" timeout must be a number of ms from 1 to 2147483647, got 0',
    ],
    [
      () => health.register('x', () => {}, { timeout: '2000' as never }),
      badOption,
      'mcpulse: health check "x" timeout must be a number of ms from 1 to 2147483647, got "2000"',
    ],
    [
      () => health.register('x', () => {}, { minInterval: -1 }),
      badOption,
      'mcpulse: health check "x" minInterval must be a number of ms >= 0, got -1',
    ],
    [
      () => health.register('x', () => {}, { minInterval: NaN }),
      badOption,
      'mcpulse: health check "x" minInterval must be a number of ms >= 0, got NaN',
    ],
    [
      () => health.register('x', () => {}, { refreshInterval: 50 }),
      badOption,
      'mcpulse: health check "x" refreshInterval must be a number of ms from 100 to 2147483647, got 50',
    ],
    [
      () => health.register('x', () => {}, { critical: 'yes' as never }),
      badOption,
      'mcpulse: health check "x" critical must be a boolean, got "yes"',
    ],
    [
      () => health.register('x', () => {}, { tags: 'db' as never }),
      badOption,
      'mcpulse: health check "x" tags must be an array of non-empty strings, got "db"',
    ],
    [
      () => health.register('x', () => {}, { componentType: '' }),
      badOption,
      'mcpulse: health check "x" componentType must be a non-empty string, got ""',
    ],
    [
      () => health.register('x', () => {}, { measurement: 'a:b' }),
      badOption,
      `mcpulse: health check "x" measurement must be a non-empty string of at most 128 characters without ':', got "a:b"`,
    ],
    [
      () => new HealthRegistry({ registry: {} as never }),
      badOption,
      'mcpulse: HealthRegistry registry must be a prom-client Registry, got {}',
    ],
    [
      () => new HealthRegistry({ onError: 1 as never }),
      badOption,
      'mcpulse: HealthRegistry onError must be a function, got 1',
    ],
  ])('rejects bad input %#', (act, error, message) => {
    expect(act).toThrow(error(message));
  });

  it('rejects bad run options', async () => {
    await expect(health.run({ tags: [1] as never })).rejects.toThrow(
      new McpulseOptionError('mcpulse: health run tags must be an array of non-empty strings, got [1]'),
    );
    await expect(health.run({ fresh: 1 as never })).rejects.toThrow(
      new McpulseOptionError('mcpulse: health run fresh must be a boolean, got 1'),
    );
  });

  it('leaves nothing behind after a rejected registration, and unregister reports what it removed', () => {
    expect(health.names()).toEqual(['taken']);
    expect(health.unregister('missing')).toBe(false);
    expect(health.unregister('taken')).toBe(true);
    expect(health.names()).toEqual([]);
    health.register('taken', () => {}); // the name is free again
    expect(health.names()).toEqual(['taken']);
  });
});
