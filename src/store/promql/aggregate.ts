/**
 * Aggregation operators as Prometheus 2.42 runs them (engine.go's aggregation()): groups in the order
 * first seen, sum as plain float addition in input order, avg as 2.42's incremental mean (with its
 * Inf handling), min/max where a NaN gives way to any number, stddev/stdvar by Welford's update,
 * topk/bottomk on Go's container/heap then Go's sort, quantile over Go's sort, count_values labelled
 * with strconv.FormatFloat(v, 'f', -1). Group keys come precomputed per input series (StepVector.id).
 */
import {
  compareStrings,
  labelsKeyOf,
  LabelsBuilder,
  METRIC_NAME,
  EMPTY_LABELS,
  type Labels,
} from '../labels.js';
import type { AggregateOp } from './ast.js';
import { queryFailed } from './errors.js';
import type { StepVector } from './engine-types.js';
import { goSort } from './go-sort.js';
import { quantile } from './quantile.js';

/** The decimal digits and exponent of |v|'s shortest round-trip form: v = 0.d1d2… × 10^(exp + 1). */
function shortestDigits(v: number): [digits: string, exp: number] {
  const [mantissa, exponent] = Math.abs(v).toExponential().split('e') as [string, string];
  return [mantissa.replace('.', ''), Number(exponent)];
}

function specialFloat(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

function signOf(v: number): string {
  return v < 0 || Object.is(v, -0) ? '-' : '';
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64). */
export function formatFloatFixed(v: number): string {
  const special = specialFloat(v);
  if (special !== undefined) return special;
  if (v === 0) return signOf(v) + '0';
  const [digits, exp] = shortestDigits(v);
  let text: string;
  if (exp < 0) text = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) text = digits + '0'.repeat(exp + 1 - digits.length);
  else text = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return signOf(v) + text;
}

/** Go's fmt %v of a float64 (strconv 'g' with the shortest digits: %e from exponent -5 or 6 on). */
export function formatFloatValue(v: number): string {
  const special = specialFloat(v);
  if (special !== undefined) return special;
  if (v === 0) return signOf(v) + '0';
  const [digits, exp] = shortestDigits(v);
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return signOf(v) + mantissa + 'e' + (exp < 0 ? '-' : '+') + e;
  }
  return formatFloatFixed(v);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const INT64_LIMIT = 9223372036854775808;

/** The group key of a label set: the `by` labels, or all but the `without` labels and the name. */
export function groupKeyFunction(grouping: readonly string[], without: boolean): (labels: Labels) => string {
  if (without) {
    const names = new Set([METRIC_NAME, ...grouping]);
    return (labels) => labelsKeyOf(labels, names, false);
  }
  if (grouping.length === 0) return () => '';
  const names = new Set(grouping);
  return (labels) => labelsKeyOf(labels, names, true);
}

interface HeapItem {
  readonly metric: Labels;
  readonly v: number;
}

interface Group {
  readonly labels: Labels;
  /** The step the group was last seen in. */
  stamp: number;
  value: number;
  mean: number;
  count: number;
  heap: HeapItem[];
  values: number[];
}

type HeapLess = (a: HeapItem, b: HeapItem) => boolean;

/** vectorByValueHeap.Less (topk's min-heap): a NaN is less than anything. */
const byValue: HeapLess = (a, b) => Number.isNaN(a.v) || a.v < b.v;
/** vectorByReverseValueHeap.Less (bottomk's max-heap). */
const byReverseValue: HeapLess = (a, b) => Number.isNaN(a.v) || a.v > b.v;

/** container/heap's up and down. */
function heapUp(h: HeapItem[], j: number, less: HeapLess): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    j = i;
  }
}

function heapDown(h: HeapItem[], i: number, n: number, less: HeapLess): void {
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    i = j;
  }
}

function heapPush(h: HeapItem[], item: HeapItem, less: HeapLess): void {
  h.push(item);
  heapUp(h, h.length - 1, less);
}

function heapPop(h: HeapItem[], less: HeapLess): void {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n]!, h[0]!];
  heapDown(h, 0, n, less);
  h.pop();
}

/** One aggregation node's per-step evaluation, with its label caches. */
export class Aggregation {
  private readonly groups = new Map<string, Group>();
  private readonly groupsById: (Group | undefined)[] = [];
  private readonly ordered: Group[] = [];
  private stamp = 0;
  private readonly keyOf: (labels: Labels) => string;
  private readonly valueGrouping: readonly string[];

  constructor(
    private readonly op: AggregateOp,
    private readonly grouping: readonly string[],
    private readonly without: boolean,
    valueLabel: string | undefined,
  ) {
    // count_values by (…) groups by its value label too.
    this.valueGrouping =
      valueLabel !== undefined && !without ? [...grouping, valueLabel].sort(compareStrings) : grouping;
    this.keyOf = groupKeyFunction(this.valueGrouping, without);
  }

  private newGroup(key: string | number, metric: Labels): Group {
    const grouping = this.valueGrouping;
    let labels: Labels;
    if (this.without) {
      const builder = new LabelsBuilder(metric);
      for (const name of grouping) builder.delete(name);
      labels = builder.delete(METRIC_NAME).labels();
    } else if (grouping.length > 0) {
      const keep = new Set(grouping);
      labels = metric.filter((label) => keep.has(label.name));
    } else {
      labels = EMPTY_LABELS;
    }
    const group: Group = { labels, stamp: 0, value: 0, mean: 0, count: 0, heap: [], values: [] };
    if (typeof key === 'number') this.groupsById[key] = group;
    else this.groups.set(key, group);
    return group;
  }

  /** Aggregates one step's vector into out; param is k, φ or count_values' label. */
  eval(vec: StepVector, param: number | string, out: StepVector): void {
    const op = this.op;
    let k = 0;
    if (op === 'topk' || op === 'bottomk') {
      const f = param as number;
      if (!(f <= INT64_LIMIT && f >= -INT64_LIMIT)) {
        throw queryFailed(`Scalar value ${formatFloatValue(f)} overflows int64`);
      }
      // float64 → int64 truncates; 2^63 itself wraps to the minimum on amd64.
      k = f === INT64_LIMIT ? -INT64_LIMIT : Math.trunc(f);
      if (k < 1) return;
    }
    let valueLabel: string | undefined;
    if (op === 'count_values') {
      valueLabel = param as string;
      if (!LABEL_NAME.test(valueLabel)) throw queryFailed(`invalid label name ${JSON.stringify(valueLabel)}`);
    }
    const groups = this.groups;
    const ordered = this.ordered;
    const stamp = ++this.stamp;
    ordered.length = 0;
    const less = op === 'bottomk' ? byReverseValue : byValue;

    for (let i = 0; i < vec.length; i++) {
      let metric = vec.metric[i]!;
      const v = vec.v[i]!;
      let group: Group | undefined;
      let key: string | number;
      if (valueLabel === undefined) {
        key = vec.id[i]!;
        group = this.groupsById[key];
      } else {
        // count_values' value label changes the group key of every sample.
        metric = new LabelsBuilder(metric).set(valueLabel, formatFloatFixed(v)).labels();
        key = this.keyOf(metric);
        group = groups.get(key);
      }
      // Groups live across steps (so do their label sets); a group not yet seen this step starts over.
      if (group === undefined || group.stamp !== stamp) {
        const fresh = group ?? this.newGroup(key, metric);
        fresh.stamp = stamp;
        fresh.value = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
        fresh.mean = v;
        fresh.count = 1;
        fresh.heap.length = 0;
        fresh.values.length = 0;
        if (op === 'topk' || op === 'bottomk') fresh.heap.push({ metric: vec.metric[i]!, v });
        else if (op === 'quantile') fresh.values.push(v);
        ordered.push(fresh);
        continue;
      }
      switch (op) {
        case 'sum':
          group.value += v;
          break;
        case 'avg':
          group.count++;
          if (!Number.isFinite(group.mean) && !Number.isNaN(group.mean)) {
            // An infinite mean stays put for a same-signed Inf or any finite value (else Inf - Inf = NaN).
            if (!Number.isFinite(v) && !Number.isNaN(v) && group.mean > 0 === v > 0) break;
            if (Number.isFinite(v)) break;
          }
          group.mean += v / group.count - group.mean / group.count;
          break;
        case 'group':
          break;
        case 'max':
          if (group.value < v || Number.isNaN(group.value)) group.value = v;
          break;
        case 'min':
          if (group.value > v || Number.isNaN(group.value)) group.value = v;
          break;
        case 'count':
        case 'count_values':
          group.count++;
          break;
        case 'stddev':
        case 'stdvar': {
          group.count++;
          const delta = v - group.mean;
          group.mean += delta / group.count;
          group.value += delta * (v - group.mean);
          break;
        }
        case 'topk':
        case 'bottomk': {
          const heap = group.heap;
          const top = heap[0]!.v;
          const better = op === 'topk' ? top < v : top > v;
          if (heap.length < k || better || Number.isNaN(top)) {
            const item = { metric: vec.metric[i]!, v };
            if (heap.length === k) {
              if (k === 1) {
                heap[0] = item;
                break;
              }
              heapPop(heap, less);
            }
            heapPush(heap, item, less);
          }
          break;
        }
        case 'quantile':
          group.values.push(v);
          break;
      }
    }

    for (const group of ordered) {
      switch (op) {
        case 'avg':
          group.value = group.mean;
          break;
        case 'count':
        case 'count_values':
          group.value = group.count;
          break;
        case 'stdvar':
          group.value = group.value / group.count;
          break;
        case 'stddev':
          group.value = Math.sqrt(group.value / group.count);
          break;
        case 'topk':
        case 'bottomk': {
          // The heap keeps the weakest on top: sort.Sort(sort.Reverse(heap)).
          if (group.heap.length > 1) goSort(group.heap, (a, b) => less(b, a));
          for (const item of group.heap) out.push(item.metric, item.v);
          continue;
        }
        case 'quantile':
          group.value = quantile(param as number, group.values);
          break;
        default:
          break;
      }
      out.push(group.labels, group.value);
    }
  }
}
