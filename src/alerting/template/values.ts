/**
 * The Go values an alert template handles, each tagged with its Go type name (what Go's messages
 * print: `wrong type for value; expected string; got float64`): strings, float64, int, bool, the
 * label maps, `args`'s map, query results and their samples, times, and the data struct Prometheus
 * passes (Labels, ExternalLabels, ExternalURL, Value).
 */

/** One element of a `query` result, as Prometheus's template package converts it. */
export interface TemplateSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface AlertData {
  readonly labels: Readonly<Record<string, string>>;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly value: number;
}

export const DATA_TYPE =
  'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }';

export type GoValue =
  /** reflect.Value{}: no value at all (prints `<no value>`). */
  | { readonly t: 'invalid' }
  /** A nil interface{} (the nil literal passed on, an `args` element). */
  | { readonly t: 'nil' }
  | { readonly t: 'string' | 'template.HTML'; readonly v: string }
  | { readonly t: 'float64'; readonly v: number }
  | { readonly t: 'int' | 'uint8'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'map[string]string'; readonly v: Readonly<Record<string, string>> }
  | { readonly t: 'map[string]interface {}'; readonly v: ReadonlyMap<string, GoValue> }
  | { readonly t: 'template.queryResult'; readonly v: readonly TemplateSample[] }
  | { readonly t: '*template.sample'; readonly v: TemplateSample | null }
  | { readonly t: 'template.sample'; readonly v: TemplateSample }
  /** Nanoseconds since the epoch; null for a nil pointer. */
  | { readonly t: '*time.Time'; readonly v: bigint | null }
  | { readonly t: 'time.Time'; readonly v: bigint }
  | { readonly t: 'struct'; readonly v: AlertData };

export type GoKind = 'invalid' | 'interface' | 'string' | 'float' | 'int' | 'uint' | 'bool' | 'map' | 'slice' | 'ptr' | 'struct';

export const INVALID: GoValue = { t: 'invalid' };
export const str = (v: string): GoValue => ({ t: 'string', v });
export const float = (v: number): GoValue => ({ t: 'float64', v });
export const int = (v: number): GoValue => ({ t: 'int', v });
export const bool = (v: boolean): GoValue => ({ t: 'bool', v });

export function kindOf(value: GoValue): GoKind {
  switch (value.t) {
    case 'invalid':
      return 'invalid';
    case 'nil':
      return 'interface';
    case 'string':
    case 'template.HTML':
      return 'string';
    case 'float64':
      return 'float';
    case 'int':
      return 'int';
    case 'uint8':
      return 'uint';
    case 'bool':
      return 'bool';
    case 'map[string]string':
    case 'map[string]interface {}':
      return 'map';
    case 'template.queryResult':
      return 'slice';
    case '*template.sample':
    case '*time.Time':
      return 'ptr';
    case 'template.sample':
    case 'time.Time':
    case 'struct':
      return 'struct';
  }
}

/** reflect.Type.String() of the value ('<nil>' for no value, as %T prints it). */
export function typeName(value: GoValue): string {
  if (value.t === 'invalid' || value.t === 'nil') return '<nil>';
  return value.t === 'struct' ? DATA_TYPE : value.t;
}

/** The number of elements (maps, slices) or bytes (strings); undefined for other kinds. */
export function lengthOf(value: GoValue): number | undefined {
  switch (value.t) {
    case 'string':
    case 'template.HTML':
      return Buffer.byteLength(value.v, 'utf8');
    case 'map[string]string':
      return Object.keys(value.v).length;
    case 'map[string]interface {}':
      return value.v.size;
    case 'template.queryResult':
      return value.v.length;
    default:
      return undefined;
  }
}

/** text/template's isTrue; undefined when Go reports the value as unusable. */
export function truth(value: GoValue): boolean | undefined {
  switch (value.t) {
    case 'invalid':
      return false;
    case 'nil':
      return false;
    case 'string':
    case 'template.HTML':
      return value.v.length > 0;
    case 'float64':
    case 'int':
    case 'uint8':
      return value.v !== 0;
    case 'bool':
      return value.v;
    case '*template.sample':
    case '*time.Time':
      return value.v !== null;
    case 'template.sample':
    case 'time.Time':
    case 'struct':
      return true;
    default:
      return (lengthOf(value) ?? 0) > 0;
  }
}

/** Go's indirect: a non-nil pointer's element. */
export function indirect(value: GoValue): GoValue {
  if (value.t === '*template.sample' && value.v !== null) return { t: 'template.sample', v: value.v };
  if (value.t === '*time.Time' && value.v !== null) return { t: 'time.Time', v: value.v };
  return value;
}

/** A label map's entries in key order (fmt and range sort map keys). */
export function sortedEntries(value: Readonly<Record<string, string>>): [string, string][] {
  return Object.keys(value)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => [key, value[key]!]);
}

export function lookup(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}
