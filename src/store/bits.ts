/**
 * A bit stream over a Uint8Array, most significant bit first: the writer grows its buffer as bits are
 * appended, the reader walks a finished (or still growing) buffer. Values are handed over as unsigned
 * 32-bit numbers (up to 32 bits at a time): 64-bit words (float bits, wide deltas) go as two halves, so
 * the hot path never touches BigInt.
 */
import { badArgument } from '../core/errors.js';

/** Bytes a new writer holds before it first grows (a chunk of 120 regular samples needs about 20–200). */
const INITIAL_BYTES = 32;

export class BitWriter {
  private buffer: Uint8Array;
  private bitLength = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buffer = new Uint8Array(Math.max(1, initialBytes));
  }

  /** Bits written so far. */
  get bits(): number {
    return this.bitLength;
  }

  /** Bytes the written bits occupy (the last one possibly part-filled, its low bits zero). */
  get bytes(): number {
    return (this.bitLength + 7) >>> 3;
  }

  /** Bytes allocated: what the buffer costs in memory, at least `bytes`. */
  get capacity(): number {
    return this.buffer.length;
  }

  writeBit(bit: 0 | 1): void {
    this.ensureRoom(1);
    if (bit === 1) {
      const index = this.bitLength >>> 3;
      this.buffer[index] = this.buffer[index]! | (0x80 >>> (this.bitLength & 7));
    }
    this.bitLength += 1;
  }

  /** Writes the low `count` bits (0–32) of `value`, highest first. */
  writeBits(value: number, count: number): void {
    this.ensureRoom(count);
    let remaining = count;
    while (remaining > 0) {
      const index = this.bitLength >>> 3;
      const free = 8 - (this.bitLength & 7);
      const take = free < remaining ? free : remaining;
      const piece = (value >>> (remaining - take)) & ((1 << take) - 1);
      this.buffer[index] = this.buffer[index]! | (piece << (free - take));
      this.bitLength += take;
      remaining -= take;
    }
  }

  /** Writes the low `count` bits (0–64) of the 64-bit word `high`:`low` (two unsigned 32-bit halves). */
  writeBits64(high: number, low: number, count: number): void {
    if (count > 32) {
      this.writeBits(high, count - 32);
      this.writeBits(low, 32);
    } else {
      this.writeBits(low, count);
    }
  }

  /** The written bytes: a view that stays valid until the next write grows the buffer. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.bytes);
  }

  /** Drops the unused tail of the buffer (for a stream that will not grow again). */
  trim(): void {
    if (this.buffer.length > this.bytes) this.buffer = this.buffer.slice(0, Math.max(1, this.bytes));
  }

  private ensureRoom(count: number): void {
    const needed = (this.bitLength + count + 7) >>> 3;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.bytes));
    this.buffer = grown;
  }
}

export class BitReader {
  private position = 0;

  /** Reads `bitLength` bits of `buffer` (all of it by default). */
  constructor(
    private readonly buffer: Uint8Array,
    private readonly bitLength = buffer.length * 8,
  ) {}

  /** Bits not yet read. */
  get remaining(): number {
    return this.bitLength - this.position;
  }

  readBit(): 0 | 1 {
    this.require(1);
    const bit = (this.buffer[this.position >>> 3]! >>> (7 - (this.position & 7))) & 1;
    this.position += 1;
    return bit as 0 | 1;
  }

  /** Reads `count` bits (0–32) as an unsigned number. */
  readBits(count: number): number {
    this.require(count);
    let result = 0;
    let remaining = count;
    while (remaining > 0) {
      const available = 8 - (this.position & 7);
      const take = available < remaining ? available : remaining;
      const piece = (this.buffer[this.position >>> 3]! >>> (available - take)) & ((1 << take) - 1);
      result = ((result << take) | piece) >>> 0;
      this.position += take;
      remaining -= take;
    }
    return result;
  }

  private require(count: number): void {
    if (this.position + count > this.bitLength) {
      throw badArgument(
        `bit stream ends early: ${count} bits wanted at bit ${this.position} of ${this.bitLength}`,
      );
    }
  }
}
