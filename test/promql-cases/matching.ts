/** Label-matching edge cases: missing labels, on()/ignoring() subsets, copied labels, names, non-ASCII values. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, type SeriesList } from './data.js';

const EDGE: SeriesList = [
  ['m{a="1", b="x"}', '1x5'],
  ['m{a="1", b="y"}', '2x5'],
  ['m{a="2"}', '3x5'],
  ['m{b="z"}', '4x5'],
  ['n{a="1"}', '10x5'],
  ['n{a="2", c="z"}', '20x5'],
  ['o', '7x5'],
  ['unicode{name="h\u00e9llo \u2713", quote="a\\"b\\\\c"}', '5x5'],
];

export const MATCHING_CASES: DiffCase[] = casesOn(
  'label matching',
  EDGE,
  ['2m', '5m'],
  [
    'm + on(a) group_left n',
    'm / ignoring(b) group_left n',
    'm * on(a) group_left(c) n',
    'n * on(a) group_right m',
    'm{b="z"} + on(a) n',
    'm unless on(a) n',
    'm and on() n',
    'm or n',
    'm == bool on(a) group_left n',
    'sum by (a) (m)',
    'count without (a, b) (m)',
    'unicode',
    'unicode{name=~"h.llo.*"}',
    'unicode{quote="a\\"b\\\\c"}',
    'm{b=~"x|"}',
    'm{b!~"x|y"}',
    'm{a!=""}',
    'm{a=""}',
    'label_replace(m, "a", "$1", "b", "(x)")',
    'count by (__name__) ({__name__=~"m|n"})',
    '{__name__=~"m|n"} + 1',
    'sum by (a) (m) * on(a) n',
    'topk by (a) (1, m)',
    'o + 1',
    '{__name__="o"}',
  ],
);
