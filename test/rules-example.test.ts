/**
 * The example rule file and its unit tests (examples/rules/) under both tools: `promtool test rules`
 * and `mcpulse rules test` pass the file alike, and a broken copy fails alike, byte for byte on
 * stdout and stderr, with the same exit code.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { hasBinary } from './binaries.js';

const EXAMPLES = fileURLToPath(new URL('../examples/rules/', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mcpulse-rules-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

copyFileSync(join(EXAMPLES, 'mcp-recording-rules.yml'), join(dir, 'mcp-recording-rules.yml'));
copyFileSync(join(EXAMPLES, 'mcp-recording-rules.test.yml'), join(dir, 'pass.test.yml'));
// The same tests expecting a wrong ratio and a wrong quantile.
writeFileSync(
  join(dir, 'fail.test.yml'),
  readFileSync(join(EXAMPLES, 'mcp-recording-rules.test.yml'), 'utf8')
    .replace('value: 0.09999999999999999', 'value: 0.1')
    .replace(/value: 1$/m, 'value: 0.99'),
);

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const mcpulse = (file: string) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'rules', 'test', join(dir, file)]);
const promtool = (file: string) => run('promtool', ['test', 'rules', join(dir, file)]);

describe('examples/rules', () => {
  it('passes under mcpulse rules test', () => {
    expect(mcpulse('pass.test.yml')).toEqual({
      status: 0,
      stdout: `Unit Testing:  ${join(dir, 'pass.test.yml')}\n  SUCCESS\n\n`,
      stderr: '',
    });
  });

  it.runIf(hasBinary('promtool'))('passes and fails under promtool exactly as under mcpulse', () => {
    for (const file of ['pass.test.yml', 'fail.test.yml']) {
      expect(mcpulse(file), file).toEqual(promtool(file));
    }
    expect(mcpulse('fail.test.yml').status).toBe(1);
  });
});
