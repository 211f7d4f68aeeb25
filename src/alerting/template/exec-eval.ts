/**
 * The evaluating half of the text/template executor (Go 1.19's exec.go): pipelines, commands,
 * variables, fields and map keys, function calls with their arguments checked and converted, and
 * Go's error texts (`template: NAME:LINE:COL: executing "NAME" at <index "abc" 5>: …`). exec.ts
 * walks the tree with it.
 */
import { goQuote } from '../go-format.js';
import {
  canBeNil,
  contextOf,
  Fail,
  fieldOf,
  idealConstant,
  literalArg,
  arityProblem,
  validateType,
  zeroOf,
  lineAndColumn,
  type AnyNode,
} from './exec-values.js';
import { FuncError, type ParamType, type TemplateFunc } from './funcs-types.js';
import { argString, type ArgNode, type CommandNode, type PipeNode } from './nodes.js';
import type { ParsedTemplate } from './parse.js';
import { INVALID, bool, str, truth, type GoValue } from './values.js';

export class TemplateExecError extends Error {}

export interface ExecLimits {
  readonly maxOutputBytes: number;
  readonly maxSteps: number;
}

type Args = readonly ArgNode[] | undefined;
/** The previous command's value in a pipeline; MISSING for the first (Go's missingVal). */
type Final = GoValue | undefined;
type Of<T extends ArgNode['type']> = Extract<ArgNode, { type: T }>;
/** The pipeline's previous value is absent (Go's missingVal). */
export const MISSING = undefined;

export class Evaluator {
  protected node: AnyNode | undefined;
  protected vars: { name: string; value: GoValue }[];
  /** The template being walked (a `{{template}}` call changes it). */
  protected current: string;
  private steps = 0;

  constructor(
    protected readonly tmpl: ParsedTemplate,
    protected readonly funcs: ReadonlyMap<string, TemplateFunc>,
    protected readonly limits: ExecLimits,
    protected readonly data: GoValue,
  ) {
    this.vars = [{ name: '$', value: data }];
    this.current = tmpl.name;
  }

  protected at(node: AnyNode): void {
    this.node = node;
  }

  protected errorf(message: string): never {
    const name = this.current;
    if (this.node === undefined) throw new TemplateExecError(`template: ${name}: ${message}`);
    const where = `${this.tmpl.name}:${lineAndColumn(this.tmpl.text, this.node.pos)}`;
    throw new TemplateExecError(
      `template: ${where}: executing ${goQuote(name)} at <${contextOf(this.node)}>: ${message}`,
    );
  }

  protected step(): void {
    if (++this.steps > this.limits.maxSteps)
      this.errorf(`more than ${this.limits.maxSteps} evaluation steps`);
  }

  protected evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
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

  protected setVar(name: string, value: GoValue): void {
    const slot = this.vars.findLast((v) => v.name === name);
    if (slot === undefined) this.errorf(`undefined variable: ${name}`);
    slot.value = value;
  }

  protected varValue(name: string): GoValue {
    const slot = this.vars.findLast((v) => v.name === name);
    if (slot === undefined) this.errorf(`undefined variable: ${name}`);
    return slot.value;
  }

  protected evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
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

  protected notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  protected idealConstant(node: Of<'number'>): GoValue {
    this.at(node);
    return this.ok(idealConstant(node));
  }

  protected evalFieldNode(dot: GoValue, field: Of<'field'>, args: Args, final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  protected evalChainNode(dot: GoValue, chain: Of<'chain'>, args: Args, final: Final): GoValue {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${argString(chain)}`);
    const receiver = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.fields, args, final);
  }

  protected evalVariableNode(dot: GoValue, variable: Of<'variable'>, args: Args, final: Final): GoValue {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  protected evalFieldChain(
    dot: GoValue,
    receiver: GoValue,
    node: ArgNode,
    ident: readonly string[],
    args: Args,
    final: Final,
  ): GoValue {
    let fromInterface = false;
    for (let i = 0; i < ident.length; i++) {
      const last = i === ident.length - 1;
      if (receiver.t === 'invalid') return INVALID;
      const found = fieldOf(
        receiver,
        ident[i]!,
        last && ((args?.length ?? 0) > 1 || final !== MISSING),
        fromInterface,
      );
      fromInterface = receiver.t === 'map[string]interface {}';
      receiver =
        'call' in found
          ? this.evalCall(dot, found, node, ident[i]!, last ? args : undefined, last ? final : MISSING)
          : this.ok(found);
    }
    return receiver;
  }

  protected evalFunction(
    dot: GoValue,
    node: Of<'identifier'>,
    cmd: AnyNode,
    args: Args,
    final: Final,
  ): GoValue {
    this.at(node);
    const fn = this.funcs.get(node.name);
    if (fn === undefined) this.errorf(`${goQuote(node.name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.name, args, final);
  }

  protected evalCall(
    dot: GoValue,
    fn: TemplateFunc,
    node: AnyNode,
    name: string,
    allArgs: Args,
    final: Final,
  ): GoValue {
    const args = allArgs === undefined ? [] : allArgs.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    const arity = arityProblem(fn, name, args.length, numIn);
    if (arity !== undefined) this.errorf(arity.message);
    if (name === 'and' || name === 'or') {
      let value: GoValue = INVALID;
      for (const arg of args) {
        value = this.evalArg(dot, 'reflect.Value', arg);
        if (truth(value) === (name === 'or')) return value;
      }
      return final !== MISSING ? final : value;
    }
    // Fixed parameters first, then the variadic one's elements; the pipeline's value comes last.
    const typeAt = (j: number): ParamType => fn.params[j] ?? fn.variadic!;
    const argv = args.map((arg, j) => this.evalArg(dot, typeAt(j), arg));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(numIn - 1)));
    let result: GoValue;
    try {
      result = fn.call(argv);
    } catch (error) {
      if (!(error instanceof FuncError)) throw error;
      this.at(node);
      this.errorf(`error calling ${name}: ${error.message}`);
    }
    if (
      (result.t === 'string' || result.t === 'template.HTML') &&
      result.v.length > this.limits.maxOutputBytes
    ) {
      this.at(node);
      this.errorf(`error calling ${name}: result longer than ${this.limits.maxOutputBytes} bytes`);
    }
    return result;
  }

  protected evalArg(dot: GoValue, type: ParamType | undefined, node: ArgNode): GoValue {
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
    return this.ok(literalArg(node, type));
  }

  protected validateType(value: GoValue, type: ParamType): GoValue {
    return this.ok(validateType(value, type));
  }

  protected ok<T>(value: T | Fail): T {
    if (value instanceof Fail) this.errorf(value.message);
    return value;
  }
}
