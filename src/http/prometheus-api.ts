/**
 * The read half of Prometheus's HTTP API (web/api/v1 of Prometheus 2.42) over mcpulse's own store, so
 * Grafana's Prometheus datasource, promtool and curl scripts work against mcpulse unchanged:
 * `/api/v1/query`, `/api/v1/query_range`, `/api/v1/series`, `/api/v1/labels`,
 * `/api/v1/label/<name>/values` and `/api/v1/status/buildinfo`; with a rules service, `/api/v1/rules`,
 * `/api/v1/alerts` and `/api/v1/alerts/transitions` (prometheus-rules-api.ts). Parameters come from the query string
 * and, for POST, a form body (body values first, as Go's FormValue reads them). Errors are
 * `{status:"error", errorType, error}`: `bad_data` with 400, `execution` with 422, as Prometheus answers.
 */
import type { Labels } from '../store/labels.js';
import type { LabelMatcher } from '../store/queryable.js';
import { QueryError } from '../store/promql/errors.js';
import type { MatrixValue, QueryValue } from '../store/promql/value.js';

import { errorJson, jsonString, labelsJson, queryDataJson, successJson } from './prometheus-json.js';
import {
  alertsDataJson,
  NO_RULES,
  rulesDataJson,
  RulesParamError,
  transitionsDataJson,
  type RulesStatusService,
} from './prometheus-rules-api.js';

/** What the API reads; the Mcpulse composition root builds it from the store and the engine. */
export interface PrometheusQueryService {
  instant(query: string, timeMs: number): QueryValue;
  range(query: string, startMs: number, endMs: number, stepMs: number): MatrixValue;
  series(matcherSets: readonly (readonly LabelMatcher[])[], startMs: number, endMs: number): Labels[];
  labelNames(matcherSets: readonly (readonly LabelMatcher[])[], startMs: number, endMs: number): string[];
  labelValues(
    name: string,
    matcherSets: readonly (readonly LabelMatcher[])[],
    startMs: number,
    endMs: number,
  ): string[];
  /** A series selector (`up{job="a"}`) as matchers; throws a bad_data QueryError. */
  parseMatchers(text: string): LabelMatcher[];
  /** A duration such as `15s` or `1h30m`, in ms; throws a bad_data QueryError. */
  parseDuration(text: string): number;
  now(): number;
}

export interface ApiResponse {
  status: number;
  body: string;
}

export const API_PREFIX = '/api/v1/';
export const API_CONTENT_TYPE = 'application/json';
/** Largest POST body read, in bytes; a PromQL query is text, and Prometheus's own UI sends a few KB. */
export const MAX_API_BODY_BYTES = 1024 * 1024;

/** The Prometheus version whose API and PromQL semantics mcpulse follows (and tests against). */
export const PROMETHEUS_API_VERSION = '2.42.0';

// Prometheus's bounds for "no start/end given": the extremes of an int64 of milliseconds, kept within
// what a JS number holds exactly (mcpulse's store keeps nothing outside ±2^52 ms anyway).
const MIN_TIME_MS = -(2 ** 53) + 1;
const MAX_TIME_MS = 2 ** 53 - 1;
const MAX_POINTS = 11_000;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

class ParamError extends Error {}

/** parseTime of web/api/v1: seconds as a float (milliseconds rounded), or RFC 3339. */
export function parseTimeParam(text: string): number {
  if (DECIMAL.test(text)) {
    const seconds = Number(text);
    const whole = Math.trunc(seconds);
    const ms = whole * 1000 + Math.round((seconds - whole) * 1000);
    if (Number.isSafeInteger(ms)) return ms;
  } else if (RFC3339.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ParamError(`cannot parse ${goQuote(text)} to a valid timestamp`);
}

function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** The GET-only endpoints. */
const GET_ONLY = new Set(['status/buildinfo', 'rules', 'alerts', 'alerts/transitions']);

/** `rules` (the rule manager) serves /api/v1/rules and /alerts; without it they list none. */
export function createPrometheusApi(
  service: PrometheusQueryService,
  version: string,
  rules: RulesStatusService = NO_RULES,
) {
  const timeParam = (params: URLSearchParams, name: string, fallback: number): number => {
    const text = params.get(name);
    if (text === null || text === '') return fallback;
    try {
      return parseTimeParam(text);
    } catch (error) {
      throw new ParamError(
        `invalid parameter ${goQuote(name)}: Invalid time value for '${name}': ${(error as Error).message}`,
      );
    }
  };

  const durationParam = (params: URLSearchParams, name: string): number => {
    const text = params.get(name) ?? '';
    if (DECIMAL.test(text)) {
      const ms = Number(text) * 1000;
      if (Number.isFinite(ms)) return Math.trunc(ms);
    } else {
      try {
        return service.parseDuration(text);
      } catch {
        // fall through to Prometheus's message
      }
    }
    throw new ParamError(
      `invalid parameter ${goQuote(name)}: cannot parse ${goQuote(text)} to a valid duration`,
    );
  };

  const matcherSets = (params: URLSearchParams, required: boolean): LabelMatcher[][] => {
    const texts = params.getAll('match[]');
    if (required && texts.length === 0) throw new ParamError('no match[] parameter provided');
    const sets = texts.map((text) => service.parseMatchers(text));
    for (const set of sets) {
      if (!set.some((matcher) => !matcher.matches(''))) {
        throw new ParamError('match[] must contain at least one non-empty matcher');
      }
    }
    return sets;
  };

  const query = (params: URLSearchParams): string => {
    const time = timeParam(params, 'time', service.now());
    const text = params.get('query') ?? '';
    try {
      return queryDataJson(service.instant(text, time));
    } catch (error) {
      throw asParam(error, 'query');
    }
  };

  const queryRange = (params: URLSearchParams): string => {
    const start = timeParam(params, 'start', Number.NaN);
    if (Number.isNaN(start))
      throw new ParamError(`invalid parameter "start": cannot parse "" to a valid timestamp`);
    const end = timeParam(params, 'end', Number.NaN);
    if (Number.isNaN(end))
      throw new ParamError(`invalid parameter "end": cannot parse "" to a valid timestamp`);
    if (end < start)
      throw new ParamError('invalid parameter "end": end timestamp must not be before start time');
    const step = durationParam(params, 'step');
    if (step <= 0) {
      throw new ParamError(
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if ((end - start) / step > MAX_POINTS) {
      throw new ParamError(
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    return queryDataJson(service.range(params.get('query') ?? '', start, end, step));
  };

  const stringList = (values: readonly string[]): string => `[${values.map(jsonString).join(',')}]`;

  const handlers: Record<string, (params: URLSearchParams) => string> = {
    query,
    query_range: queryRange,
    series: (params) => {
      const sets = matcherSets(params, true);
      const start = timeParam(params, 'start', MIN_TIME_MS);
      const end = timeParam(params, 'end', MAX_TIME_MS);
      return `[${service.series(sets, start, end).map(labelsJson).join(',')}]`;
    },
    labels: (params) => {
      const start = timeParam(params, 'start', MIN_TIME_MS);
      const end = timeParam(params, 'end', MAX_TIME_MS);
      return stringList(service.labelNames(matcherSets(params, false), start, end));
    },
    'status/buildinfo': () =>
      `{"version":${jsonString(PROMETHEUS_API_VERSION)},"revision":${jsonString(`mcpulse ${version}`)},` +
      `"branch":"mcpulse","buildUser":"mcpulse","buildDate":"","goVersion":${jsonString(`none (Node.js ${process.version})`)}}`,
    rules: (params) => rulesDataJson(rules, params.get('type') ?? ''),
    alerts: () => alertsDataJson(rules),
    'alerts/transitions': () => transitionsDataJson(rules),
  };

  /** Answers `/api/v1/<endpoint>` (the part after the prefix); undefined for an endpoint not served. */
  return (endpoint: string, method: string, params: URLSearchParams): ApiResponse | undefined => {
    let handler = handlers[endpoint];
    let getOnly = GET_ONLY.has(endpoint);
    const labelValues = /^label\/([^/]+)\/values$/.exec(endpoint);
    if (labelValues) {
      getOnly = true;
      const name = decodeURIComponent(labelValues[1]!);
      handler = (p) => {
        if (!LABEL_NAME.test(name)) throw new ParamError(`invalid label name: ${goQuote(name)}`);
        const start = timeParam(p, 'start', MIN_TIME_MS);
        const end = timeParam(p, 'end', MAX_TIME_MS);
        const values = service.labelValues(name, matcherSets(p, false), start, end);
        return stringList(values);
      };
    }
    if (handler === undefined) return undefined;
    if (method !== 'GET' && (getOnly || method !== 'POST')) {
      return { status: 405, body: errorJson('bad_data', `method ${method} not allowed`) };
    }
    try {
      return { status: 200, body: successJson(handler(params)) };
    } catch (error) {
      if (error instanceof ParamError || error instanceof RulesParamError)
        return { status: 400, body: errorJson('bad_data', error.message) };
      if (error instanceof QueryError) {
        return error.errorType === 'bad_data'
          ? { status: 400, body: errorJson('bad_data', error.message) }
          : { status: 422, body: errorJson('execution', error.message) };
      }
      throw error;
    }
  };
}

/** A bad_data error about the `query` parameter reads as Prometheus's: `invalid parameter "query": …`. */
function asParam(error: unknown, name: string): unknown {
  if (error instanceof QueryError && error.errorType === 'bad_data') {
    return new ParamError(`invalid parameter ${goQuote(name)}: ${error.message}`);
  }
  return error;
}

export type PrometheusApiHandler = ReturnType<typeof createPrometheusApi>;
