import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it, vi } from 'vitest';

import type { OperationRecord } from '../instrument/record.js';
import { createLogger, linesIn } from './logger.js';
import { millisecondsJson, OperationLog } from './operation-log.js';

const op: OperationRecord = {
  side: 'server',
  requestId: 'abcd-1',
  jsonrpcId: 7,
  method: 'tools/call',
  toolName: 'weird "name"\n☃',
  sessionId: 's-1',
  clientName: 'client',
  clientVersion: '1.0.0',
  protocolVersion: '2025-11-25',
  networkTransport: 'pipe',
  startTime: 0,
  durationMs: 1.23456,
  outcome: 'tool_error',
  errorType: 'tool_error',
  errorMessage: 'bad',
  exception: { type: 'TypeError', message: 'bad', stack: 'TypeError: bad\n    at x' },
  callerFault: false,
  requestBytes: 120,
  responseBytes: 80,
};

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** mcpulse's own logger to a file, with the operation log batching into it. */
function fileOperationLog(file: string) {
  const logger = createLogger({
    service: 's',
    version: '1',
    env: 'e',
    level: 'info',
    destination: file,
    onError: () => {},
  });
  return { logger, log: new OperationLog(logger, true, true) };
}

describe('OperationLog', () => {
  it("writes the same line as pino would, straight to pino's destination", () => {
    const base = { service: 'svc', version: '1.2.3', env: 'test', level: 'info', onError: () => {} };
    const fast = capture();
    const slow = capture();
    new OperationLog(createLogger({ ...base, destination: fast.stream }), true, false).write(op);
    new OperationLog(createLogger({ ...base, destination: slow.stream }), false, false).write(op);
    const fastLine = JSON.parse(fast.lines[0]!) as Record<string, unknown>;
    const slowLine = JSON.parse(slow.lines[0]!) as Record<string, unknown>;
    expect(typeof fastLine.time).toBe('number');
    expect({ ...fastLine, time: 0 }).toEqual({ ...slowLine, time: 0 });
    expect({ ...fastLine, time: 0, pid: 0, hostname: '' }).toEqual({
      level: 50,
      time: 0,
      pid: 0,
      hostname: '',
      service: 'svc',
      version: '1.2.3',
      env: 'test',
      request_id: 'abcd-1',
      jsonrpc_id: 7,
      method: 'tools/call',
      outcome: 'tool_error',
      duration_ms: 1.235,
      session_id: 's-1',
      tool: 'weird "name"\n☃',
      client: 'client',
      client_version: '1.0.0',
      protocol_version: '2025-11-25',
      network_transport: 'pipe',
      error_type: 'tool_error',
      error_message: 'bad',
      exception: { type: 'TypeError', message: 'bad', stack: 'TypeError: bad\n    at x' },
      request_bytes: 120,
      response_bytes: 80,
      msg: 'tools/call weird "name"\n☃ tool_error',
    });
  });

  it('escapes hostile strings and prints durations exactly as pino does, line for line', () => {
    const base = { service: 'svc', version: '1.2.3', env: 'test', level: 'info', onError: () => {} };
    const hostile = [
      'plain',
      'q"uote',
      'back\\slash',
      'new\nline\t\u0001',
      '\ud800 lone surrogate',
      '☃ \u{1f600}',
      '',
    ];
    const fast = capture();
    const slow = capture();
    const fastLog = new OperationLog(createLogger({ ...base, destination: fast.stream }), true, false);
    const slowLog = new OperationLog(createLogger({ ...base, destination: slow.stream }), false, false);
    // Twice over, so the second pass reads the escaped forms from the cache.
    for (const round of [0, 1]) {
      for (const [i, text] of hostile.entries()) {
        const record = {
          ...op,
          jsonrpcId: i % 2 ? text : i,
          method: text,
          toolName: text,
          clientName: text,
          errorMessage: text,
          durationMs: [0, 0.0004, 0.0016, 1.5, 12.3456, 1000, 86_400_000.25][i]! + round,
        };
        fastLog.write(record);
        slowLog.write(record);
      }
    }
    expect(fast.lines).toHaveLength(hostile.length * 2);
    const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');
    // One difference, on purpose: a lone surrogate is escaped as JSON.stringify does (pino writes it raw,
    // and it reaches the file as U+FFFD), so the line stays valid UTF-8 and keeps what was sent.
    const asPino = (line: string) => withoutTime(line).replaceAll('\\ud800', '\ufffd');
    expect(fast.lines.map(asPino)).toEqual(slow.lines.map(withoutTime));
    expect(fast.lines.filter((line) => line.includes('\\ud800 lone surrogate'))).toHaveLength(2);
    expect((JSON.parse(fast.lines[4]!) as { tool: string }).tool).toBe('\ud800 lone surrogate');
  });

  it('counts every line of a dropped batch, not the one write that carried them', () => {
    // A destination past its cap drops what it is handed and says so, as sonic-boom does.
    const full = Object.assign(new EventEmitter(), {
      write(data: string) {
        full.emit('drop', data);
        return false;
      },
    });
    const drops: number[] = [];
    const logger = createLogger({
      service: 'svc',
      version: '1',
      env: 'test',
      level: 'info',
      destination: full,
      onError: () => {},
      onDrop: (lines) => drops.push(lines),
    });
    const log = new OperationLog(logger, true, true);
    for (let i = 0; i < 37; i++) log.write({ ...op, jsonrpcId: i });
    log.drain();
    logger.info('one line through pino');
    // 37 operation lines went in batches of up to 64 KiB (fewer writes than lines), then pino's one line.
    const batches = drops.slice(0, -1);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(37);
    expect(batches.length).toBeLessThan(37);
    expect(drops.at(-1)).toBe(1);
    expect([
      linesIn('a\nb\n'),
      linesIn(Buffer.from('x\n')),
      linesIn('no newline'),
      linesIn(undefined),
    ]).toEqual([2, 1, 1, 1]);
  });

  it('respects the level: an ok operation is not written at warn', () => {
    const out = capture();
    const log = new OperationLog(
      createLogger({
        service: 's',
        version: '1',
        env: 'e',
        level: 'warn',
        destination: out.stream,
        onError: () => {},
      }),
      true,
      false,
    );
    log.write({ ...op, outcome: 'ok', errorType: undefined, exception: undefined });
    log.write(op);
    expect(out.lines.map((l) => (JSON.parse(l) as { outcome: string }).outcome)).toEqual(['tool_error']);
  });

  it('batches file writes and loses no line on flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpulse-log-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'ops.jsonl');
    const { logger, log } = fileOperationLog(file);
    for (let i = 0; i < 5000; i++) log.write({ ...op, jsonrpcId: i });
    log.drain();
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(5000);
    expect(lines.map((l) => (JSON.parse(l) as { jsonrpc_id: number }).jsonrpc_id)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );
  });

  it('hands a batch over after 50 ms, with one timer for the life of the log', () => {
    vi.useFakeTimers();
    try {
      const out = capture();
      const logger = createLogger({
        service: 's',
        version: '1',
        env: 'e',
        level: 'info',
        destination: out.stream,
        onError: () => {},
      });
      const log = new OperationLog(logger, true, true);
      const timers = vi.getTimerCount();
      for (let i = 0; i < 3; i++) log.write({ ...op, jsonrpcId: i });
      expect([out.lines.length, vi.getTimerCount() - timers]).toEqual([0, 1]);
      vi.advanceTimersByTime(49);
      expect(out.lines).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(out.lines).toHaveLength(3);
      // The next batch re-arms the same timer.
      log.write({ ...op, jsonrpcId: 3 });
      expect(vi.getTimerCount() - timers).toBe(1);
      vi.advanceTimersByTime(50);
      expect(out.lines.map((l) => (JSON.parse(l) as { jsonrpc_id: number }).jsonrpc_id)).toEqual([
        0, 1, 2, 3,
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes batched operation lines before a line pino logs after them, and flushes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpulse-log-'));
    dirs.push(dir);
    const file = join(dir, 'ops.jsonl');
    const { logger, log } = fileOperationLog(file);
    log.write({ ...op, jsonrpcId: 1 });
    log.write({ ...op, jsonrpcId: 2 });
    logger.info('handler line');
    log.write({ ...op, jsonrpcId: 3 });
    // No drain(): the flush itself hands over the operation line still batched.
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { jsonrpc_id?: number; msg: string }).jsonrpc_id ?? l)).toEqual(
      [1, 2, expect.stringContaining('"msg":"handler line"'), 3],
    );
  });

  it('names a log file that cannot be opened, at startup', () => {
    expect(() =>
      createLogger({
        service: 's',
        version: '1',
        env: 'e',
        level: 'info',
        destination: '/etc/hostname/not-a-dir/ops.jsonl',
        onError: () => {},
      }),
    ).toThrow('mcpulse: cannot open log file "/etc/hostname/not-a-dir/ops.jsonl": ENOTDIR');
  });

  it('reports a destination that fails later instead of crashing', () => {
    const errors: unknown[] = [];
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'));
      },
    });
    const logger = createLogger({
      service: 's',
      version: '1',
      env: 'e',
      level: 'info',
      destination: stream,
      onError: (e) => errors.push(e),
    });
    new OperationLog(logger, true, false).write(op);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
        resolve();
      }),
    );
  });
});

describe('millisecondsJson', () => {
  it('prints exactly what JSON.stringify prints for the duration rounded to the microsecond', () => {
    const edge = [0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.12, 0.123, 1, 1.5, 999.9995, 1000, 5e9 + 0.001];
    const odd = [-1, -0.0004, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_VALUE, 2 ** 53];
    // A fixed linear congruential sequence: the same 100,000 values, spread over ten decades, every run.
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const spread = Array.from({ length: 100_000 }, () => next() * 10 ** Math.floor(next() * 10 - 4));
    const mismatches = [...edge, ...odd, ...spread].filter(
      (ms) => millisecondsJson(ms) !== JSON.stringify(Math.round(ms * 1000) / 1000),
    );
    expect(mismatches).toEqual([]);
    expect([millisecondsJson(0.0004), millisecondsJson(1.5), millisecondsJson(12.3456)]).toEqual([
      '0',
      '1.5',
      '12.346',
    ]);
  });
});
