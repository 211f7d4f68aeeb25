/**
 * The built-in rules as Prometheus users get them: examples/rules/mcpulse-alerts.yml is exactly what
 * `mcpulse rules` prints (so it cannot drift from builtinRules()), promtool accepts it, and its unit
 * tests (mcpulse-alerts.test.yml: every built-in alert fires and resolves, and the quiet and
 * client-error cases stay silent) pass under `promtool test rules` and `mcpulse rules test` alike, and
 * a broken copy of the rules fails under both with the same report.
 * To regenerate the rule file: `npx tsx src/cli/main.ts rules > examples/rules/mcpulse-alerts.yml`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { builtinRules } from '../src/alerting/builtin.js';
import { rulesFileText } from '../src/cli/rules-print.js';
import { hasBinary } from './binaries.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES = 'examples/rules/mcpulse-alerts.yml';
const TESTS = 'examples/rules/mcpulse-alerts.test.yml';
const dir = mkdtempSync(join(tmpdir(), 'mcpulse-builtin-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const mcpulse = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);
const promtool = (...args: string[]) => run('promtool', args);
/** `promtool check rules` on printed text (2.42 reads no stdin, and spawnSync's stdin is a socket). */
function checkRules(name: string, text: string) {
  writeFileSync(join(dir, name), text);
  return promtool('check', 'rules', join(dir, name));
}

describe('mcpulse rules', () => {
  it('prints the built-in group, which is examples/rules/mcpulse-alerts.yml byte for byte', () => {
    const printed = mcpulse('rules');
    expect(printed).toEqual({ status: 0, stdout: readFileSync(join(ROOT, RULES), 'utf8'), stderr: '' });
    expect(printed.stdout).toBe(rulesFileText(builtinRules()));
  });

  it('adds the groups of the files given, and leaves the built-in ones out with --no-builtin', () => {
    const both = mcpulse('rules', 'examples/rules/mcp-recording-rules.yml');
    expect(both.status).toBe(0);
    expect([...both.stdout.matchAll(/^ {2}- name: (\S+)$/gm)].map((m) => m[1])).toEqual([
      'mcpulse',
      'mcp-tools',
    ]);
    const only = mcpulse('rules', '--no-builtin', 'examples/rules/mcp-recording-rules.yml');
    expect([...only.stdout.matchAll(/^ {2}- name: (\S+)$/gm)].map((m) => m[1])).toEqual(['mcp-tools']);
  });

  it('prints nothing and exits 1 when a file does not load or a group name is taken twice', () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      'groups:\n  - name: mcpulse\n    rules:\n      - record: x\n        expr: up\n        for: 5m\n',
    );
    expect(mcpulse('rules', '--no-builtin', broken)).toEqual({
      status: 1,
      stdout: '',
      stderr: `mcpulse rules: ${broken}: 4:17: group "mcpulse", rule 1, "x": invalid field 'for' in recording rule\n`,
    });
    const clash = join(dir, 'clash.yml');
    writeFileSync(clash, 'groups:\n  - name: mcpulse\n    rules:\n      - record: x\n        expr: up\n');
    expect(mcpulse('rules', clash)).toEqual({
      status: 1,
      stdout: '',
      stderr: `mcpulse rules: group "mcpulse" is in both builtin and ${clash}; one rule file cannot hold both (rename one, or use --no-builtin)\n`,
    });
  });
});

describe.runIf(hasBinary('promtool'))('promtool on the built-in rules', () => {
  it('check rules accepts what mcpulse rules prints, with and without other files', () => {
    expect(checkRules('builtin.yml', mcpulse('rules').stdout)).toEqual({
      status: 0,
      stdout: `Checking ${join(dir, 'builtin.yml')}\n  SUCCESS: 10 rules found\n\n`,
      stderr: '',
    });
    const combined = mcpulse('rules', 'examples/rules/mcp-recording-rules.yml').stdout;
    expect(checkRules('combined.yml', combined)).toEqual({
      status: 0,
      stdout: `Checking ${join(dir, 'combined.yml')}\n  SUCCESS: 13 rules found\n\n`,
      stderr: '',
    });
  });

  it('test rules passes every unit test of mcpulse-alerts.test.yml', () => {
    expect(promtool('test', 'rules', TESTS)).toEqual({
      status: 0,
      stdout: `Unit Testing:  ${TESTS}\n  SUCCESS\n\n`,
      stderr: '',
    });
  });
});

describe('mcpulse rules test on the built-in rules', () => {
  it('passes every unit test of mcpulse-alerts.test.yml, as promtool does', () => {
    expect(mcpulse('rules', 'test', TESTS)).toEqual({
      status: 0,
      stdout: `Unit Testing:  ${TESTS}\n  SUCCESS\n\n`,
      stderr: '',
    });
  });

  // The same tests against rules without the minimum rate and counting the caller's errors: the
  // negative cases fire, and both tools report every failure alike.
  it.runIf(hasBinary('promtool'))('fails a broken copy of the rules exactly as promtool does', () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    const rules = rulesFileText(builtinRules({ minRequestRate: 0 })).replaceAll(
      ',error_type!~"-32700|-32600|-32601|-32602|-32002|cancelled"',
      '',
    );
    writeFileSync(join(broken, 'mcpulse-alerts.yml'), rules);
    copyFileSync(join(ROOT, TESTS), join(broken, 'mcpulse-alerts.test.yml'));
    const file = join(broken, 'mcpulse-alerts.test.yml');
    const ours = mcpulse('rules', 'test', file);
    expect(ours).toEqual(promtool('test', 'rules', file));
    expect(ours.status).toBe(1);
    // 18 cases fail: the two negative groups' 8, and 10 whose descriptions name the minimum rate.
    const failed = [...ours.stderr.matchAll(/^ {4}name: (.+),\n {4}alertname: (\w+), time: (\w+),/gm)];
    expect(failed).toHaveLength(18);
    const negative = failed.filter(([, name]) => /^(client errors|below the minimum)/.test(name!));
    expect(negative.map(([, , alert, time]) => `${alert}@${time}`)).toEqual([
      'McpServerErrorRatioHigh@10m',
      'McpToolErrorRatioHigh@10m',
      'McpServerErrorRatioHigh@20m',
      'McpServerErrorRatioHigh@10m',
      'McpToolErrorRatioHigh@10m',
      'McpLatencyP95High@10m',
      'McpToolLatencyP95High@10m',
      'McpServerErrorRatioHigh@20m',
    ]);
  });
});
