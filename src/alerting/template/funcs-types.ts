/**
 * How template functions are described to the executor: Go parameter types (so arguments are
 * checked and converted as text/template's evalArg and validateType do) and a call that returns a
 * value or throws FuncError (Go's returned error; the executor reports `error calling NAME: …`).
 */
import type { GoValue } from './values.js';

/** The Go parameter types the functions take. 'reflect.Value' takes anything, unconverted. */
export type ParamType =
  | 'string'
  | 'interface {}'
  | 'float64'
  | 'int'
  | 'reflect.Value'
  | 'template.queryResult'
  | '*template.sample';

export interface TemplateFunc {
  readonly params: readonly ParamType[];
  /** The element type of a final variadic parameter. */
  readonly variadic?: ParamType;
  readonly call: (args: GoValue[]) => GoValue;
}

/** An error a Go function returns (or a panic it raises, which text/template recovers). */
export class FuncError extends Error {}

export const NIL_DEREFERENCE = 'runtime error: invalid memory address or nil pointer dereference';
