import { describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../queryable.js';
import type { Expr, VectorMatching } from './ast.js';
import { QueryError } from './errors.js';
import { parseExpr, parseMatchers } from './parse.js';

/** The AST with each matcher written out (`job="a"`), to compare as plain data. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  if ('matches' in value) {
    const matcher = value as LabelMatcher;
    return `${matcher.name}${matcher.type}${JSON.stringify(matcher.value)}`;
  }
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plain(v)]));
}

const ast = (query: string): unknown => plain(parseExpr(query));

function errorOf(query: string): string {
  try {
    parseExpr(query);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    expect(error.errorType).toBe('bad_data');
    return error.message;
  }
  throw new Error(`parsed: ${query}`);
}

type Extra = Record<string, unknown>;
const sel = (name: string, matchers: string[] = [], extra: Extra = {}) => ({
  kind: 'vector',
  name,
  matchers: [...matchers, `__name__="${name}"`],
  offsetMs: 0,
  at: undefined,
  ...extra,
});
const anon = (matchers: string[], extra: Extra = {}) => ({
  kind: 'vector',
  name: undefined,
  matchers,
  offsetMs: 0,
  at: undefined,
  ...extra,
});
const num = (value: number) => ({ kind: 'number', value });
const str = (value: string) => ({ kind: 'string', value });
const matrix = (vector: unknown, rangeMs: number) => ({ kind: 'matrix', vector, rangeMs });
const sub = (expr: unknown, rangeMs: number, stepMs: number, extra: Extra = {}) => ({
  kind: 'subquery',
  expr,
  rangeMs,
  stepMs,
  offsetMs: 0,
  at: undefined,
  ...extra,
});
const call = (func: string, ...args: unknown[]) => ({ kind: 'call', func, args });
const agg = (op: string, expr: unknown, extra: Extra = {}) => ({
  kind: 'aggregate',
  op,
  expr,
  param: undefined,
  grouping: [],
  without: false,
  ...extra,
});
const matching = (extra: Partial<VectorMatching> = {}): VectorMatching => ({
  card: 'one-to-one',
  matchingLabels: [],
  on: false,
  include: [],
  ...extra,
});
/** A binary expression between two instant vectors (so with vector matching). */
const vbin = (op: string, lhs: unknown, rhs: unknown, extra: Extra = {}) => ({
  kind: 'binary',
  op,
  lhs,
  rhs,
  matching: ['and', 'or', 'unless'].includes(op) ? matching({ card: 'many-to-many' }) : matching(),
  returnBool: false,
  ...extra,
});
/** A binary expression with a scalar side: no vector matching. */
const sbin = (op: string, lhs: unknown, rhs: unknown, extra: Extra = {}) => ({
  kind: 'binary',
  op,
  lhs,
  rhs,
  matching: undefined,
  returnBool: false,
  ...extra,
});
const neg = (expr: unknown) => ({ kind: 'unary', op: '-', expr });
const paren = (expr: unknown) => ({ kind: 'paren', expr });
const a = sel('a');
const b = sel('b');
const c = sel('c');

describe('parseExpr: literals', () => {
  it('reads numbers as 2.42 does (hex, octal, floats, Inf, NaN, a sign folded in)', () => {
    expect(ast('1')).toEqual(num(1));
    expect(ast('-1')).toEqual(num(-1));
    expect(ast('+5')).toEqual(num(5));
    expect(ast('- - 2')).toEqual(num(2));
    expect(ast('0x1F')).toEqual(num(31));
    expect(ast('0X1f')).toEqual(num(31));
    expect(ast('010')).toEqual(num(8));
    expect(ast('09')).toEqual(num(9));
    expect(ast('1e3')).toEqual(num(1000));
    expect(ast('1E-3')).toEqual(num(0.001));
    expect(ast('.5')).toEqual(num(0.5));
    expect(ast('5.')).toEqual(num(5));
    expect(ast('99999999999999999999')).toEqual(num(1e20));
    expect(ast('Inf')).toEqual(num(Infinity));
    expect(ast('-inf')).toEqual(num(-Infinity));
    expect(ast('NaN')).toEqual(num(NaN));
    expect(ast('-(1)')).toEqual(neg(paren(num(1))));
  });

  it('reads strings with Go escapes in all three quotes', () => {
    expect(ast('"a\\nb"')).toEqual(str('a\nb'));
    expect(ast("'it''s'".replace("''", "\\'"))).toEqual(str("it's"));
    expect(ast('`raw\\n`')).toEqual(str('raw\\n'));
    expect(ast('"\\x41\\101\\u00e9\\U0001F600"')).toEqual(str('AAé😀'));
    expect(ast('"\\a\\b\\f\\r\\t\\v\\\\\\""')).toEqual(str('\x07\b\f\r\t\v\\"'));
    expect(ast('`a\nb`')).toEqual(str('a\nb'));
  });
});

describe('parseExpr: selectors', () => {
  it('puts the name before the braces last among the matchers', () => {
    expect(ast('foo')).toEqual(sel('foo'));
    expect(ast('foo{a="b", c!="d", e=~"f", g!~"h",}')).toEqual(
      sel('foo', ['a="b"', 'c!="d"', 'e=~"f"', 'g!~"h"']),
    );
    expect(ast('{__name__=~"x.*"}')).toEqual(anon(['__name__=~"x.*"']));
    expect(ast('{a="b"}')).toEqual(anon(['a="b"']));
  });

  it('takes colons in metric names and the keywords 2.42 takes as names', () => {
    expect(ast('job:rate5m:sum')).toEqual(sel('job:rate5m:sum'));
    for (const name of ['sum', 'by', 'without', 'offset', 'start', 'end', 'and', 'topk']) {
      expect(ast(name)).toEqual(sel(name));
    }
    expect(ast('foo{sum="a", on="b", offset="c"}')).toEqual(sel('foo', ['sum="a"', 'on="b"', 'offset="c"']));
  });

  it('builds matchers that match as Prometheus does (anchored RE2, missing label as "")', () => {
    const expr = parseExpr('{a="x", b!="x", c=~"x|y", d!~"x.*"}');
    if (expr.kind !== 'vector') throw new Error(expr.kind);
    const [eq, ne, re, nre] = expr.matchers;
    expect([eq!.matches('x'), eq!.matches('xx'), eq!.matches('')]).toEqual([true, false, false]);
    expect([ne!.matches('x'), ne!.matches('')]).toEqual([false, true]);
    expect([re!.matches('y'), re!.matches('xy'), re!.matches('')]).toEqual([true, false, false]);
    expect([nre!.matches('xyz'), nre!.matches('yx'), nre!.matches('')]).toEqual([false, true, true]);
  });

  it('reads ranges, offsets (negative too) and @ into the vector selector', () => {
    expect(ast('foo[5m]')).toEqual(matrix(sel('foo'), 300000));
    expect(ast('foo[1h30m]')).toEqual(matrix(sel('foo'), 5400000));
    expect(ast('foo[100ms]')).toEqual(matrix(sel('foo'), 100));
    expect(ast('foo offset 5m')).toEqual(sel('foo', [], { offsetMs: 300000 }));
    expect(ast('foo offset -5m')).toEqual(sel('foo', [], { offsetMs: -300000 }));
    expect(ast('foo[5m] offset 1w')).toEqual(matrix(sel('foo', [], { offsetMs: 604800000 }), 300000));
    expect(ast('foo @ 100')).toEqual(sel('foo', [], { at: { kind: 'time', timeMs: 100000 } }));
    expect(ast('foo @ -1.5')).toEqual(sel('foo', [], { at: { kind: 'time', timeMs: -1500 } }));
    expect(ast('foo @ start()')).toEqual(sel('foo', [], { at: { kind: 'start' } }));
    expect(ast('foo @ END()')).toEqual(sel('foo', [], { at: { kind: 'end' } }));
    expect(ast('foo[5m] @ 10 offset 1m')).toEqual(
      matrix(sel('foo', [], { offsetMs: 60000, at: { kind: 'time', timeMs: 10000 } }), 300000),
    );
    expect(ast('foo offset 1m @ 10')).toEqual(
      sel('foo', [], { offsetMs: 60000, at: { kind: 'time', timeMs: 10000 } }),
    );
    // As 2.42: only @ <time> is refused before a range, not @ start()/end().
    expect(ast('foo @ start() [5m]')).toEqual(matrix(sel('foo', [], { at: { kind: 'start' } }), 300000));
    // 2.42 reads any letter in brackets as the subquery colon.
    expect(ast('foo[5m x]')).toEqual(sub(sel('foo'), 300000, 0));
  });

  it('reads subqueries with and without a step, with their own offset and @', () => {
    expect(ast('foo[5m:1m]')).toEqual(sub(sel('foo'), 300000, 60000));
    expect(ast('foo[5m:]')).toEqual(sub(sel('foo'), 300000, 0));
    expect(ast('rate(foo[5m])[30m:1m] offset 5m @ 100')).toEqual(
      sub(call('rate', matrix(sel('foo'), 300000)), 1800000, 60000, {
        offsetMs: 300000,
        at: { kind: 'time', timeMs: 100000 },
      }),
    );
    expect(ast('(a + b)[5m:]')).toEqual(sub(paren(vbin('+', a, b)), 300000, 0));
    expect(ast('max_over_time(rate(x[5m])[30m:1m])')).toEqual(
      call('max_over_time', sub(call('rate', matrix(sel('x'), 300000)), 1800000, 60000)),
    );
  });
});

describe('parseExpr: calls and aggregations', () => {
  it('reads calls with their arguments as written', () => {
    expect(ast('time()')).toEqual(call('time'));
    expect(ast('histogram_quantile(0.9, rate(x_bucket[5m]))')).toEqual(
      call('histogram_quantile', num(0.9), call('rate', matrix(sel('x_bucket'), 300000))),
    );
    expect(ast('label_join(a, "d", ",", "s1", "s2", "s3")')).toEqual(
      call('label_join', a, str('d'), str(','), str('s1'), str('s2'), str('s3')),
    );
    expect(ast('round(a)')).toEqual(call('round', a));
    expect(ast('day_of_month()')).toEqual(call('day_of_month'));
    expect(ast('clamp(a, -1, 1)')).toEqual(call('clamp', a, num(-1), num(1)));
  });

  it('reads every function of the engine list', () => {
    const instant = 'abs absent ceil exp floor ln log2 log10 sqrt sgn sort sort_desc timestamp deg rad'.split(
      ' ',
    );
    const trig = 'sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh'.split(' ');
    const dates = 'day_of_month day_of_week day_of_year days_in_month hour minute month year'.split(' ');
    const ranges = [
      'rate irate increase delta idelta deriv changes resets absent_over_time present_over_time',
      'avg_over_time min_over_time max_over_time sum_over_time count_over_time last_over_time',
      'stddev_over_time stdvar_over_time',
    ]
      .join(' ')
      .split(' ');
    for (const f of [...instant, ...trig, ...dates]) expect(ast(`${f}(a)`)).toEqual(call(f, a));
    for (const f of ranges) expect(ast(`${f}(a[1m])`)).toEqual(call(f, matrix(a, 60000)));
    expect(ast('quantile_over_time(0.5, a[1m])')).toEqual(
      call('quantile_over_time', num(0.5), matrix(a, 60000)),
    );
    expect(ast('predict_linear(a[1m], 60)')).toEqual(call('predict_linear', matrix(a, 60000), num(60)));
    expect(ast('clamp_min(a, 0) + clamp_max(a, 1)')).toEqual(
      vbin('+', call('clamp_min', a, num(0)), call('clamp_max', a, num(1))),
    );
    expect(ast('scalar(a) + vector(1) * pi()')).toEqual(
      sbin('+', call('scalar', a), sbin('*', call('vector', num(1)), call('pi'))),
    );
    expect(ast('label_replace(a, "d", "$1", "s", "(.*)")')).toEqual(
      call('label_replace', a, str('d'), str('$1'), str('s'), str('(.*)')),
    );
  });

  it('reads aggregations with by/without before or after the body, and their parameters', () => {
    expect(ast('sum(a)')).toEqual(agg('sum', a));
    expect(ast('sum by (job, instance) (a)')).toEqual(agg('sum', a, { grouping: ['job', 'instance'] }));
    expect(ast('sum(a) by (job)')).toEqual(agg('sum', a, { grouping: ['job'] }));
    expect(ast('avg without (job,) (a)')).toEqual(agg('avg', a, { grouping: ['job'], without: true }));
    expect(ast('max(a) without ()')).toEqual(agg('max', a, { without: true }));
    expect(ast('count by (sum, on, bool) (a)')).toEqual(agg('count', a, { grouping: ['sum', 'on', 'bool'] }));
    expect(ast('topk(3, a)')).toEqual(agg('topk', a, { param: num(3) }));
    expect(ast('bottomk by (x) (3, a)')).toEqual(agg('bottomk', a, { param: num(3), grouping: ['x'] }));
    expect(ast('quantile(0.9, a)')).toEqual(agg('quantile', a, { param: num(0.9) }));
    expect(ast('count_values("value", a)')).toEqual(agg('count_values', a, { param: str('value') }));
    for (const op of ['min', 'group', 'stddev', 'stdvar']) expect(ast(`${op}(a)`)).toEqual(agg(op, a));
    expect(ast('SUM BY (x) (a)')).toEqual(agg('sum', a, { grouping: ['x'] }));
  });
});

describe('parseExpr: operators', () => {
  it('binds as 2.42: ^ (right), unary minus, * / % atan2, + -, comparisons, and/unless, or', () => {
    expect(ast('a + b * c')).toEqual(vbin('+', a, vbin('*', b, c)));
    expect(ast('a * b + c')).toEqual(vbin('+', vbin('*', a, b), c));
    expect(ast('a - b - c')).toEqual(vbin('-', vbin('-', a, b), c));
    expect(ast('a / b % c atan2 a')).toEqual(vbin('atan2', vbin('%', vbin('/', a, b), c), a));
    expect(ast('2 ^ 3 ^ 2')).toEqual(sbin('^', num(2), sbin('^', num(3), num(2))));
    expect(ast('-2 ^ 2')).toEqual(neg(sbin('^', num(2), num(2))));
    expect(ast('-a ^ 2')).toEqual(neg(sbin('^', a, num(2))));
    expect(ast('-a * b')).toEqual(vbin('*', neg(a), b));
    expect(ast('a ^ -b * c')).toEqual(vbin('*', vbin('^', a, neg(b)), c));
    expect(ast('a * -b ^ c')).toEqual(vbin('*', a, neg(vbin('^', b, c))));
    expect(ast('1 - -1')).toEqual(sbin('-', num(1), num(-1)));
    expect(ast('a == b + c')).toEqual(vbin('==', a, vbin('+', b, c)));
    expect(ast('a + b > c')).toEqual(vbin('>', vbin('+', a, b), c));
    expect(ast('a or b and c')).toEqual(vbin('or', a, vbin('and', b, c)));
    expect(ast('a and b or c')).toEqual(vbin('or', vbin('and', a, b), c));
    expect(ast('a and b unless c')).toEqual(vbin('unless', vbin('and', a, b), c));
    expect(ast('a or b == c')).toEqual(vbin('or', a, vbin('==', b, c)));
  });

  it('binds offset, @ and [..] to the selector before them, above every operator', () => {
    expect(ast('a + b offset 1m * c')).toEqual(vbin('+', a, vbin('*', sel('b', [], { offsetMs: 60000 }), c)));
    expect(ast('-a offset 1m')).toEqual(neg(sel('a', [], { offsetMs: 60000 })));
    expect(ast('a / b @ 5')).toEqual(vbin('/', a, sel('b', [], { at: { kind: 'time', timeMs: 5000 } })));
    expect(ast('-rate(a[5m])')).toEqual(neg(call('rate', matrix(a, 300000))));
  });

  it('reads every comparison, with and without bool', () => {
    for (const op of ['==', '!=', '>', '<', '>=', '<=']) {
      expect(ast(`a ${op} b`)).toEqual(vbin(op, a, b));
      expect(ast(`a ${op} bool 1`)).toEqual(sbin(op, a, num(1), { returnBool: true }));
    }
    expect(ast('1 == bool 1')).toEqual(sbin('==', num(1), num(1), { returnBool: true }));
  });

  it('reads vector matching: on, ignoring, group_left, group_right, set operators many-to-many', () => {
    expect(ast('a + on(x) group_left(y) b')).toEqual(
      vbin('+', a, b, {
        matching: matching({ card: 'many-to-one', matchingLabels: ['x'], on: true, include: ['y'] }),
      }),
    );
    expect(ast('a * ignoring(x, y) group_right b')).toEqual(
      vbin('*', a, b, { matching: matching({ card: 'one-to-many', matchingLabels: ['x', 'y'] }) }),
    );
    expect(ast('a / on() b')).toEqual(vbin('/', a, b, { matching: matching({ on: true }) }));
    expect(ast('a > bool on(x) b')).toEqual(
      vbin('>', a, b, { returnBool: true, matching: matching({ matchingLabels: ['x'], on: true }) }),
    );
    expect(ast('a and on(x) b')).toEqual(
      vbin('and', a, b, { matching: matching({ card: 'many-to-many', matchingLabels: ['x'], on: true }) }),
    );
    expect(ast('a unless ignoring(x) b')).toEqual(
      vbin('unless', a, b, { matching: matching({ card: 'many-to-many', matchingLabels: ['x'] }) }),
    );
    expect(ast('a + ignoring() 1')).toEqual(sbin('+', a, num(1)));
  });

  it('reads unary minus and plus on vectors and parentheses', () => {
    expect(ast('-a')).toEqual(neg(a));
    expect(ast('+a')).toEqual({ kind: 'unary', op: '+', expr: a });
    expect(ast('-(a + b)')).toEqual(neg(paren(vbin('+', a, b))));
    expect(ast('((a))')).toEqual(paren(paren(a)));
  });

  it('skips comments and line breaks', () => {
    expect(ast('a # the left\n  + # the operator\n b # the end')).toEqual(vbin('+', a, b));
    expect(ast('sum by (\n job # why\n) (\n a\n)')).toEqual(agg('sum', a, { grouping: ['job'] }));
  });
});

describe('parseExpr: what mcpulse refuses', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['limitk(1, x)', '1:1: parse error: unsupported in mcpulse: function "limitk"'],
    ['limit_ratio(0.5, x)', '1:1: parse error: unsupported in mcpulse: function "limit_ratio"'],
    ['sum by (a) (limitk(1, x))', '1:13: parse error: unsupported in mcpulse: function "limitk"'],
    ['info(x)', '1:1: parse error: unsupported in mcpulse: function "info"'],
    ['sort_by_label(x, "a")', '1:1: parse error: unsupported in mcpulse: function "sort_by_label"'],
    ['mad_over_time(x[5m])', '1:1: parse error: unsupported in mcpulse: function "mad_over_time"'],
    ['first_over_time(x[5m])', '1:1: parse error: unsupported in mcpulse: function "first_over_time"'],
    [
      'ts_of_max_over_time(x[5m])',
      '1:1: parse error: unsupported in mcpulse: function "ts_of_max_over_time"',
    ],
    [
      'double_exponential_smoothing(x[5m], 0.5, 0.5)',
      '1:1: parse error: unsupported in mcpulse: function "double_exponential_smoothing"',
    ],
    ['holt_winters(x[5m], 0.5, 0.5)', '1:1: parse error: unsupported in mcpulse: function "holt_winters"'],
    ['step()', '1:1: parse error: unsupported in mcpulse: function "step"'],
    ['start_timestamp(x)', '1:1: parse error: unsupported in mcpulse: function "start_timestamp"'],
    ['histogram_count(x)', '1:1: parse error: unsupported in mcpulse: native histograms (histogram_count)'],
    ['histogram_sum(x)', '1:1: parse error: unsupported in mcpulse: native histograms (histogram_sum)'],
    [
      'histogram_fraction(0, 1, x)',
      '1:1: parse error: unsupported in mcpulse: native histograms (histogram_fraction)',
    ],
    ['2 * histogram_avg(x)', '1:5: parse error: unsupported in mcpulse: native histograms (histogram_avg)'],
    ['rate(x[5m] anchored)', '1:12: parse error: unsupported in mcpulse: "anchored" modifier'],
    ['rate(x[5m] smoothed)', '1:12: parse error: unsupported in mcpulse: "smoothed" modifier'],
    ['a </ b', '1:3: parse error: unsupported in mcpulse: operator "</"'],
    ['a >/ b', '1:3: parse error: unsupported in mcpulse: operator ">/"'],
  ];

  it(`names each of ${cases.length} constructs newer than 2.42`, () => {
    expect(cases.length).toBe(20);
    for (const [query, message] of cases) expect([query, errorOf(query)]).toEqual([query, message]);
  });
});

describe('parseExpr: long queries', () => {
  it('parses 10,000-character queries that are shallow', () => {
    const label = 'x'.repeat(9970);
    expect(ast(`sum(rate(foo{a="${label}"}[5m]))`)).toEqual(
      agg('sum', call('rate', matrix(sel('foo', [`a="${label}"`]), 300000))),
    );
    const name = 'a'.repeat(10000);
    expect(ast(name)).toEqual(sel(name));
    const join = `label_join(a, "d", ","${', "s"'.repeat(1995)})`;
    expect(join.length).toBe(9998);
    const expr = parseExpr(join);
    expect(expr.kind === 'call' && expr.args.length).toBe(1998);
  });

  it('parses a chain of 300 operators, left-associative', () => {
    const expr = parseExpr('a' + ' + a'.repeat(300));
    let depth = 0;
    for (let e: Expr = expr; e.kind === 'binary'; e = e.lhs) depth++;
    expect(depth).toBe(300);
  });

  it('parses 2^2^…^2 5,000 deep (10,000 characters), right-associative', () => {
    const expr = parseExpr('2' + '^2'.repeat(4999));
    let depth = 0;
    for (let e: Expr = expr; e.kind === 'binary'; e = e.rhs) depth++;
    expect(depth).toBe(4999);
  });

  it('parses left-associative chains of thousands, with the precedence of 2.42, after a long prefix too', () => {
    const leftDepth = (e: Expr): number => {
      let depth = 0;
      for (; e.kind === 'binary'; e = e.lhs) depth++;
      return depth;
    };
    const sum = parseExpr('1' + '+1'.repeat(4999));
    expect(leftDepth(sum)).toBe(4999);
    expect(sum.kind === 'binary' && [sum.op, sum.rhs]).toEqual(['+', num(1)]);
    const union = parseExpr('a' + ' or a'.repeat(1999));
    expect(leftDepth(union)).toBe(1999);
    expect(union.kind === 'binary' && union.op).toBe('or');
    // 2.42's precedence holds in a long chain: `1 + 2*3 - 4 == bool 3 + …` (each term 3).
    const mixed = parseExpr('1 + 2*3 - 4' + ' == bool 3 + 2*3 - 6'.repeat(400));
    // 400 comparisons down the left, then the first term's `-` and `+`.
    expect(leftDepth(mixed)).toBe(402);
    expect(
      mixed.kind === 'binary' && [mixed.op, mixed.returnBool, mixed.rhs.kind === 'binary' && mixed.rhs.op],
    ).toEqual(['==', true, '-']);
    const alternatives = Array.from({ length: 1000 }, (_, i) => `v${String(i).padStart(4, '0')}`).join('|');
    const long = parseExpr(`count(x{kind=~"one|${alternatives}", a!="b"}) + ${'1+'.repeat(1000)}0`);
    expect(leftDepth(long)).toBe(1001);
    // An error in such a chain is the one 2.42 gives (promtool check rules).
    expect(errorOf('1' + '+1'.repeat(999) + ' + bool')).toBe('1:2007: parse error: unexpected end of input');
    expect(errorOf('1' + '+1'.repeat(4999) + ' +')).toBe('1:10002: parse error: unexpected end of input');
  });

  it('refuses nestings past the grammar, without overflowing', () => {
    let paren = parseExpr('('.repeat(2000) + '1' + ')'.repeat(2000));
    let depth = 0;
    for (; paren.kind === 'paren'; paren = paren.expr) depth++;
    expect([depth, paren]).toEqual([2000, num(1)]);
    const deep = 'query is nested too deeply';
    expect(errorOf('('.repeat(4999) + '1' + ')'.repeat(4999))).toBe(deep);
    expect(errorOf('abs('.repeat(2000) + 'a' + ')'.repeat(2000))).toBe(deep);
    expect(errorOf('-'.repeat(9999) + '1')).toBe(deep);
  });
});

describe('parseMatchers', () => {
  it('reads a series selector into its matchers, the name last', () => {
    expect(plain(parseMatchers('up{job="a"}'))).toEqual(['job="a"', '__name__="up"']);
    expect(plain(parseMatchers('{__name__=~"x.*"}'))).toEqual(['__name__=~"x.*"']);
    expect(plain(parseMatchers('up'))).toEqual(['__name__="up"']);
    // As 2.42's ParseMetricSelector: no type check; the API refuses all-empty matchers itself.
    expect(plain(parseMatchers('{a=""}'))).toEqual(['a=""']);
  });

  it('refuses anything but one selector, as 2.42 does', () => {
    const bad = (text: string): string => {
      try {
        parseMatchers(text);
      } catch (error) {
        return (error as Error).message;
      }
      return 'parsed';
    };
    expect(bad('up + 1')).toBe('1:4: parse error: unexpected <op:+>');
    expect(bad('rate(up[5m])')).toBe('1:5: parse error: unexpected "("');
    expect(bad('up offset 5m')).toBe('1:4: parse error: unexpected <offset>');
    expect(bad('up{a="b"}[5m]')).toBe('1:10: parse error: unexpected "["');
    expect(bad('1')).toBe('1:1: parse error: unexpected number "1"');
    expect(bad('up{a=~"("}')).toBe('1:4: parse error: error parsing regexp: missing closing ): `^(?:()$`');
    expect(bad('up{')).toBe('1:4: parse error: unexpected end of input inside braces');
    expect(bad('')).toBe('1:1: parse error: no expression found in input');
  });
});
