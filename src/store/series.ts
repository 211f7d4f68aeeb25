/**
 * One series as the store holds it, and reading its samples back: from the sealed scrape blocks, the
 * open block and its own chunks, merged in time order.
 */
import { badArgument } from '../core/errors.js';
import { decodeHead, type HeadStream, SampleBuffer, type SealedBlock } from './block.js';
import { MAX_TIMESTAMP_MS } from './chunk.js';
import { compareStrings, labelsKey, type Labels } from './labels.js';
import type { OwnChunks } from './own-chunks.js';
import type { ValueReader } from './value-stream.js';

/** A series as resolve() hands it out, so a sampler can skip the label lookup on every pass. */
export interface SeriesRef {
  readonly labels: Labels;
}

export class Series implements SeriesRef {
  /** Index in the store; -1 once the series is gone (the ref is then dead: resolve again). */
  id: number;
  /** Time of the first sample held (Infinity while none) and of the last one appended. */
  firstT = Infinity;
  lastT = -Infinity;
  head: HeadStream | undefined = undefined;
  own: OwnChunks | undefined = undefined;
  /** Number of the last sampling pass that had it, and of the last sealed block holding its values. */
  lastPass = -1;
  lastBlockSeq = -1;

  constructor(
    id: number,
    readonly labels: Labels,
    readonly key: string,
  ) {
    this.id = id;
  }
}

/** The samples of `series` with mint <= t <= maxt; `blocks` oldest first, `headTimes` the open block's rows. */
export function readSeries(
  series: Series,
  blocks: readonly SealedBlock[],
  headTimes: Float64Array,
  reader: ValueReader,
  mintMs: number,
  maxtMs: number,
): SampleBuffer {
  const id = series.id;
  let first = 0;
  let last = blocks.length;
  while (first < last) {
    const middle = (first + last) >>> 1;
    if (blocks[middle]!.maxT < mintMs) first = middle + 1;
    else last = middle;
  }
  let capacity = series.head?.count ?? 0;
  let end = first;
  for (; end < blocks.length && blocks[end]!.minT <= maxtMs; end++) {
    if (blocks[end]!.has(id)) capacity += blocks[end]!.rows;
  }
  const scraped = new SampleBuffer(capacity);
  for (let i = first; i < end; i++) blocks[i]!.decode(id, mintMs, maxtMs, reader, scraped);
  if (series.head !== undefined) decodeHead(series.head, headTimes, mintMs, maxtMs, reader, scraped);
  const own = series.own;
  if (own === undefined) return scraped;
  const owned = new SampleBuffer(Math.min(own.samples, 1024));
  own.decode(mintMs, maxtMs, owned);
  return scraped.length === 0 ? owned : merge(scraped, owned);
}

/** Two time-ordered runs of one series (their timestamps never coincide) as one. */
function merge(a: SampleBuffer, b: SampleBuffer): SampleBuffer {
  if (b.length === 0) return a;
  const out = new SampleBuffer(a.length + b.length);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const fromA = j >= b.length || (i < a.length && a.t[i]! < b.t[j]!);
    const from = fromA ? a : b;
    const k = fromA ? i++ : j++;
    out.pushValue(from.t[k]!, from.v[k]!, from.stale?.[k] === 1);
  }
  return out;
}

export function checkTimestamp(timestampMs: number): void {
  if (!Number.isInteger(timestampMs) || Math.abs(timestampMs) > MAX_TIMESTAMP_MS) {
    throw badArgument(
      `sample timestamp must be an integer of milliseconds within ±2^52, got ${String(timestampMs)}`,
    );
  }
}

/** A new series' labels must be a label set as labels.ts defines one. */
export function checkLabels(labels: Labels): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (
      typeof label.name !== 'string' ||
      label.name === '' ||
      typeof label.value !== 'string' ||
      label.value === ''
    ) {
      throw badArgument(
        `a series' labels must have non-empty string names and values, got ${JSON.stringify(label)}`,
      );
    }
    if (i > 0 && compareStrings(labels[i - 1]!.name, label.name) >= 0) {
      throw badArgument(
        `a series' labels must be sorted by name with no name twice, got ${labelsKey(labels).replaceAll('\xff', ' ')}`,
      );
    }
  }
}
