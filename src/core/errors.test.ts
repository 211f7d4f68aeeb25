/** McpulseError: the codes docs/errors.md lists, each used by the code, and thrown where it says. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { quietMcpulse } from '../../test/quiet.js';
import { HealthRegistry } from '../health/registry.js';
import { createMonitoringRoutes, startMonitoringServer } from '../http/monitoring.js';
import {
  badArgument,
  badOption,
  MCPULSE_ERROR_CODES,
  McpulseError,
  McpulseOptionError,
  must,
  parseOptions,
  showValue,
} from './errors.js';
import type { Mcpulse } from './mcpulse.js';

const SRC = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function thrown(act: () => unknown): McpulseError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(McpulseError);
    return error as McpulseError;
  }
  throw new Error('did not throw');
}

let pulse: Mcpulse | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pulse?.shutdown();
  pulse = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('McpulseError', () => {
  it('docs/errors.md lists exactly the codes', () => {
    const docs = readFileSync(join(SRC, '..', 'docs', 'errors.md'), 'utf8');
    const listed = [...docs.matchAll(/^## `(MCPULSE_[A-Z_]+)`$/gm)].map((match) => match[1]);
    expect(listed).toEqual([...MCPULSE_ERROR_CODES]);
  });

  it('every code is thrown somewhere in src/, and public throws use no other class', () => {
    const files = sources(SRC).filter((path) => !path.endsWith(join('core', 'errors.ts')));
    const text = files.map((path) => readFileSync(path, 'utf8')).join('\n');
    const uses: Record<(typeof MCPULSE_ERROR_CODES)[number], RegExp> = {
      MCPULSE_OPTION_INVALID: /\b(?:badOption|parseOptions|new McpulseOptionError)\(/,
      MCPULSE_ARGUMENT_INVALID: /\bbadArgument\(/,
      MCPULSE_ALREADY_REGISTERED: /'MCPULSE_ALREADY_REGISTERED'/,
      MCPULSE_DEPENDENCY_MISSING: /'MCPULSE_DEPENDENCY_MISSING'/,
      MCPULSE_LOG_OPEN_FAILED: /'MCPULSE_LOG_OPEN_FAILED'/,
      MCPULSE_LISTEN_FAILED: /'MCPULSE_LISTEN_FAILED'/,
      MCPULSE_QUERY_INVALID: /\bbadQuery\(/,
      MCPULSE_QUERY_FAILED: /\bqueryFailed\(/,
    };
    for (const code of MCPULSE_ERROR_CODES) expect(text, code).toMatch(uses[code]);
    // Built-in error classes are left only where nothing public throws them: the demo and the CLI,
    // errors caught inside mcpulse (host metric samples, the size estimate, series labels), and the
    // PromQL test helpers.
    const internal =
      /[/\\](?:demo|cli)[/\\]|metrics[/\\](?:host|series)\.ts$|instrument[/\\]size\.ts$|promql[/\\]testing\.ts$/;
    const builtIn = files.filter(
      (path) => /throw new (?:Type|Range)?Error\(/.test(readFileSync(path, 'utf8')) && !internal.test(path),
    );
    expect(builtIn).toEqual([]);
  });

  it('carries its code, name, message and cause; the subclass is an option error', () => {
    const cause = new Error('EADDRINUSE');
    const error = new McpulseError('MCPULSE_LISTEN_FAILED', 'mcpulse: x', { cause });
    expect([error.code, error.name, error.message, error.cause]).toEqual([
      'MCPULSE_LISTEN_FAILED',
      'McpulseError',
      'mcpulse: x',
      cause,
    ]);
    expect(error).toBeInstanceOf(Error);
    const option = badOption('mcpulse: y');
    expect(option).toBeInstanceOf(McpulseOptionError);
    expect([option.code, option.name]).toEqual(['MCPULSE_OPTION_INVALID', 'McpulseOptionError']);
    // The factories leave themselves out of the stack: it starts where the problem is.
    const argument = badArgument('mcpulse: z');
    expect(argument.code).toBe('MCPULSE_ARGUMENT_INVALID');
    expect(argument.stack!.split('\n')[1]).toContain('errors.test.ts');
  });

  it('shows values as JSON, cut, censored, by class name for instances', () => {
    expect(showValue('a"b')).toBe('"a\\"b"');
    expect(showValue([1, 'x', null])).toBe('[1,"x",null]');
    expect(showValue({ password: 'hunter2', user: 'ada' })).toBe('{"password":"[REDACTED]","user":"ada"}');
    expect(showValue(Object.create(null) as object)).toBe('{}');
    expect(showValue(new Registry())).toBe('an instance of Registry');
    expect([showValue(undefined), showValue(Infinity), showValue(-1n), showValue(Symbol('s'))]).toEqual([
      'undefined',
      'Infinity',
      '-1n',
      'Symbol(s)',
    ]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(showValue(cyclic)).toBe('{"self":"[Circular]"}');
    expect(showValue('é'.repeat(100))).toBe(`"${'é'.repeat(59)}…(truncated, 202 bytes)`);
  });
});

describe('codes where they are thrown', () => {
  it('MCPULSE_ARGUMENT_INVALID: observe() of something that is not a server or a transport', () => {
    pulse = quietMcpulse();
    const p = pulse;
    expect(thrown(() => p.observe({ not: 'a server' })).code).toBe('MCPULSE_ARGUMENT_INVALID');
    expect(thrown(() => p.observeTransport({})).code).toBe('MCPULSE_ARGUMENT_INVALID');
  });

  it('MCPULSE_OPTION_INVALID: observe options', () => {
    pulse = quietMcpulse();
    const p = pulse;
    const error = thrown(() => p.observeTransport({ send() {} }, { networkTransport: 'udp' as never }));
    expect(error).toBeInstanceOf(McpulseOptionError);
    expect(error.message).toBe('mcpulse: networkTransport must be "pipe" or "tcp", got "udp"');
  });

  it('MCPULSE_ALREADY_REGISTERED: a check name twice; a metric name held by another type', () => {
    const health = new HealthRegistry();
    health.register('db', () => {});
    const twice = thrown(() => health.register('db', () => {}));
    expect([twice.code, twice.message]).toEqual([
      'MCPULSE_ALREADY_REGISTERED',
      'mcpulse: health check "db" is already registered',
    ]);
    const registry = new Registry();
    new Counter({ name: 'mcpulse_health_check_status', help: 'x', registers: [registry] });
    expect(thrown(() => new HealthRegistry({ registry })).code).toBe('MCPULSE_ALREADY_REGISTERED');
  });

  it('MCPULSE_LOG_OPEN_FAILED: a log file that cannot be opened, with the file system error as cause', () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpulse-errors-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const error = thrown(() => quietMcpulse({ logDestination: join(file, 'app.log') }));
    expect(error.code).toBe('MCPULSE_LOG_OPEN_FAILED');
    // mkdir of the log's folder finds a file there.
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EEXIST');
  });

  it('MCPULSE_LISTEN_FAILED: a port in use, with the socket error as cause', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const routes = createMonitoringRoutes({ registry: new Registry() });
      const error = (await startMonitoringServer(routes, { port }).catch((e: unknown) => e)) as McpulseError;
      expect(error).toBeInstanceOf(McpulseError);
      expect(error.code).toBe('MCPULSE_LISTEN_FAILED');
      expect((error.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('parseOptions through a union of a boolean and an object', () => {
  const schema = z.strictObject({
    feature: z
      .union(
        [z.boolean(), z.strictObject({ size: z.int(must('an integer')).optional() })],
        must('a boolean or an object'),
      )
      .optional(),
  });
  const message = (value: unknown) => {
    try {
      parseOptions(schema, value, { name: 'options' });
    } catch (error) {
      return (error as Error).message;
    }
    return 'parsed';
  };

  it('names the field inside the object branch, or the union when no branch took the value', () => {
    expect(message({ feature: { size: 'big' } })).toBe('mcpulse: feature.size must be an integer, got "big"');
    expect(message({ feature: { colour: 1 } })).toBe(
      'mcpulse: unknown option "feature.colour" (known: size)',
    );
    expect(message({ feature: 'yes' })).toBe('mcpulse: feature must be a boolean or an object, got "yes"');
    expect(message({ feature: true })).toBe('parsed');
  });
});
