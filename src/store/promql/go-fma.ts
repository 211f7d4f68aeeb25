/**
 * A fused multiply-add with one rounding, as the VFMADD instructions compute it: Go's amd64 Exp takes
 * its FMA path on any CPU with AVX2 and FMA, so matching it needs fma exactly. Error-free transforms
 * with a round-to-odd step (Boldo & Melquiond) do it fast; the edges of the exponent range go through
 * exact integer arithmetic.
 */

const view = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function fromWords(high: number, low: number): number {
  view.setUint32(0, high);
  view.setUint32(4, low);
  return view.getFloat64(0);
}

const SPLITTER = 134217729; // 2^27 + 1

/** a*b as an unevaluated sum hi + lo (Dekker), exact away from overflow and underflow. */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** x + y rounded to odd: when inexact, the neighbour with an odd last bit. */
function addRoundToOdd(x: number, y: number): number {
  const [s, error] = twoSum(x, y);
  if (error === 0) return s;
  view.setFloat64(0, s);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  if ((low & 1) === 1) return s;
  // Even and inexact: step one ulp towards the exact value, which makes the last bit odd. The
  // last bit is even, so the step never carries into (or borrows from) the high word.
  return fromWords(high, error > 0 === s > 0 ? low + 1 : low - 1);
}

const SAFE_LOW = 2 ** -450;
const SAFE_HIGH = 2 ** 450;

function inSafeRange(x: number): boolean {
  const magnitude = Math.abs(x);
  return magnitude === 0 || (magnitude > SAFE_LOW && magnitude < SAFE_HIGH);
}

/** a*b + c with a single rounding, as the VFMADD instructions compute it. */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return a * b + c;
  if (!Number.isFinite(c)) return c; // the exact product is finite, even where a * b overflows
  if (inSafeRange(a) && inSafeRange(b) && inSafeRange(c) && inSafeRange(a * b)) {
    // Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
    // rounding to odd" (2008).
    const [uh, ul] = twoProduct(a, b);
    const [th, tl] = twoSum(c, uh);
    return th + addRoundToOdd(tl, ul);
  }
  return exactFma(a, b, c);
}

/** m × 2^e for a finite double. */
function decompose(x: number): [bigint, number] {
  const bits = bitsOf(x);
  const exponentField = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  if (exponentField !== 0) mantissa |= 1n << 52n;
  const exponent = (exponentField === 0 ? 1 : exponentField) - 1075;
  return [bits >> 63n === 1n ? -mantissa : mantissa, exponent];
}

function exactFma(a: number, b: number, c: number): number {
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const productExponent = ea + eb;
  const exponent = Math.min(productExponent, ec);
  const total = ((ma * mb) << BigInt(productExponent - exponent)) + (mc << BigInt(ec - exponent));
  if (total === 0n) return a * b + c; // an exact zero takes IEEE's sign rules
  return roundScaled(total, exponent);
}

/** m × 2^e rounded to a double, half to even (subnormals and overflow included). */
export function roundScaled(m: bigint, e: number): number {
  const sign = m < 0n ? -1 : 1;
  const magnitude = m < 0n ? -m : m;
  if (magnitude === 0n) return sign * 0;
  const top = magnitude.toString(2).length - 1 + e;
  if (top > 1023) return sign * Infinity;
  const lastBit = Math.max(top - 52, -1074);
  const shift = lastBit - e;
  let kept: bigint;
  if (shift <= 0) {
    kept = magnitude << BigInt(-shift);
  } else {
    kept = magnitude >> BigInt(shift);
    const remainder = magnitude - (kept << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (remainder > half || (remainder === half && (kept & 1n) === 1n)) kept += 1n;
  }
  return sign * Number(kept) * 2 ** lastBit;
}
