/** Go's formats as promtool prints them: %q, FormatFloat 'E', 'e', 'f', 'g', labels, both duration formats. */
import { describe, expect, it } from 'vitest';

import {
  formatFloat,
  formatFloatE,
  formatGoDuration,
  formatGoLabels,
  formatModelDuration,
  goQuote,
  parseModelDuration,
} from './go-format.js';

describe('Go formats', () => {
  it('quotes as strconv.Quote: printable characters kept, the rest escaped', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\n\t\x07\x00\x7f')).toBe('"\\n\\t\\a\\x00\\x7f"');
    expect(goQuote('héllo ✓ 炬')).toBe('"héllo ✓ 炬"');
    expect(goQuote('\u00a0\u200b\u{1f600}')).toBe('"\\u00a0\\u200b\u{1f600}"');
  });

  it('formats floats as strconv.FormatFloat: shortest digits, or rounded half to even on the exact value', () => {
    expect(
      [0.5, 1.5, 2.5, 0.25, 0.35, -0.4].map((v) => formatFloat(v, 'f', v === 0.25 || v === 0.35 ? 1 : 0)),
    ).toEqual(['0', '2', '2', '0.2', '0.3', '-0']);
    expect([1234567, 1, 0.000123, 100000, 1e6, 0, -0].map((v) => formatFloat(v, 'g', -1))).toEqual([
      '1.234567e+06',
      '1',
      '0.000123',
      '100000',
      '1e+06',
      '0',
      '-0',
    ]);
    expect([1234.567, 1.2345, 999.99999, 1e21, 1e-5].map((v) => formatFloat(v, 'g', 4))).toEqual([
      '1235',
      '1.234',
      '1000',
      '1e+21',
      '1e-05',
    ]);
    expect(formatFloat(123456.789, 'e', 2)).toBe('1.23e+05');
    expect(formatFloat(0, 'e', -1)).toBe('0e+00');
    // Go prints the double's exact value: 1e300 is 10000000000000000525047602552044202487…
    expect(formatFloat(1e300, 'f', 0)).toBe(BigInt(1e300).toString());
    expect(formatFloat(5e-324, 'e', 3)).toBe('4.941e-324');
    expect([NaN, Infinity, -Infinity].map((v) => formatFloat(v, 'f', 2))).toEqual(['NaN', '+Inf', '-Inf']);
  });

  it("prints floats as FormatFloat(v, 'E', -1, 64)", () => {
    expect([1, 0.1 + 0.2, 1e21, 5e-324, -2.5, 0, -0, 123456789].map(formatFloatE)).toEqual([
      '1E+00',
      '3.0000000000000004E-01',
      '1E+21',
      '5E-324',
      '-2.5E+00',
      '0E+00',
      '-0E+00',
      '1.23456789E+08',
    ]);
    expect([NaN, Infinity, -Infinity].map(formatFloatE)).toEqual(['NaN', '+Inf', '-Inf']);
  });

  it('prints label lists as labels.Labels.String()', () => {
    expect(formatGoLabels([])).toBe('{}');
    expect(
      formatGoLabels([
        { name: '__name__', value: 'up' },
        { name: 'a', value: 'x"y' },
      ]),
    ).toBe('{__name__="up", a="x\\"y"}');
  });

  it('reads and prints model.Duration', () => {
    expect(['0', '90s', '1h30m', '1d', '2w', '1y', '1m30s500ms'].map(parseModelDuration)).toEqual([
      0, 90_000, 5_400_000, 86_400_000, 1_209_600_000, 31_536_000_000, 90_500,
    ]);
    expect(() => parseModelDuration('5')).toThrow('not a valid duration string: "5"');
    expect(() => parseModelDuration('')).toThrow('empty duration string');
    expect(() => parseModelDuration('300y')).toThrow('duration out of range');
    expect(
      [0, 90_000, 5_400_000, 86_400_000, 691_200_000, 1_209_600_000, 90_500].map(formatModelDuration),
    ).toEqual(['0s', '1m30s', '1h30m', '1d', '8d', '2w', '1m30s500ms']);
  });

  it("prints Go's time.Duration", () => {
    expect([0, 500, 1000, 60_000, 3_600_000, 3_723_500, -1500].map(formatGoDuration)).toEqual([
      '0s',
      '500ms',
      '1s',
      '1m0s',
      '1h0m0s',
      '1h2m3.5s',
      '-1.5s',
    ]);
  });
});
