/**
 * One series' samples, compressed the way Prometheus's XOR chunks are (tsdb/chunkenc/xor.go, after
 * Facebook's Gorilla paper), bit for bit in the sample stream:
 *
 * - sample 1: the timestamp as a zigzag varint, then the value's 64 raw bits;
 * - sample 2: the timestamp delta as an unsigned varint, then the value as below;
 * - then the delta of deltas: `0` when it is 0, else `10` + 14 bits, `110` + 17 bits, `1110` + 20 bits
 *   or `1111` + 64 bits (two's complement; an n-bit bucket holds -(2^(n-1) - 1) … 2^(n-1));
 * - values XOR'd with the previous value's bits: `0` when equal; `10` + the meaningful bits when they
 *   fit the previous leading/trailing-zero window; else `11` + 5 bits leading zeros (at most 31) +
 *   6 bits meaningful length (64 written as 0) + the meaningful bits.
 *
 * Prometheus keeps the sample count in a 2-byte header; here it is a field, so `bytes` is the sample
 * stream alone. Values round-trip bit-exactly (every NaN payload, the stale marker, -0, ±Inf).
 * Timestamps are integer milliseconds within ±2^52 (±142,000 years of 1970, so every zigzag, delta and
 * delta of deltas is an exact double), strictly increasing within a chunk (an equal or earlier one is
 * refused: a store has to decide what a duplicate means before it gets here).
 */
import { badArgument } from '../core/errors.js';
import { BitReader, BitWriter } from './bits.js';

/** Samples per chunk, as Prometheus cuts them (about 30 minutes at a 15 s interval). */
export const DEFAULT_MAX_SAMPLES = 120;

export interface Sample {
  readonly timestampMs: number;
  readonly value: number;
}

/** Largest timestamp magnitude taken (2^52 ms): see the opening comment. */
export const MAX_TIMESTAMP_MS = 2 ** 52;

const TWO_32 = 0x1_0000_0000;
/** "No window yet": the next changed value writes its own leading/trailing counts. */
const NO_WINDOW = 0xff;

// Float64 <-> its two 32-bit halves, big-endian so offset 0 is the high word on every platform.
const scratch = new DataView(new ArrayBuffer(8));
function highBits(value: number): number {
  scratch.setFloat64(0, value);
  return scratch.getUint32(0);
}
/** The low half of the value last given to highBits. */
function lowBitsOfLast(): number {
  return scratch.getUint32(4);
}
function fromBits(high: number, low: number): number {
  scratch.setUint32(0, high);
  scratch.setUint32(4, low);
  return scratch.getFloat64(0);
}

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class XorChunk {
  readonly maxSamples: number;
  private readonly stream = new BitWriter();
  private count = 0;
  private firstTimestamp = 0;
  private lastTimestamp = 0;
  private lastDelta = 0;
  private lastHigh = 0;
  private lastLow = 0;
  private leading = NO_WINDOW;
  private trailing = 0;

  constructor(maxSamples = DEFAULT_MAX_SAMPLES) {
    if (!Number.isInteger(maxSamples) || maxSamples < 1 || maxSamples > 0xffff) {
      throw badArgument(`XorChunk maxSamples must be an integer from 1 to 65535, got ${String(maxSamples)}`);
    }
    this.maxSamples = maxSamples;
  }

  /** Samples held. */
  get length(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxSamples;
  }

  /** Bytes of the encoded sample stream (what the samples cost, compressed). */
  get bytes(): number {
    return this.stream.bytes;
  }

  /** Bits of the encoded sample stream. */
  get bits(): number {
    return this.stream.bits;
  }

  /** Bytes the stream's buffer holds (what it costs in memory until trim()). */
  get capacity(): number {
    return this.stream.capacity;
  }

  /** Timestamp of the first sample, undefined while empty. */
  get minTimestampMs(): number | undefined {
    return this.count === 0 ? undefined : this.firstTimestamp;
  }

  /** Timestamp of the last sample, undefined while empty. */
  get maxTimestampMs(): number | undefined {
    return this.count === 0 ? undefined : this.lastTimestamp;
  }

  append(timestampMs: number, value: number): void {
    this.check(timestampMs);
    if (typeof value !== 'number') {
      throw badArgument(`sample value must be a number, got ${typeof value}`);
    }
    const high = highBits(value);
    this.write(timestampMs, high, lowBitsOfLast());
  }

  /**
   * Appends a sample given as its value's two 32-bit halves (high word first), so a NaN payload such as
   * the staleness marker never passes through a JS number. Same checks as append().
   */
  appendBits(timestampMs: number, high: number, low: number): void {
    this.check(timestampMs);
    this.write(timestampMs, high >>> 0, low >>> 0);
  }

  private check(timestampMs: number): void {
    if (!Number.isInteger(timestampMs) || Math.abs(timestampMs) > MAX_TIMESTAMP_MS) {
      throw badArgument(
        `sample timestamp must be an integer of milliseconds within ±2^52, got ${String(timestampMs)}`,
      );
    }
    if (this.count > 0 && timestampMs <= this.lastTimestamp) {
      throw badArgument(
        `sample timestamp must be after the chunk's last one (${this.lastTimestamp}), got ${timestampMs}`,
      );
    }
    if (this.count >= this.maxSamples) {
      throw badArgument(`chunk is full (${this.maxSamples} samples): cut a new one`);
    }
  }

  private write(timestampMs: number, high: number, low: number): void {
    if (this.count === 0) {
      writeVarint(this.stream, timestampMs >= 0 ? timestampMs * 2 : -timestampMs * 2 - 1);
      this.stream.writeBits(high, 32);
      this.stream.writeBits(low, 32);
      this.firstTimestamp = timestampMs;
    } else if (this.count === 1) {
      const delta = timestampMs - this.lastTimestamp;
      writeVarint(this.stream, delta);
      this.writeValue(high, low);
      this.lastDelta = delta;
    } else {
      const delta = timestampMs - this.lastTimestamp;
      this.writeDeltaOfDelta(delta - this.lastDelta);
      this.writeValue(high, low);
      this.lastDelta = delta;
    }
    this.lastTimestamp = timestampMs;
    this.lastHigh = high;
    this.lastLow = low;
    this.count += 1;
  }

  /**
   * A cursor over the samples held now: later appends do not show in it (they only add bits past
   * the ones it reads, or move the stream to a new buffer).
   */
  cursor(): XorCursor {
    return new XorCursor(new BitReader(this.stream.view(), this.stream.bits), this.count);
  }

  /** The encoded sample stream: a view, valid until the next append. */
  encoded(): Uint8Array {
    return this.stream.view();
  }

  /** The samples held now, oldest first. */
  *samples(): IterableIterator<Sample> {
    const cursor = this.cursor();
    while (cursor.next()) yield { timestampMs: cursor.timestampMs, value: cursor.value };
  }

  /** Frees the buffer's unused tail; for a full chunk, which will not grow again. */
  trim(): void {
    this.stream.trim();
  }

  private writeDeltaOfDelta(dod: number): void {
    const stream = this.stream;
    if (dod === 0) {
      stream.writeBit(0);
    } else if (fitsBits(dod, 14)) {
      stream.writeBits(0b10, 2);
      stream.writeBits(dod & 0x3fff, 14);
    } else if (fitsBits(dod, 17)) {
      stream.writeBits(0b110, 3);
      stream.writeBits(dod & 0x1ffff, 17);
    } else if (fitsBits(dod, 20)) {
      stream.writeBits(0b1110, 4);
      stream.writeBits(dod & 0xfffff, 20);
    } else {
      stream.writeBits(0b1111, 4);
      const high = Math.floor(dod / TWO_32);
      stream.writeBits(high >>> 0, 32);
      stream.writeBits(dod - high * TWO_32, 32);
    }
  }

  private writeValue(high: number, low: number): void {
    const stream = this.stream;
    const xorHigh = (high ^ this.lastHigh) >>> 0;
    const xorLow = (low ^ this.lastLow) >>> 0;
    if (xorHigh === 0 && xorLow === 0) {
      stream.writeBit(0);
      return;
    }
    stream.writeBit(1);
    let leading = xorHigh !== 0 ? Math.clz32(xorHigh) : 32 + Math.clz32(xorLow);
    if (leading > 31) leading = 31; // 5 bits hold it; the window just starts a little early
    const trailing = xorLow !== 0 ? trailingZeros32(xorLow) : 32 + trailingZeros32(xorHigh);

    let shift: number;
    let length: number;
    if (this.leading !== NO_WINDOW && leading >= this.leading && trailing >= this.trailing) {
      stream.writeBit(0);
      shift = this.trailing;
      length = 64 - this.leading - this.trailing;
    } else {
      this.leading = leading;
      this.trailing = trailing;
      shift = trailing;
      length = 64 - leading - trailing;
      stream.writeBit(1);
      stream.writeBits(leading, 5);
      stream.writeBits(length & 0x3f, 6); // 64 goes as 0: a length of 0 never occurs
    }
    if (shift === 0) {
      stream.writeBits64(xorHigh, xorLow, length);
    } else if (shift < 32) {
      stream.writeBits64(xorHigh >>> shift, ((xorLow >>> shift) | (xorHigh << (32 - shift))) >>> 0, length);
    } else {
      stream.writeBits(xorHigh >>> (shift - 32), length);
    }
  }
}

/** Walks a chunk's samples without allocating: next(), then read timestampMs and value. */
export class XorCursor {
  timestampMs = 0;
  value = 0;
  private read = 0;
  private delta = 0;
  private high = 0;
  private low = 0;
  private leading = 0;
  private trailing = 0;

  constructor(
    private readonly reader: BitReader,
    private readonly total: number,
  ) {}

  /** The high 32 bits of the current value (its sign, exponent and top of the mantissa). */
  get valueHigh(): number {
    return this.high;
  }

  /** The low 32 bits of the current value. */
  get valueLow(): number {
    return this.low;
  }

  /** Moves to the next sample; false when there is none. */
  next(): boolean {
    if (this.read >= this.total) return false;
    const reader = this.reader;
    if (this.read === 0) {
      const zigzag = readVarint(reader);
      this.timestampMs = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      this.high = reader.readBits(32);
      this.low = reader.readBits(32);
    } else {
      if (this.read === 1) {
        this.delta = readVarint(reader);
      } else {
        this.delta += readDeltaOfDelta(reader);
      }
      this.timestampMs += this.delta;
      this.readValue();
    }
    this.value = fromBits(this.high, this.low);
    this.read += 1;
    return true;
  }

  private readValue(): void {
    const reader = this.reader;
    if (reader.readBit() === 0) return;
    if (reader.readBit() === 1) {
      this.leading = reader.readBits(5);
      const length = reader.readBits(6) || 64;
      this.trailing = 64 - this.leading - length;
    }
    const length = 64 - this.leading - this.trailing;
    let high = length > 32 ? reader.readBits(length - 32) : 0;
    let low = reader.readBits(length > 32 ? 32 : length);
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
  }
}

/** Whether `x` fits an n-bit delta-of-delta bucket: -(2^(n-1) - 1) … 2^(n-1), as Prometheus's bitRange. */
function fitsBits(x: number, n: number): boolean {
  const half = 2 ** (n - 1);
  return x >= -(half - 1) && x <= half;
}

/** Bits of the delta-of-delta bucket after a prefix of 1, 2 or 3 ones and a zero. */
const BUCKET_BITS = [14, 17, 20];

function readDeltaOfDelta(reader: BitReader): number {
  let ones = 0;
  while (ones < 4 && reader.readBit() === 1) ones += 1;
  if (ones === 0) return 0;
  const size = BUCKET_BITS[ones - 1];
  if (size === undefined) {
    const high = reader.readBits(32) | 0; // signed
    return high * TWO_32 + reader.readBits(32);
  }
  const bits = reader.readBits(size);
  return bits > 2 ** (size - 1) ? bits - 2 ** size : bits;
}

/** Unsigned LEB128, as Go's binary.PutUvarint; `value` is a non-negative integer, at most 2^53. */
function writeVarint(stream: BitWriter, value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    stream.writeBits((rest % 0x80) | 0x80, 8);
    rest = Math.floor(rest / 0x80);
  }
  stream.writeBits(rest, 8);
}

function readVarint(reader: BitReader): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = reader.readBits(8);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
}
