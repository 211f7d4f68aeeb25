import { describe, expect, it } from 'vitest';
import type { Labels } from '../labels.js';
import { formatFloatFixed, formatFloatValue } from './aggregate.js';
import { PromqlEngine } from './engine.js';
import { aggregate, arrayQueryable, num, selector, str, type TestSeries } from './testing.js';
import type { QueryValue } from './value.js';

function engineOf(values: Record<string, number>): PromqlEngine {
  const series: TestSeries[] = Object.entries(values).map(([id, v]) => ({
    labels: { __name__: 'x', id, parity: Number(id) % 2 === 0 ? 'even' : 'odd' },
    samples: [[0, v]],
  }));
  return new PromqlEngine(arrayQueryable(series));
}

function fmt(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${l.value}`).join(',') + '}';
}

function lines(value: QueryValue): string[] {
  if (value.type !== 'vector') throw new Error(`a vector was expected, got ${value.type}`);
  return value.samples.map((s) => `${fmt(s.metric)} ${s.v}`);
}

const x = selector('x');

describe('Go float formatting', () => {
  it('strconv.FormatFloat(v, f, -1) for count_values', () => {
    const cases: [number, string][] = [
      [1, '1'],
      [0.1, '0.1'],
      [-2.5, '-2.5'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [123456789.125, '123456789.125'],
      [-0, '-0'],
      [0, '0'],
      [NaN, 'NaN'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [5e-324, '0.' + '0'.repeat(323) + '5'],
    ];
    for (const [v, want] of cases) expect(formatFloatFixed(v)).toBe(want);
  });

  it('fmt %v for error messages', () => {
    const cases: [number, string][] = [
      [1, '1'],
      [123456, '123456'],
      [1234567, '1.234567e+06'],
      [1e19, '1e+19'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-2.5e-300, '-2.5e-300'],
      [NaN, 'NaN'],
      [-Infinity, '-Inf'],
    ];
    for (const [v, want] of cases) expect(formatFloatValue(v)).toBe(want);
  });
});

describe('aggregations', () => {
  const engine = engineOf({ 1: 3, 2: 1.5, 3: 10, 4: -2, 5: 4 });

  it('group by the by() labels, or all but the without() labels and the name, in first-seen order', () => {
    expect(lines(engine.instant(aggregate('sum', x, { by: ['parity'] }), 0))).toEqual([
      '{parity=odd} 17',
      '{parity=even} -0.5',
    ]);
    expect(lines(engine.instant(aggregate('count', x, { without: ['id'] }), 0))).toEqual([
      '{parity=odd} 3',
      '{parity=even} 2',
    ]);
    expect(lines(engine.instant(aggregate('max', x), 0))).toEqual(['{} 10']);
    expect(lines(engine.instant(aggregate('group', x, { by: ['parity', 'nope'] }), 0))).toEqual([
      '{parity=odd} 1',
      '{parity=even} 1',
    ]);
  });

  it('compute avg, stddev and stdvar as 2.42 does', () => {
    // The incremental mean: a plain sum / count would give 3.3.
    expect(lines(engine.instant(aggregate('avg', x), 0))).toEqual(['{} 3.3000000000000003']);
    expect(lines(engine.instant(aggregate('stdvar', x), 0))).toEqual(['{} 15.36']);
    expect(lines(engine.instant(aggregate('stddev', x, { by: ['parity'] }), 0))).toEqual([
      '{parity=odd} 3.0912061651652345',
      '{parity=even} 1.75',
    ]);
  });

  it('keep an infinite mean for finite values and same-signed infinities', () => {
    const inf = engineOf({ 1: Infinity, 2: 5, 3: Infinity, 4: -Infinity });
    expect(lines(inf.instant(aggregate('avg', selector('x', { parity: 'odd' })), 0))).toEqual([
      '{} Infinity',
    ]);
    expect(lines(inf.instant(aggregate('avg', selector('x', { id: '1' })), 0))).toEqual(['{} Infinity']);
    expect(lines(inf.instant(aggregate('avg', x), 0))).toEqual(['{} NaN']);
  });

  it('let a NaN give way to any number in min and max', () => {
    const nan = engineOf({ 1: NaN, 2: 4, 3: NaN, 4: 2 });
    expect(lines(nan.instant(aggregate('min', x), 0))).toEqual(['{} 2']);
    expect(lines(nan.instant(aggregate('max', x), 0))).toEqual(['{} 4']);
    expect(lines(nan.instant(aggregate('max', x, { by: ['parity'] }), 0))).toEqual([
      '{parity=odd} NaN',
      '{parity=even} 4',
    ]);
  });

  it('topk/bottomk keep whole samples, best first, per group', () => {
    expect(lines(engine.instant(aggregate('topk', x, { param: num(2) }), 0))).toEqual([
      '{__name__=x,id=3,parity=odd} 10',
      '{__name__=x,id=5,parity=odd} 4',
    ]);
    expect(lines(engine.instant(aggregate('bottomk', x, { param: num(1), by: ['parity'] }), 0))).toEqual([
      '{__name__=x,id=1,parity=odd} 3',
      '{__name__=x,id=4,parity=even} -2',
    ]);
    expect(lines(engine.instant(aggregate('topk', x, { param: num(2.9) }), 0))).toHaveLength(2);
    expect(lines(engine.instant(aggregate('topk', x, { param: num(0.5) }), 0))).toEqual([]);
    expect(lines(engine.instant(aggregate('topk', x, { param: num(-3) }), 0))).toEqual([]);
    expect(lines(engine.instant(aggregate('topk', x, { param: num(100) }), 0))).toHaveLength(5);
    expect(() => engine.instant(aggregate('topk', x, { param: num(NaN) }), 0)).toThrow(
      'Scalar value NaN overflows int64',
    );
    expect(() => engine.instant(aggregate('bottomk', x, { param: num(1e19) }), 0)).toThrow(
      'Scalar value 1e+19 overflows int64',
    );
  });

  it('topk ranks NaN last, having let it go first from its heap', () => {
    const nan = engineOf({ 1: 1, 2: NaN, 3: 3, 4: 2 });
    expect(lines(nan.instant(aggregate('topk', x, { param: num(2) }), 0))).toEqual([
      '{__name__=x,id=3,parity=odd} 3',
      '{__name__=x,id=4,parity=even} 2',
    ]);
    expect(
      lines(nan.instant(aggregate('topk', x, { param: num(4) }), 0)).map((l) => l.split(' ')[1]),
    ).toEqual(['3', '2', '1', 'NaN']);
    expect(
      lines(nan.instant(aggregate('bottomk', x, { param: num(4) }), 0)).map((l) => l.split(' ')[1]),
    ).toEqual(['1', '2', '3', 'NaN']);
  });

  it('quantile interpolates between ranks; φ outside [0, 1] gives ∓Inf', () => {
    expect(lines(engine.instant(aggregate('quantile', x, { param: num(0.5) }), 0))).toEqual(['{} 3']);
    expect(lines(engine.instant(aggregate('quantile', x, { param: num(0.9) }), 0))).toEqual([
      '{} 7.6000000000000005',
    ]);
    expect(lines(engine.instant(aggregate('quantile', x, { param: num(-1) }), 0))).toEqual(['{} -Infinity']);
    expect(lines(engine.instant(aggregate('quantile', x, { param: num(2) }), 0))).toEqual(['{} Infinity']);
  });

  it('count_values labels each value as Go formats it', () => {
    const values = engineOf({ 1: 1e21, 2: 0.5, 3: 0.5, 4: -0 });
    expect(lines(values.instant(aggregate('count_values', x, { param: str('v') }), 0))).toEqual([
      '{v=1000000000000000000000} 1',
      '{v=0.5} 2',
      '{v=-0} 1',
    ]);
    expect(
      lines(values.instant(aggregate('count_values', x, { param: str('v'), by: ['parity'] }), 0)),
    ).toEqual([
      '{parity=odd,v=1000000000000000000000} 1',
      '{parity=even,v=0.5} 1',
      '{parity=odd,v=0.5} 1',
      '{parity=even,v=-0} 1',
    ]);
    expect(
      lines(values.instant(aggregate('count_values', x, { param: str('id'), without: ['parity'] }), 0)),
    ).toEqual(['{id=1000000000000000000000} 1', '{id=0.5} 2', '{id=-0} 1']);
    expect(() => values.instant(aggregate('count_values', x, { param: str('1bad') }), 0)).toThrow(
      'invalid label name "1bad"',
    );
  });
});
