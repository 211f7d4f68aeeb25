/**
 * Samples of one series that carry their own timestamps (store.append(): rule-test input, a stale
 * marker written by hand), as Prometheus's XOR chunks (chunk.ts): an open chunk, and full ones packed
 * into a plain record of their encoded bytes. Sampling passes do not come here: they share a timestamp
 * column in scrape blocks (block.ts), which is what keeps a day of 10,000 series small.
 */
import { BitReader } from './bits.js';
import { DEFAULT_MAX_SAMPLES, XorChunk, XorCursor } from './chunk.js';
import type { SampleBuffer } from './block.js';

export interface PackedChunk {
  /** The chunk's encoded sample stream (chunk.ts), exactly `bits` long. */
  readonly data: Uint8Array;
  readonly bits: number;
  readonly count: number;
  readonly minT: number;
  readonly maxT: number;
}

export class OwnChunks {
  readonly packed: PackedChunk[] = [];
  private open: XorChunk | undefined = undefined;
  /** Samples held, open chunk included. */
  samples = 0;

  /** Appends a sample after the last one; returns the chunk it filled, if it filled one. */
  append(timestampMs: number, high: number, low: number): PackedChunk | undefined {
    const chunk = (this.open ??= new XorChunk(DEFAULT_MAX_SAMPLES));
    chunk.appendBits(timestampMs, high, low);
    this.samples += 1;
    if (!chunk.isFull) return undefined;
    const packed = pack(chunk);
    this.packed.push(packed);
    this.open = undefined;
    return packed;
  }

  /** Adds a packed chunk after the ones held (a snapshot being loaded). */
  adopt(chunk: PackedChunk): void {
    this.packed.push(chunk);
    this.samples += chunk.count;
  }

  /** Every chunk held, the open one packed (a copy: for snapshots). */
  all(): PackedChunk[] {
    return this.open === undefined || this.open.length === 0
      ? [...this.packed]
      : [...this.packed, pack(this.open)];
  }

  /** Drops the oldest packed chunks until at most `max` samples are held; returns the samples dropped. */
  bound(max: number): number {
    let dropped = 0;
    while (this.samples > max && this.packed.length > 0) {
      const oldest = this.packed.shift()!;
      this.samples -= oldest.count;
      dropped += oldest.count;
    }
    return dropped;
  }

  /** Drops the chunks whose last sample is before `beforeMs`; returns the samples dropped. */
  truncate(beforeMs: number): number {
    let dropped = 0;
    while (this.packed.length > 0 && this.packed[0]!.maxT < beforeMs) {
      const oldest = this.packed.shift()!;
      this.samples -= oldest.count;
      dropped += oldest.count;
    }
    const open = this.open;
    if (this.packed.length === 0 && open !== undefined && (open.maxTimestampMs ?? Infinity) < beforeMs) {
      this.samples -= open.length;
      dropped += open.length;
      this.open = undefined;
    }
    return dropped;
  }

  /** Time of the first sample held (Infinity when none). */
  get minT(): number {
    return this.packed[0]?.minT ?? this.open?.minTimestampMs ?? Infinity;
  }

  /** Time of the last sample of the oldest chunk held (Infinity when none): when truncation can matter. */
  get oldestMaxT(): number {
    return this.packed[0]?.maxT ?? this.open?.maxTimestampMs ?? Infinity;
  }

  /** Encoded bytes held. */
  get bytes(): number {
    let bytes = this.open?.bytes ?? 0;
    for (const chunk of this.packed) bytes += chunk.data.byteLength;
    return bytes;
  }

  /** Samples with mint <= t <= maxt, into `out`. */
  decode(mint: number, maxt: number, out: SampleBuffer): void {
    for (const chunk of this.packed) {
      if (chunk.maxT < mint) continue;
      if (chunk.minT > maxt) return;
      readInto(new XorCursor(new BitReader(chunk.data, chunk.bits), chunk.count), mint, maxt, out);
    }
    const open = this.open;
    if (open !== undefined && open.length > 0 && open.maxTimestampMs! >= mint) {
      readInto(open.cursor(), mint, maxt, out);
    }
  }
}

function pack(chunk: XorChunk): PackedChunk {
  return {
    data: chunk.encoded().slice(),
    bits: chunk.bits,
    count: chunk.length,
    minT: chunk.minTimestampMs!,
    maxT: chunk.maxTimestampMs!,
  };
}

function readInto(cursor: XorCursor, mint: number, maxt: number, out: SampleBuffer): void {
  while (cursor.next()) {
    const t = cursor.timestampMs;
    if (t > maxt) return;
    if (t >= mint) out.push(t, cursor.valueHigh, cursor.valueLow);
  }
}
