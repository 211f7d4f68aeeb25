import { describe, expect, it } from 'vitest';
import { formatGoFixed, parseGoFloat } from './go-float.js';

// Which spellings Go's strconv.ParseFloat takes was checked through promtool 2.42's
// histogram_quantile, which skips a bucket whose le it cannot parse.

describe('parseGoFloat', () => {
  it('reads decimal literals', () => {
    expect(parseGoFloat('1')).toBe(1);
    expect(parseGoFloat('+1')).toBe(1);
    expect(parseGoFloat('-1')).toBe(-1);
    expect(parseGoFloat('1.')).toBe(1);
    expect(parseGoFloat('.5')).toBe(0.5);
    expect(parseGoFloat('1E-5')).toBe(0.00001);
    expect(parseGoFloat('07')).toBe(7);
    expect(parseGoFloat('00012.5e-1')).toBe(1.25);
    expect(parseGoFloat('123456789012345678901234567890')).toBe(1.2345678901234568e29);
    expect(Object.is(parseGoFloat('-0'), -0)).toBe(true);
  });

  it('takes underscores only between digits', () => {
    expect(parseGoFloat('1_0')).toBe(10);
    expect(parseGoFloat('1e1_0')).toBe(1e10);
    for (const bad of ['1__0', '_1', '1_', '1_.5', '1._5', '1e_10'])
      expect(parseGoFloat(bad)).toBeUndefined();
  });

  it('reads hexadecimal literals, which need a p exponent', () => {
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
    expect(parseGoFloat('0X1P+2')).toBe(4);
    expect(parseGoFloat('0x.8p1')).toBe(1);
    expect(parseGoFloat('0x_1p0')).toBe(1);
    expect(parseGoFloat('0x1_0p0')).toBe(16);
    expect(parseGoFloat('0x1p-1074')).toBe(5e-324);
    expect(parseGoFloat('0x3p-1076')).toBe(5e-324); // 0.75 ulp rounds up
    expect(parseGoFloat('0x1p-1075')).toBe(0); // half an ulp rounds to even
    expect(parseGoFloat('0x1.fffffffffffffp1023')).toBe(Number.MAX_VALUE);
    expect(parseGoFloat('0x1')).toBeUndefined();
  });

  it('reads inf, infinity and nan in any case, a sign only on the infinities', () => {
    expect(parseGoFloat('inf')).toBe(Infinity);
    expect(parseGoFloat('-inf')).toBe(-Infinity);
    expect(parseGoFloat('+Inf')).toBe(Infinity);
    expect(parseGoFloat('INFINITY')).toBe(Infinity);
    expect(parseGoFloat('NaN')).toBeNaN();
    expect(parseGoFloat('nan')).toBeNaN();
    for (const bad of ['infinit', 'infinityy', '-nan', '+nan']) expect(parseGoFloat(bad)).toBeUndefined();
  });

  it('refuses out-of-range values, keeps underflow as zero', () => {
    expect(parseGoFloat('1e400')).toBeUndefined();
    expect(parseGoFloat('-1e400')).toBeUndefined();
    expect(parseGoFloat('1.7976931348623159e308')).toBeUndefined();
    expect(parseGoFloat('0x1p1024')).toBeUndefined();
    expect(parseGoFloat('0x1.fffffffffffff8p1023')).toBeUndefined();
    expect(parseGoFloat('1.7976931348623158e308')).toBe(Number.MAX_VALUE);
    expect(parseGoFloat('1e-400')).toBe(0);
    expect(parseGoFloat('2.4703282292062328e-324')).toBe(5e-324);
    expect(parseGoFloat('2.4703282292062327e-324')).toBe(0);
  });

  it('refuses everything else', () => {
    for (const bad of ['', '.', '1e', '1e+', ' 1', '1 ', '0b1', '0o7', '٣', 'abc', '1.2.3']) {
      expect(parseGoFloat(bad)).toBeUndefined();
    }
  });
});

describe('formatGoFixed', () => {
  it("prints like Go's %f", () => {
    expect(formatGoFixed(1)).toBe('1.000000');
    expect(formatGoFixed(-2)).toBe('-2.000000');
    expect(formatGoFixed(0.1234567)).toBe('0.123457');
    expect(formatGoFixed(NaN)).toBe('NaN');
    expect(formatGoFixed(Infinity)).toBe('+Inf');
    expect(formatGoFixed(-Infinity)).toBe('-Inf');
    expect(formatGoFixed(-0)).toBe('-0.000000');
    expect(formatGoFixed(1e21)).toBe('1000000000000000000000.000000');
  });
});
