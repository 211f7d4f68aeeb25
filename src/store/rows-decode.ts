/**
 * Reading a series' values out of a block: its value stream decoded against the block's timestamp
 * column (block.ts), from the stream's first value or from a mark part way through.
 */
import type { SampleBuffer } from './samples.js';
import { fromHalves, peekBits, STALE_HIGH, STALE_LOW } from './value-stream.js';

/**
 * Decodes a value stream (value-stream.ts's format, from bit `position` of `bytes`) against the rows
 * of `times` it covers, pushing the samples with mint <= t <= maxt. The reader's state lives in locals
 * (ValueReader's fields cost a load and a store per step): this is the store's hottest loop.
 */
export function decodeRows(
  bytes: Uint8Array,
  position: number,
  times: Float64Array,
  fromRow: number,
  toRow: number,
  presence: Uint8Array | undefined,
  mint: number,
  maxt: number,
  out: SampleBuffer,
  /** A mark's state ([high, low, window]) to go on from; without one, the stream's first value is read. */
  markHigh = -1,
  markLow = 0,
  markWindow = 0,
): void {
  let started = markHigh >= 0;
  let high = started ? markHigh : 0;
  let low = markLow;
  let leading = markWindow & 0xff;
  let trailing = markWindow >>> 8;
  // An unchanged value (most of them) reuses the number decoded before: no conversion from bits.
  let value = NaN;
  let stale = false;
  let current = false;
  for (let row = fromRow; row < toRow; row++) {
    if (presence !== undefined && ((presence[row >>> 3]! >>> (7 - (row & 7))) & 1) === 0) continue;
    const t = times[row]!;
    if (t > maxt) return;
    if (!started) {
      high = peekBits(bytes, position, 32);
      low = peekBits(bytes, position + 32, 32);
      position += 64;
      started = true;
    } else {
      // `0` unchanged, `10` changed within the last window, `11` + 5 bits leading + 6 bits length.
      const control = peekBits(bytes, position, 2);
      if (control < 2) {
        position += 1;
      } else {
        if (control === 3) {
          const window = peekBits(bytes, position + 2, 11);
          position += 13;
          leading = window >>> 6;
          trailing = 64 - leading - (window & 0x3f || 64);
        } else {
          position += 2;
        }
        const length = 64 - leading - trailing;
        let xorHigh = 0;
        let xorLow: number;
        if (length > 32) {
          xorHigh = peekBits(bytes, position, length - 32);
          xorLow = peekBits(bytes, position + length - 32, 32);
        } else {
          xorLow = peekBits(bytes, position, length);
        }
        position += length;
        if (trailing >= 32) {
          xorHigh = xorLow << (trailing - 32);
          xorLow = 0;
        } else if (trailing > 0) {
          xorHigh = (xorHigh << trailing) | (xorLow >>> (32 - trailing));
          xorLow = xorLow << trailing;
        }
        high = (high ^ xorHigh) >>> 0;
        low = (low ^ xorLow) >>> 0;
        current = false;
      }
    }
    if (t < mint) continue;
    if (!current) {
      stale = high === STALE_HIGH && low === STALE_LOW;
      value = stale ? NaN : fromHalves(high, low);
      current = true;
    }
    out.pushValue(t, value, stale);
  }
}
