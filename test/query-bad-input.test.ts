/**
 * Hostile and malformed queries against the Prometheus API of the monitoring server: each gets a
 * clear 400 (or the correct value), nothing throws out of the engine, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMcpulse, type Mcpulse } from '../src/index.js';

let pulse: Mcpulse;
let base: string;

interface Answer {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

async function get(path: string): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as Answer };
}

async function query(expr: string): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${base}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: expr, time: '1000' }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

beforeAll(async () => {
  pulse = createMcpulse({
    monitoring: { port: 0 },
    logLevel: 'silent',
    hostMetrics: false,
    processMetrics: false,
    store: { intervalMs: 3_600_000 },
  });
  base = (await pulse.monitoring)!.url;
  const gauge = pulse.metrics.gauge({ name: 'odd_values', help: 'h', labelNames: ['kind', 'text'] });
  gauge.set({ kind: 'nan', text: 'x' }, NaN);
  gauge.set({ kind: 'inf', text: 'x' }, Infinity);
  gauge.set({ kind: 'neg_inf', text: 'x' }, -Infinity);
  // A value the classic backtracking regex `(a+)+c` takes exponential time to reject.
  gauge.set({ kind: 'one', text: `${'a'.repeat(40)}b` }, 1);
  await pulse.sampleStore(1_000_000);
});
afterAll(() => pulse.shutdown());

describe('queries that are bad or hostile', () => {
  it('malformed PromQL: 400 bad_data with the position', async () => {
    expect(await query('sum(rate(x[5m])')).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:16: parse error: unclosed left parenthesis',
      },
    });
    const { status, body } = await query('x{a="b"');
    expect(status).toBe(400);
    expect(body.errorType).toBe('bad_data');
    expect(body.error).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
  });

  it('a construct mcpulse does not evaluate is named, never answered wrongly', async () => {
    const { status, body } = await query('limitk(2, odd_values)');
    expect(status).toBe(400);
    expect(body.error).toContain('limitk');
  });

  it('a 10,000-character query: answered; chains thousands long: answered; parentheses 5,000 deep: refused cleanly', async () => {
    const alternatives = Array.from({ length: 1_000 }, (_, i) => `v${String(i).padStart(4, '0')}`).join('|');
    for (const terms of [100, 150, 1_000]) {
      const long = `count(odd_values{kind=~"one|${alternatives}"}) + ${'1+'.repeat(terms)}0`;
      expect(long.length).toBeGreaterThan(6_000);
      expect(await query(long)).toEqual({
        status: 200,
        body: {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [1000, String(terms + 1)] }] },
        },
      });
    }
    for (const terms of [200, 1_000, 5_000]) {
      const sum = `1${'+1'.repeat(terms - 1)}`;
      expect(await query(sum)).toEqual({
        status: 200,
        body: { status: 'success', data: { resultType: 'scalar', result: [1000, String(terms)] } },
      });
    }
    // The grammar's tree builder (@lezer/common) recurses once per level of parentheses: nestings of
    // thousands are refused, where Prometheus answers them (5,000 deep: 1). A clean 400, and the
    // server goes on.
    const nested = `${'('.repeat(5_000)}1${')'.repeat(5_000)}`;
    expect(nested.length).toBe(10_001);
    expect(await query(nested)).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": query is nested too deeply',
      },
    });
    expect(await query('(((1)))')).toEqual({
      status: 200,
      body: { status: 'success', data: { resultType: 'scalar', result: [1000, '1'] } },
    });
  });

  it('a regex that backtracks in a backtracking engine is answered (RE2: linear time)', async () => {
    expect(await query('count(odd_values{text=~"(a+)+c"}) or vector(0)')).toEqual({
      status: 200,
      body: {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1000, '0'] }] },
      },
    });
    expect((await query('odd_values{text=~"(a+)+b"}')).body.data?.result).toHaveLength(1);
    const bad = await query('odd_values{text=~"(a"}');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('(a');
  });

  it('a range whose end is before its start, a zero step, too many points: 400, as Prometheus says', async () => {
    expect(await get('/api/v1/query_range?query=1&start=100&end=10&step=1')).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "end": end timestamp must not be before start time',
      },
    });
    expect((await get('/api/v1/query_range?query=1&start=0&end=10&step=0')).body.error).toBe(
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
    expect((await get('/api/v1/query_range?query=1&start=0&end=11001&step=1')).body.error).toBe(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
    expect((await get('/api/v1/query?query=1&time=yesterday')).status).toBe(400);
  });

  it('NaN and ±Inf samples are stored and answered as Prometheus writes them', async () => {
    const { body } = await query('odd_values{text="x"}');
    const values = (body.data!.result as { metric: { kind: string }; value: [number, string] }[])
      .map((sample) => [sample.metric.kind, sample.value[1]])
      .sort();
    expect(values).toEqual([
      ['inf', '+Inf'],
      ['nan', 'NaN'],
      ['neg_inf', '-Inf'],
    ]);
    expect((await query('sum(odd_values{kind=~"inf|neg_inf"})')).body.data?.result).toEqual([
      { metric: {}, value: [1000, 'NaN'] },
    ]);
    expect((await query('count(odd_values > 0)')).body.data?.result).toEqual([
      { metric: {}, value: [1000, '2'] },
    ]);
  });

  it('a body over 1 MiB is refused; an unknown endpoint is a 404; the server keeps serving', async () => {
    const big = await fetch(`${base}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${'1'.repeat(1024 * 1024 + 1)}`,
    });
    expect(big.status).toBe(413);
    expect((await fetch(`${base}/api/v1/targets`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await query('vector(1)')).status).toBe(200);
  });
});
