/**
 * The one error class mcpulse throws (and rejects with) from its public API. `code` says what kind of
 * failure it is and stays stable across releases; the message is for people and may change. The codes
 * are listed, with when each is thrown, in docs/errors.md.
 *
 * Options are validated with zod, and a failure becomes one readable message: every problem found,
 * each naming the option's path, the bad value and what was expected, e.g.
 *
 *     mcpulse: monitoring.port must be an integer from 0 to 65535, got 70000
 *
 * Schemas carry their expectation as the issue message (`must be …`); the value is read back from the
 * input at the issue's path, shown as (redacted, truncated) JSON, and never shown at all under a
 * sensitive name such as `healthToken`. Validation runs once, at startup: never on the request path.
 * Every room of src/ may import this module (eslint.config.js), so the helpers live here too.
 */
import { z } from 'zod';

import { redactedJson, SENSITIVE_KEY } from '../logging/redact.js';

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
  /** A PromQL query (or a rule's expression) is malformed, unsupported, or asks for too much; HTTP 400 bad_data. */
  'MCPULSE_QUERY_INVALID',
  /** A well-formed PromQL query failed while evaluating (e.g. duplicate series in a result); HTTP 422 execution. */
  'MCPULSE_QUERY_FAILED',
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

/** Longest value shown in a message, in UTF-8 bytes of JSON. */
const MAX_SHOWN_BYTES = 120;
/** Known keys are listed in an unknown-key message when there are at most this many. */
const MAX_LISTED_KEYS = 8;

/** Issue params of a message that is a whole sentence after the path: no `, got …` follows. */
export const SENTENCE = { sentence: true } as const;

/** The `error` param of a schema that expects `expected`: its issue message reads `must be <expected>`. */
export function must(expected: string): { error: string } {
  return { error: `must be ${expected}` };
}

export function booleanSchema(): z.ZodBoolean {
  return z.boolean(must('a boolean'));
}

/** A non-empty string of at most `max` characters. */
export function textSchema(max = 256): z.ZodString {
  const expected = must(`a non-empty string of at most ${max} characters`);
  return z.string(expected).min(1, expected).max(max, expected);
}

export function integerSchema(min: number, max: number): z.ZodNumber {
  const expected = must(`an integer from ${min} to ${max}`);
  return z.int(expected).min(min, expected).max(max, expected);
}

/** A function (its type is the caller's word: zod cannot check a signature). */
export function functionSchema<F>(expected = 'a function'): z.ZodType<F> {
  return z.custom<F>((value) => typeof value === 'function', must(expected));
}

/** An http:// or https:// URL. */
export function httpUrlSchema(): z.ZodString {
  const expected = must('an http:// or https:// URL');
  return z.string(expected).refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, expected);
}

/** A value as a message shows it: JSON (redacted, cut to 120 bytes); class instances by their class name. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value); // NaN and Infinity as written, where JSON would say null
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
    }
  }
  return redactedJson(value, MAX_SHOWN_BYTES);
}

export interface ParseTarget {
  /** What the whole value is called when it is itself wrong (`options`, `tracing options`, `logFile`). */
  name: string;
  /** Put before every path (`logFile` makes `path` read `logFile.path`); default none. */
  prefix?: string;
  /** An unknown key reads `unknown <unknownKey> "path.key"`; default `option`. */
  unknownKey?: string;
}

/** Parses `value` with `schema`; throws one McpulseOptionError listing every issue otherwise. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  target: ParseTarget,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw issuesError(issueLines(result.error.issues, schema, value, target));
}

/** The message lines of zod issues (one per problem). */
export function issueLines(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  input: unknown,
  target: ParseTarget,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
    const inner = issue.code === 'invalid_union' ? branchIssues(issue.errors) : undefined;
    if (inner !== undefined) {
      const nested = inner.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
      lines.push(...issueLines(nested, schema, input, target));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      const list = known.length > 0 && known.length <= MAX_LISTED_KEYS ? ` (known: ${known.join(', ')})` : '';
      for (const key of issue.keys) {
        lines.push(
          `unknown ${target.unknownKey ?? 'option'} ${JSON.stringify(label([...path, key], target))}${list}`,
        );
      }
      continue;
    }
    const where = label(path, target);
    if (issue.code === 'custom' && issue.params?.sentence === true) {
      lines.push(`${where} ${issue.message}`);
      continue;
    }
    const message = /^must\b/.test(issue.message) ? issue.message : `is invalid (${issue.message})`;
    const secret = [target.name, target.prefix, ...path].some(
      (key) => typeof key === 'string' && SENSITIVE_KEY.test(key),
    );
    lines.push(secret ? `${where} ${message}` : `${where} ${message}, got ${showValue(at(input, path))}`);
  }
  return lines;
}

/**
 * Of a union that failed, the issues of the one branch that took the value's type and found fault
 * inside it (`{ rules: 'x' }` against `boolean | { rules?: string[] }`: `rules`); undefined when no
 * branch or more than one did, and the union's own message says what was expected.
 */
function branchIssues(branches: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue[] | undefined {
  const inside = branches.filter(
    (issues) => issues.length > 0 && issues.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
  );
  return inside.length === 1 ? [...inside[0]!] : undefined;
}

/** The McpulseOptionError of these message lines: the line itself when there is one, else a list. */
export function issuesError(lines: readonly string[]): McpulseOptionError {
  if (lines.length === 1) return new McpulseOptionError(`mcpulse: ${lines[0]}`);
  return new McpulseOptionError(`mcpulse: ${lines.length} invalid options:\n  - ${lines.join('\n  - ')}`);
}

function label(path: readonly (string | number)[], target: ParseTarget): string {
  if (path.length === 0) return target.name;
  let text = target.prefix ?? '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? key : `.${key}`;
  return text;
}

function at(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The keys the object schema at `path` takes (through optionals, unions and arrays); [] when none. */
function knownKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let schemas = objectsIn(schema);
  for (const key of path) {
    schemas = schemas.flatMap((s) => {
      const field: unknown =
        s instanceof z.ZodObject ? s.shape[key] : s instanceof z.ZodArray ? s.element : undefined;
      return field instanceof z.ZodType ? objectsIn(field) : [];
    });
  }
  return schemas.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : []));
}

/** The object and array schemas a value matching `schema` may be checked by. */
function objectsIn(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodOptional) return objectsIn(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(objectsIn);
  return schema instanceof z.ZodObject || schema instanceof z.ZodArray ? [schema] : [];
}
