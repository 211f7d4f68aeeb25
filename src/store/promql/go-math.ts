/**
 * Go's math package as the Prometheus 2.42 here runs it (go1.19, linux/amd64), for the PromQL
 * functions whose results JavaScript's Math computes differently in the last bit: exp, ln, log2,
 * log10, the trigonometric and hyperbolic functions and their inverses. Most are Go's pure-Go
 * (Cephes/FreeBSD) code; Exp and Log are the amd64 assembly versions, Exp taking its FMA path as on
 * any CPU with AVX2 and FMA (fused steps are emulated exactly). Operation order follows the Go code
 * line by line, since that order is what makes the results bit-identical. Long file: one port of
 * one package, kept together so its shared constants and helpers stay next to their uses.
 */
import { fma } from './go-fma.js';

/* eslint-disable no-loss-of-precision -- the constants are spelled as in Go's source, which gives
   more digits than a double holds; each literal rounds to the very double Go's compiler uses. */

const view = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function fromBits(bits: bigint): number {
  view.setBigUint64(0, BigInt.asUintN(64, bits));
  return view.getFloat64(0);
}

// 32-bit halves, for the hot paths (exp's fused steps, log), which BigInt would slow tenfold.
function fromWords(high: number, low: number): number {
  view.setUint32(0, high);
  view.setUint32(4, low);
  return view.getFloat64(0);
}

// --- exp and log (amd64 assembly) ---------------------------------------------------------------

const LOG2E = 1.442695040888963407359924681001892;
const LN2U = 0.69314718055966295651160180568695068359375;
const LN2L = 0.28235290563031577122588448175013436025525412068e-12;
const EXP_OVERFLOW = 7.09782712893384e2;
const EXP_TAYLOR = [
  2.4801587301587301587e-5, 1.984126984126984127e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3,
  4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0,
];

/** CVTSD2SL under the default rounding mode: to nearest, ties to even; out of range → -2^31. */
function roundToInt32(v: number): number {
  if (!(v > -2147483648.5 && v < 2147483647.5)) return -2147483648;
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r;
}

/** Go's amd64 math.Exp (Shibata's method), FMA path. */
export function exp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > EXP_OVERFLOW) return Infinity;
  const k = roundToInt32(LOG2E * x);
  let r = fma(-k, LN2U, x);
  r = fma(-k, LN2L, r);
  r *= 0.0625;
  let p = EXP_TAYLOR[0]!;
  for (let i = 1; i < EXP_TAYLOR.length; i++) p = fma(p, r, EXP_TAYLOR[i]!);
  r *= p;
  for (let i = 0; i < 3; i++) r *= r + 2.0;
  r = fma(r + 2.0, r, 1.0);
  let biased = k + 0x3ff;
  if (biased <= 0) {
    // Subnormal results scale in two steps, as the assembly does.
    if (biased < -52) return 0;
    r *= 2 ** (biased + 0x3fe - 1023);
    biased = 1;
  } else if (biased >= 0x7ff) {
    return Infinity;
  }
  return r * 2 ** (biased - 1023); // a power of two in the normal range: exact
}

const HALF_SQRT2 = 7.07106781186547524401e-1;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const L1 = 6.66666666666673513e-1;
const L2 = 3.999999999940941908e-1;
const L3 = 2.857142874366239149e-1;
const L4 = 2.222219843214978396e-1;
const L5 = 1.818357216161805012e-1;
const L6 = 1.531383769920937332e-1;
const L7 = 1.479819860511658591e-1;

/** Go's amd64 math.Log (FreeBSD's method; its frexp reads the exponent field as is). */
export function log(x: number): number {
  if (x === 0) return -Infinity;
  if (x < 0 || Number.isNaN(x)) return NaN;
  if (x === Infinity) return x;
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  let f1 = fromWords(((high & 0xfffff) | 0x3fe00000) >>> 0, low);
  let k = ((high >>> 20) & 0x7ff) - 0x3fe;
  if (f1 < HALF_SQRT2) {
    k -= 1;
    f1 *= 2;
  }
  const f = f1 - 1;
  const s = f / (2 + f);
  const s2 = s * s;
  const s4 = s2 * s2;
  const t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
  const t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
  const R = t1 + t2;
  const hfsq = 0.5 * f * f;
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}

/** Go's math.Frexp: x = frac × 2^exp with |frac| in [½, 1). */
function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let exponent = 0;
  let f = x;
  if (Math.abs(f) < 2.2250738585072014e-308) {
    f *= 2 ** 52;
    exponent = -52;
  }
  view.setFloat64(0, f);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  exponent += ((high >>> 20) & 0x7ff) - 1023 + 1;
  return [fromWords(((high & 0x800fffff) | (1022 << 20)) >>> 0, low), exponent];
}

export function log2(x: number): number {
  const [frac, exponent] = frexp(x);
  // Exact powers of two give exact answers.
  if (frac === 0.5) return exponent - 1;
  return log(frac) * Math.LOG2E + exponent;
}

export function log10(x: number): number {
  return log(x) * Math.LOG10E;
}

const SQRT2_M1 = 4.142135623730950488017e-1;
const SQRT2_HALF_M1 = -2.928932188134524755992e-1;
const LP = [L1, L2, L3, L4, L5, L6, L7] as const;

/** Go's math.Log1p (pure Go). */
export function log1p(x: number): number {
  if (x < -1 || Number.isNaN(x)) return NaN;
  if (x === -1) return -Infinity;
  if (x === Infinity) return Infinity;
  const absx = Math.abs(x);
  let f = 0;
  let iu = 0n;
  let k = 1;
  if (absx < SQRT2_M1) {
    if (absx < 2 ** -29) {
      if (absx < 2 ** -54) return x;
      return x - x * x * 0.5;
    }
    if (x > SQRT2_HALF_M1) {
      k = 0;
      f = x;
      iu = 1n;
    }
  }
  let c = 0;
  if (k !== 0) {
    let u: number;
    if (absx < 2 ** 53) {
      u = 1.0 + x;
      iu = bitsOf(u);
      k = Number((iu >> 52n) - 1023n);
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      iu = bitsOf(u);
      k = Number((iu >> 52n) - 1023n);
      c = 0;
    }
    iu &= 0xfffffffffffffn;
    if (iu < 0x6a09e667f3bcdn) {
      u = fromBits(iu | 0x3ff0000000000000n);
    } else {
      k++;
      u = fromBits(iu | 0x3fe0000000000000n);
      iu = (0x10000000000000n - iu) >> 2n;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (iu === 0n) {
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - R;
    return k * LN2_HI - (R - (k * LN2_LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (LP[0] + z * (LP[1] + z * (LP[2] + z * (LP[3] + z * (LP[4] + z * (LP[5] + z * LP[6]))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}

// --- trigonometry (Cephes, with Payne-Hanek reduction for huge arguments) -----------------------

const FOUR_OVER_PI = Number('1.27323954473516268615107010698011489627567716592365');
const PI4A = 7.85398125648498535156e-1;
const PI4B = 3.77489470793079817668e-8;
const PI4C = 2.69515142907905952645e-15;
const REDUCE_THRESHOLD = 2 ** 29;
const SIN = [
  1.5896230157654656806e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
  -1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1,
] as const;
const COS = [
  -1.135853652138768173e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7, 2.48015872888517045348e-5,
  -1.38888888888730564116e-3, 4.16666666666665929218e-2,
] as const;

const M_PI4 = [
  0x0000000000000001n,
  0x45f306dc9c882a53n,
  0xf84eafa3ea69bb81n,
  0xb6c52b3278872083n,
  0xfca2c757bd778ac3n,
  0x6e48dc74849ba5c0n,
  0x0c925dd413a32439n,
  0xfc3bd63962534e7dn,
  0xd1046bea5d768909n,
  0xd338e04d68befc82n,
  0x7323ac7306a673e9n,
  0x3908bf177bf25076n,
  0x3ff12fffbc0b301fn,
  0xde5e2316b414da3en,
  0xda6cfd9e4f96136en,
  0x9e8c7ecd3cbfd45an,
  0xea4f758fd7cbe2f6n,
  0x7a0e73ef14a525d4n,
  0xd7f6bf623f1aba10n,
  0xac06608df8f6d757n,
] as const;

const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Go's trigReduce: x / (π/4) as (integer part mod 8, fractional part × π/4), for x ≥ 2^29. */
function trigReduce(x: number): [number, number] {
  const bits = bitsOf(x);
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1023 - 52;
  const ix = (bits & 0xfffffffffffffn) | (1n << 52n);
  const digit = Math.trunc((exponent + 61) / 64);
  const bitshift = BigInt((exponent + 61) % 64);
  const word = (i: number): bigint => {
    const high = U64(M_PI4[digit + i]! << bitshift);
    return bitshift === 0n ? high : high | (M_PI4[digit + i + 1]! >> (64n - bitshift));
  };
  const z0 = word(0);
  const z1 = word(1);
  const z2 = word(2);
  const z2hi = (z2 * ix) >> 64n;
  const z1full = z1 * ix;
  const z1hi = z1full >> 64n;
  const z1lo = U64(z1full);
  const z0lo = U64(z0 * ix);
  const loSum = z1lo + z2hi;
  const lo = U64(loSum);
  const carry = loSum >> 64n;
  let hi = U64(z0lo + z1hi + carry);
  let j = Number(hi >> 61n);
  hi = U64((hi << 3n) | (lo >> 61n));
  const lz = BigInt(64 - hi.toString(2).length);
  const e = 1023n - (lz + 1n);
  hi = U64((hi << (lz + 1n)) | (lo >> (64n - (lz + 1n))));
  hi >>= 64n - 52n;
  hi |= e << 52n;
  let z = fromBits(hi);
  if ((j & 1) === 1) {
    j = (j + 1) & 7;
    z--;
  }
  return [j, z * (Math.PI / 4)];
}

/** The octant (0-7, zeros mapped to the origin) and the reduced argument, for x ≥ 0. */
function reduce(x: number): [number, number] {
  if (x >= REDUCE_THRESHOLD) return trigReduce(x);
  let j = Math.trunc(x * FOUR_OVER_PI);
  let y = j;
  if ((j & 1) === 1) {
    j++;
    y++;
  }
  j &= 7;
  return [j, x - y * PI4A - y * PI4B - y * PI4C];
}

function sinPolynomial(z: number, zz: number): number {
  return z + z * zz * (((((SIN[0] * zz + SIN[1]) * zz + SIN[2]) * zz + SIN[3]) * zz + SIN[4]) * zz + SIN[5]);
}

function cosPolynomial(zz: number): number {
  return (
    1.0 -
    0.5 * zz +
    zz * zz * (((((COS[0] * zz + COS[1]) * zz + COS[2]) * zz + COS[3]) * zz + COS[4]) * zz + COS[5])
  );
}

export function sin(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  let sign = x < 0;
  const [octant, z] = reduce(Math.abs(x));
  let j = octant;
  if (j > 3) {
    sign = !sign;
    j -= 4;
  }
  const zz = z * z;
  const y = j === 1 || j === 2 ? cosPolynomial(zz) : sinPolynomial(z, zz);
  return sign ? -y : y;
}

export function cos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  let sign = false;
  const [octant, z] = reduce(Math.abs(x));
  let j = octant;
  if (j > 3) {
    j -= 4;
    sign = !sign;
  }
  if (j > 1) sign = !sign;
  const zz = z * z;
  const y = j === 1 || j === 2 ? sinPolynomial(z, zz) : cosPolynomial(zz);
  return sign ? -y : y;
}

const TAN_P = [-1.30936939181383777646e4, 1.1535166483858741614e6, -1.79565251976484877988e7] as const;
const TAN_Q = [
  1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7,
] as const;

export function tan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  const sign = x < 0;
  // Only bit 1 of the octant is read, so reducing it mod 8 as sin does changes nothing.
  const [j, z] = reduce(Math.abs(x));
  const zz = z * z;
  let y =
    zz > 1e-14
      ? z +
        z *
          ((zz * ((TAN_P[0] * zz + TAN_P[1]) * zz + TAN_P[2])) /
            ((((zz + TAN_Q[0]) * zz + TAN_Q[1]) * zz + TAN_Q[2]) * zz + TAN_Q[3]))
      : z;
  if ((j & 2) === 2) y = -1 / y;
  return sign ? -y : y;
}

function xatan(x: number): number {
  const P0 = -8.750608600031904122785e-1;
  const P1 = -1.615753718733365076637e1;
  const P2 = -7.50085579231470466734e1;
  const P3 = -1.22886668449013617341e2;
  const P4 = -6.485021904942025371773e1;
  const Q0 = +2.485846490142306297962e1;
  const Q1 = +1.650270098316988542046e2;
  const Q2 = +4.328810604912902668951e2;
  const Q3 = +4.853903996359136964868e2;
  const Q4 = +1.945506571482613964425e2;
  let z = x * x;
  z =
    (z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4)) /
    (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
  return x * z + x;
}

const MOREBITS = 6.12323399573676588613e-17;
const TAN3PIO8 = 2.4142135623730950488;

function satan(x: number): number {
  if (x <= 0.66) return xatan(x);
  if (x > TAN3PIO8) return Math.PI / 2 - xatan(1 / x) + MOREBITS;
  return Math.PI / 4 + xatan((x - 1) / (x + 1)) + 0.5 * MOREBITS;
}

export function atan(x: number): number {
  if (x === 0) return x;
  return x > 0 ? satan(x) : -satan(-x);
}

export function asin(x: number): number {
  if (x === 0) return x;
  const sign = x < 0;
  const a = Math.abs(x);
  if (a > 1) return NaN;
  let temp = Math.sqrt(1 - a * a);
  temp = a > 0.7 ? Math.PI / 2 - satan(temp / a) : satan(a / temp);
  return sign ? -temp : temp;
}

export function acos(x: number): number {
  return Math.PI / 2 - asin(x);
}

// --- hyperbolic functions and their inverses ----------------------------------------------------

export function sinh(x: number): number {
  const P0 = -0.6307673640497716991184787251e6;
  const P1 = -0.8991272022039509355398013511e5;
  const P2 = -0.2894211355989563807284660366e4;
  const P3 = -0.2630563213397497062819489e2;
  const Q0 = -0.6307673640497716991212077277e6;
  const Q1 = 0.1521517378790019070696485176e5;
  const Q2 = -0.173678953558233699533450911e3;
  const sign = x < 0;
  const a = sign ? -x : x; // Go negates only below zero: -0 stays -0
  let temp: number;
  if (a > 21) {
    temp = exp(a) * 0.5;
  } else if (a > 0.5) {
    const ex = exp(a);
    temp = (ex - 1 / ex) * 0.5;
  } else {
    const sq = a * a;
    temp = (((P3 * sq + P2) * sq + P1) * sq + P0) * a;
    temp = temp / (((sq + Q2) * sq + Q1) * sq + Q0);
  }
  return sign ? -temp : temp;
}

export function cosh(x: number): number {
  const a = Math.abs(x);
  if (a > 21) return exp(a) * 0.5;
  const ex = exp(a);
  return (ex + 1 / ex) * 0.5;
}

const TANH_P = [-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3] as const;
const TANH_Q = [1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3] as const;

export function tanh(x: number): number {
  const MAXLOG = 8.8029691931113054295988e1;
  let z = Math.abs(x);
  if (z > 0.5 * MAXLOG) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const s = exp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x === 0) return x;
  const s = x * x;
  return (
    x +
    (x * s * ((TANH_P[0] * s + TANH_P[1]) * s + TANH_P[2])) /
      (((s + TANH_Q[0]) * s + TANH_Q[1]) * s + TANH_Q[2])
  );
}

const LN2 = 6.93147180559945286227e-1;

export function asinh(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x)) return x;
  const sign = x < 0;
  const a = sign ? -x : x; // Go negates only below zero: -0 stays -0
  let temp: number;
  if (a > 2 ** 28) temp = log(a) + LN2;
  else if (a > 2) temp = log(2 * a + 1 / (Math.sqrt(a * a + 1) + a));
  else if (a < 2 ** -28) temp = a;
  else temp = log1p(a + (a * a) / (1 + Math.sqrt(1 + a * a)));
  return sign ? -temp : temp;
}

export function acosh(x: number): number {
  if (x < 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return 0;
  if (x >= 2 ** 28) return log(x) + LN2;
  if (x > 2) return log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return log1p(t + Math.sqrt(2 * t + t * t));
}

export function atanh(x: number): number {
  if (x < -1 || x > 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  const sign = x < 0;
  const a = sign ? -x : x; // Go negates only below zero: -0 stays -0
  let temp: number;
  if (a < 2 ** -28) {
    temp = a;
  } else if (a < 0.5) {
    temp = a + a;
    temp = 0.5 * log1p(temp + (temp * a) / (1 - a));
  } else {
    temp = 0.5 * log1p((a + a) / (1 - a));
  }
  return sign ? -temp : temp;
}
