/**
 * Expressions written back as Prometheus 2.42 writes them: each pair is an alerting rule's `expr` and
 * the `query` Prometheus 2.42's /api/v1/rules showed for it (recorded from a running prometheus).
 */
import { describe, expect, it } from 'vitest';

import { parseExpr } from '../store/promql/parse.js';
import { exprString, formatGoFloat } from './expr-string.js';

const PROMETHEUS_STRINGS: readonly (readonly [string, string])[] = [
  ['up==0', 'up == 0'],
  [
    'sum by(job)(rate(http_requests_total{code=~"5..",job!="x"}[5m])) / ignoring(code) group_left(team) sum without(code)(rate(http_requests_total[5m] offset 1m))',
    'sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m])) / ignoring (code) group_left (team) sum without (code) (rate(http_requests_total[5m] offset 1m))',
  ],
  ['-x + +y - -1', '-x + +y - -1'],
  ['x @ 100 offset -5m', 'x @ 100.000 offset -5m'],
  ['topk(3, x) and on() y unless ignoring(a,b) z', 'topk(3, x) and on () y unless ignoring (a, b) z'],
  ['count_values("v", x) > bool 1e6', 'count_values("v", x) > bool 1e+06'],
  ['quantile(0.95, max_over_time(x[10m:30s]))', 'quantile(0.95, max_over_time(x[10m:30s]))'],
  ['rate(x[1h30m])[5m:] @ end()', 'rate(x[1h30m])[5m:] @ end()'],
  ['{__name__="x",a="b"}', '{__name__="x",a="b"}'],
  ['{__name__=~"x.*"}', '{__name__=~"x.*"}'],
  [
    '0x10 * 1.5e-7 + 123456 + 0.0001 + 0.00001 + Inf - NaN',
    '16 * 1.5e-07 + 123456 + 0.0001 + 1e-05 + +Inf - NaN',
  ],
  [
    'histogram_quantile(0.9, sum by (le) (rate(x_bucket{a="\\"q\\"\\n"}[5m])))',
    'histogram_quantile(0.9, sum by (le) (rate(x_bucket{a="\\"q\\"\\n"}[5m])))',
  ],
  ['sum without() (x)', 'sum without () (x)'],
  ['max by () (x)', 'max(x)'],
  ['(x) atan2 y ^ 2 % 3', '(x) atan2 y ^ 2 % 3'],
  ['absent(nonexistent{job="myjob"})', 'absent(nonexistent{job="myjob"})'],
  ['x{b="1",a="2"} offset 1w', 'x{a="2",b="1"} offset 1w'],
  ['label_replace(up, "foo", "$1", "job", "(.*)")', 'label_replace(up, "foo", "$1", "job", "(.*)")'],
  ['time() - vector(1)', 'time() - vector(1)'],
  ['sum(x) by (a)', 'sum by (a) (x)'],
];

describe('exprString', () => {
  it.each(PROMETHEUS_STRINGS)('%s', (expr, written) => {
    expect(exprString(parseExpr(expr))).toBe(written);
  });

  it('formats floats as fmt.Sprint does', () => {
    const values = [
      0,
      -0,
      1,
      -2.5,
      123456,
      999999,
      1e6,
      1.5e-7,
      0.0001,
      0.00001,
      1e21,
      2 ** 53,
      NaN,
      -Infinity,
    ];
    expect(values.map(formatGoFloat)).toEqual([
      '0',
      '-0',
      '1',
      '-2.5',
      '123456',
      '999999',
      '1e+06',
      '1.5e-07',
      '0.0001',
      '1e-05',
      '1e+21',
      '9.007199254740992e+15',
      'NaN',
      '-Inf',
    ]);
  });
});
