/**
 * The executor of Go's text/template (Go 1.19's exec.go) with missingkey=zero, as Prometheus runs
 * alert templates: pipelines, variables and their scopes, field and map access, if/with/range
 * (maps in key order), break/continue, argument checking and conversion, and Go's error texts
 * (`template: NAME:LINE:COL: executing "NAME" at <index "abc" 5>: error calling index: …`).
 * Bounded: the output (and any string a function returns) by `maxOutputBytes`, the work by
 * `maxSteps` (one per node walked, command evaluated and range iteration).
 */
import { goQuote } from '../go-format.js';
import { rangeEntries } from './exec-values.js';
import { Evaluator, TemplateExecError, type ExecLimits } from './exec-eval.js';
import { formatValue } from './fmt.js';
import type { TemplateFunc } from './funcs-types.js';
import type { BranchNode, Node } from './nodes.js';
import type { ParsedTemplate } from './parse.js';
import { INVALID, indirect, kindOf, truth, type GoValue } from './values.js';

export { TemplateExecError, type ExecLimits } from './exec-eval.js';

/** break and continue unwind to their range as these. */
class LoopSignal extends Error {}
/** How deep `{{template}}` calls may nest (Go allows 100,000; the JS stack does not). */
export const MAX_TEMPLATE_DEPTH = 100;
const BREAK = new LoopSignal('break');
const CONTINUE = new LoopSignal('continue');

export function execute(
  tmpl: ParsedTemplate,
  data: GoValue,
  funcs: ReadonlyMap<string, TemplateFunc>,
  limits: ExecLimits,
): string {
  return new State(tmpl, funcs, limits, data).run();
}

class State extends Evaluator {
  private depth = 0;
  private readonly out: string[] = [];
  private outBytes = 0;

  run(): string {
    this.walk(this.data, this.tmpl.root);
    return this.out.join('');
  }

  /** A failed write is the writer's error, without the template's location (Go's writeError). */
  private write(text: string): void {
    this.outBytes += Buffer.byteLength(text, 'utf8');
    if (this.outBytes > this.limits.maxOutputBytes)
      throw new TemplateExecError(`output longer than ${this.limits.maxOutputBytes} bytes`);
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
      case 'template':
        return this.walkTemplate(dot, node);
    }
  }

  /** `{{template "name" pipeline}}`: the named template, with the value as dot and no variables but `$`. */
  private walkTemplate(dot: GoValue, node: Extract<Node, { type: 'template' }>): void {
    this.at(node);
    const body = this.tmpl.templates.get(node.name);
    if (body === undefined) this.errorf(`template ${goQuote(node.name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH)
      this.errorf(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const value = node.pipe ? this.evalPipeline(dot, node.pipe) : INVALID;
    const [vars, current] = [this.vars, this.current];
    this.vars = [{ name: '$', value }];
    this.current = node.name;
    this.depth++;
    try {
      this.walk(value, body);
    } finally {
      [this.vars, this.current] = [vars, current];
      this.depth--;
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
    this.at(node);
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
      const entries = this.ok(rangeEntries(value));
      entries.forEach(([index, elem]) => iterate(index, elem));
      if (entries.length === 0 && node.elseList) this.walk(dot, node.elseList);
    } catch (signal) {
      if (signal !== BREAK) throw signal;
    } finally {
      this.vars.length = mark;
    }
  }

  private printValue(node: Node, value: GoValue): void {
    this.at(node);
    const shown = kindOf(value) === 'ptr' ? indirect(value) : value;
    this.write(shown.t === 'invalid' ? '<no value>' : formatValue(shown, 'v'));
  }
}
