/** Instant selectors: the four matchers, missing labels, regex anchoring, __name__ matchers, offsets. */
import type { DiffCase } from '../promql-diff-kit.js';
import { casesOn, HTTP } from './data.js';

export const SELECTOR_CASES: DiffCase[] = casesOn(
  'selector',
  HTTP,
  ['5m', '12m', '17m30s'],
  [
    'http_requests_total',
    'http_requests_total{job="api"}',
    'http_requests_total{job!="api"}',
    'http_requests_total{code=~"2.."}',
    'http_requests_total{code!~"2.."}',
    'http_requests_total{job=~"api|web", code!="500"}',
    'http_requests_total{job=~"ap"}',
    'http_requests_total{job=~"a.*"}',
    'http_requests_total{code=~"(2|4)0[04]"}',
    'http_requests_total{code=~""}',
    'http_requests_total{missing=""}',
    'http_requests_total{missing!=""}',
    'http_requests_total{missing=~".*"}',
    'http_requests_total{missing=~".+"}',
    'http_requests_total{job="api", job!="web"}',
    'http_requests_total{instance=~"a|c", code!~"5.."}',
    'http_requests_total{job=~"(?i)API"}',
    '{job=~"API"}',
    '{__name__="http_requests_total", code="404"}',
    '{__name__=~"http_.*", job="web"}',
    '{job="api"}',
    '{code="500", __name__!=""}',
    'http_requests_total offset 3m',
    'http_requests_total{instance="a"} offset 10m',
    'http_requests_total offset 1h',
    'http_requests_total{code="404"} offset 30s',
    'http_requests_total{job="api"} offset -2m',
  ],
);
