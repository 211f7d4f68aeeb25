/**
 * The store's label index: for every label name, its distinct values, each with the ids of the series
 * that carry it (a posting). Equality matchers read one posting; a regex matcher runs once per distinct
 * value of its name, never per series. The posting also holds the one shared Label object for its
 * name=value pair, so series that share a pair share the object (and its strings).
 */
import type { Label, Labels } from './labels.js';
import type { LabelMatcher } from './queryable.js';

interface Posting {
  readonly label: Label;
  /** Ids in no particular order: a plain array costs 8 bytes an id, a Set several times that. */
  ids: number[];
}

/** Decides one matcher for a series' value of its label ('' when missing). */
export interface ValueTest {
  readonly name: string;
  test(value: string): boolean;
}

export class LabelIndex {
  private readonly byName = new Map<string, Map<string, Posting>>();

  /** Indexes series `id` and returns its labels made of the shared Label objects. */
  add(id: number, labels: Labels): Labels {
    const shared: Label[] = new Array<Label>(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const { name, value } = labels[i]!;
      let values = this.byName.get(name);
      if (values === undefined) this.byName.set(name, (values = new Map<string, Posting>()));
      let posting = values.get(value);
      if (posting === undefined) {
        posting = { label: Object.freeze({ name, value }), ids: [] };
        values.set(value, posting);
      }
      posting.ids.push(id);
      shared[i] = posting.label;
    }
    return Object.freeze(shared);
  }

  /** Unindexes series, all at once: each posting they were in is filtered once. */
  removeAll(removed: readonly { readonly id: number; readonly labels: Labels }[]): void {
    const gone = new Map<Posting, Set<number>>();
    for (const { id, labels } of removed) {
      for (const { name, value } of labels) {
        const posting = this.byName.get(name)?.get(value);
        if (posting === undefined) continue;
        let ids = gone.get(posting);
        if (ids === undefined) gone.set(posting, (ids = new Set()));
        ids.add(id);
      }
    }
    for (const [posting, ids] of gone) {
      posting.ids = posting.ids.filter((id) => !ids.has(id));
      if (posting.ids.length > 0) continue;
      const { name, value } = posting.label;
      const values = this.byName.get(name)!;
      values.delete(value);
      if (values.size === 0) this.byName.delete(name);
    }
  }

  /**
   * The ids that can match all `matchers`, from the most selective matcher that rules out series
   * without its label; undefined when none does (every series is a candidate). The caller still tests
   * every matcher on every candidate (with tests()).
   */
  candidates(matchers: readonly LabelMatcher[]): Iterable<number> | undefined {
    let best: Posting[] | undefined;
    let bestSize = Infinity;
    for (const matcher of matchers) {
      if (matcher.matches('')) continue; // a series without the label matches: no posting bounds it
      const postings: Posting[] = [];
      let size = 0;
      const values = this.byName.get(matcher.name);
      if (matcher.type === '=') {
        const posting = values?.get(matcher.value);
        if (posting !== undefined) {
          postings.push(posting);
          size = posting.ids.length;
        }
      } else if (values !== undefined) {
        for (const [value, posting] of values) {
          if (!matcher.matches(value)) continue;
          postings.push(posting);
          size += posting.ids.length;
        }
      }
      if (size < bestSize) {
        best = postings;
        bestSize = size;
      }
    }
    if (best === undefined) return undefined;
    return best.length === 1 ? best[0]!.ids : concatenated(best);
  }

  /**
   * One test per matcher. A regex matcher's answers are worked out here, once per distinct value of its
   * name, so testing a series is a set lookup.
   */
  tests(matchers: readonly LabelMatcher[]): ValueTest[] {
    return matchers.map((matcher) => {
      if (matcher.type === '=' || matcher.type === '!=') {
        return { name: matcher.name, test: (value: string) => matcher.matches(value) };
      }
      const matching = new Set<string>();
      for (const value of this.byName.get(matcher.name)?.keys() ?? []) {
        if (matcher.matches(value)) matching.add(value);
      }
      const matchesEmpty = matcher.matches('');
      return {
        name: matcher.name,
        test: (value: string) => (value === '' ? matchesEmpty : matching.has(value)),
      };
    });
  }
}

function* concatenated(postings: readonly Posting[]): Iterable<number> {
  // Postings of different values of one name hold different series: no id comes twice.
  for (const posting of postings) yield* posting.ids;
}

/** Whether a label set passes every test. */
export function passes(labels: Labels, tests: readonly ValueTest[]): boolean {
  for (const test of tests) {
    let value = '';
    for (const label of labels) {
      if (label.name === test.name) {
        value = label.value;
        break;
      }
    }
    if (!test.test(value)) return false;
  }
  return true;
}
