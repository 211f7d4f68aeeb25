import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fma, roundScaled } from './go-fma.js';

describe('fma', () => {
  it('rounds once', () => {
    expect(fma(0.1, 10, -1)).toBe(5.551115123125783e-17);
    expect(0.1 * 10 - 1).toBe(0);
    expect(fma(1 + 2 ** -52, 1 + 2 ** -52, -1)).toBe(2 ** -51 + 2 ** -104);
  });

  it('is exact where the fast path cannot be, at the edges of the range', () => {
    expect(fma(2 ** 600, 2 ** 600, -(2 ** 1023))).toBe(Infinity);
    expect(fma(2 ** -600, 2 ** -600, 2 ** -1074)).toBe(2 ** -1074);
    expect(fma(2 ** 500, 3, -(2 ** 501))).toBe(2 ** 500);
    expect(fma(1e300, 1e10, -1e300)).toBe(Infinity);
    expect(fma(1e300, -1e10, 1e300)).toBe(-Infinity);
  });

  it('agrees with exact rational arithmetic on random triples', () => {
    const exact = (a: number, b: number, c: number): number => {
      const [ma, ea] = scaled(a);
      const [mb, eb] = scaled(b);
      const [mc, ec] = scaled(c);
      const e = Math.min(ea + eb, ec);
      const total = ((ma * mb) << BigInt(ea + eb - e)) + (mc << BigInt(ec - e));
      return total === 0n ? a * b + c : roundScaled(total, e);
    };
    const moderate = fc.double({ min: -1e30, max: 1e30, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(moderate, moderate, moderate, (a, b, c) => Object.is(fma(a, b, c), exact(a, b, c))),
      { numRuns: 20_000 },
    );
    // Near-cancellation, where a single rounding matters most.
    fc.assert(
      fc.property(moderate, moderate, (a, b) => Object.is(fma(a, b, -(a * b)), exact(a, b, -(a * b)))),
      { numRuns: 20_000 },
    );
  });

  it('keeps IEEE signs of zero', () => {
    expect(Object.is(fma(0, -1, 0), 0)).toBe(true);
    expect(Object.is(fma(-0, 1, -0), -0)).toBe(true);
    expect(Object.is(fma(2 ** 600, 2 ** 600, -Infinity), -Infinity)).toBe(true);
  });
});

/** A finite double as an integer times a power of two. */
function scaled(x: number): [bigint, number] {
  if (x === 0) return [0n, 0];
  let e = 0;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  return [BigInt(m), e];
}

describe('roundScaled', () => {
  it('rounds half to even, into subnormals and to infinity', () => {
    expect(roundScaled(2n ** 53n + 1n, 0)).toBe(2 ** 53);
    expect(roundScaled(2n ** 53n + 3n, 0)).toBe(2 ** 53 + 4);
    expect(roundScaled(3n, -1076)).toBe(2 ** -1074);
    expect(roundScaled(1n, -1075)).toBe(0);
    expect(roundScaled(-1n, 1024)).toBe(-Infinity);
  });
});
