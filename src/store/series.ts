/**
 * One series as the store holds it, and reading its samples back: from the sealed scrape blocks, the
 * open block and its own chunks, merged in time order.
 */
import { badArgument } from '../core/errors.js';
import { decodeHead, type HeadStream, type SealedBlock } from './block.js';
import { SampleBuffer } from './samples.js';
import { MAX_TIMESTAMP_MS } from './chunk.js';
import { compareStrings, formatLabels, type Labels } from './labels.js';
import type { OwnChunks } from './own-chunks.js';

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
    readonly hash: number,
  ) {
    this.id = id;
  }
}

/**
 * Series by label set, through a 32-bit hash of the labels (colliding series share a slot and are
 * told apart by their labels). No key string is kept per series: a series' labels are its key.
 */
export class SeriesByLabels {
  private readonly byHash = new Map<number, Series | Series[]>();
  size = 0;

  get(labels: Labels, hash: number): Series | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameLabels(found.labels, labels) ? found : undefined;
    return found.find((series) => sameLabels(series.labels, labels));
  }

  add(series: Series): void {
    const found = this.byHash.get(series.hash);
    if (found === undefined) this.byHash.set(series.hash, series);
    else if (Array.isArray(found)) found.push(series);
    else this.byHash.set(series.hash, [found, series]);
    this.size += 1;
  }

  delete(series: Series): void {
    const found = this.byHash.get(series.hash);
    if (found === series) this.byHash.delete(series.hash);
    else if (Array.isArray(found)) {
      const rest = found.filter((other) => other !== series);
      this.byHash.set(series.hash, rest.length === 1 ? rest[0]! : rest);
    }
    this.size -= 1;
  }
}

/** FNV-1a over the label names and values (and a separator after each). */
export function labelsHash(labels: Labels): number {
  let hash = 0x811c9dc5;
  for (const { name, value } of labels) {
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ 0xff, 0x01000193);
    for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ 0xff, 0x01000193);
  }
  return hash >>> 0;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

/**
 * Appends the samples of `series` with mint <= t <= maxt to `out`: `blocks` oldest first, `headTimes`
 * the open block's rows, `spare` a buffer to decode its own chunks into.
 */
export function readSeries(
  series: Series,
  blocks: readonly SealedBlock[],
  headTimes: Float64Array,
  mintMs: number,
  maxtMs: number,
  out: SampleBuffer,
  spare: SampleBuffer,
): void {
  const id = series.id;
  const start = out.length;
  let first = 0;
  let last = blocks.length;
  while (first < last) {
    const middle = (first + last) >>> 1;
    if (blocks[middle]!.maxT < mintMs) first = middle + 1;
    else last = middle;
  }
  for (let i = first; i < blocks.length && blocks[i]!.minT <= maxtMs; i++) {
    blocks[i]!.decode(id, mintMs, maxtMs, out);
  }
  if (series.head !== undefined) decodeHead(series.head, headTimes, mintMs, maxtMs, out);
  const own = series.own;
  if (own === undefined) return;
  spare.truncate(0);
  own.decode(mintMs, maxtMs, spare);
  if (spare.length === 0) return;
  const scraped = new SampleBuffer(out.length - start);
  for (let i = start; i < out.length; i++) scraped.pushValue(out.t[i]!, out.v[i]!, out.stale?.[i] === 1);
  out.truncate(start);
  merge(scraped, spare, out);
}

/** Two time-ordered runs of one series (their timestamps never coincide), merged onto `out`. */
function merge(a: SampleBuffer, b: SampleBuffer, out: SampleBuffer): void {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const fromA = j >= b.length || (i < a.length && a.t[i]! < b.t[j]!);
    const from = fromA ? a : b;
    const k = fromA ? i++ : j++;
    out.pushValue(from.t[k]!, from.v[k]!, from.stale?.[k] === 1);
  }
}

/** One flat string per label set (joined, so a Set of them holds no string trees): for duplicate checks. */
export function seriesKey(labels: Labels): string {
  const parts = new Array<string>(labels.length * 2);
  for (let i = 0; i < labels.length; i++) {
    parts[2 * i] = labels[i]!.name;
    parts[2 * i + 1] = labels[i]!.value;
  }
  return parts.join('\xff');
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
        `a series' labels must be sorted by name with no name twice, got ${formatLabels(labels)}`,
      );
    }
  }
}
