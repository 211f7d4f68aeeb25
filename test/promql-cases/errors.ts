/** Queries both engines must refuse: promtool must report an error wherever mcpulse does. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, GAUGES, HTTP, MATCHING } from './data.js';

export const ERROR_CASES: DiffCase[] = [
  ...casesOn(
    'error',
    MATCHING,
    ['5m'],
    [
      'requests / on(instance) limits',
      'errors / ignoring(method) requests',
      'errors + ignoring(method) group_left requests',
      'rate(requests)',
      'nonexistent_function(requests)',
      '"a string"',
      'sum(requests) by (',
      '{__name__=~"requests|errors"} * 1',
    ],
  ),
  ...casesOn('error', HTTP, ['5m'], ['http_requests_total[5m]']),
  ...casesOn(
    'error',
    GAUGES,
    ['5m'],
    [
      'label_replace(temperature, "bad-name", "x", "room", ".*")',
      'label_replace(temperature, "room", "x", "room", "(")',
    ],
  ),
];
