/**
 * Label sets as Prometheus holds them (model/labels): a list of name/value pairs sorted by name, names
 * unique, no empty values (an empty value means "no such label", in matchers and in results alike).
 * `__name__` is an ordinary label here, as it is there. Strings order as Go's do, byte-wise in UTF-8,
 * so sorted results come out in Prometheus's order even past the Basic Multilingual Plane.
 */

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** Sorted by name, names unique, values non-empty. Build with labelsFrom or a LabelsBuilder. */
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

export const EMPTY_LABELS: Labels = Object.freeze([]);

/** Go's string order (UTF-8 bytes), which differs from JS's (UTF-16 units) only for astral characters. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800-0xDFFF) starts a code point above 0xFFFF: in UTF-8 it sorts after every
    // single-unit character, 0xE000-0xFFFF included.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Prometheus's labels.Compare: pair by pair, name then value; a prefix sorts first. */
export function compareLabels(a: Labels, b: Labels): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return compareStrings(x.name, y.name);
    if (x.value !== y.value) return compareStrings(x.value, y.value);
  }
  return a.length - b.length;
}

/** A label set from a record; empty values are dropped, as Prometheus drops them. */
export function labelsFrom(record: Readonly<Record<string, string>>): Labels {
  const labels: Label[] = [];
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value !== undefined && value !== '') labels.push({ name, value });
  }
  return labels.sort((x, y) => compareStrings(x.name, y.name));
}

/** The label's value, or '' when absent (Prometheus's Labels.Get). */
export function labelValue(labels: Labels, name: string): string {
  for (const label of labels) if (label.name === name) return label.value;
  return '';
}

/** One string per distinct label set, for maps and equality: names and values can hold any character but \xff. */
export function labelsKey(labels: Labels): string {
  let key = '';
  for (const label of labels) key += label.name + '\xff' + label.value + '\xff';
  return key;
}

/** The key of only the named labels (`on (…)`, `by (…)`), or of all but them (`ignoring`, `without`). */
export function labelsKeyOf(labels: Labels, names: ReadonlySet<string>, keep: boolean): string {
  let key = '';
  for (const label of labels) {
    if (names.has(label.name) === keep) key += label.name + '\xff' + label.value + '\xff';
  }
  return key;
}

/**
 * Evaluation drops the name of the same label set at every step of a range query: the answer is kept
 * per label set (by identity) so each is filtered once and every step shares one result object.
 */
const withoutNameCache = new WeakMap<Labels, Labels>();

export function withoutMetricName(labels: Labels): Labels {
  const cached = withoutNameCache.get(labels);
  if (cached !== undefined) return cached;
  const result = labels.some((label) => label.name === METRIC_NAME)
    ? labels.filter((label) => label.name !== METRIC_NAME)
    : labels;
  withoutNameCache.set(labels, result);
  return result;
}

/** Only the named labels (keep = true) or all but them (keep = false). */
export function pickLabels(labels: Labels, names: ReadonlySet<string>, keep: boolean): Labels {
  return labels.filter((label) => names.has(label.name) === keep);
}

/** `{a="1", b="2"}` as Prometheus prints a label set (Go's strconv.Quote for values). */
export function formatLabels(labels: Labels): string {
  return '{' + labels.map((label) => `${label.name}=${JSON.stringify(label.value)}`).join(', ') + '}';
}

/** Edits a label set: set (an empty value deletes) and delete, then labels() sorts once. */
export class LabelsBuilder {
  private readonly edits = new Map<string, string>();

  constructor(private readonly base: Labels) {}

  set(name: string, value: string): this {
    this.edits.set(name, value);
    return this;
  }

  delete(name: string): this {
    this.edits.set(name, '');
    return this;
  }

  labels(): Labels {
    if (this.edits.size === 0) return this.base;
    const out: Label[] = [];
    for (const label of this.base) if (!this.edits.has(label.name)) out.push(label);
    for (const [name, value] of this.edits) if (value !== '') out.push({ name, value });
    return out.sort((x, y) => compareStrings(x.name, y.name));
  }
}
