/**
 * The store on disk: saved on shutdown, loaded on start, so a restart does not erase the day. One
 * binary file (snapshot-format.ts), written to a temporary name, synced and renamed over the old one,
 * so a crash mid-write leaves the last good snapshot.
 *
 * Nothing here throws. A missing file is a fresh start; a file that is not a snapshot, of another
 * version, cut short, failing its checksum or inconsistent inside is refused with an error naming the
 * file and the reason, handed to onError (which the host counts) and returned; so is a failed save.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, promises as fs, renameSync, rmSync, writeSync } from 'node:fs';

import { McpulseError } from '../core/errors.js';
import type { ImageLoad, SeriesStore } from './series-store.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-format.js';

export {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  SnapshotError,
} from './snapshot-format.js';

export interface SnapshotOptions {
  /** Called with the error of a failed save or a refused load (it must not throw; if it does, that is swallowed). */
  onError?: (error: McpulseError) => void;
}

export interface SaveResult {
  ok: boolean;
  bytes: number;
  series: number;
  error?: McpulseError;
}

export interface LoadResult extends Partial<ImageLoad> {
  status: 'loaded' | 'missing' | 'refused';
  error?: McpulseError;
}

/** Writes the store's snapshot to `path` atomically (a temporary file, then a rename). Never throws. */
export async function saveSnapshot(
  store: SeriesStore,
  path: string,
  options: SnapshotOptions = {},
): Promise<SaveResult> {
  const temporary = temporaryName(path);
  try {
    const image = store.exportImage();
    const bytes = encodeSnapshot(image, Date.now());
    const file = await fs.open(temporary, 'w', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temporary, path);
    return { ok: true, bytes: bytes.length, series: image.series.length };
  } catch (cause) {
    await fs.rm(temporary, { force: true }).catch(() => {});
    return saveFailed(options, path, cause);
  }
}

function temporaryName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function saveFailed(options: SnapshotOptions, path: string, cause: unknown): SaveResult {
  const message = `mcpulse: could not save the store snapshot to ${path}: ${messageOf(cause)}`;
  const error = new McpulseError('MCPULSE_ARGUMENT_INVALID', message, { cause });
  report(options, error);
  return { ok: false, bytes: 0, series: 0, error };
}

/** saveSnapshot() for a synchronous exit path (process.on('exit')). Never throws. */
export function saveSnapshotSync(
  store: SeriesStore,
  path: string,
  options: SnapshotOptions = {},
): SaveResult {
  const temporary = temporaryName(path);
  try {
    const image = store.exportImage();
    const bytes = encodeSnapshot(image, Date.now());
    const file = openSync(temporary, 'w', 0o600);
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(file, bytes, at);
      fsyncSync(file);
    } finally {
      closeSync(file);
    }
    renameSync(temporary, path);
    return { ok: true, bytes: bytes.length, series: image.series.length };
  } catch (cause) {
    rmSync(temporary, { force: true });
    return saveFailed(options, path, cause);
  }
}

/**
 * Loads the snapshot at `path` into `store` (a new one), leaving out samples older than
 * nowMs - retention. Never throws: see the opening comment.
 */
export async function loadSnapshot(
  store: SeriesStore,
  path: string,
  options: SnapshotOptions & { nowMs?: number } = {},
): Promise<LoadResult> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return refuse(options, path, messageOf(cause), cause);
  }
  try {
    const image = decodeSnapshot(bytes);
    return { status: 'loaded', ...store.importImage(image, options.nowMs ?? Date.now()) };
  } catch (cause) {
    return refuse(options, path, messageOf(cause), cause);
  }
}

function refuse(options: SnapshotOptions, path: string, reason: string, cause: unknown): LoadResult {
  const error = new McpulseError(
    'MCPULSE_ARGUMENT_INVALID',
    `mcpulse: store snapshot ${path} was not loaded: ${reason}`,
    { cause },
  );
  report(options, error);
  return { status: 'refused', error };
}

function report(options: SnapshotOptions, error: McpulseError): void {
  try {
    options.onError?.(error);
  } catch {
    // the host's callback failed too: the result still says what happened
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
