/**
 * The `alerting` option through createMcpulse: every bad value refused up front with a message naming
 * it; the rules of files, objects and defineRules all served at /api/v1/rules; and a notification the
 * embedded notifier gives up on logged as a warning that holds no secret of the receiver's URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { logSink } from '../../test/log-sink.js';
import { httpReceiver, until } from '../../test/notify-helpers.js';
import { quietMcpulse } from '../../test/quiet.js';
import { optionErrorMessage } from '../../test/thrown.js';
import type { Mcpulse } from '../core/mcpulse.js';
import type { McpulseOptions } from '../core/options.js';
import { BUILTIN_ALERTS } from './builtin.js';
import { defineRules } from './define-rules.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpulse-alerting-setup-'));
let pulse: Mcpulse | undefined;

beforeAll(() => {
  writeFileSync(
    join(dir, 'good.yml'),
    'groups:\n  - name: from-file\n    rules:\n      - record: job:up:sum\n        expr: sum(up)\n      - alert: FileAlert\n        expr: vector(1) > 2\n',
  );
  writeFileSync(
    join(dir, 'bad-expr.yml'),
    'groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: rate(x[5m]\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await pulse?.shutdown();
  pulse = undefined;
});

function refusal(options: McpulseOptions): string {
  return optionErrorMessage(() => (pulse = quietMcpulse(options)));
}

describe('the alerting option refuses bad values by name', () => {
  it.each<[string, () => McpulseOptions, string]>([
    [
      'alerting without the store',
      () => ({ store: false, alerting: {} }),
      'mcpulse: alerting needs the embedded store, and store is false; leave alerting out or set store',
    ],
    [
      'a rule file that does not exist',
      () => ({ alerting: { rules: [join(dir, 'missing.yml')] } }),
      `mcpulse: alerting.rules: ${join(dir, 'missing.yml')}: open ${join(dir, 'missing.yml')}: no such file or directory`,
    ],
    [
      'a rule file with an expression that does not parse',
      () => ({ alerting: { rules: [join(dir, 'bad-expr.yml')] } }),
      `mcpulse: alerting.rules: ${join(dir, 'bad-expr.yml')}: 5:15: group "g", rule 1, "Broken": could not parse expression: 1:11: parse error: unclosed left parenthesis`,
    ],
    [
      'rules as a string instead of an array',
      () => ({ alerting: { rules: 'rules.yml' as never } }),
      'mcpulse: alerting.rules must be an array of rule files or rule groups, got "rules.yml"',
    ],
    [
      'a rule source that is a number',
      () => ({ alerting: { rules: [42 as never] } }),
      'mcpulse: alerting.rules[0] must be a rule file path, an object such as { groups: [...] }, or what defineRules returns, got 42',
    ],
    [
      'a rule object whose rule has a bad field',
      () => ({
        alerting: { rules: [{ groups: [{ name: 'g', rules: [{ record: 'r', expr: 'up', for: '1m' }] }] }] },
      }),
      'mcpulse: defineRules: group "g", rule 1, "r": invalid field \'for\' in recording rule',
    ],
    [
      'a notifier configuration with inhibit_rules',
      () => ({
        alerting: {
          notifications: { route: { receiver: 'x' }, receivers: [{ name: 'x' }], inhibit_rules: [] },
        },
      }),
      "alertmanager config alerting.notifications: inhibit_rules is not supported by mcpulse's notifier (Alertmanager supports it; send alerts to a real Alertmanager instead)",
    ],
    [
      'an Alertmanager that is not a URL',
      () => ({ alerting: { alertmanagers: ['alertmanager:9093'] } }),
      'mcpulse: alerting.alertmanagers[0] must be an http:// or https:// URL, got "alertmanager:9093"',
    ],
    [
      'a built-in threshold out of range',
      () => ({ alerting: { builtin: { errorRatio: 1.5 } } }),
      'mcpulse: alerting.builtin.errorRatio must be a number greater than 0 and less than 1, got 1.5',
    ],
    [
      'a built-in option that does not exist',
      () => ({ alerting: { builtin: { errorRate: 0.1 } as never } }),
      'mcpulse: unknown option "alerting.builtin.errorRate"',
    ],
    [
      'an evaluation interval below a second',
      () => ({ alerting: { evaluationIntervalMs: 10 } }),
      'mcpulse: alerting.evaluationIntervalMs must be an integer from 1000 to 86400000, got 10',
    ],
    [
      'delivery attempts of 0 and a queue size that is text',
      () => ({ alerting: { delivery: { maxAttempts: 0, queueSize: '10' as never } } }),
      'mcpulse: 2 invalid options:\n  - alerting.delivery.queueSize must be an integer from 1 to 100000, got "10"\n  - alerting.delivery.maxAttempts must be an integer from 1 to 1000, got 0',
    ],
    [
      'a delivery timeout that is not whole',
      () => ({ alerting: { delivery: { attemptTimeoutMs: 1.5 } } }),
      'mcpulse: alerting.delivery.attemptTimeoutMs must be an integer from 1 to 600000, got 1.5',
    ],
    [
      'a backoff base above its maximum',
      () => ({ alerting: { delivery: { backoffBaseMs: 5000, backoffMaxMs: 1000 } } }),
      'mcpulse: alerting.delivery.backoffBaseMs must be at most backoffMaxMs, got 5000',
    ],
    [
      'a delivery key that does not exist',
      () => ({ alerting: { delivery: { retries: 3 } as never } }),
      'mcpulse: unknown option "alerting.delivery.retries" (known: queueSize, concurrency, attemptTimeoutMs, backoffBaseMs, backoffMaxMs, maxAttempts, deadlineMs)',
    ],
  ])('%s', (_name, options, message) => {
    expect(refusal(options())).toBe(message);
  });

  it('takes every delivery setting in range', () => {
    pulse = quietMcpulse({
      alerting: {
        builtin: false,
        notifications: { route: { receiver: 'x' }, receivers: [{ name: 'x' }] },
        alertmanagers: ['http://127.0.0.1:9'],
        delivery: {
          queueSize: 1,
          attemptTimeoutMs: 1,
          backoffBaseMs: 1,
          backoffMaxMs: 1,
          maxAttempts: 1,
          deadlineMs: 1,
        },
      },
    });
    expect(pulse).toBeDefined();
  });
});

interface ApiRules {
  status: string;
  data: { groups: { name: string; file: string; rules: { name: string; type: string; query: string }[] }[] };
}

describe('rules from files, objects and defineRules', () => {
  it('all show in /api/v1/rules, each group under its source', async () => {
    pulse = quietMcpulse({
      monitoring: { port: 0 },
      alerting: {
        rules: [
          join(dir, 'good.yml'),
          {
            groups: [{ name: 'from-object', rules: [{ alert: 'ObjectAlert', expr: 'up == 0', for: '1m' }] }],
          },
          defineRules({ groups: [{ name: 'from-define', rules: [{ record: 'r:x', expr: 'vector(2)' }] }] }),
        ],
      },
    });
    const server = await pulse.monitoring;
    const body = (await (await fetch(`${server!.url}/api/v1/rules`)).json()) as ApiRules;
    expect(body.status).toBe('success');
    // Sorted by file, as Prometheus lists them; the built-in group's rules are builtin.test.ts's to check.
    const shown = body.data.groups.map((group) => [
      group.file,
      group.name,
      group.rules.map((rule) =>
        group.file === 'builtin' ? rule.name : `${rule.type} ${rule.name}: ${rule.query}`,
      ),
    ]);
    expect(shown).toEqual([
      [
        join(dir, 'good.yml'),
        'from-file',
        ['recording job:up:sum: sum(up)', 'alerting FileAlert: vector(1) > 2'],
      ],
      ['alerting.rules[1]', 'from-object', ['alerting ObjectAlert: up == 0']],
      ['builtin', 'mcpulse', [...BUILTIN_ALERTS]],
      ['defineRules', 'from-define', ['recording r:x: vector(2)']],
    ]);
  });
});

describe('a notification given up on', () => {
  it('is logged once as a warning naming receiver, integration and attempts, with the URL token redacted', async () => {
    const token = 'T0KEN-s3cr3t-4242';
    const hook = await httpReceiver([{ status: 500, body: `no such hook /hooks/${token}` }]);
    const { stream, lines } = logSink();
    try {
      pulse = quietMcpulse({
        logDestination: stream,
        alerting: {
          builtin: false,
          rules: [{ groups: [{ name: 'always', rules: [{ alert: 'Always', expr: 'vector(1)' }] }] }],
          evaluationIntervalMs: 1000,
          notifications: {
            route: { receiver: 'hook', group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
            receivers: [
              { name: 'hook', webhook_configs: [{ url: `${hook.url}/hooks/${token}?key=${token}` }] },
            ],
          },
          delivery: { maxAttempts: 2, backoffBaseMs: 10, backoffMaxMs: 20, attemptTimeoutMs: 2000 },
        },
      });
      const gaveUp = () => lines.filter((line) => line.msg === 'mcpulse gave up delivering a notification');
      await until(() => gaveUp().length > 0, 'the delivery warning');
      expect(hook.requests.map((request) => request.url)).toEqual([
        `/hooks/${token}?key=${token}`,
        `/hooks/${token}?key=${token}`,
      ]);
      const { level, receiver, integration, integration_index, attempts, error } = gaveUp()[0]!;
      expect({ level, receiver, integration, integration_index, attempts, error }).toEqual({
        level: 40,
        receiver: 'hook',
        integration: 'webhook',
        integration_index: 0,
        attempts: 2,
        error: 'unexpected status code 500: no such hook /hooks/<secret>',
      });
      expect(gaveUp()).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toContain(token);
    } finally {
      await pulse?.shutdown();
      pulse = undefined;
      await hook.close();
    }
  });
});
