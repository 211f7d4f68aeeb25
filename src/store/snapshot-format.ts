/**
 * The snapshot file format (snapshot.ts reads and writes the files). Integers are little-endian; `u32`
 * is 4 bytes, `f64` an IEEE double:
 *
 *     "MCPULSE-TSDB" (12 bytes), u32 version (1), u32 flags (0), f64 saved-at ms
 *     u32 series count; per series: u8 flags (1: in the last sampling pass), u16 label count,
 *         per label: u32 length + UTF-8 name, u32 length + UTF-8 value
 *     u32 block count; per block (block.ts): u32 rows, rows × f64 timestamps, u32 id count,
 *         (id count + 1) × u32 offsets, u32 partial count, partial × u32 ids, partial × ceil(rows / 8)
 *         bytes of presence bitmaps, u32 data length, data (value streams, value-stream.ts)
 *     u32 chunk count; per chunk (chunk.ts, samples at their own times): u32 series index, u32 samples,
 *         u32 bits, f64 first and last timestamps, u32 length, the encoded samples
 *     u32 CRC-32 of every byte before it
 *
 * Decoding checks everything a reader relies on: magic, version, checksum, bounds, label sets, time
 * order, offsets, and that every chunk decodes. The checksum guards against damage; a file crafted to
 * pass it is only held to those checks.
 */
import { crc32 } from 'node:zlib';

import { McpulseError } from '../core/errors.js';
import { BitReader } from './bits.js';
import { bitmapBytes, SealedBlock } from './block.js';
import { XorCursor } from './chunk.js';
import type { Label, Labels } from './labels.js';
import type { PackedChunk } from './own-chunks.js';
import { checkLabels, seriesKey } from './series.js';
import type { StoreImage } from './store-options.js';

export const SNAPSHOT_MAGIC = 'MCPULSE-TSDB';
export const SNAPSHOT_VERSION = 1;
const MAX_ROWS = 65_535;

/** The store as snapshot bytes. */
export function encodeSnapshot(image: StoreImage, savedAtMs: number): Uint8Array {
  const encoder = new TextEncoder();
  const labelBytes = image.series.map((series) =>
    series.labels.map((label) => [encoder.encode(label.name), encoder.encode(label.value)] as const),
  );
  const chunks = image.series.flatMap((series, index) => series.chunks.map((chunk) => ({ index, chunk })));
  let size = 12 + 4 + 4 + 8 + 4;
  for (const labels of labelBytes) {
    size += 1 + 2;
    for (const [name, value] of labels) size += 8 + name.length + value.length;
  }
  size += 4;
  for (const block of image.blocks) {
    size += 4 + block.rows * 8 + 4 + block.offsets.length * 4 + 4 + block.partialIds.length * 4;
    size += block.partialBits.length + 4 + block.data.length;
  }
  size += 4;
  for (const { chunk } of chunks) size += 4 + 4 + 4 + 8 + 8 + 4 + chunk.data.length;
  size += 4;

  const out = new Writer(size);
  out.bytes(encoder.encode(SNAPSHOT_MAGIC));
  out.u32(SNAPSHOT_VERSION);
  out.u32(0);
  out.f64(savedAtMs);
  out.u32(image.series.length);
  image.series.forEach((series, i) => {
    out.u8(series.inLastPass ? 1 : 0);
    out.u16(series.labels.length);
    for (const [name, value] of labelBytes[i]!) {
      out.u32(name.length);
      out.bytes(name);
      out.u32(value.length);
      out.bytes(value);
    }
  });
  out.u32(image.blocks.length);
  for (const block of image.blocks) {
    out.u32(block.rows);
    for (const t of block.times) out.f64(t);
    out.u32(block.idCount);
    for (const offset of block.offsets) out.u32(offset);
    out.u32(block.partialIds.length);
    for (const id of block.partialIds) out.u32(id);
    out.bytes(block.partialBits);
    out.u32(block.data.length);
    out.bytes(block.data);
  }
  out.u32(chunks.length);
  for (const { index, chunk } of chunks) {
    out.u32(index);
    out.u32(chunk.count);
    out.u32(chunk.bits);
    out.f64(chunk.minT);
    out.f64(chunk.maxT);
    out.u32(chunk.data.length);
    out.bytes(chunk.data);
  }
  out.u32(crc32(out.buffer.subarray(0, out.at)));
  return out.buffer;
}

/** Snapshot bytes as a store image; throws a SnapshotError saying what is wrong. */
export function decodeSnapshot(bytes: Uint8Array): StoreImage {
  const magic = new TextEncoder().encode(SNAPSHOT_MAGIC);
  if (bytes.length < magic.length + 4 || magic.some((byte, i) => bytes[i] !== byte)) {
    throw new SnapshotError('it is not an mcpulse snapshot');
  }
  const input = new Reader(bytes);
  input.skip(magic.length);
  const version = input.u32();
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `it is snapshot version ${version}; this mcpulse reads version ${SNAPSHOT_VERSION}`,
    );
  }
  if (bytes.length < 12 + 4 + 4 + 8 + 4 + 4 + 4 + 4) throw new SnapshotError('it is cut short');
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw new SnapshotError('its checksum does not match (the file is damaged)');
  input.skip(4 + 8); // flags, saved-at
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const series: { labels: Labels; inLastPass: boolean; chunks: PackedChunk[] }[] = [];
  const keys = new Set<string>();
  const seriesCount = input.u32();
  for (let i = 0; i < seriesCount; i++) {
    const flags = input.u8();
    const labels: Label[] = [];
    const labelCount = input.u16();
    for (let j = 0; j < labelCount; j++) {
      const name = decoder.decode(input.bytes(input.u32()));
      const value = decoder.decode(input.bytes(input.u32()));
      labels.push({ name, value });
    }
    try {
      checkLabels(labels);
    } catch (error) {
      throw new SnapshotError(`series ${i} has bad labels: ${messageOf(error)}`);
    }
    const key = seriesKey(labels);
    if (keys.has(key)) throw new SnapshotError(`series ${i} is listed twice`);
    keys.add(key);
    series.push({ labels, inLastPass: (flags & 1) === 1, chunks: [] });
  }
  const blocks: SealedBlock[] = [];
  const blockCount = input.u32();
  let previousMaxT = -Infinity;
  for (let i = 0; i < blockCount; i++) {
    const block = readBlock(input, seriesCount, i);
    if (block.minT <= previousMaxT) throw new SnapshotError(`block ${i} does not follow the one before it`);
    previousMaxT = block.maxT;
    blocks.push(block);
  }
  const chunkCount = input.u32();
  for (let i = 0; i < chunkCount; i++) {
    const index = input.u32();
    const count = input.u32();
    const bits = input.u32();
    const minT = input.f64();
    const maxT = input.f64();
    const data = input.bytes(input.u32()).slice();
    const owner = series[index];
    const last = owner?.chunks.at(-1);
    const chunk = { data, bits, count, minT, maxT };
    if (owner === undefined || (last !== undefined && minT <= last.maxT) || !chunkReadsBack(chunk)) {
      throw new SnapshotError(`chunk ${i} is inconsistent`);
    }
    owner.chunks.push(chunk);
  }
  if (input.at !== body.length) throw new SnapshotError('it has bytes after its last section');
  return { series: series, blocks };
}

/** Whether a chunk decodes to `count` samples in order from minT to maxT (so reading it can never fail). */
function chunkReadsBack(chunk: PackedChunk): boolean {
  if (chunk.count < 1 || chunk.count > 0xffff || chunk.bits > chunk.data.length * 8) return false;
  try {
    const cursor = new XorCursor(new BitReader(chunk.data, chunk.bits), chunk.count);
    let read = 0;
    let previous = -Infinity;
    while (cursor.next()) {
      if (cursor.timestampMs <= previous || (read === 0 && cursor.timestampMs !== chunk.minT)) return false;
      previous = cursor.timestampMs;
      read += 1;
    }
    return read === chunk.count && previous === chunk.maxT;
  } catch {
    return false; // the stream ends early
  }
}

function readBlock(input: Reader, seriesCount: number, index: number): SealedBlock {
  const bad = (what: string) => new SnapshotError(`block ${index} ${what}`);
  const rows = input.u32();
  if (rows < 1 || rows > MAX_ROWS) throw bad(`has ${rows} rows`);
  const times = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    times[row] = input.f64();
    if (!Number.isInteger(times[row]) || (row > 0 && times[row]! <= times[row - 1]!)) {
      throw bad('has timestamps out of order');
    }
  }
  const idCount = input.u32();
  if (idCount > seriesCount) throw bad('names more series than the snapshot has');
  const offsets = new Uint32Array(idCount + 1);
  for (let i = 0; i <= idCount; i++) {
    offsets[i] = input.u32();
    if (i > 0 && offsets[i]! < offsets[i - 1]!) throw bad('has offsets out of order');
  }
  const partial = input.u32();
  if (partial > idCount) throw bad('has more partial series than series');
  const partialIds = new Uint32Array(partial);
  for (let i = 0; i < partial; i++) {
    partialIds[i] = input.u32();
    if (partialIds[i]! >= idCount || (i > 0 && partialIds[i]! <= partialIds[i - 1]!))
      throw bad('has bad partial ids');
  }
  const partialBits = input.bytes(partial * bitmapBytes(rows)).slice();
  const data = input.bytes(input.u32()).slice();
  if (offsets[0] !== 0 || offsets[idCount] !== data.length) throw bad('offsets do not span its data');
  const block = new SealedBlock(0, times, data, offsets, partialIds, partialBits, 0);
  let samples = 0;
  for (let id = 0; id < idCount; id++) {
    const count = block.countOf(id);
    // a stream holds the first value's 64 bits and a bit or more per further value
    if (block.has(id) && (count === 0 || (offsets[id + 1]! - offsets[id]!) * 8 < 63 + count)) {
      throw bad(`holds a value stream too short for its ${count} values`);
    }
    samples += count;
  }
  return new SealedBlock(0, times, data, offsets, partialIds, partialBits, samples);
}

/** A snapshot file that cannot be loaded; `message` says why. */
export class SnapshotError extends McpulseError {
  constructor(reason: string) {
    super('MCPULSE_ARGUMENT_INVALID', reason);
  }
}
SnapshotError.prototype.name = 'SnapshotError';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Writer {
  readonly buffer: Uint8Array;
  private readonly view: DataView;
  at = 0;

  constructor(size: number) {
    this.buffer = new Uint8Array(size);
    this.view = new DataView(this.buffer.buffer);
  }

  u8(value: number): void {
    this.view.setUint8(this.at, value);
    this.at += 1;
  }

  u16(value: number): void {
    this.view.setUint16(this.at, value, true);
    this.at += 2;
  }

  u32(value: number): void {
    this.view.setUint32(this.at, value, true);
    this.at += 4;
  }

  f64(value: number): void {
    this.view.setFloat64(this.at, value, true);
    this.at += 8;
  }

  bytes(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }
}

class Reader {
  private readonly view: DataView;
  at = 0;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  skip(count: number): void {
    this.need(count);
    this.at += count;
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.at, true);
    this.at += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.at, true);
    this.at += 8;
    return value;
  }

  /** The next `count` bytes, as a view. */
  bytes(count: number): Uint8Array {
    this.need(count);
    const bytes = this.buffer.subarray(this.at, this.at + count);
    this.at += count;
    return bytes;
  }

  private need(count: number): void {
    // the checksum trailer is not part of any section
    if (this.at + count > this.buffer.length - 4) throw new SnapshotError('it is cut short');
  }
}
