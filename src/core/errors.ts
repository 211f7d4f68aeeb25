/**
 * The one error class mcpulse throws (and rejects with) from its public API. `code` says what kind of
 * failure it is and stays stable across releases; the message is for people and may change. The codes
 * are listed, with when each is thrown, in docs/errors.md.
 */

export const MCPULSE_ERROR_CODES = [
  /** An option, a field of an options object, or an environment variable mcpulse reads is invalid. */
  'MCPULSE_OPTION_INVALID',
  /** A value handed to a function to work on is not what it takes (observe() given no MCP server…). */
  'MCPULSE_ARGUMENT_INVALID',
  /** A name is already taken: a health check registered twice, a metric name held by another metric type. */
  'MCPULSE_ALREADY_REGISTERED',
  /** An option needs a package that is not installed (pino-pretty, pino-roll). */
  'MCPULSE_DEPENDENCY_MISSING',
  /** A log file could not be opened at startup; `cause` is the file system error. */
  'MCPULSE_LOG_OPEN_FAILED',
  /** The monitoring server could not listen (port in use, no permission); `cause` is the socket error. */
  'MCPULSE_LISTEN_FAILED',
] as const;

export type McpulseErrorCode = (typeof MCPULSE_ERROR_CODES)[number];

export class McpulseError extends Error {
  readonly code: McpulseErrorCode;

  constructor(code: McpulseErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
McpulseError.prototype.name = 'McpulseError';

/** A bad option (code `MCPULSE_OPTION_INVALID`); its own class so `instanceof McpulseOptionError` keeps working. */
export class McpulseOptionError extends McpulseError {
  declare readonly code: 'MCPULSE_OPTION_INVALID';

  constructor(message: string, options?: ErrorOptions) {
    super('MCPULSE_OPTION_INVALID', message, options);
  }
}
McpulseOptionError.prototype.name = 'McpulseOptionError';

/** A McpulseOptionError whose stack starts at the caller (`throw badOption(...)`). */
export function badOption(message: string): McpulseOptionError {
  const error = new McpulseOptionError(message);
  Error.captureStackTrace(error, badOption);
  return error;
}

/** A `MCPULSE_ARGUMENT_INVALID` McpulseError whose stack starts at the caller (`throw badArgument(...)`). */
export function badArgument(message: string): McpulseError {
  const error = new McpulseError('MCPULSE_ARGUMENT_INVALID', message);
  Error.captureStackTrace(error, badArgument);
  return error;
}
