import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../labels.js';
import { PromqlEngine } from './engine.js';
import { arrayQueryable, binary, labelMatcher, num, selector } from './testing.js';
import type { QueryValue } from './value.js';
import { scalarBinop } from './binary.js';

const engine = new PromqlEngine(
  arrayQueryable([
    { labels: { __name__: 'req', job: 'a', code: '200' }, samples: [[0, 10]] },
    { labels: { __name__: 'req', job: 'a', code: '500' }, samples: [[0, 2]] },
    { labels: { __name__: 'req', job: 'b', code: '200' }, samples: [[0, 6]] },
    { labels: { __name__: 'limit', job: 'a', tier: 'gold' }, samples: [[0, 20]] },
    { labels: { __name__: 'limit', job: 'b', tier: 'free' }, samples: [[0, 5]] },
    { labels: { __name__: 'nan', job: 'a' }, samples: [[0, NaN]] },
    { labels: { __name__: 'other', job: 'a', code: '200' }, samples: [[0, 1]] },
  ]),
);

/** The result as `labels => value` lines, in result order. */
function lines(value: QueryValue): string[] {
  if (value.type !== 'vector') return [`${value.type} ${String(value.type === 'scalar' ? value.v : '')}`];
  return value.samples.map((s) => `${fmt(s.metric)} ${s.v}`);
}

function fmt(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${l.value}`).join(',') + '}';
}

const req = selector('req');
const limit = selector('limit');

describe('scalar operators', () => {
  it('follow Go float semantics', () => {
    expect(scalarBinop('/', 1, 0)).toBe(Infinity);
    expect(scalarBinop('/', -1, 0)).toBe(-Infinity);
    expect(scalarBinop('/', 0, 0)).toBeNaN();
    expect(scalarBinop('%', -7, 3)).toBe(-1);
    expect(scalarBinop('%', 7, -3)).toBe(1);
    expect(scalarBinop('%', 5, Infinity)).toBe(5);
    expect(scalarBinop('%', Infinity, 5)).toBeNaN();
    expect(scalarBinop('%', 5, 0)).toBeNaN();
    expect(Object.is(scalarBinop('%', -0, 5), -0)).toBe(true);
    expect(scalarBinop('^', 1, NaN)).toBe(1);
    expect(scalarBinop('==', NaN, NaN)).toBe(0);
    expect(scalarBinop('!=', NaN, NaN)).toBe(1);
    expect(scalarBinop('>=', 2, 2)).toBe(1);
    expect(scalarBinop('atan2', 0, -1)).toBe(Math.PI);
  });
});

describe('vector and scalar', () => {
  it('drop the metric name for arithmetic, keep it for comparisons and atan2', () => {
    expect(lines(engine.instant(binary('*', selector('limit'), num(2)), 0))).toEqual([
      '{job=a,tier=gold} 40',
      '{job=b,tier=free} 10',
    ]);
    expect(lines(engine.instant(binary('>', selector('limit'), num(6)), 0))).toEqual([
      '{__name__=limit,job=a,tier=gold} 20',
    ]);
    expect(lines(engine.instant(binary('atan2', selector('limit'), num(0)), 0))).toEqual([
      `{__name__=limit,job=a,tier=gold} ${Math.PI / 2}`,
      `{__name__=limit,job=b,tier=free} ${Math.PI / 2}`,
    ]);
  });

  it('keep the vector value when the scalar is on the left of a comparison', () => {
    expect(lines(engine.instant(binary('<', num(6), selector('limit')), 0))).toEqual([
      '{__name__=limit,job=a,tier=gold} 20',
    ]);
    expect(lines(engine.instant(binary('-', num(6), selector('limit')), 0))).toEqual([
      '{job=a,tier=gold} -14',
      '{job=b,tier=free} 1',
    ]);
  });

  it('give 0/1 without the name under bool, and drop NaN comparisons', () => {
    expect(lines(engine.instant(binary('<', num(6), selector('limit'), { bool: true }), 0))).toEqual([
      '{job=a,tier=gold} 1',
      '{job=b,tier=free} 0',
    ]);
    expect(lines(engine.instant(binary('==', selector('nan'), selector('nan')), 0))).toEqual([]);
    expect(lines(engine.instant(binary('!=', selector('nan'), num(1)), 0))).toEqual([
      '{__name__=nan,job=a} NaN',
    ]);
  });
});

describe('vector matching', () => {
  it('matches one-to-one on all labels but the name, dropping it for arithmetic', () => {
    expect(lines(engine.instant(binary('+', req, req), 0))).toEqual([
      '{code=200,job=a} 20',
      '{code=500,job=a} 4',
      '{code=200,job=b} 12',
    ]);
    expect(lines(engine.instant(binary('>=', req, req), 0))).toEqual([
      '{__name__=req,code=200,job=a} 10',
      '{__name__=req,code=500,job=a} 2',
      '{__name__=req,code=200,job=b} 6',
    ]);
  });

  it('keeps only the on() labels of a one-to-one result', () => {
    const sum = binary('/', selector('req', { code: '200' }), limit, { on: ['job'] });
    expect(lines(engine.instant(sum, 0))).toEqual(['{job=a} 0.5', '{job=b} 1.2']);
    const ignoring = binary('/', selector('req', { code: '200' }), limit, { ignoring: ['code', 'tier'] });
    expect(lines(engine.instant(ignoring, 0))).toEqual(['{job=a} 0.5', '{job=b} 1.2']);
  });

  it('takes group_left labels from the one side', () => {
    const expr = binary('/', req, limit, { on: ['job'], groupLeft: ['tier'] });
    expect(lines(engine.instant(expr, 0))).toEqual([
      '{code=200,job=a,tier=gold} 0.5',
      '{code=500,job=a,tier=gold} 0.1',
      '{code=200,job=b,tier=free} 1.2',
    ]);
    const right = binary('/', limit, req, { on: ['job'], groupRight: ['tier'] });
    expect(lines(engine.instant(right, 0))).toEqual([
      '{code=200,job=a,tier=gold} 2',
      '{code=500,job=a,tier=gold} 10',
      '{code=200,job=b,tier=free} 0.8333333333333334',
    ]);
    const comparison = binary('>', req, limit, { on: ['job'], groupLeft: [], bool: true });
    expect(lines(engine.instant(comparison, 0))).toEqual([
      '{code=200,job=a} 0',
      '{code=500,job=a} 0',
      '{code=200,job=b} 1',
    ]);
  });

  it('refuses what Prometheus refuses, with its messages', () => {
    expect(() => engine.instant(binary('/', req, limit, { on: ['job'] }), 0)).toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
    expect(() => engine.instant(binary('/', limit, req, { on: ['job'] }), 0)).toThrow(
      'found duplicate series for the match group {job="a"} on the right hand-side of the operation: ' +
        '[{__name__="req", code="500", job="a"}, {__name__="req", code="200", job="a"}]' +
        ';many-to-many matching not allowed: matching labels must be unique on one side',
    );
    expect(() => engine.instant(binary('/', req, limit, { on: ['job'], groupRight: [] }), 0)).toThrow(
      'found duplicate series for the match group {job="a"} on the left hand-side of the operation',
    );
    // Two left series that differ only by name give one result label set.
    const named = selector(
      undefined,
      { code: '200', job: 'a' },
      { matchers: [labelMatcher('=~', '__name__', 'req|other')] },
    );
    expect(() => engine.instant(binary('/', named, limit, { on: ['job'], groupLeft: [] }), 0)).toThrow(
      'multiple matches for labels: grouping labels must ensure unique matches',
    );
  });
});

describe('set operators', () => {
  it('and keeps the left side matched on the right', () => {
    expect(lines(engine.instant(binary('and', req, limit, { on: ['job'] }), 0))).toEqual([
      '{__name__=req,code=200,job=a} 10',
      '{__name__=req,code=500,job=a} 2',
      '{__name__=req,code=200,job=b} 6',
    ]);
    expect(
      lines(engine.instant(binary('and', req, selector('limit', { job: 'b' }), { on: ['job'] }), 0)),
    ).toEqual(['{__name__=req,code=200,job=b} 6']);
  });

  it('or keeps the left side, then the right side unmatched', () => {
    expect(
      lines(engine.instant(binary('or', selector('req', { job: 'b' }), limit, { on: ['job'] }), 0)),
    ).toEqual(['{__name__=req,code=200,job=b} 6', '{__name__=limit,job=a,tier=gold} 20']);
  });

  it('unless keeps the left side unmatched', () => {
    expect(
      lines(engine.instant(binary('unless', req, selector('limit', { job: 'b' }), { on: ['job'] }), 0)),
    ).toEqual(['{__name__=req,code=200,job=a} 10', '{__name__=req,code=500,job=a} 2']);
    expect(lines(engine.instant(binary('unless', req, selector('none')), 0))).toHaveLength(3);
  });
});

it('labelsFrom keeps labels sorted for the expectations above', () => {
  expect(fmt(labelsFrom({ job: 'a', code: '200' }))).toBe('{code=200,job=a}');
});
