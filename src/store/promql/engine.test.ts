import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../labels.js';
import type { Queryable } from '../queryable.js';
import type { Expr } from './ast.js';
import { PromqlEngine } from './engine.js';
import { QueryError } from './errors.js';
import {
  aggregate,
  arrayQueryable,
  binary,
  call,
  loadSeries,
  neg,
  num,
  paren,
  rangeSelector,
  selector,
  str,
  subquery,
} from './testing.js';
import type { QueryValue } from './value.js';

const S = 1000;
const MIN = 60 * S;

// Every 10s from 0: a counter rising 1/s, and a gauge.
const queryable = arrayQueryable(
  loadSeries(10 * S, [
    'requests{job="a"} 0+10x100',
    'requests{job="b"} 0+20x100',
    'temp{room="1"} 20 21 22 23 24 25 26 27 28 29 30',
  ]),
);
const engine = new PromqlEngine(queryable);

function fmt(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${l.value}`).join(',') + '}';
}

function lines(value: QueryValue): string[] {
  switch (value.type) {
    case 'vector':
      return value.samples.map((s) => `${fmt(s.metric)} ${s.v} @${s.t}`);
    case 'matrix':
      return value.series.map((s) => `${fmt(s.metric)} ${s.points.map((p) => `${p.v}@${p.t}`).join(' ')}`);
    case 'scalar':
      return [`scalar ${value.v} @${value.t}`];
    case 'string':
      return [`string ${value.v} @${value.t}`];
  }
}

function errorOf(run: () => unknown): QueryError {
  try {
    run();
  } catch (error) {
    if (error instanceof QueryError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('PromqlEngine options', () => {
  it('are validated up front, naming the bad value', () => {
    expect(() => new PromqlEngine(queryable, { lookbackDeltaMs: 0 })).toThrow(
      'PromqlEngine option lookbackDeltaMs must be a positive integer, got 0',
    );
    expect(() => new PromqlEngine(queryable, { maxSamples: 1.5 })).toThrow('got 1.5');
    expect(() => new PromqlEngine(queryable, { stepMs: 5 } as never)).toThrow(
      'PromqlEngine option stepMs is unknown',
    );
  });

  it('set the lookback, the points limit, the subquery step and the sample limit', () => {
    const short = new PromqlEngine(queryable, { lookbackDeltaMs: 5 * S });
    expect(lines(short.instant(selector('temp'), 104 * S))).toEqual(['{__name__=temp,room=1} 30 @104000']);
    expect(lines(short.instant(selector('temp'), 106 * S))).toEqual([]);
    const few = new PromqlEngine(queryable, { maxPointsPerSeries: 1000 });
    expect(errorOf(() => few.range(num(1), 0, 1001 * S, S)).message).toBe(
      'exceeded maximum resolution of 1,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
    const coarse = new PromqlEngine(queryable, { subqueryStepMs: 30 * S });
    expect(lines(coarse.instant(subquery(selector('temp'), MIN), 100 * S))).toEqual([
      '{__name__=temp,room=1} 26@60000 29@90000',
    ]);
    const tight = new PromqlEngine(queryable, { maxSamples: 10 });
    const tooMany = errorOf(() => tight.instant(rangeSelector(selector('requests'), 2 * MIN), 1000 * S));
    expect([tooMany.errorType, tooMany.message]).toEqual([
      'execution',
      'query processing would load too many samples into memory in query execution',
    ]);
    expect(lines(tight.instant(rangeSelector(selector('temp'), MIN), 100 * S))).toHaveLength(1);
  });
});

describe('range queries', () => {
  it('check start, end and step as the HTTP API does', () => {
    const bad = (run: () => unknown) => {
      const error = errorOf(run);
      return `${error.errorType}: ${error.message}`;
    };
    expect(bad(() => engine.range(num(1), 10, 9, 1))).toBe(
      'bad_data: end timestamp must not be before start time',
    );
    expect(bad(() => engine.range(num(1), 0, 9, 0))).toBe(
      'bad_data: zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
    expect(bad(() => engine.range(num(1), 0, 9, -5))).toContain('zero or negative');
    expect(bad(() => engine.range(num(1), 0, 9, 0.5))).toContain('zero or negative');
    expect(bad(() => engine.range(num(1), 0, 11_001, 1))).toBe(
      'bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
    expect(engine.range(num(1), 0, 11_000, 1).series[0]!.points).toHaveLength(11_001);
    expect(bad(() => engine.range(rangeSelector(selector('temp'), MIN), 0, 9, 1))).toBe(
      'bad_data: invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
    expect(bad(() => engine.range(str('x'), 0, 9, 1))).toBe(
      'bad_data: invalid expression type "string" for range query, must be Scalar or instant Vector',
    );
    expect(bad(() => engine.range(num(1), NaN, 9, 1))).toBe(
      'bad_data: invalid start time NaN: must be a finite number of milliseconds',
    );
  });

  it('give one series per label set, sorted by labels, at every step where it has a value', () => {
    const result = engine.range(
      binary('or', selector('temp'), selector('requests', {}, { offsetMs: -60 * S })),
      40 * S,
      100 * S,
      20 * S,
    );
    expect(lines(result)).toEqual([
      '{__name__=requests,job=a} 100@40000 120@60000 140@80000 160@100000',
      '{__name__=requests,job=b} 200@40000 240@60000 280@80000 320@100000',
      '{__name__=temp,room=1} 24@40000 26@60000 28@80000 30@100000',
    ]);
  });

  it('give a scalar expression as one series without labels', () => {
    expect(lines(engine.range(binary('*', call('time'), num(2)), 0, 20 * S, 10 * S))).toEqual([
      '{} 0@0 20@10000 40@20000',
    ]);
  });

  it('evaluate @ start() and @ end() at the range ends', () => {
    expect(
      lines(engine.range(selector('temp', {}, { at: { kind: 'end' } }), 20 * S, 40 * S, 10 * S)),
    ).toEqual(['{__name__=temp,room=1} 24@20000 24@30000 24@40000']);
    expect(
      lines(
        engine.range(
          selector('temp', {}, { at: { kind: 'start' }, offsetMs: 10 * S }),
          20 * S,
          30 * S,
          10 * S,
        ),
      ),
    ).toEqual(['{__name__=temp,room=1} 21@20000 21@30000']);
    const rate = call(
      'rate',
      rangeSelector(selector('requests', { job: 'b' }, { at: { kind: 'time', timeMs: 500 * S } }), MIN),
    );
    expect(lines(engine.range(rate, 0, 20 * S, 10 * S))).toEqual(['{job=b} 2@0 2@10000 2@20000']);
  });

  it('selects each selector once for the whole range', () => {
    const counting = arrayQueryable(loadSeries(10 * S, ['up 1x100']));
    const expr = binary('+', call('rate', rangeSelector(selector('up'), MIN)), selector('up'));
    new PromqlEngine(counting).range(expr, 0, 900 * S, 10 * S);
    expect(counting.selects).toBe(2);
  });
});

describe('instant queries', () => {
  it('return vectors in evaluation order at the query time, scalars, strings and matrices', () => {
    expect(lines(engine.instant(selector('requests'), 55 * S))).toEqual([
      '{__name__=requests,job=a} 50 @55000',
      '{__name__=requests,job=b} 100 @55000',
    ]);
    expect(lines(engine.instant(binary('/', num(1), num(0)), 7))).toEqual(['scalar Infinity @7']);
    expect(lines(engine.instant(str('hello'), 7))).toEqual(['string hello @7']);
    expect(lines(engine.instant(rangeSelector(selector('temp'), 20 * S), 30 * S))).toEqual([
      '{__name__=temp,room=1} 21@10000 22@20000 23@30000',
    ]);
  });

  it('evaluate subqueries at steps aligned to multiples of their step, nested too', () => {
    expect(lines(engine.instant(subquery(selector('temp'), 30 * S, 20 * S), 95 * S))).toEqual([
      '{__name__=temp,room=1} 28@80000',
    ]);
    const nested = subquery(
      call('max_over_time', subquery(selector('temp'), 20 * S, 10 * S)),
      40 * S,
      20 * S,
    );
    expect(lines(engine.instant(nested, 100 * S))).toEqual(['{room=1} 26@60000 28@80000 30@100000']);
    const offset = subquery(selector('temp'), 20 * S, 10 * S, { offsetMs: 15 * S });
    expect(lines(engine.instant(offset, 100 * S))).toEqual(['{__name__=temp,room=1} 27@70000 28@80000']);
    expect(
      lines(engine.instant(call('sum_over_time', subquery(selector('temp'), 20 * S, 10 * S)), 100 * S)),
    ).toEqual(['{room=1} 87 @100000']);
  });

  it('read the @ time of selectors and subqueries, whatever the evaluation time', () => {
    const at = (timeMs: number) => ({ kind: 'time', timeMs }) as const;
    expect(lines(engine.instant(selector('temp', {}, { at: at(50 * S), offsetMs: 20 * S }), 0))).toEqual([
      '{__name__=temp,room=1} 23 @0',
    ]);
    expect(
      lines(engine.instant(subquery(selector('temp'), 20 * S, 10 * S, { at: at(50 * S) }), 999 * S)),
    ).toEqual(['{__name__=temp,room=1} 23@30000 24@40000 25@50000']);
    // timestamp() of an @ selector reads the sample at the @ time, among the samples selected for the
    // written offset: [@ - 5m - 20s, @ - 20s]. promtool 2.42 gives the same 30.
    const ts = call('timestamp', selector('temp', {}, { at: at(55 * S), offsetMs: 20 * S }));
    expect(lines(engine.instant(ts, 100 * S))).toEqual(['{room=1} 30 @100000']);
    expect(lines(engine.instant(call('timestamp', selector('temp', {}, { at: at(55 * S) })), 5 * S))).toEqual(
      ['{room=1} 50 @5000'],
    );
  });

  it('gives predict_linear with @ the evaluation time, as 2.42 does', () => {
    // Checked against promtool 2.42: the fit over [20s, 50s], extended to the evaluation time 100s, plus 5s.
    const at = { kind: 'time', timeMs: 50 * S } as const;
    const expr = call('predict_linear', rangeSelector(selector('temp', {}, { at }), 30 * S), num(5));
    expect(lines(engine.instant(expr, 100 * S))).toEqual(['{room=1} 30.5 @100000']);
    expect(lines(engine.instant(expr, 110 * S))).toEqual(['{room=1} 31.5 @110000']);
  });

  it('absent_over_time gives 1 with the selector equality labels only where nothing was there', () => {
    const absent = call('absent_over_time', rangeSelector(selector('temp', { room: '9' }), 10 * S));
    expect(lines(engine.instant(absent, 50 * S))).toEqual(['{room=9} 1 @50000']);
    const present = call('absent_over_time', rangeSelector(selector('temp'), 10 * S));
    expect(lines(engine.instant(present, 50 * S))).toEqual([]);
    expect(lines(engine.range(present, 90 * S, 130 * S, 10 * S))).toEqual(['{} 1@120000 1@130000']);
    expect(lines(engine.instant(call('absent', selector('nothing', { a: 'b' })), 0))).toEqual(['{a=b} 1 @0']);
  });

  it('refuses results that repeat a label set', () => {
    const twoNames = arrayQueryable(loadSeries(10 * S, ['x{a="1"} 1 2', 'y{a="1"} 2 3']));
    const both = selector(undefined, { a: '1' });
    const withNames = new PromqlEngine(twoNames);
    expect(lines(withNames.instant(both, 0))).toHaveLength(2);
    for (const expr of [
      neg(both),
      binary('*', both, num(2)),
      call('abs', both),
      call('rate', rangeSelector(both, MIN)),
    ]) {
      const failed = errorOf(() => withNames.instant(expr, 10 * S));
      expect([failed.errorType, failed.message]).toEqual([
        'execution',
        'vector cannot contain metrics with the same labelset',
      ]);
    }
    expect(errorOf(() => withNames.range(binary('*', both, num(2)), 0, 10 * S, 10 * S)).message).toBe(
      'vector cannot contain metrics with the same labelset',
    );
  });

  it('lets only QueryErrors out', () => {
    const broken: Queryable = {
      select() {
        throw new TypeError('store went away');
      },
    };
    const error = errorOf(() => new PromqlEngine(broken).instant(selector('x'), 0));
    expect([error.errorType, error.message]).toEqual(['execution', 'unexpected error: store went away']);
    expect(errorOf(() => engine.instant(call('no_such_function'), 0)).message).toBe(
      'function "no_such_function" is not supported',
    );
    expect(errorOf(() => engine.instant(selector('temp'), Infinity)).errorType).toBe('bad_data');
  });

  it('unwraps parentheses and repeats step-invariant values at every step', () => {
    const invariant = paren(
      aggregate('sum', selector('requests', {}, { at: { kind: 'time', timeMs: 30 * S } })),
    );
    expect(lines(engine.range(invariant, 0, 20 * S, 10 * S))).toEqual(['{} 90@0 90@10000 90@20000']);
    const matrix = engine.range(binary('-', selector('temp'), call('scalar', invariant)), 0, 20 * S, 10 * S);
    expect(lines(matrix)).toEqual(['{room=1} -70@0 -69@10000 -68@20000']);
    expect(matrix.series[0]!.metric).toEqual(labelsFrom({ room: '1' }));
  });

  it('evaluates trees 20,000 deep without running out of call stack', () => {
    const deep = 20_000;
    let left: Expr = num(1);
    let right: Expr = num(1);
    let nested: Expr = selector('temp');
    let calls: Expr = selector('temp');
    let subqueries: Expr = selector('temp');
    // Not testing.binary, whose type check walks the whole operand each time.
    const plus = (lhs: Expr, rhs: Expr): Expr => ({
      kind: 'binary',
      op: '+',
      lhs,
      rhs,
      matching: undefined,
      returnBool: false,
    });
    for (let i = 1; i < deep; i++) {
      left = plus(left, num(1));
      right = plus(num(1), right);
      nested = i % 2 === 0 ? paren(nested) : neg(nested);
      calls = i % 2 === 0 ? call('abs', calls) : aggregate('max', calls);
    }
    for (let i = 0; i < 100; i++) subqueries = call('last_over_time', subquery(subqueries, MIN, 10 * S));
    expect(lines(engine.instant(left, 0))).toEqual(['scalar 20000 @0']);
    expect(lines(engine.range(right, 0, 20 * S, 10 * S))).toEqual(['{} 20000@0 20000@10000 20000@20000']);
    expect(lines(engine.instant(nested, 100 * S))).toEqual(['{room=1} 30 @100000']);
    expect(lines(engine.range(calls, 0, 10 * S, 10 * S))).toEqual(['{} 20@0 21@10000']);
    expect(lines(engine.instant(subqueries, 100 * S))).toEqual(['{__name__=temp,room=1} 30 @100000']);
    expect(lines(engine.instant('1' + '+1'.repeat(999), 0))).toEqual(['scalar 1000 @0']);
    expect(lines(engine.instant('2' + '^2'.repeat(4999), 0))).toEqual(['scalar Infinity @0']);
  });

  it('gives the error of a node deep down, as engine.go would', () => {
    const twoNames = new PromqlEngine(arrayQueryable(loadSeries(10 * S, ['x{a="1"} 1', 'y{a="1"} 2'])));
    let expr: Expr = neg(selector(undefined, { a: '1' }));
    for (let i = 0; i < 10_000; i++) expr = binary('*', num(2), paren(expr));
    const failed = errorOf(() => twoNames.instant(expr, 0));
    expect([failed.errorType, failed.message]).toEqual([
      'execution',
      'vector cannot contain metrics with the same labelset',
    ]);
  });
});
