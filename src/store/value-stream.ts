/**
 * The value half of Prometheus's XOR chunk (tsdb/chunkenc/xor.go) on its own, for series that share
 * their timestamps with every other series of a scrape: the first value's 64 raw bits, then each value
 * XOR'd with the one before, `0` when equal, `10` + the meaningful bits when they fit the previous
 * leading/trailing-zero window, else `11` + 5 bits leading zeros + 6 bits length (64 as 0) + the bits.
 * The timestamps live once per scrape in the block (block.ts), so a sample of an unchanged value costs
 * one bit.
 *
 * Values travel as their two 32-bit halves (high word first), never as a JS number inside the store,
 * so every NaN payload, the staleness marker (STALE_HIGH:STALE_LOW) included, is kept bit for bit.
 */

/** Prometheus's StaleNaN, 0x7ff0000000000002, as its two halves. */
export const STALE_HIGH = 0x7ff0_0000;
export const STALE_LOW = 0x0000_0002;

/** "No window yet": the next changed value writes its own leading/trailing counts. */
const NO_WINDOW = 0xff;

// Float64 <-> its two 32-bit halves, big-endian so offset 0 is the high word on every platform.
const scratch = new DataView(new ArrayBuffer(8));

/** The high half of `value`; read the low half with lowHalfOfLast() before the next call. */
export function highHalf(value: number): number {
  scratch.setFloat64(0, value);
  return scratch.getUint32(0);
}

export function lowHalfOfLast(): number {
  return scratch.getUint32(4);
}

export function fromHalves(high: number, low: number): number {
  scratch.setUint32(0, high);
  scratch.setUint32(4, low);
  return scratch.getFloat64(0);
}

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * The `count` bits (1–32) of `bytes` from bit `position` on, as an unsigned number: one 32-bit word
 * (and a fifth byte when they straddle it) instead of a loop per bit. A byte past the end reads as 0.
 */
export function peekBits(bytes: Uint8Array, position: number, count: number): number {
  const at = position >>> 3;
  const skip = position & 7;
  // `| 0` turns the undefined of a read past the end into 0.
  const word =
    ((bytes[at]! | 0) << 24) |
    ((bytes[at + 1]! | 0) << 16) |
    ((bytes[at + 2]! | 0) << 8) |
    (bytes[at + 3]! | 0);
  const head = (word << skip) >>> (32 - count);
  const spill = skip + count - 32;
  if (spill <= 0) return head;
  return (head | ((bytes[at + 4]! | 0) >>> (8 - spill))) >>> 0;
}

/** One series' values in the open block: a growable, reusable bit stream. */
export class ValueWriter {
  buffer: Uint8Array;
  /** Bits written. */
  bits = 0;
  /** Values written. */
  count = 0;
  private high = 0;
  private low = 0;
  private leading = NO_WINDOW;
  private trailing = 0;

  constructor(initialBytes = 16) {
    this.buffer = new Uint8Array(initialBytes);
  }

  /** Bytes the written bits take. */
  get bytes(): number {
    return (this.bits + 7) >>> 3;
  }

  /**
   * The state a reader has once it has read everything written so far, as [bits, high, low, window]
   * (window: leading zeros | trailing zeros << 8): a reader started there goes on from the next value.
   */
  stateInto(target: Uint32Array, at: number): void {
    target[at] = this.bits;
    target[at + 1] = this.high;
    target[at + 2] = this.low;
    target[at + 3] = (this.leading === NO_WINDOW ? 0 : this.leading) | (this.trailing << 8);
  }

  /** Whether the last value written has exactly these bits (undefined while empty). */
  lastIs(high: number, low: number): boolean {
    return this.count > 0 && this.high === high && this.low === low;
  }

  append(high: number, low: number): void {
    if (this.count === 0) {
      this.write(high, 32);
      this.write(low, 32);
    } else {
      this.writeXor((high ^ this.high) >>> 0, (low ^ this.low) >>> 0);
    }
    this.high = high;
    this.low = low;
    this.count += 1;
  }

  /** Empties the stream for the next block, keeping the buffer (zeroed where it was written). */
  reset(): void {
    this.buffer.fill(0, 0, this.bytes);
    this.bits = 0;
    this.count = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
  }

  private writeXor(xorHigh: number, xorLow: number): void {
    if (xorHigh === 0 && xorLow === 0) {
      this.write(0, 1);
      return;
    }
    let leading = xorHigh !== 0 ? Math.clz32(xorHigh) : 32 + Math.clz32(xorLow);
    if (leading > 31) leading = 31; // 5 bits hold it; the window just starts a little early
    const trailing = xorLow !== 0 ? trailingZeros32(xorLow) : 32 + trailingZeros32(xorHigh);
    let shift: number;
    let length: number;
    if (this.leading !== NO_WINDOW && leading >= this.leading && trailing >= this.trailing) {
      this.write(0b10, 2);
      shift = this.trailing;
      length = 64 - this.leading - this.trailing;
    } else {
      this.leading = leading;
      this.trailing = trailing;
      shift = trailing;
      length = 64 - leading - trailing;
      // 11, 5 bits of leading zeros, 6 bits of length (64 goes as 0: a length of 0 never occurs)
      this.write((0b11 << 11) | (leading << 6) | (length & 0x3f), 13);
    }
    let high: number;
    let low: number;
    if (shift === 0) {
      high = xorHigh;
      low = xorLow;
    } else if (shift < 32) {
      high = xorHigh >>> shift;
      low = ((xorLow >>> shift) | (xorHigh << (32 - shift))) >>> 0;
    } else {
      high = 0;
      low = xorHigh >>> (shift - 32);
    }
    if (length > 32) {
      this.write(high, length - 32);
      this.write(low, 32);
    } else {
      this.write(low, length);
    }
  }

  /** Writes the low `count` bits (1–32) of `value`, highest first. */
  private write(value: number, count: number): void {
    const needed = (this.bits + count + 7) >>> 3;
    if (needed > this.buffer.length) this.grow(needed);
    const buffer = this.buffer;
    let bits = this.bits;
    let remaining = count;
    while (remaining > 0) {
      const free = 8 - (bits & 7);
      const take = free < remaining ? free : remaining;
      const piece = (value >>> (remaining - take)) & ((1 << take) - 1);
      const index = bits >>> 3;
      buffer[index] = buffer[index]! | (piece << (free - take));
      bits += take;
      remaining -= take;
    }
    this.bits = bits;
  }

  private grow(needed: number): void {
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.bytes));
    this.buffer = grown;
  }
}

/**
 * Reads a value stream written by ValueWriter: reset() at its first byte, then next() per value and
 * read high/low. Reading never throws: past the end of `bytes` it reads zero bits (the store only hands
 * it streams it wrote, or ones a snapshot's checksum vouched for).
 */
export class ValueReader {
  high = 0;
  low = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private position = 0;
  private read = 0;
  private leading = 0;
  private trailing = 0;

  reset(bytes: Uint8Array, byteOffset: number): void {
    this.bytes = bytes;
    this.position = byteOffset * 8;
    this.read = 0;
    this.leading = 0;
    this.trailing = 0;
  }

  /** Moves to the next value; true when its bits differ from the previous value's (or it is the first). */
  next(): boolean {
    if (this.read++ === 0) {
      this.high = this.bitsOf(32);
      this.low = this.bitsOf(32);
      return true;
    }
    // The control bits in one read: `0` unchanged, `10` the window as before, `11` a new window.
    const control = peekBits(this.bytes, this.position, 2);
    if (control < 2) {
      this.position += 1;
      return false;
    }
    this.position += 2;
    if (control === 3) {
      const window = this.bitsOf(11);
      this.leading = window >>> 6;
      const length = window & 0x3f || 64;
      this.trailing = 64 - this.leading - length;
    }
    const length = 64 - this.leading - this.trailing;
    let high = length > 32 ? this.bitsOf(length - 32) : 0;
    let low = this.bitsOf(length > 32 ? 32 : length);
    const shift = this.trailing;
    if (shift >= 32) {
      high = (low << (shift - 32)) >>> 0;
      low = 0;
    } else if (shift > 0) {
      high = ((high << shift) | (low >>> (32 - shift))) >>> 0;
      low = (low << shift) >>> 0;
    }
    this.high = (this.high ^ high) >>> 0;
    this.low = (this.low ^ low) >>> 0;
    return true;
  }

  /** Reads `count` bits (1–32) as an unsigned number. */
  private bitsOf(count: number): number {
    const result = peekBits(this.bytes, this.position, count);
    this.position += count;
    return result;
  }
}
