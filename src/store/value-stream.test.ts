import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { XorChunk } from './chunk.js';
import { STALE_HIGH, STALE_LOW, ValueReader, ValueWriter } from './value-stream.js';

function halves(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8), 16)];
}
function hexOf(high: number, low: number): string {
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
function bitString(writer: ValueWriter): string {
  return [...writer.buffer.subarray(0, writer.bytes)]
    .map((byte) => byte.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, writer.bits);
}
function readAll(bytes: Uint8Array, offset: number, count: number): string[] {
  const reader = new ValueReader();
  reader.reset(bytes, offset);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    reader.next();
    out.push(hexOf(reader.high, reader.low));
  }
  return out;
}

describe('ValueWriter', () => {
  it("writes the value bits of Prometheus's XOR chunk, without the timestamps", () => {
    const values = [
      '3ff0000000000000',
      '3ff0000000000000',
      '4000000000000000',
      '4008000000000000',
      '4000000000000000',
    ];
    const writer = new ValueWriter();
    for (const value of values) writer.append(...halves(value));
    expect(bitString(writer)).toBe(
      [
        BigInt('0x3ff0000000000000').toString(2).padStart(64, '0'),
        '0', // same value
        '11' + '00001' + '001011' + '11111111111', // 1.0→2.0: a window of 1 leading, 11 meaningful bits
        '11' + '01100' + '000001' + '1', // 2.0→3.0: a window of 12 leading, 1 meaningful bit
        '10' + '1', // 3.0→2.0 fits it
      ].join(''),
    );
    expect(readAll(writer.buffer, 0, values.length)).toEqual(values);
  });

  it('costs what the same values cost in a chunk, less the timestamps', () => {
    const chunk = new XorChunk();
    const writer = new ValueWriter();
    const scratch = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 120; i++) {
      const value = Math.floor(i / 7) + (i % 11 === 0 ? 0.25 : 0);
      chunk.append(1000 + i * 15_000, value);
      scratch.setFloat64(0, value);
      writer.append(scratch.getUint32(0), scratch.getUint32(4));
    }
    // A chunk's timestamps at a steady 15 s: varint 2000 (2 bytes), varint 15000 (2 bytes), 118 zero bits.
    expect(chunk.bits - writer.bits).toBe(16 + 16 + 118);
  });

  it('round-trips any bit patterns, the staleness marker included, and resets for reuse', () => {
    const word = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));
    const stale: [number, number] = [STALE_HIGH, STALE_LOW];
    const run = fc.array(fc.oneof(word, fc.constant(stale), fc.constant<[number, number]>([0x3ff00000, 0])), {
      minLength: 1,
      maxLength: 200,
    });
    const writer = new ValueWriter(); // shared: reset() must leave nothing behind
    fc.assert(
      fc.property(run, (values) => {
        writer.reset();
        for (const [high, low] of values) writer.append(high, low);
        expect(writer.count).toBe(values.length);
        const copy = new Uint8Array(3 + writer.bytes);
        copy.set(writer.buffer.subarray(0, writer.bytes), 3);
        expect(readAll(copy, 3, values.length)).toEqual(values.map(([high, low]) => hexOf(high, low)));
      }),
      { numRuns: 300 },
    );
  });

  it('reads zero bits past the end of a truncated stream instead of throwing', () => {
    const writer = new ValueWriter();
    writer.append(0x40000000, 0);
    writer.append(0x40080000, 0);
    expect(readAll(writer.buffer.slice(0, 4), 0, 3)).toEqual([
      '4000000000000000', // the low half is past the end: zeros
      '4000000000000000', // a zero bit: unchanged
      '4000000000000000',
    ]);
  });
});
