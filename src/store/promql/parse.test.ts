import { describe, expect, it } from 'vitest';
import { QueryError } from './errors.js';
import { parseExpr } from './parse.js';

/** The AST as plain data: matchers without their match function. */
function ast(query: string): unknown {
  return JSON.parse(
    JSON.stringify(parseExpr(query), (key, value: unknown) => (key === 'matches' ? undefined : value)),
  );
}

function errorOf(query: string): string {
  try {
    parseExpr(query);
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).errorType).toBe('bad_data');
    return (error as Error).message;
  }
  throw new Error(`parsed: ${query}`);
}

const name = (value: string) => ({ type: '=', name: '__name__', value });
const vector = (metric: string, extra: Partial<Record<string, unknown>> = {}) => ({
  kind: 'vector',
  name: metric,
  matchers: [name(metric)],
  offsetMs: 0,
  ...extra,
});
const num = (value: number) => ({ kind: 'number', value });
const oneToOne = { card: 'one-to-one', matchingLabels: [], on: false, include: [] };
const bin = (op: string, lhs: unknown, rhs: unknown, extra: Partial<Record<string, unknown>> = {}) => ({
  kind: 'binary',
  op,
  lhs,
  rhs,
  returnBool: false,
  ...extra,
});

describe('parseExpr', () => {
  it('reads an aggregation over a rate with offset', () => {
    expect(ast('sum by (job) (rate(foo{a=~"b"}[5m] offset 1m))')).toEqual({
      kind: 'aggregate',
      op: 'sum',
      expr: {
        kind: 'call',
        func: 'rate',
        args: [
          {
            kind: 'matrix',
            vector: {
              kind: 'vector',
              name: 'foo',
              matchers: [{ type: '=~', name: 'a', value: 'b' }, name('foo')],
              offsetMs: 60000,
            },
            rangeMs: 300000,
          },
        ],
      },
      grouping: ['job'],
      without: false,
    });
  });

  it('binds offset to the selector before it, not to the whole binary expression', () => {
    expect(ast('a + b offset 1m * c')).toEqual(
      bin('+', vector('a'), bin('*', vector('b', { offsetMs: 60000 }), vector('c'), { matching: oneToOne }), {
        matching: oneToOne,
      }),
    );
  });

  it('reads ^ right-associative and above unary minus', () => {
    expect(ast('2 ^ 3 ^ 2')).toEqual(bin('^', num(2), bin('^', num(3), num(2))));
    expect(ast('-2 ^ 2')).toEqual({ kind: 'unary', op: '-', expr: bin('^', num(2), num(2)) });
  });

  it('gives 2.42 messages', () => {
    expect(errorOf('foo(1)')).toBe('1:1: parse error: unknown function with name "foo"');
    expect(errorOf('sum(foo bar)')).toBe('1:9: parse error: unexpected identifier "bar" in aggregation');
    expect(errorOf('rate(foo)')).toBe(
      '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    );
  });
});
