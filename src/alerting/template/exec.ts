/**
 * The executor of Go's text/template (Go 1.19's exec.go) with missingkey=zero, as Prometheus runs
 * alert templates: pipelines, variables and their scopes, field and map access, if/with/range
 * (maps in key order), break/continue, argument checking and conversion, and Go's error texts
 * (`template: NAME:LINE:COL: executing "NAME" at <index "abc" 5>: error calling index: …`).
 * Bounded: the output (and any string a function returns) by `maxOutputBytes`, the work by
 * `maxSteps` (one per node walked, command evaluated and range iteration).
 */
import { goQuote } from '../go-format.js';
import { formatValue } from './fmt.js';
import { FuncError, type ParamType, type TemplateFunc } from './funcs-types.js';
import {
  argString,
  commandString,
  nodeString,
  pipeString,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
} from './nodes.js';
import type { ParsedTemplate } from './parse.js';
import { timeMethod } from './time.js';
import {
  INVALID,
  bool,
  float,
  indirect,
  int,
  kindOf,
  lookup,
  sortedEntries,
  str,
  truth,
  typeName,
  type GoValue,
} from './values.js';

export class TemplateExecError extends Error {}

export interface ExecLimits {
  readonly maxOutputBytes: number;
  readonly maxSteps: number;
}

type AnyNode = Node | ArgNode | CommandNode;
/** The pipeline's previous value is absent (Go's missingVal). */
const MISSING = undefined;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

function contextOf(node: AnyNode): string {
  if (node.type === 'command') return commandString(node);
  if (node.type === 'pipe') return pipeString(node);
  if ('ident' in node || 'name' in node || 'value' in node || 'quoted' in node || 'fields' in node)
    return argString(node as ArgNode);
  if (node.type === 'dot' || node.type === 'nil') return argString(node);
  return nodeString(node as Node);
}

const canBeNil = (type: ParamType): boolean =>
  type === 'interface {}' || type === 'template.queryResult' || type === '*template.sample';

function zeroOf(type: ParamType): GoValue {
  if (type === 'template.queryResult') return { t: 'template.queryResult', v: [] };
  if (type === '*template.sample') return { t: '*template.sample', v: null };
  return { t: 'nil' };
}

export function execute(
  tmpl: ParsedTemplate,
  data: GoValue,
  funcs: ReadonlyMap<string, TemplateFunc>,
  limits: ExecLimits,
): string {
  return new State(tmpl, funcs, limits, data).run();
}

class State {
  private node: AnyNode | undefined;
  private readonly vars: { name: string; value: GoValue }[];
  private readonly out: string[] = [];
  private outBytes = 0;
  private steps = 0;

  constructor(
    private readonly tmpl: ParsedTemplate,
    private readonly funcs: ReadonlyMap<string, TemplateFunc>,
    private readonly limits: ExecLimits,
    private readonly data: GoValue,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  run(): string {
    this.walk(this.data, this.tmpl.root);
    return this.out.join('');
  }

  private at(node: AnyNode): void {
    this.node = node;
  }

  private errorf(message: string): never {
    const name = this.tmpl.name;
    if (this.node === undefined) throw new TemplateExecError(`template: ${name}: ${message}`);
    const text = this.tmpl.text.slice(0, this.node.pos);
    const newline = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const column = Buffer.byteLength(text.slice(newline + 1), 'utf8');
    const context = contextOf(this.node);
    throw new TemplateExecError(
      `template: ${name}:${line}:${column}: executing ${goQuote(name)} at <${context}>: ${message}`,
    );
  }

  private step(): void {
    if (++this.steps > this.limits.maxSteps) this.errorf(`more than ${this.limits.maxSteps} evaluation steps`);
  }

  private write(text: string): void {
    this.outBytes += Buffer.byteLength(text, 'utf8');
    if (this.outBytes > this.limits.maxOutputBytes) this.errorf(`output longer than ${this.limits.maxOutputBytes} bytes`);
    this.out.push(text);
  }

  private walk(dot: GoValue, node: Node): void {
    this.step();
    switch (node.type) {
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const child of node.nodes) this.walk(dot, child);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'text':
        return this.write(node.text);
    }
  }

  private walkIfOrWith(dot: GoValue, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (truth(value)) this.walk(node.type === 'with' ? value : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: GoValue, node: BranchNode): void {
    this.at(node as Node);
    const mark = this.vars.length;
    try {
      const value = indirect(this.evalPipeline(dot, node.pipe));
      const inner = this.vars.length;
      const decl = node.pipe.decl;
      const iterate = (index: GoValue, elem: GoValue): void => {
        this.step();
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]!.name, decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]!.name, elem);
          else this.vars[this.vars.length - 2]!.value = index;
        }
        try {
          this.walk(elem, node.list);
        } catch (signal) {
          if (signal !== CONTINUE) throw signal;
        } finally {
          this.vars.length = inner;
        }
      };
      let count = 0;
      switch (value.t) {
        case 'template.queryResult':
          value.v.forEach((sample, i) => iterate(int(i), { t: '*template.sample', v: sample }));
          count = value.v.length;
          break;
        case 'map[string]string':
          for (const [key, elem] of sortedEntries(value.v)) iterate(str(key), str(elem)), count++;
          break;
        case 'map[string]interface {}':
          for (const key of [...value.v.keys()].sort()) iterate(str(key), value.v.get(key)!), count++;
          break;
        case 'invalid':
          break;
        default:
          this.errorf(`range can't iterate over ${formatValue(value, 'v')}`);
      }
      if (count === 0 && node.elseList) this.walk(dot, node.elseList);
    } catch (signal) {
      if (signal !== BREAK) throw signal;
    } finally {
      this.vars.length = mark;
    }
  }

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: GoValue | undefined = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result becomes no value (reflect.ValueOf(nil)).
      if (value.t === 'nil') value = INVALID;
    }
    const result = value ?? INVALID;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.name, result);
      else this.vars.push({ name: variable.name, value: result });
    }
    return result;
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: GoValue | undefined): GoValue {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return bool(first.value);
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through: errorf never returns
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return str(first.text);
    }
  }

  private notAFunction(args: readonly ArgNode[], final: GoValue | undefined): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  private idealConstant(node: Extract<ArgNode, { type: 'number' }>): GoValue {
    this.at(node);
    const text = node.text;
    const hexInt = /^0[xX]/.test(text) && !/[pP]/.test(text);
    if (node.value.isFloat && !hexInt && !text.startsWith("'") && /[.eEpP]/.test(text)) return float(node.value.float);
    if (node.value.isInt) return int(node.value.int);
    this.errorf(`${text} overflows int`);
  }

  private evalFieldNode(dot: GoValue, field: Extract<ArgNode, { type: 'field' }>, args: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, chain: Extract<ArgNode, { type: 'chain' }>, args: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${argString(chain)}`);
    const receiver = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.fields, args, final);
  }

  private evalVariableNode(dot: GoValue, variable: Extract<ArgNode, { type: 'variable' }>, args: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: ArgNode, ident: readonly string[], args: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver);
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, receiver);
  }

  private evalField(dot: GoValue, name: string, node: ArgNode, args: readonly ArgNode[] | undefined, final: GoValue | undefined, receiver: GoValue): GoValue {
    if (receiver.t === 'invalid') return INVALID;
    const type = typeName(receiver);
    if (receiver.t === 'nil') this.errorf(`nil pointer evaluating interface {}.${name}`);
    const value = indirect(receiver);
    if (value.t === 'time.Time') {
      const method = timeMethod(value.v, name);
      if (method !== undefined) {
        const params: ParamType[] = name === 'Format' ? ['string'] : [];
        return this.evalCall(dot, { params, call: method }, node, name, args, final);
      }
    }
    const hasArgs = (args?.length ?? 0) > 1 || final !== MISSING;
    const structField = (field: GoValue | undefined): GoValue | undefined => {
      if (field !== undefined && hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return field;
    };
    let found: GoValue | undefined;
    switch (value.t) {
      case 'struct': {
        const d = value.v;
        const fields: Record<string, GoValue> = {
          Labels: { t: 'map[string]string', v: d.labels },
          ExternalLabels: { t: 'map[string]string', v: d.externalLabels },
          ExternalURL: str(d.externalURL),
          Value: float(d.value),
        };
        found = structField(Object.hasOwn(fields, name) ? fields[name] : undefined);
        break;
      }
      case 'template.sample':
        if (name === 'Labels') found = structField({ t: 'map[string]string', v: value.v.labels });
        if (name === 'Value') found = structField(float(value.v.value));
        break;
      case 'map[string]string':
      case 'map[string]interface {}':
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        if (value.t === 'map[string]string') return str(lookup(value.v, name) ?? '');
        return value.v.get(name) ?? { t: 'nil' };
      case '*template.sample':
        if (name === 'Labels' || name === 'Value') this.errorf(`nil pointer evaluating ${type}.${name}`);
        break;
    }
    if (found !== undefined) return found;
    this.errorf(`can't evaluate field ${name} in type ${type}`);
  }

  private evalFunction(dot: GoValue, node: Extract<ArgNode, { type: 'identifier' }>, cmd: AnyNode, args: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    this.at(node);
    const fn = this.funcs.get(node.name);
    if (fn === undefined) this.errorf(`${goQuote(node.name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.name, args, final);
  }

  private evalCall(dot: GoValue, fn: TemplateFunc, node: AnyNode, name: string, allArgs: readonly ArgNode[] | undefined, final: GoValue | undefined): GoValue {
    const args = allArgs === undefined ? [] : allArgs.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic !== undefined) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    if (name === 'and' || name === 'or') {
      let value: GoValue = INVALID;
      for (const arg of args) {
        value = this.evalArg(dot, 'reflect.Value', arg);
        if (truth(value) === (name === 'or')) return value;
      }
      return final !== MISSING ? final : value;
    }
    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i]!, args[i]!));
    if (fn.variadic !== undefined) for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i]!));
    if (final !== MISSING) {
      let type = fn.params[fn.params.length - 1] ?? fn.variadic!;
      if (fn.variadic !== undefined) type = numIn - 1 < numFixed ? fn.params[numIn - 1]! : fn.variadic;
      argv.push(this.validateType(final, type));
    }
    let result: GoValue;
    try {
      result = fn.call(argv);
    } catch (error) {
      if (!(error instanceof FuncError)) throw error;
      this.at(node);
      this.errorf(`error calling ${name}: ${error.message}`);
    }
    if ((result.t === 'string' || result.t === 'template.HTML') && result.v.length > this.limits.maxOutputBytes) {
      this.at(node);
      this.errorf(`error calling ${name}: result longer than ${this.limits.maxOutputBytes} bytes`);
    }
    return result;
  }

  private evalArg(dot: GoValue, type: ParamType | undefined, node: ArgNode): GoValue {
    this.at(node);
    const check = (value: GoValue): GoValue => (type === undefined ? value : this.validateType(value, type));
    switch (node.type) {
      case 'dot':
        return check(dot);
      case 'nil':
        if (type !== undefined && canBeNil(type)) return zeroOf(type);
        this.errorf(`cannot assign nil to ${type ?? 'interface {}'}`);
      // falls through: errorf never returns
      case 'field':
        return check(this.evalFieldNode(dot, node, [node], MISSING));
      case 'variable':
        return check(this.evalVariableNode(dot, node, undefined, MISSING));
      case 'pipe':
        return check(this.evalPipeline(dot, node));
      case 'identifier':
        return check(this.evalFunction(dot, node, node, undefined, MISSING));
      case 'chain':
        return check(this.evalChainNode(dot, node, undefined, MISSING));
    }
    switch (type) {
      case 'float64':
        if (node.type === 'number' && node.value.isFloat) return float(node.value.float);
        this.errorf(`expected float; found ${argString(node)}`);
      // falls through: errorf never returns
      case 'int':
        if (node.type === 'number' && node.value.isInt) return int(node.value.int);
        this.errorf(`expected integer; found ${argString(node)}`);
      // falls through: errorf never returns
      case 'string':
        if (node.type === 'string') return str(node.text);
        this.errorf(`expected string; found ${argString(node)}`);
      // falls through: errorf never returns
      case 'interface {}':
      case 'reflect.Value':
        if (node.type === 'bool') return bool(node.value);
        if (node.type === 'number') return this.idealConstant(node);
        return str(node.text);
    }
    this.errorf(`can't handle ${argString(node)} for arg of type ${type}`);
  }

  private validateType(value: GoValue, type: ParamType): GoValue {
    if (value.t === 'invalid') {
      if (canBeNil(type)) return zeroOf(type);
      this.errorf(`invalid value; expected ${type}`);
    }
    if (type === 'reflect.Value' || type === 'interface {}' || value.t === type) return value;
    if (type === 'string' && value.t === 'template.HTML') return this.errorf(`wrong type for value; expected string; got template.HTML`);
    this.errorf(`wrong type for value; expected ${type}; got ${value.t === 'nil' ? 'interface {}' : typeName(value)}`);
  }

  private printValue(node: Node, value: GoValue): void {
    this.at(node);
    const shown = kindOf(value) === 'ptr' ? indirect(value) : value;
    this.write(shown.t === 'invalid' ? '<no value>' : formatValue(shown, 'v'));
  }
}
