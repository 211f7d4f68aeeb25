/**
 * Go's sort.Sort as Go 1.19 runs it (pattern-defeating quicksort; the Prometheus 2.42 here is built
 * with go1.19.8). PromQL's sort(), sort_desc(), quantile and histogram_quantile sort with it, and it
 * is not stable: equal elements (and NaNs, which its comparators order inconsistently) come out in
 * the order this exact algorithm leaves them, so it is ported step for step rather than replaced by
 * Array.prototype.sort. Checked against a running Prometheus 2.42: sort()/sort_desc() of 13 to 1,000
 * samples with ties, NaNs, sorted, reversed and constant inputs come back in the same order. Comparisons and swaps happen on array elements, which is what Go's
 * index-based Interface does for a slice.
 */

type Less<T> = (a: T, b: T) => boolean;

/** Sorts data in place by less, exactly as Go's sort.Sort(data) would. */
export function goSort<T>(data: T[], less: Less<T>): void {
  const n = data.length;
  if (n <= 1) return;
  pdqsort(new Sorter(data, less), 0, n, bitLength(n));
}

class Sorter<T> {
  constructor(
    private readonly data: T[],
    private readonly lessFn: Less<T>,
  ) {}

  less(i: number, j: number): boolean {
    return this.lessFn(this.data[i]!, this.data[j]!);
  }

  swap(i: number, j: number): void {
    const x = this.data[i]!;
    this.data[i] = this.data[j]!;
    this.data[j] = x;
  }
}

/** Go's bits.Len. */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}

const UNKNOWN_HINT = 0;
const INCREASING_HINT = 1;
const DECREASING_HINT = 2;

function insertionSort<T>(s: Sorter<T>, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && s.less(j, j - 1); j--) s.swap(j, j - 1);
  }
}

function siftDown<T>(s: Sorter<T>, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) break;
    if (child + 1 < hi && s.less(first + child, first + child + 1)) child++;
    if (!s.less(first + root, first + child)) return;
    s.swap(first + root, first + child);
    root = child;
  }
}

function heapSort<T>(s: Sorter<T>, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.trunc((hi - 1) / 2); i >= 0; i--) siftDown(s, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    s.swap(first, first + i);
    siftDown(s, 0, i, first);
  }
}

function pdqsort<T>(s: Sorter<T>, a: number, b: number, limit: number): void {
  const maxInsertion = 12;
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= maxInsertion) {
      insertionSort(s, a, b);
      return;
    }
    if (limit === 0) {
      heapSort(s, a, b);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(s, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(s, a, b);
    if (hint === DECREASING_HINT) {
      reverseRange(s, a, b);
      pivot = b - 1 - (pivot - a);
      hint = INCREASING_HINT;
    }
    if (wasBalanced && wasPartitioned && hint === INCREASING_HINT) {
      if (partialInsertionSort(s, a, b)) return;
    }
    if (a > 0 && !s.less(a - 1, pivot)) {
      a = partitionEqual(s, a, b, pivot);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(s, a, b, pivot);
    wasPartitioned = alreadyPartitioned;
    const leftLen = mid - a;
    const rightLen = b - mid;
    const balanceThreshold = Math.trunc(length / 8);
    if (leftLen < rightLen) {
      wasBalanced = leftLen >= balanceThreshold;
      pdqsort(s, a, mid, limit);
      a = mid + 1;
    } else {
      wasBalanced = rightLen >= balanceThreshold;
      pdqsort(s, mid + 1, b, limit);
      b = mid;
    }
  }
}

function partition<T>(s: Sorter<T>, a: number, b: number, pivot: number): [number, boolean] {
  s.swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && s.less(i, a)) i++;
  while (i <= j && !s.less(j, a)) j--;
  if (i > j) {
    s.swap(j, a);
    return [j, true];
  }
  s.swap(i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && s.less(i, a)) i++;
    while (i <= j && !s.less(j, a)) j--;
    if (i > j) break;
    s.swap(i, j);
    i++;
    j--;
  }
  s.swap(j, a);
  return [j, false];
}

function partitionEqual<T>(s: Sorter<T>, a: number, b: number, pivot: number): number {
  s.swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !s.less(a, i)) i++;
    while (i <= j && s.less(a, j)) j--;
    if (i > j) break;
    s.swap(i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort<T>(s: Sorter<T>, a: number, b: number): boolean {
  const maxSteps = 5;
  const shortestShifting = 50;
  let i = a + 1;
  for (let step = 0; step < maxSteps; step++) {
    while (i < b && !s.less(i, i - 1)) i++;
    if (i === b) return true;
    if (b - a < shortestShifting) return false;
    s.swap(i, i - 1);
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!s.less(j, j - 1)) break;
        s.swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!s.less(j, j - 1)) break;
        s.swap(j, j - 1);
      }
    }
  }
  return false;
}

const UINT64_MASK = (1n << 64n) - 1n;

function breakPatterns<T>(s: Sorter<T>, a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  // Go 1.19's xorshift: a uint64 seeded with the length, shifted 13/17/5 (later Go versions use 13/7/17).
  let random = BigInt(length);
  const modulus = 2 ** bitLength(length);
  const mask = BigInt(modulus - 1);
  const middle = a + Math.trunc(length / 4) * 2;
  for (let idx = middle - 1; idx <= middle + 1; idx++) {
    random ^= (random << 13n) & UINT64_MASK;
    random ^= random >> 17n;
    random ^= (random << 5n) & UINT64_MASK;
    let other = Number(random & mask);
    if (other >= length) other -= length;
    s.swap(idx, a + other);
  }
}

function choosePivot<T>(s: Sorter<T>, a: number, b: number): [number, number] {
  const shortestNinther = 50;
  const maxSwaps = 4 * 3;
  const l = b - a;
  const swaps = { count: 0 };
  const quarter = Math.trunc(l / 4);
  let i = a + quarter;
  let j = a + quarter * 2;
  let k = a + quarter * 3;
  if (l >= 8) {
    if (l >= shortestNinther) {
      i = median(s, i - 1, i, i + 1, swaps);
      j = median(s, j - 1, j, j + 1, swaps);
      k = median(s, k - 1, k, k + 1, swaps);
    }
    j = median(s, i, j, k, swaps);
  }
  if (swaps.count === 0) return [j, INCREASING_HINT];
  if (swaps.count === maxSwaps) return [j, DECREASING_HINT];
  return [j, UNKNOWN_HINT];
}

function median<T>(s: Sorter<T>, a: number, b: number, c: number, swaps: { count: number }): number {
  const order2 = (x: number, y: number): [number, number] => {
    if (s.less(y, x)) {
      swaps.count++;
      return [y, x];
    }
    return [x, y];
  };
  [a, b] = order2(a, b);
  [b, c] = order2(b, c);
  [a, b] = order2(a, b);
  return b;
}

function reverseRange<T>(s: Sorter<T>, a: number, b: number): void {
  let i = a;
  let j = b - 1;
  while (i < j) {
    s.swap(i, j);
    i++;
    j--;
  }
}
