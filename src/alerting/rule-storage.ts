/**
 * The rule manager's view of the embedded store: queries through its PromQL engine, and appends rule
 * results (recording rules, ALERTS, ALERTS_FOR_STATE) through the store's per-sample path, each sample
 * at its own time. A refused sample reads as the TSDB's message: `out of order sample` for a time at
 * or before the series' last, or the store's series limit. Appends land at once rather than at
 * commit(): no query runs between a rule's appends and its commit, so nothing can tell the difference.
 */
import type { Labels } from '../store/labels.js';
import type { Expr } from '../store/promql/ast.js';
import { parseExpr } from '../store/promql/parse.js';
import type { QueryValue } from '../store/promql/value.js';
import type { Appendable, InstantQuery } from './rule-group.js';
import { EMPTY_LABELSET, OUT_OF_ORDER } from './test-storage.js';

export const SERIES_LIMIT = 'series limit of the embedded store reached';

/** The parts of an EmbeddedStore the manager uses (its `store` and `engine`). */
export interface RuleStorage {
  readonly store: {
    resolve(labels: Labels): unknown;
    append(labels: Labels, timestampMs: number, value: number): boolean;
    appendStale(labels: Labels, timestampMs: number): boolean;
  };
  readonly engine: { instant(expr: string | Expr, timeMs: number): QueryValue | Promise<QueryValue> };
  /** Settles when the store may be written (an EmbeddedStore's snapshot load); nothing is evaluated before. */
  readonly loaded?: Promise<unknown>;
}

/** Parsed expressions kept, so a rule's is parsed once (bounded: template queries come here too). */
const MAX_PARSED = 1000;

export function storageQuery(storage: RuleStorage): InstantQuery {
  const parsed = new Map<string, Expr>();
  return (text, timeMs) => {
    let expr = parsed.get(text);
    if (expr === undefined) {
      expr = parseExpr(text); // throws a bad_data QueryError, which becomes the rule's lastError
      if (parsed.size >= MAX_PARSED) parsed.clear();
      parsed.set(text, expr);
    }
    return storage.engine.instant(expr, timeMs);
  };
}

export function storageAppendable(storage: RuleStorage): Appendable {
  const { store } = storage;
  return {
    appender: () => ({
      append(labels, t, v, stale = false) {
        if (labels.length === 0) return EMPTY_LABELSET;
        try {
          if (store.resolve(labels) === undefined) return SERIES_LIMIT;
          const stored = stale ? store.appendStale(labels, t) : store.append(labels, t, v);
          return stored ? undefined : OUT_OF_ORDER;
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        }
      },
      commit() {},
    }),
  };
}
