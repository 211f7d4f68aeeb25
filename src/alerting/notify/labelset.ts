/**
 * Alertmanager's label sets (Prometheus common/model.LabelSet): the fingerprint that names an alert
 * and an aggregation group (FNV-1a 64 over the sorted names and values, each followed by 0xff,
 * printed as 16 hex digits), String() as group keys embed it, and the order alerts are sorted in.
 */
import { goQuote } from '../go-format.js';
import { compareGoStrings } from './matchers.js';

export type LabelSet = Readonly<Record<string, string>>;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

/** model.LabelNameRE: what Alertmanager accepts as a label name. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function sortedNames(labels: LabelSet): string[] {
  return Object.keys(labels).sort(compareGoStrings);
}

/** model.LabelSet.Fingerprint() as a 64-bit unsigned integer. */
export function fingerprintValue(labels: LabelSet): bigint {
  let hash = FNV_OFFSET;
  const add = (byte: number): void => {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK;
  };
  for (const name of sortedNames(labels)) {
    for (const byte of Buffer.from(name, 'utf8')) add(byte);
    add(SEPARATOR);
    for (const byte of Buffer.from(labels[name] ?? '', 'utf8')) add(byte);
    add(SEPARATOR);
  }
  return hash;
}

/** Fingerprint.String(): 16 lower-case hex digits. */
export function fingerprint(labels: LabelSet): string {
  return fingerprintValue(labels).toString(16).padStart(16, '0');
}

/** model.LabelSet.String(): `{a="1", b="2"}`, names sorted, values Go-quoted. */
export function formatLabelSet(labels: LabelSet): string {
  return (
    '{' +
    sortedNames(labels)
      .map((name) => `${name}=${goQuote(labels[name] ?? '')}`)
      .join(', ') +
    '}'
  );
}

/** model.LabelSet.Before: fewer labels first, then the first differing name or value decides. */
export function labelSetBefore(a: LabelSet, b: LabelSet): boolean {
  const aNames = Object.keys(a);
  const bNames = Object.keys(b);
  if (aNames.length !== bNames.length) return aNames.length < bNames.length;
  const names = [...aNames, ...bNames].sort(compareGoStrings);
  for (const name of names) {
    const av = a[name];
    if (av === undefined) return true;
    const bv = b[name];
    if (bv === undefined) return false;
    const order = compareGoStrings(av, bv);
    if (order !== 0) return order < 0;
  }
  return false;
}

/** types.AlertSlice.Less: by `job`, then `instance` (an alert without one sorts after), then label set. */
export function compareAlertLabels(a: LabelSet, b: LabelSet): number {
  for (const key of ['job', 'instance']) {
    const av = a[key];
    const bv = b[key];
    if (av === undefined && bv === undefined) continue;
    if (av === undefined) return 1;
    if (bv === undefined) return -1;
    if (av !== bv) return compareGoStrings(av, bv);
  }
  if (labelSetBefore(a, b)) return -1;
  return labelSetBefore(b, a) ? 1 : 0;
}
