/**
 * Scrape blocks: a run of sampling passes (rows) that share one timestamp column, with each series'
 * values as a value-only XOR stream (value-stream.ts). The open block keeps one growable stream per
 * series; sealing packs every stream into one Uint8Array with a typed array of offsets, so a closed
 * block is a handful of objects however many series it holds (an object per series and block would
 * cost more heap than the samples: a trimmed chunk object alone is ~500 bytes).
 *
 * A series present in every row of a block needs nothing more. One that skipped rows (it appeared or
 * vanished mid-block, or a pass left it out) gets a presence bitmap, one bit per row.
 *
 * XOR streams decode only forwards, so a read of a block's last minutes would decode all of it: a
 * full series with a long stream also gets a mark, the reader's state half way through (20 bytes), and
 * reads of the later half start there. Marks are not kept in snapshots (a loaded block reads from
 * the start).
 */
import type { SampleBuffer } from './samples.js';
import { decodeRows } from './rows-decode.js';
import { ValueWriter } from './value-stream.js';

/** A series' part of the open block. The store keeps one per series and reuses it block after block. */
export class HeadStream {
  readonly writer = new ValueWriter();
  /** Row of the last value written, -1 while empty. */
  lastRow = -1;
  /** Set once the series skips a row; until then its rows are lastRow - count + 1 … lastRow. */
  presence: Uint8Array | undefined = undefined;
  /**
   * The reader's state just before the value of row markRow (half way through the block), so a read
   * of the block's later rows can start there instead of at the first value (-1: no mark).
   */
  markRow = -1;
  markBits = 0;
  markHigh = 0;
  markLow = 0;
  markWindow = 0;

  get count(): number {
    return this.writer.count;
  }

  append(row: number, high: number, low: number, rowCapacity: number): void {
    const writer = this.writer;
    if (writer.count > 0 && row !== this.lastRow + 1 && this.presence === undefined) {
      this.presence = rangeBitmap(rowCapacity, this.lastRow - writer.count + 1, this.lastRow);
    }
    if (this.presence !== undefined) this.presence[row >>> 3]! |= 0x80 >>> (row & 7);
    else if (row === rowCapacity >>> 1 && writer.count > 0) this.setMark(row);
    writer.append(high, low);
    this.lastRow = row;
  }

  /** The rows present as a bitmap over `rows` rows, or undefined when the series is in all of them. */
  presenceOver(rows: number): Uint8Array | undefined {
    const count = this.writer.count;
    if (count === rows) return undefined;
    if (this.presence !== undefined) return this.presence.slice(0, bitmapBytes(rows));
    return rangeBitmap(rows, this.lastRow - count + 1, this.lastRow);
  }

  reset(): void {
    this.writer.reset();
    this.lastRow = -1;
    this.presence = undefined;
    this.markRow = -1;
  }

  private setMark(row: number): void {
    this.writer.stateInto(scratchState, 0);
    this.markRow = row;
    this.markBits = scratchState[0]!;
    this.markHigh = scratchState[1]!;
    this.markLow = scratchState[2]!;
    this.markWindow = scratchState[3]!;
  }
}

const scratchState = new Uint32Array(4);

/**
 * A mark is kept only where it skips this many bits: a stream of mostly unchanged values (a bit each)
 * decodes fast enough from the start, and the mark's 20 bytes would outweigh it.
 */
const MIN_MARK_BITS = 256;

const NO_IDS = new Uint32Array(0);

export function bitmapBytes(rows: number): number {
  return (rows + 7) >>> 3;
}

function rangeBitmap(rows: number, first: number, last: number): Uint8Array {
  const bitmap = new Uint8Array(bitmapBytes(rows));
  for (let row = first; row <= last; row++) bitmap[row >>> 3]! |= 0x80 >>> (row & 7);
  return bitmap;
}

function popcount(bitmap: Uint8Array): number {
  let count = 0;
  for (let byte of bitmap) {
    while (byte !== 0) {
      byte &= byte - 1;
      count += 1;
    }
  }
  return count;
}

/** A closed block: immutable, packed. */
export class SealedBlock {
  constructor(
    /** Order of sealing: a series' data lives in blocks up to its lastBlockSeq. */
    readonly seq: number,
    /** One timestamp per row, strictly increasing. */
    readonly times: Float64Array,
    /** Every series' value stream, back to back. */
    readonly data: Uint8Array,
    /** Series id i's stream is data[offsets[i], offsets[i + 1]); empty when it has no value here. */
    readonly offsets: Uint32Array,
    /** Ids of the series present in some rows only, ascending. */
    readonly partialIds: Uint32Array,
    /** Their presence bitmaps, bitmapBytes(rows) bytes each, in partialIds' order. */
    readonly partialBits: Uint8Array,
    /** Values held. */
    readonly samples: number,
    /** Ids with a mark (a reader's state at row markRow, as HeadStream's), ascending; none when empty. */
    readonly markIds: Uint32Array = NO_IDS,
    /** Their states, four words each ([bits from the stream's start, high, low, window]). */
    readonly markStates: Uint32Array = NO_IDS,
    readonly markRow = 0,
  ) {}

  get rows(): number {
    return this.times.length;
  }

  get minT(): number {
    return this.times[0]!;
  }

  get maxT(): number {
    return this.times[this.times.length - 1]!;
  }

  /** Bytes the block's arrays take. */
  get bytes(): number {
    return (
      this.times.byteLength +
      this.data.byteLength +
      this.offsets.byteLength +
      this.partialIds.byteLength +
      this.partialBits.byteLength +
      this.markIds.byteLength +
      this.markStates.byteLength
    );
  }

  /** Ids the offsets cover (ids at or past it have no value here). */
  get idCount(): number {
    return this.offsets.length - 1;
  }

  has(id: number): boolean {
    return id < this.offsets.length - 1 && this.offsets[id]! !== this.offsets[id + 1]!;
  }

  /** The presence bitmap of a series (a view), or undefined when it is in every row. */
  presenceOf(id: number): Uint8Array | undefined {
    const ids = this.partialIds;
    let low = 0;
    let high = ids.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = ids[middle]!;
      if (found === id) {
        const size = bitmapBytes(this.rows);
        return this.partialBits.subarray(middle * size, (middle + 1) * size);
      }
      if (found < id) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Values series `id` has here. */
  countOf(id: number): number {
    if (!this.has(id)) return 0;
    const presence = this.presenceOf(id);
    return presence === undefined ? this.rows : popcount(presence);
  }

  /** Timestamps of series `id`'s first and last value here ([Infinity, -Infinity] when it has none). */
  extentOf(id: number): [number, number] {
    if (!this.has(id)) return [Infinity, -Infinity];
    const presence = this.presenceOf(id);
    if (presence === undefined) return [this.minT, this.maxT];
    let first = -1;
    let last = -1;
    for (let row = 0; row < this.rows; row++) {
      if (((presence[row >>> 3]! >>> (7 - (row & 7))) & 1) === 0) continue;
      if (first < 0) first = row;
      last = row;
    }
    return first < 0 ? [Infinity, -Infinity] : [this.times[first]!, this.times[last]!];
  }

  /**
   * The block with its series renumbered: id i becomes map[i] (ids mapped to -1, or past the map,
   * are left out), `count` ids in all. The map must keep the ids' order.
   */
  renumbered(seq: number, map: Int32Array, count: number): SealedBlock {
    const offsets = new Uint32Array(count + 1);
    const kept: number[] = [];
    let total = 0;
    for (let id = 0; id < this.idCount && id < map.length; id++) {
      const to = map[id]!;
      if (to < 0 || !this.has(id)) continue;
      kept.push(id);
      total += this.offsets[id + 1]! - this.offsets[id]!;
    }
    const data = new Uint8Array(total);
    const size = bitmapBytes(this.rows);
    const partialIds: number[] = [];
    const partialBits: Uint8Array[] = [];
    let samples = 0;
    let at = 0;
    let next = 0;
    for (const id of kept) {
      const to = map[id]!;
      for (; next <= to; next++) offsets[next] = at;
      data.set(this.data.subarray(this.offsets[id], this.offsets[id + 1]), at);
      at += this.offsets[id + 1]! - this.offsets[id]!;
      const presence = this.presenceOf(id);
      if (presence !== undefined) {
        partialIds.push(to);
        partialBits.push(presence);
      }
      samples += presence === undefined ? this.rows : popcount(presence);
    }
    for (; next <= count; next++) offsets[next] = at;
    const bits = new Uint8Array(partialBits.length * size);
    partialBits.forEach((presence, i) => bits.set(presence, i * size));
    return new SealedBlock(seq, this.times, data, offsets, Uint32Array.from(partialIds), bits, samples);
  }

  /** Decodes series `id`'s samples with mint <= t <= maxt into `out`. */
  decode(id: number, mint: number, maxt: number, out: SampleBuffer): void {
    if (!this.has(id)) return;
    const start = this.offsets[id]! * 8;
    const markRow = this.markRow;
    // Every row before the mark is older than the range: start from the mark.
    if (markRow > 0 && this.times[markRow - 1]! < mint) {
      const mark = this.markOf(id);
      if (mark >= 0) {
        const states = this.markStates;
        decodeRows(
          this.data,
          start + states[mark]!,
          this.times,
          markRow,
          this.rows,
          undefined,
          mint,
          maxt,
          out,
          states[mark + 1],
          states[mark + 2],
          states[mark + 3],
        );
        return;
      }
    }
    decodeRows(this.data, start, this.times, 0, this.rows, this.presenceOf(id), mint, maxt, out);
  }

  /** Index in markStates of series id's mark, or -1. */
  private markOf(id: number): number {
    const ids = this.markIds;
    let low = 0;
    let high = ids.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = ids[middle]!;
      if (found === id) return middle * 4;
      if (found < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/** Decodes a head stream's samples (rows of `times`) with mint <= t <= maxt into `out`. */
export function decodeHead(
  stream: HeadStream,
  times: Float64Array,
  mint: number,
  maxt: number,
  out: SampleBuffer,
): void {
  const count = stream.count;
  if (count === 0) return;
  const markRow = stream.markRow;
  if (markRow > 0 && stream.presence === undefined && times[markRow - 1]! < mint) {
    decodeRows(
      stream.writer.buffer,
      stream.markBits,
      times,
      markRow,
      stream.lastRow + 1,
      undefined,
      mint,
      maxt,
      out,
      stream.markHigh,
      stream.markLow,
      stream.markWindow,
    );
    return;
  }
  const first = stream.presence === undefined ? stream.lastRow - count + 1 : 0;
  decodeRows(stream.writer.buffer, 0, times, first, stream.lastRow + 1, stream.presence, mint, maxt, out);
}

/**
 * Packs the open block into a SealedBlock. `streamOf(id)` gives each id's head stream (or undefined);
 * ids run 0 … idCount - 1. The streams are left as they are: the caller resets them.
 */
export function packBlock(
  seq: number,
  times: Float64Array,
  idCount: number,
  streamOf: (id: number) => HeadStream | undefined,
): SealedBlock {
  const rows = times.length;
  const offsets = new Uint32Array(idCount + 1);
  let total = 0;
  let partial = 0;
  let samples = 0;
  for (let id = 0; id < idCount; id++) {
    offsets[id] = total;
    const stream = streamOf(id);
    if (stream === undefined || stream.count === 0) continue;
    total += stream.writer.bytes;
    samples += stream.count;
    if (stream.count !== rows) partial += 1;
  }
  offsets[idCount] = total;
  const data = new Uint8Array(total);
  const partialIds = new Uint32Array(partial);
  const size = bitmapBytes(rows);
  const partialBits = new Uint8Array(partial * size);
  let next = 0;
  const markRow = rows >>> 1;
  const markIds: number[] = [];
  const markStates: number[] = [];
  for (let id = 0; id < idCount; id++) {
    const stream = streamOf(id);
    if (stream === undefined || stream.count === 0) continue;
    data.set(stream.writer.buffer.subarray(0, stream.writer.bytes), offsets[id]);
    if (stream.count === rows && stream.markRow === markRow && stream.markBits >= MIN_MARK_BITS) {
      markIds.push(id);
      markStates.push(stream.markBits, stream.markHigh, stream.markLow, stream.markWindow);
    }
    const presence = stream.presenceOver(rows);
    if (presence !== undefined) {
      partialIds[next] = id;
      partialBits.set(presence, next * size);
      next += 1;
    }
  }
  return new SealedBlock(
    seq,
    times,
    data,
    offsets,
    partialIds,
    partialBits,
    samples,
    Uint32Array.from(markIds),
    Uint32Array.from(markStates),
    markRow,
  );
}
