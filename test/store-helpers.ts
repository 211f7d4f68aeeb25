/** Test helpers for the store's tests: label matchers as the engine builds them, label sets from text. */
import { RE2JS } from 're2js';

import { labelsFrom, type Labels } from '../src/store/labels.js';
import type { LabelMatcher, MatchType } from '../src/store/queryable.js';

export function matcher(name: string, type: MatchType, value: string): LabelMatcher {
  const regex = type === '=~' || type === '!~' ? RE2JS.compile(value) : undefined;
  const matches = (candidate: string): boolean => {
    switch (type) {
      case '=':
        return candidate === value;
      case '!=':
        return candidate !== value;
      case '=~':
        return regex!.matches(candidate);
      case '!~':
        return !regex!.matches(candidate);
    }
  };
  return { type, name, value, matches };
}

/** `{__name__: 'up', job: 'a'}` as Labels. */
export function series(name: string, labels: Record<string, string> = {}): Labels {
  return labelsFrom({ ...labels, __name__: name });
}

/** The labels as a record, for compact assertions. */
export function record(labels: Labels): Record<string, string> {
  return Object.fromEntries(labels.map((label) => [label.name, label.value]));
}
