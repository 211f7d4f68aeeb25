import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BitReader, BitWriter } from './bits.js';

function bitString(bytes: Uint8Array, bits: number): string {
  return [...bytes]
    .map((byte) => byte.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, bits);
}

describe('BitWriter', () => {
  it('writes most significant bit first, across byte boundaries', () => {
    const writer = new BitWriter(1);
    writer.writeBit(1);
    writer.writeBits(0b010, 3);
    writer.writeBits(0b1_1100_0011, 9);
    writer.writeBit(0);
    writer.writeBits(0xdeadbeef, 32);
    expect(writer.bits).toBe(46);
    expect(writer.bytes).toBe(6);
    expect(bitString(writer.view(), 46)).toBe(
      '1' + '010' + '111000011' + '0' + (0xdeadbeef >>> 0).toString(2),
    );
    expect([...writer.view()]).toEqual([0xae, 0x1b, 0x7a, 0xb6, 0xfb, 0xbc]);
  });

  it('writes the low bits of a 64-bit word given as two halves', () => {
    const writer = new BitWriter();
    writer.writeBits64(0x0000_0005, 0x8000_0001, 35);
    writer.writeBits64(0xffff_ffff, 0b101, 3);
    expect(bitString(writer.view(), 38)).toBe('101' + '1' + '0'.repeat(30) + '1' + '101');
  });

  it('writes nothing for a count of 0', () => {
    const writer = new BitWriter();
    writer.writeBits(0xffff_ffff, 0);
    writer.writeBits64(0xffff_ffff, 0xffff_ffff, 0);
    expect(writer.bits).toBe(0);
    expect(writer.bytes).toBe(0);
  });

  it('grows by doubling and trims to the written bytes', () => {
    const writer = new BitWriter(2);
    expect(writer.capacity).toBe(2);
    writer.writeBits(0xabcdef, 24);
    expect(writer.capacity).toBe(4);
    writer.writeBits(0x12345678, 32);
    writer.writeBits(0x9a, 8);
    expect(writer.capacity).toBe(8);
    writer.writeBit(1);
    expect(writer.capacity).toBe(16);
    expect(writer.bytes).toBe(9);
    writer.trim();
    expect(writer.capacity).toBe(9);
    expect([...writer.view()]).toEqual([0xab, 0xcd, 0xef, 0x12, 0x34, 0x56, 0x78, 0x9a, 0x80]);
  });
});

describe('BitReader', () => {
  it('reads back what was written, then refuses to read past the end', () => {
    const reader = new BitReader(Uint8Array.of(0xae, 0x18), 13);
    expect(reader.readBit()).toBe(1);
    expect(reader.readBits(3)).toBe(0b010);
    expect(reader.readBits(9)).toBe(0b1_1100_0011);
    expect(reader.remaining).toBe(0);
    expect(() => reader.readBit()).toThrow('bit stream ends early: 1 bits wanted at bit 13 of 13');
  });

  it('reads 32 bits as an unsigned number', () => {
    const reader = new BitReader(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0));
    reader.readBit();
    expect(reader.readBits(32)).toBe(0xffff_ffff);
    expect(reader.readBits(32)).toBe(0xff00_0000);
  });

  it('round-trips any sequence of (value, width) fields', () => {
    const field = fc
      .integer({ min: 0, max: 32 })
      .chain((width) =>
        fc.tuple(fc.constant(width), fc.integer({ min: 0, max: width === 0 ? 0 : 2 ** width - 1 })),
      );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 200 }), (fields) => {
        const writer = new BitWriter(1);
        for (const [width, value] of fields) {
          if (width === 1) writer.writeBit(value as 0 | 1);
          else writer.writeBits(value, width);
        }
        const total = fields.reduce((sum, [width]) => sum + width, 0);
        expect(writer.bits).toBe(total);
        const reader = new BitReader(writer.view(), writer.bits);
        for (const [width, value] of fields) {
          expect(width === 1 ? reader.readBit() : reader.readBits(width)).toBe(value);
        }
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
