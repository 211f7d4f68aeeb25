/**
 * The PromQL engine: instant and range queries over a Queryable, with Prometheus 2.42's semantics
 * (promql/engine.go) and the Prometheus HTTP API's checks on a range query's start, end and step.
 * Every selector's series are selected once for the whole query; evaluation lives in engine-eval.ts.
 * Nothing but a QueryError leaves it.
 */
import { compareLabels } from '../labels.js';
import type { Queryable } from '../queryable.js';
import { typeOf, type Expr } from './ast.js';
import { Evaluator, type EvalSettings } from './engine-eval.js';
import { buildPlan, selectSeries, setOffsetForAtModifier } from './engine-plan.js';
import type { EvalMatrix, EvalValue } from './engine-types.js';
import { badQuery, QueryError, queryFailed } from './errors.js';
import { parseExpr } from './parse.js';
import type { MatrixValue, Point, QueryValue, Series } from './value.js';
import { McpulseError } from '../../core/errors.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (Prometheus's query.lookback-delta). Default 300_000. */
  lookbackDeltaMs?: number;
  /** A range query's most points per series (the HTTP API's 11,000). */
  maxPointsPerSeries?: number;
  /** The step of a subquery written without one (Prometheus: the global evaluation interval). Default 60_000. */
  subqueryStepMs?: number;
  /** Most samples a query may hold in memory at once (Prometheus's query.max-samples). Default 50_000_000. */
  maxSamples?: number;
}

const DEFAULTS = {
  lookbackDeltaMs: 300_000,
  maxPointsPerSeries: 11_000,
  subqueryStepMs: 60_000,
  maxSamples: 50_000_000,
} as const;

function positiveInteger(name: keyof EngineOptions, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new McpulseError(
      'MCPULSE_OPTION_INVALID',
      `PromqlEngine option ${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

function finiteTime(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badQuery(`invalid ${name} time ${String(value)}: must be a finite number of milliseconds`);
  }
}

function pointsOf(s: EvalMatrix[number]): Point[] {
  const points = new Array<Point>(s.t.length);
  for (let i = 0; i < points.length; i++) points[i] = { t: s.t[i]!, v: s.v[i]! };
  return points;
}

function sortedMatrix(matrix: EvalMatrix): MatrixValue {
  const series: Series[] = matrix.map((s) => ({ metric: s.metric, points: pointsOf(s) }));
  series.sort((a, b) => compareLabels(a.metric, b.metric));
  return { type: 'matrix', series };
}

export class PromqlEngine {
  private readonly settings: EvalSettings;
  private readonly maxPointsPerSeries: number;

  constructor(
    private readonly queryable: Queryable,
    options: EngineOptions = {},
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new McpulseError(
        'MCPULSE_OPTION_INVALID',
        `PromqlEngine options must be an object, got ${String(options)}`,
      );
    }
    const known = new Set(Object.keys(DEFAULTS));
    for (const key of Object.keys(options)) {
      if (!known.has(key))
        throw new McpulseError('MCPULSE_OPTION_INVALID', `PromqlEngine option ${key} is unknown`);
    }
    this.settings = {
      lookbackMs: positiveInteger('lookbackDeltaMs', options.lookbackDeltaMs, DEFAULTS.lookbackDeltaMs),
      maxSamples: positiveInteger('maxSamples', options.maxSamples, DEFAULTS.maxSamples),
      subqueryStepMs: positiveInteger('subqueryStepMs', options.subqueryStepMs, DEFAULTS.subqueryStepMs),
    };
    this.maxPointsPerSeries = positiveInteger(
      'maxPointsPerSeries',
      options.maxPointsPerSeries,
      DEFAULTS.maxPointsPerSeries,
    );
  }

  /** An instant query at timeMs: a vector, scalar, matrix or string, as Prometheus's /api/v1/query. */
  instant(query: string | Expr, timeMs: number): QueryValue {
    return guarded(() => {
      const expr = typeof query === 'string' ? parseExpr(query) : query;
      finiteTime('evaluation', timeMs);
      const time = Math.trunc(timeMs);
      const value = this.run(expr, time, time, 0);
      const type = typeOf(expr);
      if (!Array.isArray(value)) return { type: 'string', t: value.t, v: value.v };
      if (type === 'vector') {
        return { type: 'vector', samples: value.map((s) => ({ metric: s.metric, t: time, v: s.v[0]! })) };
      }
      if (type === 'scalar') return { type: 'scalar', t: time, v: value[0]?.v[0] ?? NaN };
      return {
        type: 'matrix',
        series: value.map((s) => ({ metric: s.metric, points: pointsOf(s) })),
      };
    });
  }

  /** A range query: one series per label set, sorted by labels (a scalar gives one series without labels). */
  range(query: string | Expr, startMs: number, endMs: number, stepMs: number): MatrixValue {
    return guarded(() => {
      finiteTime('start', startMs);
      finiteTime('end', endMs);
      if (endMs < startMs) throw badQuery('end timestamp must not be before start time');
      // Times are whole milliseconds, as in Prometheus; a step under 1 ms would be a zero step.
      const step = typeof stepMs === 'number' ? Math.trunc(stepMs) : NaN;
      if (!(step > 0)) {
        throw badQuery(
          'zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      }
      if (!Number.isFinite(step))
        throw badQuery(`invalid step ${String(stepMs)}: must be a finite number of milliseconds`);
      if (Math.trunc((endMs - startMs) / step) > this.maxPointsPerSeries) {
        throw badQuery(
          `exceeded maximum resolution of ${this.maxPointsPerSeries.toLocaleString('en-US')} points per timeseries. ` +
            'Try decreasing the query resolution (?step=XX)',
        );
      }
      const expr = typeof query === 'string' ? parseExpr(query) : query;
      const type = typeOf(expr);
      if (type !== 'vector' && type !== 'scalar') {
        const documented = type === 'matrix' ? 'range vector' : type;
        throw badQuery(
          `invalid expression type "${documented}" for range query, must be Scalar or instant Vector`,
        );
      }
      const value = this.run(expr, startMs, endMs, step);
      if (!Array.isArray(value)) throw queryFailed('unexpected string result of a range query');
      return sortedMatrix(value);
    });
  }

  /** execEvalStmt: plan, select, then evaluate (an instant query is a range of one step of 1 ms). */
  private run(expr: Expr, startMs: number, endMs: number, stepMs: number): EvalValue {
    const start = Math.trunc(startMs);
    const end = Math.trunc(endMs);
    const plan = buildPlan(expr, start, end);
    selectSeries(plan, { startMs: start, endMs: end, lookbackMs: this.settings.lookbackMs }, this.queryable);
    setOffsetForAtModifier(start, plan);
    const evaluator = new Evaluator(start, end, stepMs === 0 ? 1 : stepMs, this.settings);
    return evaluator.eval(plan);
  }
}

/** Runs a query body so that only QueryErrors leave it. */
function guarded<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof QueryError) throw error;
    if (error instanceof RangeError) {
      // An array or map grown past what the runtime allows: the query held too much.
      throw queryFailed(`query processing ran out of room: ${error.message}`);
    }
    throw queryFailed(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
