/**
 * The parse tree of Go's text/template (text/template/parse's nodes) and their String() forms, which
 * Go's error messages quote (`executing "x" at <index $labels 5>`, `expected string; found 5`).
 */
import { goQuote } from '../go-format.js';

export interface NumberValue {
  readonly isInt: boolean;
  readonly isFloat: boolean;
  /** Set when isInt (exact within ±2^53; larger literals lose precision). */
  readonly int: number;
  readonly float: number;
}

export type ArgNode =
  | { readonly type: 'identifier'; readonly pos: number; readonly name: string }
  | { readonly type: 'dot'; readonly pos: number }
  | { readonly type: 'nil'; readonly pos: number }
  | { readonly type: 'variable'; readonly pos: number; readonly ident: readonly string[] }
  | { readonly type: 'field'; readonly pos: number; readonly ident: readonly string[] }
  | {
      readonly type: 'chain';
      readonly pos: number;
      readonly node: ArgNode;
      readonly fields: readonly string[];
    }
  | { readonly type: 'bool'; readonly pos: number; readonly value: boolean }
  | { readonly type: 'number'; readonly pos: number; readonly text: string; readonly value: NumberValue }
  | { readonly type: 'string'; readonly pos: number; readonly quoted: string; readonly text: string }
  | PipeNode;

export interface CommandNode {
  readonly type: 'command';
  readonly pos: number;
  readonly args: ArgNode[];
}

export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  readonly line: number;
  isAssign: boolean;
  readonly decl: { readonly pos: number; readonly name: string }[];
  readonly cmds: CommandNode[];
}

export interface ListNode {
  readonly type: 'list';
  readonly pos: number;
  readonly nodes: Node[];
}

export interface BranchNode {
  readonly type: 'if' | 'with' | 'range';
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}

export type Node =
  | { readonly type: 'text'; readonly pos: number; readonly text: string }
  | { readonly type: 'action'; readonly pos: number; readonly line: number; readonly pipe: PipeNode }
  | BranchNode
  | { readonly type: 'break' | 'continue'; readonly pos: number; readonly line: number }
  | {
      readonly type: 'template';
      readonly pos: number;
      readonly line: number;
      readonly name: string;
      readonly pipe: PipeNode | undefined;
    }
  | ListNode;

/** Nodes the parser returns for `{{end}}` and `{{else}}` before it folds them into branches. */
export type Delimiter =
  | { readonly type: 'end'; readonly pos: number; readonly line: number }
  | { readonly type: 'else'; readonly pos: number; readonly line: number };

export function argString(node: ArgNode): string {
  switch (node.type) {
    case 'identifier':
      return node.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'variable':
      return node.ident.join('.');
    case 'field':
      return node.ident.map((name) => '.' + name).join('');
    case 'chain': {
      const inner = node.node.type === 'pipe' ? `(${argString(node.node)})` : argString(node.node);
      return inner + node.fields.map((name) => '.' + name).join('');
    }
    case 'bool':
      return String(node.value);
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
    case 'pipe':
      return pipeString(node);
  }
}

export function commandString(cmd: CommandNode): string {
  return cmd.args.map((arg) => (arg.type === 'pipe' ? `(${pipeString(arg)})` : argString(arg))).join(' ');
}

export function pipeString(pipe: PipeNode): string {
  let out = '';
  if (pipe.decl.length > 0) {
    out = pipe.decl.map((v) => v.name).join(', ') + (pipe.isAssign ? ' = ' : ' := ');
  }
  return out + pipe.cmds.map(commandString).join(' | ');
}

export function nodeString(node: Node | Delimiter): string {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'action':
      return `{{${pipeString(node.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range': {
      const elsePart = node.elseList ? `{{else}}${nodeString(node.elseList)}` : '';
      return `{{${node.type} ${pipeString(node.pipe)}}}${nodeString(node.list)}${elsePart}{{end}}`;
    }
    case 'break':
    case 'continue':
    case 'end':
    case 'else':
      return `{{${node.type}}}`;
    case 'list':
      return node.nodes.map(nodeString).join('');
    case 'template':
      return `{{template ${goQuote(node.name)}${node.pipe ? ' ' + pipeString(node.pipe) : ''}}}`;
  }
}
