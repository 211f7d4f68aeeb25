/**
 * The parser's errors, word for word. Every message in PROMETHEUS_2_42 is the one Prometheus 2.42's
 * own parser gives for the query (checked with Debian's promtool 2.42, `promtool check rules`, whose
 * "could not parse expression" is parser.ParseExpr's error).
 */
import { describe, expect, it } from 'vitest';
import { QueryError } from './errors.js';
import { parseExpr } from './parse.js';

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

const PROMETHEUS_2_42: readonly (readonly [string, string])[] = [
  // type checks
  [
    'rate(foo)',
    '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
  ],
  ['rate(1)', '1:6: parse error: expected type range vector in call to function "rate", got scalar'],
  ['rate(foo[5m], 1)', '1:1: parse error: expected 1 argument(s) in call to "rate", got 2'],
  ['rate()', '1:1: parse error: expected 1 argument(s) in call to "rate", got 0'],
  ['time(1)', '1:1: parse error: expected 0 argument(s) in call to "time", got 1'],
  ['pi(1)', '1:1: parse error: expected 0 argument(s) in call to "pi", got 1'],
  ['round(x, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
  ['day_of_month(x, y)', '1:1: parse error: expected at most 1 argument(s) in call to "day_of_month", got 2'],
  ['label_join(x, "a")', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 2'],
  [
    'label_join(x, "a", "b", "c", 1)',
    '1:30: parse error: expected type string in call to function "label_join", got scalar',
  ],
  [
    'label_replace(x, "a", "b", "c")',
    '1:1: parse error: expected 5 argument(s) in call to "label_replace", got 4',
  ],
  [
    'histogram_quantile(x, 0.9)',
    '1:20: parse error: expected type scalar in call to function "histogram_quantile", got instant vector',
  ],
  [
    'quantile_over_time(0.5, x)',
    '1:25: parse error: expected type range vector in call to function "quantile_over_time", got instant vector',
  ],
  ['clamp_max(x)', '1:1: parse error: expected 2 argument(s) in call to "clamp_max", got 1'],
  ['vector(x)', '1:8: parse error: expected type scalar in call to function "vector", got instant vector'],
  [
    'scalar(a[5m])',
    '1:8: parse error: expected type instant vector in call to function "scalar", got range vector',
  ],
  [
    'absent(x[5m])',
    '1:8: parse error: expected type instant vector in call to function "absent", got range vector',
  ],
  [
    'absent_over_time(x)',
    '1:18: parse error: expected type range vector in call to function "absent_over_time", got instant vector',
  ],
  ['abs("a")', '1:5: parse error: expected type instant vector in call to function "abs", got string'],
  [
    'sum(x[5m])',
    '1:5: parse error: expected type instant vector in aggregation expression, got range vector',
  ],
  ['sum("a")', '1:5: parse error: expected type instant vector in aggregation expression, got string'],
  ['topk(x, 1)', '1:9: parse error: expected type instant vector in aggregation expression, got scalar'],
  ['topk("a", x)', '1:6: parse error: expected type scalar in aggregation parameter, got string'],
  ['count_values(1, x)', '1:14: parse error: expected type string in aggregation parameter, got scalar'],
  ['quantile(x, x)', '1:10: parse error: expected type scalar in aggregation parameter, got instant vector'],
  [
    'sum(x, y)',
    '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2',
  ],
  [
    'topk(x)',
    '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1',
  ],
  ['sum()', '1:1: parse error: no arguments for aggregate expression provided'],
  ['1 == 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['time() > time()', '1:8: parse error: comparisons between scalars must use BOOL modifier'],
  ['a + bool b', '1:3: parse error: bool modifier can only be used on comparison operators'],
  ['1 and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['a and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
  ['1 or a', '1:1: parse error: set operator "or" not allowed in binary scalar expression'],
  ['a and on(x) group_left b', '1:1: parse error: no grouping allowed for "and" operation'],
  ['a or ignoring(x) group_right(y) b', '1:1: parse error: no grouping allowed for "or" operation'],
  ['a + on(x) group_left(x) b', '1:3: parse error: label "x" must not occur in ON and GROUP clause at once'],
  ['1 + on(x) 2', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['a + on(x) 2', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['"a" + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['a + "b"', '1:5: parse error: binary expression must contain only scalar and instant vector types'],
  ['a[5m] + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['a + b[5m]', '1:5: parse error: binary expression must contain only scalar and instant vector types'],
  [
    '-"a"',
    '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"',
  ],
  [
    '-(a[5m])',
    '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
  ],
  ['(a[5m])[5m:]', '1:1: parse error: subquery is only allowed on instant vector, got matrix instead'],
  ['"a"[5m:]', '1:1: parse error: subquery is only allowed on instant vector, got string instead'],
  ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{a=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{a=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{a!~".+"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['sum({a=""})', '1:5: parse error: vector selector must contain at least one non-empty matcher'],
  ['a{b="c"} unless on(d) group_left(e) f', '1:1: parse error: no grouping allowed for "unless" operation'],
  // modifiers
  ['rate(a[5m])[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
  ['(a)[5m]', '1:4: parse error: ranges only allowed for vector selectors'],
  ['a[5m][5m]', '1:6: parse error: ranges only allowed for vector selectors'],
  [
    'sum(a) offset 1m',
    '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  [
    '(a) offset 1m',
    '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  ['a offset 1m offset 1m', '1:1: parse error: offset may not be set multiple times'],
  ['a[5m:] offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
  ['a offset 1m [5m]', '1:13: parse error: no offset modifiers allowed before range'],
  ['a @ 10 [5m]', '1:8: parse error: no @ modifiers allowed before range'],
  ['a @ 10 @ 20', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['a @ start() @ 20', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  [
    'sum(a) @ 10',
    '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  [
    'rate(some_metric[5m]) @ 1234',
    '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
  ],
  ['foo @ +Inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
  ['foo @ NaN', '1:1: parse error: timestamp out of bounds for @ modifier: NaN'],
  ['a @ 1e19', '1:1: parse error: timestamp out of bounds for @ modifier: 10000000000000000000.000000'],
  ['a @ 10m', '1:5: parse error: unexpected duration "10m" in @, expected timestamp'],
  ['a offset 5', '1:10: parse error: unexpected number "5" in offset, expected duration'],
  ['a offset +5m', '1:10: parse error: unexpected <op:+> in offset, expected duration'],
  ['a offset (5m)', '1:10: parse error: unexpected "(" in offset, expected duration'],
  ['a offset 0s', '1:10: parse error: duration must be greater than 0'],
  ['a[0s]', '1:3: parse error: duration must be greater than 0'],
  ['a[1m:0s]', '1:6: parse error: duration must be greater than 0'],
  ['a[5m:5]', '1:6: parse error: unexpected number "5" in subquery selector, expected duration or "]"'],
  ['a[5m+1m]', '1:5: parse error: unexpected <op:+> in subquery or range, expected ":" or "]"'],
  ['a[1h1d]', '1:3: parse error: not a valid duration string: "1h1d"'],
  ['a[999999999999y]', '1:3: parse error: duration out of range'],
  ['foo[5y1hs]', '1:5: parse error: not a valid duration string: "5y1hs"'],
  ['foo[5m1m]', '1:5: parse error: not a valid duration string: "5m1m"'],
  ['time() + 5m', '1:10: parse error: unexpected duration "5m"'],
  // syntax
  ['sum(foo bar)', '1:9: parse error: unexpected identifier "bar" in aggregation'],
  ['sum(rate(foo[5m]) +)', '1:20: parse error: unexpected ")" in aggregation'],
  ['sum by (a) foo', '1:12: parse error: unexpected identifier "foo" in aggregation'],
  ['sum(foo) by (a b)', '1:16: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"'],
  ['sum(foo) by a', '1:13: parse error: unexpected identifier "a" in grouping opts, expected "("'],
  ['sum(foo) without', '1:17: parse error: unexpected end of input in grouping opts, expected "("'],
  ['sum 1', '1:5: parse error: unexpected number "1"'],
  ['sum by (1) (x)', '1:9: parse error: unexpected number "1" in grouping opts, expected label'],
  [
    'sum by (a:b) (x)',
    '1:9: parse error: unexpected metric identifier "a:b" in grouping opts, expected label',
  ],
  ['sum without(a) by (b) (x)', '1:16: parse error: unexpected <by> in aggregation'],
  ['sum(x) by (a) by (b)', '1:15: parse error: unexpected <by>'],
  ['foo{a="b" c}', '1:11: parse error: unexpected identifier "c" in label matching, expected "," or "}"'],
  [
    'foo{a b}',
    '1:7: parse error: unexpected identifier "b" in label matching, expected label matching operator',
  ],
  ['foo{a=b}', '1:7: parse error: unexpected identifier "b" in label matching, expected string'],
  ['foo{,}', '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'],
  ['foo{a=~}', '1:8: parse error: unexpected "}" in label matching, expected string'],
  [
    'foo{"a"="b"}',
    '1:5: parse error: unexpected string "\\"a\\"" in label matching, expected identifier or "}"',
  ],
  [
    '{"foo"}',
    '1:2: parse error: unexpected string "\\"foo\\"" in label matching, expected identifier or "}"',
  ],
  ['foo[5m:1m 1m]', '1:11: parse error: unexpected duration "1m" in subquery selector, expected "]"'],
  ['foo[5m 1m]', '1:8: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
  ['foo offset bar', '1:12: parse error: unexpected identifier "bar" in offset, expected duration'],
  ['foo offset - bar', '1:14: parse error: unexpected identifier "bar" in offset, expected duration'],
  ['foo @ bar', '1:7: parse error: unexpected identifier "bar" in @, expected timestamp'],
  ['foo @ start bar', '1:13: parse error: unexpected identifier "bar" in @, expected timestamp'],
  ['foo + on(a) bar baz', '1:17: parse error: unexpected identifier "baz"'],
  [
    'foo + on (a b) bar',
    '1:13: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"',
  ],
  ['foo + on (1) bar', '1:11: parse error: unexpected number "1" in grouping opts, expected label'],
  ['foo + on bar', '1:10: parse error: unexpected identifier "bar" in grouping opts, expected "("'],
  ['foo + bool on', '1:14: parse error: unexpected end of input in grouping opts, expected "("'],
  ['foo + on(a) group_left', '1:23: parse error: unexpected end of input in grouping opts, expected "("'],
  ['foo +', '1:6: parse error: unexpected end of input'],
  ['1 2', '1:3: parse error: unexpected number "2"'],
  ['"a" "b"', '1:5: parse error: unexpected string "\\"b\\""'],
  ['foo ==', '1:7: parse error: unexpected end of input'],
  ['()', '1:2: parse error: unexpected ")"'],
  ['rate(,)', '1:6: parse error: unexpected ","'],
  ['rate(foo,)', '1:9: parse error: trailing commas not allowed in function call args'],
  ['abs(foo bar)', '1:9: parse error: unexpected identifier "bar"'],
  ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
  ['foo(1)', '1:1: parse error: unknown function with name "foo"'],
  ['foo(bar)', '1:1: parse error: unknown function with name "foo"'],
  ['fill(0)', '1:1: parse error: unknown function with name "fill"'],
  ['a + fill(0) b', '1:5: parse error: unknown function with name "fill"'],
  ['timestamund(-3))', '1:1: parse error: unknown function with name "timestamund"'],
  ['atan2(a, b)', '1:1: parse error: unexpected <op:atan2>'],
  ['inf(1)', '1:4: parse error: unexpected "("'],
  ['by (a)', '1:4: parse error: unexpected "("'],
  ['offset 5m', '1:8: parse error: unexpected duration "5m"'],
  ['start()', '1:6: parse error: unexpected "("'],
  ['sum(x) by (é)', "1:12: parse error: unexpected character: 'é'"],
  ['sum(\n  foo\n  bar\n)', '3:3: parse error: unexpected identifier "bar" in aggregation'],
  ['"é" == 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  // lexer
  ['sum(', '1:5: parse error: unclosed left parenthesis'],
  ['(foo', '1:5: parse error: unclosed left parenthesis'],
  ['foo)', "1:5: parse error: unexpected right parenthesis ')'"],
  ['(1))', "1:5: parse error: unexpected right parenthesis ')'"],
  ['foo]', "1:4: parse error: unexpected right bracket ']'"],
  ['foo[', '1:5: parse error: missing unit character in duration'],
  ['foo{', '1:5: parse error: unexpected end of input inside braces'],
  ['foo{a="b"', '1:10: parse error: unexpected end of input inside braces'],
  ['foo{{', "1:5: parse error: unexpected left brace '{'"],
  ['foo $', "1:5: parse error: unexpected character: '$'"],
  ['foo !', "1:5: parse error: unexpected character after '!': '�'"],
  ['foo =~ bar', "1:5: parse error: unexpected character after '=': '~'"],
  ['foo{a!b}', "1:6: parse error: unexpected character after '!' inside braces: 'b'"],
  ['foo{1}', "1:5: parse error: unexpected character inside braces: '1'"],
  ['foo{a:b="c"}', "1:6: parse error: unexpected character inside braces: ':'"],
  ['foo[5]', '1:5: parse error: missing unit character in duration'],
  ['foo[-5m]', '1:5: parse error: missing unit character in duration'],
  ['foo[step()]', '1:5: parse error: bad duration syntax: "st"'],
  ['a[1y1y]', '1:3: parse error: bad duration syntax: "1y1"'],
  ['a[5m::]', "1:6: parse error: unexpected colon ':'"],
  ['a[5m:x:]', "1:6: parse error: unexpected colon 'x'"],
  ['1_000', '1:1: parse error: bad number or duration syntax: "1"'],
  ['0b101', '1:1: parse error: bad number or duration syntax: "0"'],
  ['"unterminated', '1:1: parse error: unterminated quoted string'],
  ['`unterminated', '1:1: parse error: unterminated raw string'],
  ['foo{a="b}', '1:7: parse error: unterminated quoted string'],
  ['"a\\qb"', "1:1: parse error: unknown escape sequence U+0071 'q'"],
  ['"a\\\'b"', "1:1: parse error: unknown escape sequence U+0027 '''"],
  ['"\\xZZ"', "1:1: parse error: illegal character U+005A 'Z' in escape sequence"],
  ['"\\400"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['"\\ud800"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['"\\U00110000"', '1:1: parse error: escape sequence is an invalid Unicode code point'],
  ['"\\u12"', "1:1: parse error: illegal character U+0022 '\"' in escape sequence"],
  ['é + 1', "1:1: parse error: unexpected character: 'é'"],
  // literals
  ['1e', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e": invalid syntax'],
  [
    '1e999',
    '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e999": value out of range',
  ],
  ['0x', '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax'],
  ['a{b=~"("}', '1:3: parse error: error parsing regexp: missing closing ): `^(?:()$`'],
  ['foo{a=~")("}', '1:5: parse error: error parsing regexp: unexpected ): `)(`'],
  ['foo{a!~"[z-a]"}', '1:5: parse error: error parsing regexp: invalid character class range: `z-a`'],
  ['foo{a=~"a**"}', '1:5: parse error: error parsing regexp: invalid nested repetition operator: `**`'],
  ['foo{a=~"x{2,1}"}', '1:5: parse error: error parsing regexp: invalid repeat count: `{2,1}`'],
  ['foo{a=~"\\\\8"}', '1:5: parse error: error parsing regexp: invalid escape sequence: `\\8`'],
  ['foo{a=~"(?<n>x)"}', '1:5: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
  ['foo{a=~"[[:foo:]]"}', '1:5: parse error: error parsing regexp: invalid character class range: `[:foo:]`'],
  ['x{a=~"("} + ', '1:3: parse error: error parsing regexp: missing closing ): `^(?:()$`'],
];

describe('parse errors', () => {
  it(`gives Prometheus 2.42's message for each of ${PROMETHEUS_2_42.length} bad queries`, () => {
    expect(PROMETHEUS_2_42.length).toBe(182);
    const mismatches = PROMETHEUS_2_42.filter(([query, message]) => errorOf(query) !== message).map(
      ([query, message]) => ({ query, expected: message, got: errorOf(query) }),
    );
    expect(mismatches).toEqual([]);
  });
});
