/** resolveOptions: defaults, environment fallbacks, and the messages of bad options. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { McpulseError, McpulseOptionError } from './errors.js';
import { resolveOptions, type McpulseOptions } from './options.js';

function messageOf(options: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveOptions(options as McpulseOptions, env);
  } catch (error) {
    expect(error).toBeInstanceOf(McpulseOptionError);
    expect(error).toBeInstanceOf(McpulseError);
    expect((error as McpulseError).code).toBe('MCPULSE_OPTION_INVALID');
    expect((error as Error).name).toBe('McpulseOptionError');
    return (error as Error).message;
  }
  throw new Error('resolveOptions did not throw');
}

const DEFAULTS = {
  service: 'mcp-server',
  version: '0.0.0',
  env: 'development',
  processMetrics: true,
  hostMetrics: {},
  store: {},
  alerting: {},
  logger: undefined,
  logLevel: 'info',
  logDestination: 2,
  monitoring: { port: 9464, host: '127.0.0.1' },
  tools: [],
  prompts: [],
  maxClientNames: 50,
  maxInflightPerTransport: 10_000,
  context: 'explicit',
  clientLogLevel: 'info',
  clientLogRate: 20,
  logFile: undefined,
  logPretty: false,
  logStderr: true,
  logSampling: undefined,
  logPayloadBytes: undefined,
  handleSignals: false,
  drainTimeoutMs: 10_000,
  defaultHealthChecks: true,
  healthHideDetails: false,
  healthToken: undefined,
  tracing: true,
  traceContentBytes: undefined,
};

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const { registry, ...rest } = resolveOptions(undefined, {});
    expect(registry).toBeInstanceOf(Registry);
    expect(rest).toEqual(DEFAULTS);
    expect(Object.keys(rest).sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it('falls back to LOG_LEVEL, LOG_PRETTY, NODE_ENV and MCPULSE_HEALTH_TOKEN, options first', () => {
    const env = {
      LOG_LEVEL: 'debug',
      LOG_PRETTY: '1',
      NODE_ENV: 'production',
      MCPULSE_HEALTH_TOKEN: 'env-token',
    };
    const fromEnv = resolveOptions({}, env);
    expect([fromEnv.logLevel, fromEnv.logPretty, fromEnv.env, fromEnv.healthToken]).toEqual([
      'debug',
      true,
      'production',
      'env-token',
    ]);
    const given = resolveOptions(
      { logLevel: 'warn', logPretty: false, env: 'staging', healthToken: 'own-token' },
      env,
    );
    expect([given.logLevel, given.logPretty, given.env, given.healthToken]).toEqual([
      'warn',
      false,
      'staging',
      'own-token',
    ]);
    // An empty NODE_ENV is no environment name.
    expect(resolveOptions({}, { NODE_ENV: '' }).env).toBe('development');
  });

  it('resolves the nested shapes as before', () => {
    const registry = new Registry();
    const o = resolveOptions(
      {
        registry,
        hostMetrics: { intervalMs: 2000, diskPaths: ['/'] },
        monitoring: { port: 0 },
        tracing: { captureContent: { maxBytes: 100 } },
        logPayloads: true,
        clientLogLevel: 'off',
        logFile: { path: 'logs/app.jsonl' },
        logSampling: { successRate: 0.5 },
      },
      {},
    );
    expect(o.registry).toBe(registry);
    expect(o.hostMetrics).toEqual({ intervalMs: 2000, diskPaths: ['/'] });
    expect(o.monitoring).toEqual({ port: 0, host: '127.0.0.1' });
    expect([o.tracing, o.traceContentBytes, o.logPayloadBytes, o.clientLogLevel]).toEqual([
      true,
      100,
      2048,
      undefined,
    ]);
    expect(o.logFile).toEqual({ path: 'logs/app.jsonl', maxSize: '10m', daily: true, keep: 10 });
    expect(o.logSampling).toEqual({ successRate: 0.5 });
    expect(resolveOptions({ monitoring: false, hostMetrics: false, tracing: false }, {})).toMatchObject({
      monitoring: false,
      hostMetrics: false,
      tracing: false,
    });
  });

  it("context: 'async' (or true) turns requestContext() on; false and the default keep it explicit", () => {
    expect(resolveOptions({ context: 'async' }, {}).context).toBe('async');
    expect(resolveOptions({ context: true }, {}).context).toBe('async');
    expect(resolveOptions({ context: false }, {}).context).toBe('explicit');
    expect(resolveOptions({}, {}).context).toBe('explicit');
    expect(messageOf({ context: 'sync' })).toBe(
      `mcpulse: context must be true, false or 'async', got "sync"`,
    );
  });

  it('lists every problem at once, each with its path, its value and what was expected', () => {
    expect(
      messageOf(
        {
          monitoring: { port: 70000, host: '' },
          logLevel: 'loud',
          servce: 'typo',
          tools: ['a', 1],
          hostMetrics: { intervalMs: 5 },
          tracing: { captureContent: { max: 1 } },
        },
        { LOG_LEVEL: 'ignored: logLevel is given' },
      ),
    ).toBe(
      [
        'mcpulse: 7 invalid options:',
        '  - hostMetrics.intervalMs must be a number >= 1000, got 5',
        '  - logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        '  - monitoring.port must be an integer from 0 to 65535, got 70000',
        '  - monitoring.host must be a non-empty string of at most 256 characters, got ""',
        '  - tools[1] must be a string, got 1',
        '  - unknown option "tracing.captureContent.max" (known: maxBytes)',
        '  - unknown option "servce"',
      ].join('\n'),
    );
  });

  it('checks the environment variables it falls back to, naming them', () => {
    expect(messageOf({}, { LOG_LEVEL: 'loud' })).toBe(
      'mcpulse: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(messageOf({ monitoring: { port: -1 } }, { LOG_LEVEL: 'loud' })).toBe(
      [
        'mcpulse: 2 invalid options:',
        '  - monitoring.port must be an integer from 0 to 65535, got -1',
        '  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].join('\n'),
    );
  });

  it('never shows a secret: not the health token, nor sensitive keys or URL passwords in other values', () => {
    const token = 'tiny-tk';
    const fromOption = messageOf({ healthToken: token });
    expect(fromOption).toBe('mcpulse: healthToken must be a string of at least 8 characters');
    const fromEnv = messageOf({}, { MCPULSE_HEALTH_TOKEN: token });
    expect(fromEnv).toBe('mcpulse: MCPULSE_HEALTH_TOKEN must be a string of at least 8 characters');
    expect(messageOf({ healthToken: 1234567 })).toBe(
      'mcpulse: healthToken must be a string of at least 8 characters',
    );
    for (const message of [fromOption, fromEnv]) expect(message).not.toContain(token);

    expect(messageOf({ logger: { info: 'no', apiKey: 'sk-123', nested: { password: 'p' } } })).toBe(
      'mcpulse: logger must be a pino logger, got {"info":"no","apiKey":"[REDACTED]","nested":{"password":"[REDACTED]"}}',
    );
    expect(messageOf({ service: 'https://user:hunter2@example.com/'.padEnd(300, 'x') })).not.toContain(
      'hunter2',
    );
  });

  it('shows values as JSON, cut when large; class instances by name', () => {
    const long = messageOf({ service: 'x'.repeat(5000) });
    expect(long).toBe(
      `mcpulse: service must be a non-empty string of at most 256 characters, got "${'x'.repeat(119)}…(truncated, 5002 bytes)`,
    );
    expect(messageOf({ registry: new Map() })).toBe(
      'mcpulse: registry must be a prom-client Registry, got an instance of Map',
    );
    expect(messageOf({ drainTimeoutMs: 1n })).toBe(
      'mcpulse: drainTimeoutMs must be an integer from 0 to 600000, got 1n',
    );
    expect(messageOf({ maxClientNames: Number.NaN })).toBe(
      'mcpulse: maxClientNames must be an integer from 0 to 10000, got NaN',
    );
    expect(messageOf({ logSampling: [0.1] })).toBe(
      'mcpulse: logSampling must be an object such as { successRate: 0.1 }, got [0.1]',
    );
    expect(messageOf({ processMetrics: () => true })).toBe(
      'mcpulse: processMetrics must be a boolean, got a function',
    );
  });

  it('rejects unknown keys, at the top and nested, naming them', () => {
    expect(messageOf({ servce: 'typo' })).toBe('mcpulse: unknown option "servce"');
    expect(messageOf({ monitoring: { prt: 1 } })).toBe(
      'mcpulse: unknown option "monitoring.prt" (known: port, host)',
    );
    expect(messageOf({ hostMetrics: { interval: 1 } })).toBe(
      'mcpulse: unknown option "hostMetrics.interval" (known: intervalMs, diskPaths)',
    );
    expect(messageOf({ logPayloads: { bytes: 1 } })).toBe(
      'mcpulse: unknown option "logPayloads.bytes" (known: maxBytes)',
    );
  });

  it('rejects what is not an object, and null where undefined means the default', () => {
    expect(messageOf('svc')).toBe('mcpulse: options must be an object, got "svc"');
    expect(messageOf(null)).toBe('mcpulse: options must be an object, got null');
    expect(messageOf({ monitoring: null })).toBe(
      'mcpulse: monitoring must be an object such as { port: 9464 } or false, got null',
    );
  });

  it('keeps the checks that span options', () => {
    expect(messageOf({ logDestination: 1 })).toBe(
      'mcpulse: logDestination 1 (stdout) would corrupt the stdio transport; use 2 (stderr) or a file',
    );
    expect(messageOf({ logDestination: 2 }, { LOG_PRETTY: '1' })).toBe(
      'mcpulse: logDestination cannot be combined with logFile or logPretty; use logStderr to turn stderr off',
    );
    expect(messageOf({ logFile: { path: 'a.log', errorPath: './a.log' } })).toBe(
      'mcpulse: logFile.errorPath must differ from logFile.path, got "./a.log" for both',
    );
  });
});
