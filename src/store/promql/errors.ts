/**
 * The two ways a query fails, as Prometheus's HTTP API tells them apart: `bad_data` (the query cannot
 * be run: syntax, types, unsupported constructs, limits; HTTP 400) and `execution` (it ran and hit an
 * error Prometheus also raises at evaluation; HTTP 422).
 */
import { McpulseError } from '../../core/errors.js';

export type QueryErrorType = 'bad_data' | 'execution';

export class QueryError extends McpulseError {
  readonly errorType: QueryErrorType;

  constructor(errorType: QueryErrorType, message: string) {
    super(errorType === 'bad_data' ? 'MCPULSE_QUERY_INVALID' : 'MCPULSE_QUERY_FAILED', message);
    this.errorType = errorType;
  }
}
QueryError.prototype.name = 'QueryError';

/** A bad_data error whose stack starts at the caller: `throw badQuery('…')`. */
export function badQuery(message: string): QueryError {
  const error = new QueryError('bad_data', message);
  Error.captureStackTrace(error, badQuery);
  return error;
}

/** An execution error whose stack starts at the caller: `throw queryFailed('…')`. */
export function queryFailed(message: string): QueryError {
  const error = new QueryError('execution', message);
  Error.captureStackTrace(error, queryFailed);
  return error;
}
