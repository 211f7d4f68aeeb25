import { describe, expect, it } from 'vitest';
import { frexp, goAtan2, goPow, ldexp } from './binary-gomath.js';

describe('goPow: Go 1.19 math.Pow', () => {
  it('gives the special cases Go documents, where JS differs for 1 ** NaN and (-1) ** ±Inf', () => {
    const cases: [number, number, number][] = [
      [7, 0, 1],
      [NaN, -0, 1],
      [1, NaN, 1],
      [1, Infinity, 1],
      [-1, Infinity, 1],
      [-1, -Infinity, 1],
      [NaN, 2, NaN],
      [2, NaN, NaN],
      [0, -3, Infinity],
      [-0, -3, -Infinity],
      [-0, -2, Infinity],
      [0, -Infinity, Infinity],
      [-0, Infinity, 0],
      [-0, 3, -0],
      [-0, 2, 0],
      [2, Infinity, Infinity],
      [2, -Infinity, 0],
      [0.5, Infinity, 0],
      [0.5, -Infinity, Infinity],
      [Infinity, 0.5, Infinity],
      [Infinity, -2, 0],
      [-Infinity, 3, -Infinity],
      [-Infinity, 2, Infinity],
      [-Infinity, -3, -0],
      [-8, 1 / 3, NaN],
      [4, 0.5, 2],
      [4, -0.5, 0.5],
      [-2, 9223372036854775808, Infinity],
      [0.5, 9223372036854775808, 0],
    ];
    for (const [x, y, want] of cases) expect(goPow(x, y), `Pow(${x}, ${y})`).toBe(want);
    expect(1 ** NaN).toBeNaN();
  });

  // Each value was checked against promtool 2.42 (exact comparison of promql_expr_test samples);
  // V8's pow gives a different last digit for most of them.
  it('builds integer powers by repeated squaring, as Go does', () => {
    const cases: [number, number, number][] = [
      [1.1, 10, 2.593742460100002],
      [1.1, 63, 405.2650622296292],
      [1.1, 1000, 2.469932918005993e41],
      [0.7, 63, 1.7425149823368997e-10],
      [0.7, -7, 12.142656789020132],
      [0.7, 1000, 1.2532566399656286e-155],
      [123.456, 63, 5.8246348257348565e131],
      [-0.3, 10, 0.000005904899999999999],
      [-0.3, 63, -1.1445612734308358e-33],
      [-0.3, -7, -4572.473708276178],
      [-2.5, 17, -5820766.091346741],
      [3, 1000, Infinity],
    ];
    for (const [x, y, want] of cases) expect(goPow(x, y), `Pow(${x}, ${y})`).toBe(want);
    expect(1.1 ** 10).toBe(2.5937424601000023);
  });

  it('gives a fractional exponent through exp and log', () => {
    expect(goPow(2, 1.5)).toBeCloseTo(2.8284271247461903, 15);
    expect(goPow(9, 2.5)).toBe(243);
  });
});

describe('frexp and ldexp', () => {
  it('split and join mantissa and exponent, subnormals included', () => {
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(-3)).toEqual([-0.75, 2]);
    expect(frexp(5e-324)).toEqual([0.5, -1073]);
    expect(frexp(0)).toEqual([0, 0]);
    expect(frexp(Infinity)).toEqual([Infinity, 0]);
    expect(ldexp(0.5, 4)).toBe(8);
    expect(ldexp(0.5, -1073)).toBe(5e-324);
    expect(ldexp(0.75, -1074)).toBe(5e-324); // rounded once, to even
    expect(ldexp(0.5, -1075)).toBe(0);
    expect(ldexp(-0.5, 1025)).toBe(-Infinity);
    expect(ldexp(1, 1023)).toBe(2 ** 1023);
  });
});

describe('goAtan2: Go math.Atan2 (Cephes)', () => {
  it('gives the special cases', () => {
    const cases: [number, number, number][] = [
      [1, NaN, NaN],
      [NaN, 1, NaN],
      [0, 1, 0],
      [-0, 1, -0],
      [0, -0, Math.PI],
      [-0, -1, -Math.PI],
      [2, 0, Math.PI / 2],
      [-2, 0, -Math.PI / 2],
      [Infinity, Infinity, Math.PI / 4],
      [-Infinity, Infinity, -Math.PI / 4],
      [Infinity, -Infinity, (3 * Math.PI) / 4],
      [-Infinity, -Infinity, (-3 * Math.PI) / 4],
      [5, Infinity, 0],
      [5, -Infinity, Math.PI],
      [-5, -Infinity, -Math.PI],
      [Infinity, 5, Math.PI / 2],
      [-Infinity, 5, -Math.PI / 2],
    ];
    for (const [y, x, want] of cases) expect(goAtan2(y, x), `Atan2(${y}, ${x})`).toBe(want);
  });

  // Checked against promtool 2.42; V8's atan2 differs in the last digit for the last three.
  it('computes the quadrants as Go does', () => {
    expect(goAtan2(1.1, 3)).toBe(0.3514447940035517);
    expect(goAtan2(3, 0.1)).toBe(1.5374753309166493);
    expect(goAtan2(-7, 1.1)).toBe(-1.414928125396574);
    expect(goAtan2(-7, -2.5)).toBe(-1.9138202672156);
    expect(goAtan2(0.7, -0.3)).toBe(1.97568811307998);
  });
});
