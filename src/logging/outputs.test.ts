import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { McpulseOptionError } from '../core/errors.js';
import { createLogOutputs, validateLogFileOptions, type LogOutputs } from './outputs.js';

const dirs: string[] = [];
const open: LogOutputs[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpulse-outputs-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** pino-roll's names for `<base>.<ext>`: `<base>.<n>.<ext>`, or `<base>.<yyyy-MM-dd>.<n>.<ext>` when daily. */
function rolled(dir: string, base: string, ext: string): string[] {
  const name = new RegExp(`^${base}\\.(?:\\d{4}-\\d{2}-\\d{2}\\.)?(\\d+)\\.${ext}$`);
  return readdirSync(dir)
    .filter((f) => name.test(f))
    .sort((a, b) => Number(name.exec(a)![1]) - Number(name.exec(b)![1]));
}

function linesOf(dir: string, files: string[]): Record<string, unknown>[] {
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

describe('createLogOutputs with files', () => {
  it('rotates by size without losing, duplicating or breaking a line', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const outputs = createLogOutputs({
      level: 'info',
      stderr: false,
      pretty: false,
      files: {
        path: join(dir, 'app.jsonl'),
        errorPath: join(dir, 'errors.jsonl'),
        maxSize: 20_000,
        keep: 100,
      },
      onError: (e) => errors.push(e),
    });
    open.push(outputs);
    expect(outputs.threaded).toBe(true);
    const logger = pino({ level: 'info' }, outputs.stream);
    // ~100-byte lines. pino-roll rotates only once a write has drained, so a burst handed to the
    // worker in one piece lands in one file: yielding to the worker every 100 lines makes the test
    // rotate the way a live server does (and cross many file boundaries), the rest is one burst.
    for (let seq = 0; seq < 5000; seq++) {
      logger.info({ seq }, 'operation ok');
      if (seq % 100 === 99 && seq < 4000) await outputs.flush();
    }
    for (let seq = 5000; seq < 5050; seq++) logger.error({ seq }, 'operation failed');
    await outputs.close();

    expect(errors).toEqual([]);
    const appFiles = rolled(dir, 'app', 'jsonl');
    const errorFiles = rolled(dir, 'errors', 'jsonl');
    expect(readdirSync(dir).sort()).toEqual([...appFiles, ...errorFiles].sort());
    expect(appFiles.length).toBeGreaterThan(1);
    expect(errorFiles.length).toBeGreaterThanOrEqual(1);

    const app = linesOf(dir, appFiles);
    expect(app).toHaveLength(5050);
    const seqs = app.map((line) => line.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 5050 }, (_, i) => i));
    // Numeric levels: info 30, error 50 (see outputs.ts).
    expect(new Set(app.map((line) => line.level))).toEqual(new Set([30, 50]));

    const failed = linesOf(dir, errorFiles);
    expect(failed).toHaveLength(50);
    expect(failed.map((line) => line.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 5000 + i));
    expect(failed.every((line) => line.level === 50 && line.msg === 'operation failed')).toBe(true);
  });

  it('flush() resolves once every line written so far is in the file', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const outputs = createLogOutputs({
      level: 'debug',
      stderr: false,
      pretty: false,
      files: { path: join(dir, 'app.jsonl'), daily: false },
      onError: (e) => errors.push(e),
    });
    open.push(outputs);
    const logger = pino({ level: 'debug' }, outputs.stream);
    for (let seq = 0; seq < 1000; seq++) logger.debug({ seq }, 'line');
    await outputs.flush();
    expect(rolled(dir, 'app', 'jsonl')).toEqual(['app.1.jsonl']);
    expect(linesOf(dir, ['app.1.jsonl']).map((line) => line.seq)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    logger.trace('below the level');
    logger.debug({ seq: 1000 }, 'after the flush');
    await outputs.close();
    await outputs.close();
    expect(linesOf(dir, ['app.1.jsonl'])).toHaveLength(1001);
    await outputs.flush();
    // A line after close() is dropped without an error report.
    logger.info('too late');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(linesOf(dir, ['app.1.jsonl'])).toHaveLength(1001);
    expect(errors).toEqual([]);
  });

  it('bounds what waits for the writer thread: past 16 MiB lines are dropped and counted, none lost', async () => {
    const dir = tempDir();
    const outputs = createLogOutputs({
      level: 'info',
      stderr: false,
      pretty: false,
      files: { path: join(dir, 'app.jsonl'), maxSize: '1g', keep: 10 },
    });
    open.push(outputs);
    let dropped = 0;
    (outputs.stream as unknown as NodeJS.EventEmitter).on('drop', () => dropped++);
    const logger = pino({ level: 'info' }, outputs.stream);
    // 300,000 lines of ~400 bytes in one synchronous burst: the writer thread cannot take ~120 MB
    // before the loop ends, so without the bound all of it would wait in this thread's memory.
    const total = 300_000;
    const payload = 'x'.repeat(300);
    for (let i = 0; i < total; i++) logger.info({ i, payload }, 'burst');
    expect(dropped).toBeGreaterThan(0);
    await outputs.close();
    const written = linesOf(dir, rolled(dir, 'app', 'jsonl'));
    expect(written.length + dropped).toBe(total);
    // What was written is whole lines, each once, in order.
    const seen = written.map((line) => line.i as number);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps `keep` files per log, the newest, counting files left by earlier processes', async () => {
    const dir = tempDir();
    const files = { path: join(dir, 'app.jsonl'), maxSize: '1k', daily: false, keep: 3 };
    for (let run = 0; run < 2; run++) {
      const outputs = createLogOutputs({ level: 'info', stderr: false, pretty: false, files });
      const logger = pino({ level: 'info' }, outputs.stream);
      for (let seq = 0; seq < 200; seq++) {
        logger.info({ run, seq }, 'a line of about one hundred bytes');
        if (seq % 5 === 4) await outputs.flush();
      }
      // Old files are deleted asynchronously in the worker after each rotation.
      await vi.waitFor(() => expect(rolled(dir, 'app', 'jsonl')).toHaveLength(3));
      await outputs.close();
    }
    const kept = rolled(dir, 'app', 'jsonl');
    expect(kept).toHaveLength(3);
    const numbers = kept.map((f) => Number(/\.(\d+)\.jsonl$/.exec(f)![1]));
    expect(numbers[2]! - numbers[0]!).toBe(2);
    // The second run continued the numbering: the survivors are its newest lines.
    expect(linesOf(dir, kept).every((line) => line.run === 1)).toBe(true);
  });

  it('names files by date when rotating daily', async () => {
    const dir = tempDir();
    const outputs = createLogOutputs({
      level: 'info',
      stderr: false,
      pretty: false,
      files: { path: join(dir, 'app.jsonl') },
    });
    pino(outputs.stream).info('hello');
    await outputs.close();
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^app\.\d{4}-\d{2}-\d{2}\.1\.jsonl$/);
  });

  it('reports a destination that cannot be opened to onError, once, without crashing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), '');
    const errors: unknown[] = [];
    const outputs = createLogOutputs({
      level: 'info',
      stderr: false,
      pretty: false,
      files: { path: join(dir, 'not-a-folder', 'app.jsonl') },
      onError: (e) => errors.push(e),
    });
    open.push(outputs);
    const logger = pino(outputs.stream);
    logger.info('lost');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    logger.info('lost too');
    await expect(outputs.flush()).rejects.toThrow('mcpulse: the log writer thread has stopped');
    await outputs.close();
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/ENOTDIR|EEXIST/);
  });
});

describe('createLogOutputs on stderr only', () => {
  it('is today’s synchronous fd 2 destination, without a thread', async () => {
    const outputs = createLogOutputs({ level: 'info', stderr: true, pretty: false });
    expect(outputs.threaded).toBe(false);
    expect((outputs.stream as unknown as { fd: number }).fd).toBe(2);
    await outputs.flush();
    await outputs.close();
    await outputs.close();
  });

  it('discards lines when neither stderr nor files are wanted', async () => {
    const outputs = createLogOutputs({ level: 'info', stderr: false, pretty: true });
    expect(outputs.threaded).toBe(false);
    expect(outputs.stream.write('{"level":30}\n')).toBe(true);
    await outputs.close();
  });
});

function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

describe('pretty output', () => {
  it('writes human-readable lines, not JSON, on stderr', async () => {
    const { code, stdout, stderr } = await runNode(`
      import { pino } from 'pino';
      import { createLogOutputs } from './src/logging/outputs.ts';
      const outputs = createLogOutputs({ level: 'info', stderr: true, pretty: true });
      if (!outputs.threaded) throw new Error('expected a transport');
      pino({ level: 'info' }, outputs.stream).info({ tool: 'echo' }, 'hello pretty');
      await outputs.close();
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('hello pretty');
    expect(stderr).toContain('INFO');
    expect(stderr).toContain('tool: "echo"');
    for (const line of stderr.split('\n').filter((l) => l.trim() !== '')) {
      expect(() => JSON.parse(line) as unknown).toThrow();
    }
  });

  it('writes JSON lines on stderr next to files', async () => {
    const dir = tempDir();
    const { code, stderr } = await runNode(`
      import { pino } from 'pino';
      import { createLogOutputs } from './src/logging/outputs.ts';
      const outputs = createLogOutputs({ level: 'info', stderr: true, pretty: false, files: { path: ${JSON.stringify(join(dir, 'app.jsonl'))} } });
      pino({ level: 'info', base: null, timestamp: false }, outputs.stream).warn('to both');
      await outputs.close();
    `);
    expect(code).toBe(0);
    expect(stderr).toBe('{"level":40,"msg":"to both"}\n');
    expect(linesOf(dir, rolled(dir, 'app', 'jsonl'))).toEqual([{ level: 40, msg: 'to both' }]);
  });
});

describe('validateLogFileOptions', () => {
  it('fills in the defaults', () => {
    expect(validateLogFileOptions({ path: 'logs/app.jsonl' })).toEqual({
      path: 'logs/app.jsonl',
      maxSize: '10m',
      daily: true,
      keep: 10,
    });
    expect(
      validateLogFileOptions({ path: 'a.jsonl', errorPath: 'e.jsonl', maxSize: 1, daily: false, keep: 1 }),
    ).toEqual({ path: 'a.jsonl', errorPath: 'e.jsonl', maxSize: 1, daily: false, keep: 1 });
    expect(validateLogFileOptions({ path: 'a', maxSize: '1.5G' }).maxSize).toBe('1.5G');
  });

  it.each([
    [
      'logs/app.jsonl',
      'mcpulse: logFile must be an object such as { path: "logs/app.jsonl" }, got "logs/app.jsonl"',
    ],
    [null, 'mcpulse: logFile must be an object such as { path: "logs/app.jsonl" }, got null'],
    [{}, 'mcpulse: logFile.path must be a non-empty file path, got undefined'],
    [{ path: '' }, 'mcpulse: logFile.path must be a non-empty file path, got ""'],
    [{ path: 'logs/' }, 'mcpulse: logFile.path must name a file, not a folder, got "logs/"'],
    [
      { path: 'logs/a?.log' },
      'mcpulse: logFile.path must not contain < > " | ? * : or NUL, got "logs/a?.log"',
    ],
    [{ path: 'a.log', errorPath: 7 }, 'mcpulse: logFile.errorPath must be a non-empty file path, got 7'],
    [
      { path: 'logs/a.log', errorPath: './logs/a.log' },
      'mcpulse: logFile.errorPath must differ from logFile.path, got "./logs/a.log" for both',
    ],
    [
      { path: 'a.log', maxSize: 0 },
      'mcpulse: logFile.maxSize must be a positive whole number of bytes or a size like "10m", "512k", "1g", got 0',
    ],
    [
      { path: 'a.log', maxSize: '10' },
      'mcpulse: logFile.maxSize must be a positive whole number of bytes or a size like "10m", "512k", "1g", got "10"',
    ],
    [
      { path: 'a.log', maxSize: '10mb' },
      'mcpulse: logFile.maxSize must be a positive whole number of bytes or a size like "10m", "512k", "1g", got "10mb"',
    ],
    [{ path: 'a.log', daily: 'yes' }, 'mcpulse: logFile.daily must be a boolean, got "yes"'],
    [{ path: 'a.log', keep: 0 }, 'mcpulse: logFile.keep must be an integer from 1 to 10000, got 0'],
    [{ path: 'a.log', keep: 2.5 }, 'mcpulse: logFile.keep must be an integer from 1 to 10000, got 2.5'],
    [
      { path: 'a.log', rotate: true },
      'mcpulse: unknown option "logFile.rotate" (known: path, errorPath, maxSize, daily, keep)',
    ],
  ])('rejects %j', (value, message) => {
    expect(() => validateLogFileOptions(value)).toThrow(McpulseOptionError);
    expect(() => validateLogFileOptions(value)).toThrow(new McpulseOptionError(message));
  });

  it('validates files handed to createLogOutputs', () => {
    expect(() =>
      createLogOutputs({ level: 'info', stderr: true, pretty: false, files: { path: 'a.log', keep: -1 } }),
    ).toThrow('mcpulse: logFile.keep must be an integer from 1 to 10000, got -1');
  });
});
