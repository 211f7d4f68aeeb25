import { describe, expect, it } from 'vitest';
import { QueryError } from './errors.js';
import {
  goQuote,
  makeMatcher,
  parseDuration,
  parseNonZeroDuration,
  parseNumber,
  unquoteString,
} from './parse-literals.js';
import { FUNCTION_SIGNATURES, functionSignature, UNSUPPORTED_FUNCTIONS } from './signatures.js';

function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    expect(error.errorType).toBe('bad_data');
    return error.message;
  }
  throw new Error('did not throw');
}

describe('parseDuration', () => {
  it("reads Prometheus's units in milliseconds", () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1y')).toBe(31_536_000_000);
    expect(parseDuration('100ms')).toBe(100);
    expect(parseDuration('1y2w3d4h5m6s7ms')).toBe(31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_706_007);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
    // time.Duration's end: 2^63-1 ns.
    expect(parseDuration('106751d23h47m16s854ms')).toBe(9_223_372_036_854);
    expect(parseDuration('292y')).toBe(9_208_512_000_000);
  });

  it('refuses what model.ParseDuration refuses, with its message', () => {
    expect(thrown(() => parseDuration(''))).toBe('empty duration string');
    expect(thrown(() => parseDuration('1h1y'))).toBe('not a valid duration string: "1h1y"');
    expect(thrown(() => parseDuration('5'))).toBe('not a valid duration string: "5"');
    expect(thrown(() => parseDuration('1.5h'))).toBe('not a valid duration string: "1.5h"');
    expect(thrown(() => parseDuration('-5m'))).toBe('not a valid duration string: "-5m"');
    expect(thrown(() => parseDuration('5m5m'))).toBe('not a valid duration string: "5m5m"');
    expect(thrown(() => parseDuration('1H'))).toBe('not a valid duration string: "1H"');
    expect(thrown(() => parseDuration('106751d23h47m16s855ms'))).toBe('duration out of range');
    expect(thrown(() => parseDuration('293y'))).toBe('duration out of range');
    expect(thrown(() => parseDuration('99999999999999999999s'))).toBe('duration out of range');
    expect(thrown(() => parseNonZeroDuration('0s'))).toBe('duration must be greater than 0');
  });
});

describe('parseNumber', () => {
  it('reads as strconv.ParseInt(s, 0, 64), else ParseFloat', () => {
    expect([parseNumber('10'), parseNumber('010'), parseNumber('0x1f'), parseNumber('0XFF')]).toEqual([
      10, 8, 31, 255,
    ]);
    expect([
      parseNumber('09'),
      parseNumber('1.5'),
      parseNumber('5.'),
      parseNumber('.5'),
      parseNumber('1e-2'),
    ]).toEqual([9, 1.5, 5, 0.5, 0.01]);
    expect([parseNumber('Inf'), parseNumber('inf'), parseNumber('NaN')]).toEqual([Infinity, Infinity, NaN]);
    expect(parseNumber('9223372036854775807')).toBe(2 ** 63);
    expect(parseNumber('1e-400')).toBe(0);
  });

  it('refuses with strconv.ParseFloat messages', () => {
    expect(thrown(() => parseNumber('1e'))).toBe(
      'error parsing number: strconv.ParseFloat: parsing "1e": invalid syntax',
    );
    expect(thrown(() => parseNumber('0x'))).toBe(
      'error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax',
    );
    expect(thrown(() => parseNumber('1e999'))).toBe(
      'error parsing number: strconv.ParseFloat: parsing "1e999": value out of range',
    );
  });
});

describe('unquoteString', () => {
  it('reads the three quotes and Go escapes, byte escapes as UTF-8 bytes', () => {
    expect(unquoteString('"a\\tb"')).toBe('a\tb');
    expect(unquoteString("'a\"b\\'c'")).toBe('a"b\'c');
    expect(unquoteString('`a\\tb`')).toBe('a\\tb');
    expect(unquoteString('"\\xc3\\xa9"')).toBe('é');
    expect(unquoteString('"\\303\\251"')).toBe('é');
    expect(unquoteString('"\\u00e9\\U0001F600"')).toBe('é😀');
    expect(unquoteString('"é😀"')).toBe('é😀');
    expect(unquoteString('""')).toBe('');
  });

  it('refuses text the lexer would not pass', () => {
    expect(thrown(() => unquoteString('"a'))).toBe('error unquoting string "\\"a": invalid syntax');
    expect(thrown(() => unquoteString('"\\q"'))).toBe('error unquoting string "\\"\\\\q\\"": invalid syntax');
    expect(thrown(() => unquoteString('"\\ud800"'))).toBe(
      'error unquoting string "\\"\\\\ud800\\"": invalid syntax',
    );
  });
});

describe('makeMatcher', () => {
  it('anchors regexes fully and matches a missing label as ""', () => {
    const re = makeMatcher('=~', 'job', 'api|web');
    expect([re.matches('api'), re.matches('web'), re.matches('apiweb'), re.matches('')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const not = makeMatcher('!~', 'job', 'a.*');
    expect([not.matches('abc'), not.matches('ba'), not.matches('')]).toEqual([false, true, true]);
    expect(makeMatcher('=~', 'a', '.*').matches('')).toBe(true);
    expect(makeMatcher('=', 'a', '').matches('')).toBe(true);
    expect(makeMatcher('!=', 'a', 'x').matches('y')).toBe(true);
    expect({ ...makeMatcher('=', 'a', 'b'), matches: undefined }).toEqual({
      type: '=',
      name: 'a',
      value: 'b',
      matches: undefined,
    });
  });

  it('runs a backtracking-prone regex in linear time', () => {
    const evil = makeMatcher('=~', 'a', '(a+)+$');
    expect(evil.matches('a'.repeat(5000) + 'b')).toBe(false);
  });

  it("names a bad regex in Go's words", () => {
    expect(thrown(() => makeMatcher('=~', 'a', '('))).toBe(
      'error parsing regexp: missing closing ): `^(?:()$`',
    );
    expect(thrown(() => makeMatcher('!~', 'a', '[z-a]'))).toBe(
      'error parsing regexp: invalid character class range: `z-a`',
    );
    expect(thrown(() => makeMatcher('=~', 'a', ')('))).toBe('error parsing regexp: unexpected ): `)(`');
    expect(thrown(() => makeMatcher('=~', 'a', '(?<n>x)'))).toBe(
      'error parsing regexp: invalid or unsupported Perl syntax: `(?<`',
    );
    expect(makeMatcher('=~', 'a', '[(?<]').matches('<')).toBe(true);
    expect(makeMatcher('=~', 'a', '\\(?<').matches('(<')).toBe(true);
  });
});

describe('goQuote', () => {
  it('quotes as Go %q, and %.10q cuts at ten characters', () => {
    expect(goQuote('a"b\\c\n\x01é')).toBe('"a\\"b\\\\c\\n\\x01é"');
    expect(goQuote('abcdefghijkl', 10)).toBe('"abcdefghij"');
  });
});

describe('FUNCTION_SIGNATURES', () => {
  it("ports 2.42's functions.go: 66 parse, 4 are refused", () => {
    expect(Object.keys(FUNCTION_SIGNATURES).length).toBe(66);
    expect(Object.keys(UNSUPPORTED_FUNCTIONS)).toEqual([
      'histogram_count',
      'histogram_sum',
      'histogram_fraction',
      'holt_winters',
    ]);
    expect(functionSignature('rate')).toEqual({
      name: 'rate',
      argTypes: ['matrix'],
      variadic: 0,
      returnType: 'vector',
    });
    expect(functionSignature('label_join')).toEqual({
      name: 'label_join',
      argTypes: ['vector', 'string', 'string', 'string'],
      variadic: -1,
      returnType: 'vector',
    });
    expect(functionSignature('round')).toEqual({
      name: 'round',
      argTypes: ['vector', 'scalar'],
      variadic: 1,
      returnType: 'vector',
    });
    expect(functionSignature('year')?.variadic).toBe(1);
    expect(functionSignature('scalar')?.returnType).toBe('scalar');
    expect(functionSignature('toString')).toBeUndefined();
  });
});
