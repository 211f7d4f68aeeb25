/**
 * When Prometheus 2.42 evaluates a rule group (rules/manager.go Group.hash and EvalTimestamp): at the
 * multiples of its interval shifted by an offset derived from the group's file and name, so groups
 * spread over the interval and the same file loaded from the same path is evaluated at the same
 * instants by Prometheus and by mcpulse.
 */
import xxhash from 'xxhash-wasm';

/** Prometheus's GroupKey: group names need be unique only within a file. */
export function groupKey(file: string, name: string): string {
  return `${file};${name}`;
}

let hasher: Promise<(bytes: Uint8Array) => bigint> | undefined;

/**
 * Group.hash: labels.Labels{file, name}.Hash(), xxhash64 over `name 0xff value 0xff` of each label in
 * order. Resolves with the group's offset within its interval, in ms (Prometheus's is in ns; the
 * evaluation time it queries at is truncated to ms, which this offset gives exactly).
 */
export async function slotOffsetMs(file: string, name: string, intervalMs: number): Promise<number> {
  hasher ??= xxhash().then((api) => (bytes: Uint8Array) => api.h64Raw(bytes));
  const hash = await hasher;
  const sep = Buffer.from([0xff]);
  const bytes = Buffer.concat(
    ['file', file, 'name', name].flatMap((text) => [Buffer.from(text, 'utf8'), sep]),
  );
  const offsetNs = hash(bytes) % (BigInt(intervalMs) * 1_000_000n);
  return Number(offsetNs / 1_000_000n);
}

/** Group.EvalTimestamp: the latest slot at or before `nowMs`. */
export function slotAtOrBefore(nowMs: number, intervalMs: number, offsetMs: number): number {
  const adjusted = Math.floor(nowMs) - offsetMs;
  return adjusted - (((adjusted % intervalMs) + intervalMs) % intervalMs) + offsetMs;
}
