/**
 * promtool's series notation: the values each description expands to, and the errors promtool 2.42
 * prints for malformed ones (each message below is what promtool printed for that input).
 */
import { describe, expect, it } from 'vitest';

import {
  MAX_SEQUENCE_VALUES,
  OMITTED as _,
  parseMetric,
  parseSeriesDescription,
  STALE,
} from './series-notation.js';

const values = (line: string) => parseSeriesDescription(line).values;

describe('parseSeriesDescription', () => {
  it('expands repetitions: a+bxn is n+1 values, axn is n+1 copies, _xn is n gaps', () => {
    expect(values('m 1+2x3')).toEqual([1, 3, 5, 7]);
    expect(values('m 1-1x3')).toEqual([1, 0, -1, -2]);
    expect(values('m 5x2')).toEqual([5, 5, 5]);
    expect(values('m _x3 1')).toEqual([_, _, _, 1]);
    expect(values('m 1 3 _ 5 _x4')).toEqual([1, 3, _, 5, _, _, _, _]);
    expect(values('m 1 -1 -3-10x4 7 9 +5')).toEqual([1, -1, -3, -13, -23, -33, -43, 7, 9, 5]);
    expect(values('m  1   2  ')).toEqual([1, 2]);
  });

  it('adds the step once per value, as Go does, so its rounding is the same', () => {
    expect(values('m 0.1+0.1x9').at(-1)).toBe(0.9999999999999999);
  });

  it('reads stale, Inf, NaN, octal and out-of-range integers as promtool does', () => {
    expect(values('m 1 stale 2')).toEqual([1, STALE, 2]);
    const afterStale = values('m stale+1x2');
    expect(afterStale[0]).toBe(STALE);
    expect(afterStale.slice(1)).toEqual([NaN, NaN]);
    expect(values('m -Inf Inf NaN nan')).toEqual([-Infinity, Infinity, NaN, NaN]);
    expect(values('m 010 08 1e3 .5 1.')).toEqual([8, 8, 1000, 0.5, 1]);
    // 0x10 is 0 repeated 10 more times: series descriptions have no hexadecimal.
    expect(values('m 0x10')).toEqual(new Array(11).fill(0));
    // int64's largest is read as an integer, then rounded to float64 (2^63); past int64, octal-looking
    // digits are read as a decimal float.
    expect(values('m 9223372036854775807 077777777777777777777777')).toEqual([2 ** 63, 7.777777777777777e22]);
  });

  it('reads the metric: a name (keywords too), a label set, Go escapes in values', () => {
    expect(parseSeriesDescription('{} 1').labels).toEqual([]);
    expect(parseSeriesDescription('sum 1').labels).toEqual([{ name: '__name__', value: 'sum' }]);
    expect(parseSeriesDescription('a:b:c{by="x", z=\'y\',} 1').labels).toEqual([
      { name: '__name__', value: 'a:b:c' },
      { name: 'by', value: 'x' },
      { name: 'z', value: 'y' },
    ]);
    expect(parseSeriesDescription('m{a="\\u70ac = torch", b=`raw\\n`} 1').labels).toEqual([
      { name: '__name__', value: 'm' },
      { name: 'a', value: '炬 = torch' },
      { name: 'b', value: 'raw\\n' },
    ]);
  });

  const errors: [string, string][] = [
    [
      'a 1 foo 3',
      '1:5: parse error: unexpected identifier "foo" in series values, expected number or "stale"',
    ],
    ['a 1 -3-3 3', '1:9: parse error: unexpected " " in series values'],
    ['a 1 3+3x4-4', '1:10: parse error: unexpected <op:->'],
    ['a 1 _a4', '1:6: parse error: unexpected identifier "a4"'],
    [
      'a 1 1.5e',
      '1:5: parse error: error parsing number: strconv.ParseFloat: parsing "1.5e": invalid syntax',
    ],
    ['a 1 x3', '1:5: parse error: unexpected "x"'],
    [
      'a 1 1x3.5',
      '1:7: parse error: invalid repetition in series values: strconv.ParseUint: parsing "3.5": invalid syntax',
    ],
    ['a{b="c" 1', "1:9: parse error: unexpected character inside braces: '1'"],
    ['a{b="c\\q"} 1', "1:5: parse error: unknown escape sequence U+0071 'q'"],
    ['a {b="c"} 1', "1:3: parse error: unexpected character in series sequence: '{'"],
    ['1 2 3', '1:1: parse error: unexpected number "1" in series values'],
    ['a{b=c} 1', '1:5: parse error: unexpected identifier "c" in label set, expected string'],
    ['a{b} 1', '1:4: parse error: unexpected "}" in label set, expected "="'],
    ['a{b=~"c"} 1', '1:4: parse error: unexpected <op:=~> in label set, expected "="'],
    ['a{b="c"}1', '1:9: parse error: unexpected number "1" in series values'],
    ['a 1 1+', '1:7: parse error: unexpected end of input in series values'],
    [
      'a 1e400',
      '1:3: parse error: error parsing number: strconv.ParseFloat: parsing "1e400": value out of range',
    ],
    ['bool 1', '1:1: parse error: unexpected <bool> in series values'],
    ['inf 1', '1:1: parse error: unexpected number "inf" in series values'],
    ['a 1 _x_', '1:7: parse error: unexpected "_" in series values'],
    ['a 1 1x3x2', '1:8: parse error: unexpected "x"'],
    ['a 1 --2', '1:6: parse error: unexpected <op:-> in series values'],
    ['a 1 1.2.3', '1:8: parse error: unexpected number ".3"'],
    [
      'a{b="c", d="e" f="g"} 1',
      '1:16: parse error: unexpected identifier "f" in label set, expected "," or "}"',
    ],
    ['a{b="c"', '1:8: parse error: unexpected end of input inside braces'],
    [
      'a{"b"="c"} 1',
      '1:3: parse error: unexpected string "\\"b\\"" in label set, expected identifier or "}"',
    ],
    ['a{b=="c"} 1', '1:5: parse error: unexpected "=" in label set, expected string'],
    ['a{b="\\u00zz"} 1', "1:5: parse error: illegal character U+007A 'z' in escape sequence"],
    ['a{b="c} 1', '1:5: parse error: unterminated quoted string'],
    ['a{b="\\ud800"} 1', '1:5: parse error: escape sequence is an invalid Unicode code point'],
    ['a 1_0', '1:3: parse error: bad number syntax: "1"'],
    ['a{b="c"} 1 # no comments', "1:12: parse error: unexpected character in series sequence: '#'"],
  ];
  for (const [line, message] of errors) {
    it(`refuses ${JSON.stringify(line)} as promtool does`, () => {
      expect(() => parseSeriesDescription(line)).toThrow(message);
      let caught: unknown;
      try {
        parseSeriesDescription(line);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).message).toBe(message);
    });
  }

  it('bounds what one description may expand to', () => {
    expect(() => parseSeriesDescription(`a 1x${MAX_SEQUENCE_VALUES}`)).toThrow(
      `a series expands to more than ${MAX_SEQUENCE_VALUES} values`,
    );
    expect(values(`a 1x${MAX_SEQUENCE_VALUES - 1}`)).toHaveLength(MAX_SEQUENCE_VALUES);
  });
});

describe('parseMetric', () => {
  it('reads expected-sample labels, keeping empty values as labels.New does', () => {
    expect(parseMetric('')).toEqual([]);
    expect(parseMetric('{}')).toEqual([]);
    expect(parseMetric('up')).toEqual([{ name: '__name__', value: 'up' }]);
    expect(parseMetric('{b="2", __name__="x", a=""}')).toEqual([
      { name: '__name__', value: 'x' },
      { name: 'a', value: '' },
      { name: 'b', value: '2' },
    ]);
  });

  it('refuses what follows the metric', () => {
    expect(() => parseMetric('up down')).toThrow('1:4: parse error: unexpected identifier "down"');
    expect(() => parseMetric('g{a="1"')).toThrow('1:8: parse error: unexpected end of input inside braces');
  });
});
