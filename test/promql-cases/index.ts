/** Every differential case, by area. */
import type { DiffCase } from '../promql-diff-kit.js';
import { AGGREGATION_CASES } from './aggregations.js';
import { BINARY_CASES } from './binary.js';
import { ERROR_CASES } from './errors.js';
import { FUNCTION_CASES } from './functions.js';
import { HISTOGRAM_CASES } from './histograms.js';
import { MATCHING_CASES } from './matching.js';
import { OVER_TIME_CASES } from './over-time.js';
import { RATE_CASES } from './rates.js';
import { SELECTOR_CASES } from './selectors.js';
import { STALENESS_CASES } from './staleness.js';
import { SUBQUERY_CASES } from './subqueries.js';

export const CASES: readonly DiffCase[] = [
  ...SELECTOR_CASES,
  ...STALENESS_CASES,
  ...RATE_CASES,
  ...OVER_TIME_CASES,
  ...HISTOGRAM_CASES,
  ...AGGREGATION_CASES,
  ...BINARY_CASES,
  ...FUNCTION_CASES,
  ...SUBQUERY_CASES,
  ...MATCHING_CASES,
];

export { ERROR_CASES };
