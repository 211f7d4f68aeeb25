/** `mcpulse rules test` as a real process: promtool's report on stdout, promtool's exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpulse-rules-cli-'));
  writeFileSync(
    join(dir, 'rules.yml'),
    'groups:\n  - name: g\n    rules:\n      - record: doubled\n        expr: x * 2\n',
  );
  const test = (value: number) =>
    `rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - series: x\n        values: 1 2 3\n` +
    `    promql_expr_test:\n      - expr: doubled\n        eval_time: 2m\n        exp_samples:\n          - labels: doubled\n            value: ${value}\n`;
  writeFileSync(join(dir, 'pass.yml'), test(6));
  writeFileSync(join(dir, 'fail.yml'), test(5));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mcpulse(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mcpulse rules test', () => {
  it('exits 0 when every file passes, with promtool’s report on stdout', () => {
    const pass = join(dir, 'pass.yml');
    expect(mcpulse('rules', 'test', pass)).toEqual({
      status: 0,
      stdout: `Unit Testing:  ${pass}\n  SUCCESS\n\n`,
      stderr: '',
    });
  });

  it('exits 1 when a file fails, the failure on stderr', () => {
    const [pass, fail] = [join(dir, 'pass.yml'), join(dir, 'fail.yml')];
    expect(mcpulse('rules', 'test', pass, fail)).toEqual({
      status: 1,
      stdout: `Unit Testing:  ${pass}\n  SUCCESS\n\nUnit Testing:  ${fail}\n\n\n`,
      stderr:
        '  FAILED:\n    expr: "doubled", time: 2m,\n        exp: {__name__="doubled"} 5E+00\n' +
        '        got: {__name__="doubled"} 6E+00\n',
    });
  });

  it('exits 1 before running anything when a file is missing or none is given, as promtool does', () => {
    const missing = join(dir, 'missing.yml');
    expect(mcpulse('rules', 'test', join(dir, 'pass.yml'), missing)).toEqual({
      status: 1,
      stdout: '',
      stderr: `mcpulse rules test: path '${missing}' does not exist\n`,
    });
    expect(mcpulse('rules', 'test', dir).stderr).toBe(
      `mcpulse rules test: '${dir.split('/').at(-1)}' is a directory\n`,
    );
    expect(mcpulse('rules', 'test').status).toBe(1);
  });

  it('is a usage error (exit 2) with demo options or --no-builtin', () => {
    const printing = mcpulse('rules', '--rate', '1');
    expect(printing.status).toBe(2);
    expect(printing.stderr).toContain('mcpulse rules: unexpected option --rate');
    const builtin = mcpulse('rules', 'test', '--no-builtin', join(dir, 'pass.yml'));
    expect(builtin.status).toBe(2);
    expect(builtin.stderr).toContain('mcpulse rules test: unexpected option --no-builtin');
    const flagged = mcpulse('rules', 'test', '--port', '1', join(dir, 'pass.yml'));
    expect(flagged.status).toBe(2);
    expect(flagged.stderr).toContain('mcpulse rules test: unexpected option --port');
  });
});
