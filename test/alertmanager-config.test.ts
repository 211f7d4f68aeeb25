/**
 * mcpulse's reading of Alertmanager configuration files against amtool 0.25's: the example file is
 * accepted by both, routes the same label sets to the same receivers (`amtool config routes test`),
 * and bad files are refused by both with Alertmanager's message (mcpulse adds where it is). Keys
 * Alertmanager runs and mcpulse does not are accepted by amtool and refused by mcpulse.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';

import { loadAlertmanagerConfig, parseAlertmanagerConfig } from '../src/alerting/notify/config.js';
import { EmbeddedNotifier } from '../src/alerting/notify/notifier.js';
import { Route } from '../src/alerting/notify/route.js';
import { hasBinary } from './binaries.js';

const EXAMPLE = 'examples/alertmanager/alertmanager.yml';
const dir = mkdtempSync(join(tmpdir(), 'mcpulse-amtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let written = 0;
function file(text: string): string {
  const path = join(dir, `config-${written++}.yml`);
  writeFileSync(path, text);
  return path;
}

function amtoolCheck(path: string): { ok: boolean; output: string } {
  const result = spawnSync('amtool', ['check-config', path], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function amtoolRoutes(path: string, labels: Record<string, string>): string {
  const args = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
  return execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${path}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

const RECEIVERS = 'receivers:\n  - name: default\n  - name: other\n';

describe.runIf(hasBinary('amtool'))('amtool check-config and mcpulse', () => {
  it('both accept the example file and route label sets to the same receivers', () => {
    expect(amtoolCheck(EXAMPLE)).toMatchObject({ ok: true });
    const root = new Route(loadAlertmanagerConfig(EXAMPLE).route);
    const cases: Record<string, string>[] = [
      { alertname: 'HighErrorRatio', job: 'mcp', severity: 'page' },
      { alertname: 'HighErrorRatio', job: 'mcp-server', severity: 'ticket' },
      { alertname: 'McpulseNotificationsFailing', job: 'mcp' },
      { alertname: 'McpulseNotificationsFailing', job: 'mcp', severity: 'page' },
      { alertname: 'DiskFull', job: 'node', severity: 'page' },
      { alertname: 'DiskFull', job: 'node' },
    ];
    const ours = cases.map((labels) =>
      root
        .match(labels)
        .map((r) => r.options.receiver)
        .join(','),
    );
    expect(ours).toEqual(cases.map((labels) => amtoolRoutes(EXAMPLE, labels)));
    expect(ours).toEqual([
      'pagerduty,slack',
      'slack',
      'ops-webhook',
      'pagerduty,ops-webhook',
      'pagerduty',
      'team-email',
    ]);
  });

  it('mcpulse builds every receiver of the example, its secrets read from their files', async () => {
    const secrets = join(dir, 'secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'smtp_password'), 'hunter2');
    writeFileSync(join(secrets, 'slack_webhook_url'), 'https://hooks.slack.example/services/T/B/X\n');
    writeFileSync(join(secrets, 'pagerduty_routing_key'), 'R0UT1NGKEY');
    const text = readFileSync(EXAMPLE, 'utf8').replaceAll('/run/secrets', secrets);
    const notifier = new EmbeddedNotifier({
      config: parseAlertmanagerConfig(text),
      registry: new Registry(),
    });
    expect(notifier.dispatcher.routes.routes.map((r) => r.options.receiver)).toEqual(['pagerduty', 'slack']);
    await notifier.close();
  });

  it('both refuse bad files, with Alertmanager’s message', () => {
    const bad = [
      `${RECEIVERS}route: { group_by: [a] }`,
      `${RECEIVERS}route: { receiver: default, matchers: ['a="b"'] }`,
      `${RECEIVERS}route: { receiver: nobody }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ receiver: x }] }`,
      `receivers: [{ name: a }, { name: a }]\nroute: { receiver: a }`,
      `${RECEIVERS}route: { receiver: default, group_by: ['...', a] }`,
      `${RECEIVERS}route: { receiver: default, group_by: [a, a] }`,
      `${RECEIVERS}route: { receiver: default, group_by: [a-b] }`,
      `${RECEIVERS}route: { receiver: default, group_interval: 0s }`,
      `${RECEIVERS}route: { receiver: default, repeat_interval: 0s }`,
      `${RECEIVERS}route: { receiver: default, group_wait: 5x }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ match: { a-b: c } }] }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ match_re: { a: '(' } }] }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ matchers: ['a'] }] }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ matchers: ['a="b'] }] }`,
      `${RECEIVERS}route: { receiver: default, routes: [{ matchers: ['a=~"(?<n>x)"'] }] }`,
      `${RECEIVERS}route: { receiver: default }\nglobal: { pagerduty_url: 'ftp://x' }`,
      `${RECEIVERS}route: { receiver: default }\nglobal: { slack_api_url: 'https://h/s', slack_api_url_file: /f }`,
    ];
    for (const text of bad) {
      const amtool = amtoolCheck(file(text));
      expect({ text, ok: amtool.ok }).toEqual({ text, ok: false });
      const message = /FAILED: (.*)/.exec(amtool.output)?.[1] ?? '';
      expect(message).not.toBe('');
      expect(() => parseAlertmanagerConfig(text)).toThrow(message);
    }
  });

  it('amtool accepts what mcpulse refuses by name: the parts it does not run', () => {
    const refused: [string, string][] = [
      [
        `${RECEIVERS}route: { receiver: default }\ninhibit_rules: [{ source_matchers: ['a="b"'], target_matchers: ['c="d"'] }]`,
        'inhibit_rules',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ receiver: other, mute_time_intervals: [night] }] }\ntime_intervals: [{ name: night, time_intervals: [{ times: [{ start_time: '00:00', end_time: '06:00' }] }] }]`,
        'time_intervals',
      ],
      [
        `${RECEIVERS}route: { receiver: default, routes: [{ receiver: other, mute_time_intervals: [night] }] }\nmute_time_intervals: [{ name: night }]`,
        'mute_time_intervals',
      ],
      [
        `route: { receiver: a }\nreceivers: [{ name: a, opsgenie_configs: [{ api_key: k }] }]`,
        'receivers[0].opsgenie_configs',
      ],
    ];
    for (const [text, path] of refused) {
      expect({ text, check: amtoolCheck(file(text)).ok }).toEqual({ text, check: true });
      expect(() => parseAlertmanagerConfig(text)).toThrow(`${path} is not supported by mcpulse's notifier`);
    }
  });
});
