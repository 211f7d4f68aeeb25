import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { McpulseError } from '../core/errors.js';
import { DEFAULT_MAX_SAMPLES, MAX_TIMESTAMP_MS, XorChunk } from './chunk.js';

const scratch = new DataView(new ArrayBuffer(8));
/** A float64's bits as 16 hex digits: compares NaN payloads and -0, which === and toBe do not. */
function hex(value: number): string {
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0).toString(16).padStart(16, '0');
}
function fromHex(bits: string): number {
  scratch.setBigUint64(0, BigInt(`0x${bits}`));
  return scratch.getFloat64(0);
}
function bitString(chunk: XorChunk): string {
  return [...chunk.encoded()]
    .map((byte) => byte.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, chunk.bits);
}
function hexBits(bits: string): string {
  return BigInt(`0x${bits}`).toString(2).padStart(64, '0');
}
/** The samples read back, values as bit patterns. */
function readBack(chunk: XorChunk): [number, string][] {
  return [...chunk.samples()].map((sample) => [sample.timestampMs, hex(sample.value)]);
}

const STALE_MARKER = '7ff0000000000002';
const SPECIAL_BITS = [
  STALE_MARKER,
  '7ff8000000000001', // quiet NaN, payload 1
  'fff8000000000000', // negative NaN
  '7ff0000000000001', // signalling NaN
  'ffffffffffffffff',
  '7ff0000000000000', // +Inf
  'fff0000000000000', // -Inf
  '8000000000000000', // -0
  '0000000000000000',
  '0000000000000001', // smallest subnormal
  '800fffffffffffff', // largest negative subnormal
  '7fefffffffffffff', // largest finite
];

describe('XorChunk encoding', () => {
  it('lays out the first samples, the delta of deltas and the value windows as Prometheus does', () => {
    const chunk = new XorChunk();
    chunk.append(1000, 1);
    chunk.append(16000, 1);
    chunk.append(31000, 1);
    chunk.append(46001, 2);
    chunk.append(61001, 3);
    chunk.append(76001, 2);
    const samples = [
      // zigzag varint of 1000 (2000), then 1.0's raw bits
      '11010000' + '00001111' + hexBits('3ff0000000000000'),
      // varint delta 15000; same value
      '10011000' + '01110101' + '0',
      // dod 0; same value
      '0' + '0',
      // dod +1 in 14 bits; 1.0→2.0 opens a window of 1 leading, 11 meaningful bits
      '10' + '00000000000001' + '11' + '00001' + '001011' + '11111111111',
      // dod -1 in 14 bits; 2.0→3.0 does not fit it: a window of 12 leading, 1 meaningful bit
      '10' + '11111111111111' + '11' + '01100' + '000001' + '1',
      // dod 0; 3.0→2.0 fits the window
      '0' + '10' + '1',
    ];
    expect(bitString(chunk)).toBe(samples.join(''));
    expect(chunk.bits).toBe(16 + 64 + 17 + 2 + 40 + 30 + 4);
    expect(chunk.bytes).toBe(22);
    expect(readBack(chunk)).toEqual([
      [1000, '3ff0000000000000'],
      [16000, '3ff0000000000000'],
      [31000, '3ff0000000000000'],
      [46001, '4000000000000000'],
      [61001, '4008000000000000'],
      [76001, '4000000000000000'],
    ]);
  });

  it('clamps leading zeros to 31 and writes 64 meaningful bits as length 0', () => {
    const chunk = new XorChunk();
    chunk.append(0, fromHex('3ff0000000000000'));
    chunk.append(1, fromHex('3ff0000000000001')); // xor 1: 63 leading zeros, stored as 31
    chunk.append(2, fromHex('bff0000000000000')); // xor 0x8000…0001: 0 leading, 0 trailing
    chunk.append(3, fromHex('3ff0000000000000')); // xor 0x8000…0000: fits the 0/0 window
    const afterFirst = [
      // varint delta 1; '11', 31 leading, 33 meaningful bits
      '00000001' + '11' + '11111' + '100001' + '0'.repeat(32) + '1',
      // dod 0; '11', 0 leading, 64 meaningful bits written as 0
      '0' + '11' + '00000' + '000000' + hexBits('8000000000000001'),
      // dod 0; '10', the 64 bits of the 0/0 window
      '0' + '10' + hexBits('8000000000000000'),
    ];
    expect(bitString(chunk).slice(8 + 64)).toBe(afterFirst.join(''));
    expect(readBack(chunk).map(([, bits]) => bits)).toEqual([
      '3ff0000000000000',
      '3ff0000000000001',
      'bff0000000000000',
      '3ff0000000000000',
    ]);
  });

  it('writes each delta of deltas in the smallest bucket whose range holds it', () => {
    const cases: [number, number][] = [
      [0, 1],
      [1, 2 + 14],
      [-8191, 2 + 14],
      [8192, 2 + 14],
      [-8192, 3 + 17],
      [8193, 3 + 17],
      [-65535, 3 + 17],
      [65536, 3 + 17],
      [-65536, 4 + 20],
      [65537, 4 + 20],
      [-524287, 4 + 20],
      [524288, 4 + 20],
      [-524288, 4 + 64],
      [524289, 4 + 64],
    ];
    for (const [dod, bits] of cases) {
      const chunk = new XorChunk();
      chunk.append(1_000_000, 5);
      chunk.append(2_000_000, 5);
      const before = chunk.bits;
      chunk.append(3_000_000 + dod, 5);
      expect([dod, chunk.bits - before - 1]).toEqual([dod, bits]);
      expect([...chunk.samples()].map((sample) => sample.timestampMs)).toEqual([
        1_000_000,
        2_000_000,
        3_000_000 + dod,
      ]);
    }
  });

  it('round-trips the widest timestamps and deltas of deltas of either sign', () => {
    const sequences = [
      [-MAX_TIMESTAMP_MS, -MAX_TIMESTAMP_MS + 1, MAX_TIMESTAMP_MS], // dod 2^53 - 2
      [-MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS - 1, MAX_TIMESTAMP_MS], // dod -(2^53 - 2)
      [-MAX_TIMESTAMP_MS, 0, MAX_TIMESTAMP_MS],
      [-1, 0, 1],
    ];
    for (const timestamps of sequences) {
      const chunk = new XorChunk();
      for (const timestamp of timestamps) chunk.append(timestamp, timestamp);
      expect([...chunk.samples()]).toEqual(timestamps.map((t) => ({ timestampMs: t, value: t })));
    }
  });

  it('round-trips NaN payloads, the stale marker, ±Inf, -0 and subnormals bit-exactly', () => {
    const chunk = new XorChunk();
    SPECIAL_BITS.forEach((bits, index) => chunk.append(index * 15_000, fromHex(bits)));
    SPECIAL_BITS.forEach((bits, index) =>
      chunk.append((SPECIAL_BITS.length + index) * 15_000, fromHex(bits)),
    );
    expect(readBack(chunk).map(([, bits]) => bits)).toEqual([...SPECIAL_BITS, ...SPECIAL_BITS]);
  });
});

describe('XorChunk bookkeeping', () => {
  it('counts samples, knows its time range and is full at maxSamples', () => {
    const chunk = new XorChunk(3);
    expect([chunk.length, chunk.isFull, chunk.bytes, chunk.minTimestampMs, chunk.maxTimestampMs]).toEqual([
      0,
      false,
      0,
      undefined,
      undefined,
    ]);
    chunk.append(10, 1);
    chunk.append(20, 2);
    expect([chunk.length, chunk.isFull, chunk.minTimestampMs, chunk.maxTimestampMs]).toEqual([
      2,
      false,
      10,
      20,
    ]);
    chunk.append(30, 3);
    expect([chunk.length, chunk.isFull, chunk.maxTimestampMs]).toEqual([3, true, 30]);
    expect(() => chunk.append(40, 4)).toThrow('chunk is full (3 samples): cut a new one');
    expect(new XorChunk().maxSamples).toBe(DEFAULT_MAX_SAMPLES);
  });

  it('refuses timestamps that are not integers, out of range, equal or earlier, naming the value', () => {
    const chunk = new XorChunk();
    chunk.append(1000, 1);
    const bad: [number, string][] = [
      [1000.5, 'sample timestamp must be an integer of milliseconds within ±2^52, got 1000.5'],
      [NaN, 'sample timestamp must be an integer of milliseconds within ±2^52, got NaN'],
      [Infinity, 'sample timestamp must be an integer of milliseconds within ±2^52, got Infinity'],
      [2 ** 52 + 2, 'sample timestamp must be an integer of milliseconds within ±2^52, got 4503599627370498'],
      [1000, "sample timestamp must be after the chunk's last one (1000), got 1000"],
      [999, "sample timestamp must be after the chunk's last one (1000), got 999"],
    ];
    for (const [timestamp, message] of bad) {
      const error = (() => {
        try {
          chunk.append(timestamp, 2);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(McpulseError);
      expect([(error as McpulseError).code, (error as McpulseError).message]).toEqual([
        'MCPULSE_ARGUMENT_INVALID',
        message,
      ]);
    }
    expect([chunk.length, readBack(chunk)]).toEqual([1, [[1000, '3ff0000000000000']]]);
  });

  it('refuses a maxSamples that is not an integer from 1 to 65535', () => {
    for (const max of [0, 1.5, 65536, NaN]) {
      expect(() => new XorChunk(max)).toThrow(
        `XorChunk maxSamples must be an integer from 1 to 65535, got ${String(max)}`,
      );
    }
  });

  it('gives a cursor the samples held when it was made, not later ones', () => {
    const chunk = new XorChunk();
    chunk.append(0, 1.5);
    chunk.append(15_000, 2.5);
    const cursor = chunk.cursor();
    for (let i = 2; i < 120; i++) chunk.append(i * 15_000, i + 0.5); // grows the buffer several times
    const seen: [number, number][] = [];
    while (cursor.next()) seen.push([cursor.timestampMs, cursor.value]);
    expect(seen).toEqual([
      [0, 1.5],
      [15_000, 2.5],
    ]);
    expect(chunk.length).toBe(120);
  });

  it('trims its buffer to the encoded bytes', () => {
    const chunk = new XorChunk();
    for (let i = 0; i < 120; i++) chunk.append(i * 15_000, 42);
    expect([chunk.bytes, chunk.capacity]).toEqual([41, 64]);
    chunk.trim();
    expect([chunk.bytes, chunk.capacity]).toEqual([41, 41]);
    expect([...chunk.samples()].length).toBe(120);
  });
});

describe('XorChunk round trip (property)', () => {
  const anyValueBits = fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((bits) => bits.toString(16).padStart(16, '0')),
    fc.double().map(hex),
    fc.constantFrom(...SPECIAL_BITS),
    fc.integer({ min: -1000, max: 1000 }).map(hex), // runs of nearby values use the reuse window
  );
  const anyDelta = fc.oneof(
    fc.constant(15_000),
    fc.integer({ min: 14_990, max: 15_010 }),
    fc.integer({ min: 1, max: 2 ** 21 }),
    fc.integer({ min: 1, max: 2 ** 48 }),
  );

  it('gives back every increasing integer timestamp and every float64 bit pattern appended', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS }),
        fc.array(fc.tuple(anyDelta, anyValueBits), { minLength: 1, maxLength: DEFAULT_MAX_SAMPLES }),
        (start, steps) => {
          const expected: [number, string][] = [];
          let timestamp = start;
          for (const [delta, bits] of steps) {
            if (timestamp > MAX_TIMESTAMP_MS) break;
            expected.push([timestamp, bits]);
            timestamp += delta;
          }
          const chunk = new XorChunk();
          for (const [t, bits] of expected) chunk.append(t, fromHex(bits));
          expect(readBack(chunk)).toEqual(expected);
          expect(chunk.length).toBe(expected.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
