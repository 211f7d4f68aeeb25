/**
 * The executor's value rules that need no state (Go's exec.go): a field or map key of a value, the
 * constant a literal makes for a parameter type, a value's check against a parameter type, and the
 * text an error quotes for a node. Each returns the value or a Fail with Go's message.
 */
import type { ParamType, TemplateFunc } from './funcs-types.js';
import {
  argString,
  commandString,
  nodeString,
  pipeString,
  type ArgNode,
  type CommandNode,
  type Node,
} from './nodes.js';
import { timeMethod } from './time.js';
import { formatValue } from './fmt.js';
import { bool, float, indirect, int, lookup, sortedEntries, str, typeName, type GoValue } from './values.js';

export class Fail {
  constructor(readonly message: string) {}
}

export type AnyNode = Node | ArgNode | CommandNode;
type NumberNode = Extract<ArgNode, { type: 'number' }>;

const ARG_TYPES: ReadonlySet<string> = new Set([
  'identifier',
  'dot',
  'nil',
  'variable',
  'field',
  'chain',
  'bool',
  'number',
  'string',
]);

/** Error contexts past this many characters are cut (Go quotes them whole; a huge text node would be). */
const MAX_CONTEXT = 4096;

/** The node's String(), as `executing "x" at <…>` quotes it. */
export function contextOf(node: AnyNode): string {
  let text: string;
  if (node.type === 'command') text = commandString(node);
  else if (node.type === 'pipe') text = pipeString(node);
  else if (ARG_TYPES.has(node.type)) text = argString(node as ArgNode);
  else text = nodeString(node as Node);
  return text.length > MAX_CONTEXT ? text.slice(0, MAX_CONTEXT) + '…' : text;
}

/** Go's canBeNil: interfaces, slices, pointers, and reflect.Value (the builtins' parameters). */
export const canBeNil = (type: ParamType): boolean =>
  type === 'interface {}' ||
  type === 'reflect.Value' ||
  type === 'template.queryResult' ||
  type === '*template.sample';

export function zeroOf(type: ParamType): GoValue {
  if (type === 'reflect.Value') return { t: 'invalid' };
  if (type === 'template.queryResult') return { t: 'template.queryResult', v: [] };
  if (type === '*template.sample') return { t: '*template.sample', v: null };
  return { t: 'nil' };
}

/** idealConstant: a float where the text looks like one (not hex, not a rune), else an int. */
export function idealConstant(node: NumberNode): GoValue | Fail {
  const text = node.text;
  const hexInt = /^0[xX]/.test(text) && !/[pP]/.test(text);
  if (node.value.isFloat && !hexInt && !text.startsWith("'") && /[.eEpP]/.test(text))
    return float(node.value.float);
  if (node.value.isInt) return int(node.value.int);
  return new Fail(`${text} overflows int`);
}

/** evalArg for a literal node and a parameter type. */
export function literalArg(node: ArgNode, type: ParamType | undefined): GoValue | Fail {
  switch (type) {
    case 'float64':
      if (node.type === 'number' && node.value.isFloat) return float(node.value.float);
      return new Fail(`expected float; found ${argString(node)}`);
    case 'int':
      if (node.type === 'number' && node.value.isInt) return int(node.value.int);
      return new Fail(`expected integer; found ${argString(node)}`);
    case 'string':
      if (node.type === 'string') return str(node.text);
      return new Fail(`expected string; found ${argString(node)}`);
    case 'interface {}':
    case 'reflect.Value':
      if (node.type === 'bool') return bool(node.value);
      if (node.type === 'number') return idealConstant(node);
      if (node.type === 'string') return str(node.text);
  }
  return new Fail(`can't handle ${argString(node)} for arg of type ${type ?? '<nil>'}`);
}

/** validateType: the value as a parameter of the type takes it. */
export function validateType(value: GoValue, type: ParamType): GoValue | Fail {
  if (value.t === 'invalid')
    return canBeNil(type) ? zeroOf(type) : new Fail(`invalid value; expected ${type}`);
  if (type === 'reflect.Value' || type === 'interface {}' || value.t === type) return value;
  const got = value.t === 'nil' ? 'interface {}' : typeName(value);
  return new Fail(`wrong type for value; expected ${type}; got ${got}`);
}

/**
 * evalField without the call: a method to call (time.Time's), the field or map entry, or Go's
 * error. missingkey=zero: a missing label is "", a missing `args` entry a nil interface.
 */
export function fieldOf(
  receiver: GoValue,
  name: string,
  hasArgs: boolean,
  fromInterface = false,
): GoValue | Fail | TemplateFunc {
  // A value taken from a map[string]interface{} has the static type interface {} in Go's messages.
  const type = fromInterface ? 'interface {}' : typeName(receiver);
  if (receiver.t === 'nil') return new Fail(`nil pointer evaluating interface {}.${name}`);
  const value = indirect(receiver);
  if (value.t === 'time.Time') {
    const method = timeMethod(value.v, name);
    if (method !== undefined) return { params: name === 'Format' ? ['string'] : [], call: method };
  }
  let fields: Record<string, GoValue> = {};
  switch (value.t) {
    case 'struct':
      fields = {
        Labels: { t: 'map[string]string', v: value.v.labels },
        ExternalLabels: { t: 'map[string]string', v: value.v.externalLabels },
        ExternalURL: str(value.v.externalURL),
        Value: float(value.v.value),
      };
      break;
    case 'template.sample':
      fields = { Labels: { t: 'map[string]string', v: value.v.labels }, Value: float(value.v.value) };
      break;
    case 'map[string]string':
    case 'map[string]interface {}':
      if (hasArgs) return new Fail(`${name} is not a method but has arguments`);
      if (value.t === 'map[string]string') return str(lookup(value.v, name) ?? '');
      return value.v.get(name) ?? { t: 'nil' };
    case '*template.sample':
      if (name === 'Labels' || name === 'Value') return new Fail(`nil pointer evaluating ${type}.${name}`);
      break;
  }
  if (Object.hasOwn(fields, name)) {
    if (hasArgs) return new Fail(`${name} has arguments but cannot be invoked as function`);
    return fields[name]!;
  }
  return new Fail(`can't evaluate field ${name} in type ${type}`);
}

/** evalCall's argument count check: numIn counts the pipeline's value too. */
export function arityProblem(fn: TemplateFunc, name: string, given: number, numIn: number): Fail | undefined {
  if (fn.variadic !== undefined) {
    if (numIn < fn.params.length)
      return new Fail(`wrong number of args for ${name}: want at least ${fn.params.length} got ${given}`);
  } else if (numIn !== fn.params.length) {
    return new Fail(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
  }
  return undefined;
}

/** ErrorContext's `LINE:COL`: the column in bytes from the line's start. */
export function lineAndColumn(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  return `${line}:${Buffer.byteLength(before.slice(before.lastIndexOf('\n') + 1), 'utf8')}`;
}

/** What range visits: (index or key, element) pairs, maps in key order; nothing for no value. */
export function rangeEntries(value: GoValue): [GoValue, GoValue][] | Fail {
  switch (value.t) {
    case 'template.queryResult':
      return value.v.map((sample, i) => [int(i), { t: '*template.sample', v: sample }]);
    case 'map[string]string':
      return sortedEntries(value.v).map(([key, elem]) => [str(key), str(elem)]);
    case 'map[string]interface {}':
      return [...value.v.keys()].sort().map((key) => [str(key), value.v.get(key)!]);
    case 'invalid':
      return [];
    default:
      return new Fail(`range can't iterate over ${formatValue(value, 'v')}`);
  }
}
