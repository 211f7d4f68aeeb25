/**
 * Go's math.Pow and math.Atan2 as Prometheus 2.42 runs them (Go 1.19, amd64: both pure Go), so `^` and
 * `atan2` give Prometheus's bits, not V8's: Pow(1, NaN) and Pow(-1, ±Inf) are 1 in Go, and integer
 * powers are built by repeated squaring (whose rounding differs from V8's pow). JS's `%` is already
 * Go's math.Mod (an exact fmod, the result signed as x, NaN for ±Inf % y and x % 0, x for x % ±Inf).
 * The one part not bit-exact: a fractional exponent's x**frac goes through Math.exp/Math.log, where Go
 * runs its own assembly Exp and Log.
 */

const scratch = new DataView(new ArrayBuffer(8));

function highWord(x: number): number {
  scratch.setFloat64(0, x);
  return scratch.getUint32(0);
}

/** 2**n for -1022 <= n <= 1023, exactly. */
function pow2(n: number): number {
  scratch.setUint32(0, (n + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** Go's math.Frexp: x = frac × 2**exp with 0.5 <= |frac| < 1 (±0, ±Inf and NaN come back as is, exp 0). */
export function frexp(x: number): [frac: number, exp: number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let exp = 0;
  if (Math.abs(x) < SMALLEST_NORMAL) {
    x *= 4503599627370496; // 2**52
    exp = -52;
  }
  const hi = highWord(x);
  exp += ((hi >>> 20) & 0x7ff) - 1022;
  scratch.setUint32(0, (hi & ~(0x7ff << 20)) | (1022 << 20));
  return [scratch.getFloat64(0), exp];
}

/** Go's math.Ldexp: frac × 2**exp, rounded once when the result is subnormal. */
export function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  const [f, e] = frexp(frac);
  // f × 2 is in [1, 2): the result's unbiased exponent is exp + e - 1.
  const unbiased = exp + e - 1;
  if (unbiased < -1075) return f < 0 ? -0 : 0;
  if (unbiased > 1023) return f < 0 ? -Infinity : Infinity;
  const mantissa = f * 2;
  if (unbiased < -1022) return mantissa * pow2(unbiased + 53) * pow2(-53);
  return mantissa * pow2(unbiased);
}

function isOddInt(x: number): boolean {
  if (!Number.isFinite(x)) return false;
  const xi = Math.trunc(x);
  if (xi !== x) return false;
  // Go: int64(xi)&1 == 1; above 2**53 every float is even.
  return Math.abs(xi) < 9007199254740992 && Math.abs(xi % 2) === 1;
}

/** Go's math.Pow (pow.go of Go 1.19). */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) return Object.is(x, -0) && isOddInt(y) ? -Infinity : Infinity;
    if (y > 0) return Object.is(x, -0) && isOddInt(y) ? x : 0;
  }
  if (!Number.isFinite(y)) {
    if (x === -1) return 1;
    if (Math.abs(x) < 1 === (y === Infinity)) return 0;
    return Infinity;
  }
  if (!Number.isFinite(x)) {
    if (x === -Infinity) return goPow(1 / x, -y);
    if (y < 0) return 0;
    if (y > 0) return Infinity;
  }
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);

  const absY = Math.abs(y);
  let yi = Math.trunc(absY);
  let yf = absY - yi;
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 9223372036854775808) {
    if (x === -1) return 1;
    if (Math.abs(x) < 1 === y > 0) return 0;
    return Infinity;
  }

  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = Math.exp(yf * Math.log(x));
  }

  let [x1, xe] = frexp(x);
  // yi < 2**63 here; walk its bits from the lowest, as Go's `i >>= 1` does.
  for (let i = yi; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }

  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}

// Cephes' constants (Go's atan.go), written as the float64s they round to.
function xatan(x: number): number {
  const P0 = -0.8750608600031904;
  const P1 = -16.157537187333652;
  const P2 = -75.00855792314705;
  const P3 = -122.88666844901361;
  const P4 = -64.85021904942025;
  const Q0 = 24.858464901423062;
  const Q1 = 165.02700983169885;
  const Q2 = 432.88106049129027;
  const Q3 = 485.3903996359137;
  const Q4 = 194.5506571482614;
  let z = x * x;
  z =
    (z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4)) /
    (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
  return x * z + x;
}

function satan(x: number): number {
  const MORE_BITS = 6.123233995736766e-17;
  const TAN_3PI_8 = 2.414213562373095;
  if (x <= 0.66) return xatan(x);
  if (x > TAN_3PI_8) return Math.PI / 2 - xatan(1 / x) + MORE_BITS;
  return Math.PI / 4 + xatan((x - 1) / (x + 1)) + 0.5 * MORE_BITS;
}

function goAtan(x: number): number {
  if (x === 0) return x;
  return x > 0 ? satan(x) : -satan(-x);
}

function copysign(magnitude: number, sign: number): number {
  const negative = sign < 0 || Object.is(sign, -0);
  return negative ? -Math.abs(magnitude) : Math.abs(magnitude);
}

/** Go's math.Atan2 (Cephes' atan, as Go computes it). */
export function goAtan2(y: number, x: number): number {
  if (Number.isNaN(y) || Number.isNaN(x)) return NaN;
  if (y === 0) {
    if (x >= 0 && !Object.is(x, -0)) return copysign(0, y);
    return copysign(Math.PI, y);
  }
  if (x === 0) return copysign(Math.PI / 2, y);
  if (!Number.isFinite(x)) {
    if (x === Infinity) return Number.isFinite(y) ? copysign(0, y) : copysign(Math.PI / 4, y);
    return Number.isFinite(y) ? copysign(Math.PI, y) : copysign((3 * Math.PI) / 4, y);
  }
  if (!Number.isFinite(y)) return copysign(Math.PI / 2, y);
  const q = goAtan(y / x);
  if (x < 0) return q <= 0 ? q + Math.PI : q - Math.PI;
  return q;
}
