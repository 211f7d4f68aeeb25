/**
 * text/template's built-in functions (Go 1.19 funcs.go): and, or, not, len, index, slice, eq, ne, lt,
 * le, gt, ge, html, js, urlquery, print, printf, println, with Go's error texts (`index out of range:
 * 5`, `incompatible types for comparison`, `len of type float64`). No template value here is a
 * function, so `call` always fails as Go's does on a non-function.
 */
import { formatValue, sprint, sprintf, sprintln } from './fmt.js';
import { FuncError, type TemplateFunc } from './funcs-types.js';
import {
  bool,
  indirect,
  int,
  lengthOf,
  str,
  truth,
  typeName,
  type GoValue,
  type TemplateSample,
} from './values.js';

type Basic = 'bool' | 'int' | 'uint' | 'float' | 'string';

function basicKind(value: GoValue): Basic | undefined {
  switch (value.t) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'uint8':
      return 'uint';
    case 'float64':
      return 'float';
    case 'string':
    case 'template.HTML':
      return 'string';
    default:
      return undefined;
  }
}

const scalar = (value: GoValue): unknown => ('v' in value ? value.v : undefined);

function eq(first: GoValue, rest: readonly GoValue[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(first);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    if (k1 !== k2) {
      const mixedInts = (k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int');
      if (mixedInts && scalar(first) === scalar(arg)) return true;
      if (!mixedInts && first.t !== 'invalid' && arg.t !== 'invalid')
        throw new FuncError('incompatible types for comparison');
    } else if (k1 !== undefined) {
      if (scalar(first) === scalar(arg)) return true;
    } else if (
      arg.t === 'map[string]string' ||
      arg.t === 'map[string]interface {}' ||
      arg.t === 'template.queryResult'
    ) {
      throw new FuncError(`non-comparable type ${formatValue(arg, 's')}: ${typeName(arg)}`);
    } else if (first.t === arg.t && scalar(first) === scalar(arg)) return true;
  }
  return false;
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === undefined || k2 === undefined) throw new FuncError('invalid type for comparison');
  if (k1 !== k2) {
    const mixedInts = (k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int');
    if (!mixedInts) throw new FuncError('incompatible types for comparison');
  } else if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return (scalar(a) as number | string) < (scalar(b) as number | string);
}

function indexArg(index: GoValue, cap: number): number {
  if (index.t === 'int' || index.t === 'uint8') {
    if (index.v < 0 || index.v > cap) throw new FuncError(`index out of range: ${index.v}`);
    return index.v;
  }
  if (index.t === 'invalid' || index.t === 'nil') throw new FuncError('cannot index slice/array with nil');
  throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
}

function mapKey(index: GoValue): string {
  if (index.t === 'string') return index.v;
  if (index.t === 'invalid' || index.t === 'nil')
    throw new FuncError('value is nil; should be of type string');
  throw new FuncError(`value has type ${typeName(index)}; should be string`);
}

function index(item: GoValue, indexes: readonly GoValue[]): GoValue {
  if (item.t === 'invalid' || item.t === 'nil') throw new FuncError('index of untyped nil');
  for (const key of indexes) {
    if ((item.t === '*template.sample' || item.t === '*time.Time') && item.v === null)
      throw new FuncError('index of nil pointer');
    item = indirect(item);
    switch (item.t) {
      case 'string':
      case 'template.HTML': {
        const bytes = Buffer.from(item.v, 'utf8');
        const x = indexArg(key, bytes.length);
        if (x === bytes.length) throw new FuncError('reflect: string index out of range');
        item = { t: 'uint8', v: bytes[x]! };
        break;
      }
      case 'template.queryResult': {
        const x = indexArg(key, item.v.length);
        if (x === item.v.length) throw new FuncError('reflect: slice index out of range');
        item = { t: '*template.sample', v: item.v[x]! };
        break;
      }
      case 'map[string]string': {
        const name = mapKey(key);
        item = str(Object.prototype.hasOwnProperty.call(item.v, name) ? item.v[name]! : '');
        break;
      }
      case 'map[string]interface {}':
        item = item.v.get(mapKey(key)) ?? { t: 'nil' };
        break;
      default:
        throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: GoValue, indexes: readonly GoValue[]): GoValue {
  if (item.t === 'invalid' || item.t === 'nil') throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  if (item.t !== 'string' && item.t !== 'template.queryResult')
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  if (item.t === 'string' && indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
  const length = item.t === 'string' ? Buffer.byteLength(item.v, 'utf8') : item.v.length;
  const bounds = [0, length];
  indexes.slice(0, 2).forEach((key, i) => (bounds[i] = indexArg(key, length)));
  if (bounds[0]! > bounds[1]!) throw new FuncError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (item.t === 'string')
    return str(Buffer.from(item.v, 'utf8').subarray(bounds[0], bounds[1]).toString('utf8'));
  const samples = (item as { v: readonly TemplateSample[] }).v;
  return { t: 'template.queryResult', v: samples.slice(bounds[0], bounds[1]) };
}

/** Go's evalArgs for html/js/urlquery: one string as it is, anything else through fmt.Sprint. */
function joinArgs(args: readonly GoValue[]): string {
  const only = args[0];
  if (args.length === 1 && only?.t === 'string') return only.v;
  return sprint(args);
}

export function htmlEscape(text: string): string {
  return text.replace(/[\0"'&<>]/g, (c) =>
    c === '\0'
      ? '\uFFFD'
      : c === '"'
        ? '&#34;'
        : c === "'"
          ? '&#39;'
          : c === '&'
            ? '&amp;'
            : c === '<'
              ? '&lt;'
              : '&gt;',
  );
}

function jsEscape(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    const named: Record<string, string> = {
      '\\': '\\\\',
      "'": "\\'",
      '"': '\\"',
      '<': '\\u003C',
      '>': '\\u003E',
      '&': '\\u0026',
      '=': '\\u003D',
    };
    if (named[c] !== undefined) out += named[c];
    else if (code < 0x20) out += '\\u00' + code.toString(16).toUpperCase().padStart(2, '0');
    else if (code >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c))
      out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const any = 'reflect.Value' as const;

export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  // and/or short-circuit in the executor; these bodies are never called.
  ['and', { params: [any], variadic: any, call: (args) => args[args.length - 1]! }],
  ['or', { params: [any], variadic: any, call: (args) => args[args.length - 1]! }],
  ['not', { params: [any], call: ([a]) => bool(!truth(a!)) }],
  [
    'call',
    {
      params: [any],
      variadic: any,
      call: ([fn]) => {
        if (fn!.t === 'invalid' || fn!.t === 'nil') throw new FuncError('call of nil');
        throw new FuncError(`non-function of type ${typeName(fn!)}`);
      },
    },
  ],
  [
    'len',
    {
      params: [any],
      call: ([a]) => {
        if ((a!.t === '*template.sample' || a!.t === '*time.Time') && a.v === null)
          throw new FuncError('len of nil pointer');
        const n = lengthOf(indirect(a!));
        if (n === undefined) throw new FuncError(`len of type ${typeName(indirect(a!))}`);
        return int(n);
      },
    },
  ],
  ['index', { params: [any], variadic: any, call: ([item, ...keys]) => index(item!, keys) }],
  ['slice', { params: [any], variadic: any, call: ([item, ...keys]) => slice(item!, keys) }],
  ['eq', { params: [any], variadic: any, call: ([a, ...rest]) => bool(eq(a!, rest)) }],
  ['ne', { params: [any, any], call: ([a, b]) => bool(!eq(a!, [b!])) }],
  ['lt', { params: [any, any], call: ([a, b]) => bool(lt(a!, b!)) }],
  ['le', { params: [any, any], call: ([a, b]) => bool(lt(a!, b!) || eq(a!, [b!])) }],
  ['gt', { params: [any, any], call: ([a, b]) => bool(!(lt(a!, b!) || eq(a!, [b!]))) }],
  ['ge', { params: [any, any], call: ([a, b]) => bool(!lt(a!, b!)) }],
  ['html', { params: [], variadic: 'interface {}', call: (args) => str(htmlEscape(joinArgs(args))) }],
  ['js', { params: [], variadic: 'interface {}', call: (args) => str(jsEscape(joinArgs(args))) }],
  ['urlquery', { params: [], variadic: 'interface {}', call: (args) => str(queryEscape(joinArgs(args))) }],
  ['print', { params: [], variadic: 'interface {}', call: (args) => str(sprint(args)) }],
  ['println', { params: [], variadic: 'interface {}', call: (args) => str(sprintln(args)) }],
  [
    'printf',
    {
      params: ['string'],
      variadic: 'interface {}',
      call: ([format, ...args]) => str(sprintf((format as { v: string }).v, args)),
    },
  ],
]);
