/**
 * The parser of Go's text/template (Go 1.19's text/template/parse), with its error texts:
 * `template: NAME:LINE: function "x" not defined`, `unexpected EOF`, `undefined variable "$x"`,
 * `missing value for command`, `unexpected <end> in operand`... Variables are checked at parse time
 * as Go does (`$` and those declared before, scoped to their control structure); functions must be
 * known. `define`, `template` and `block` are refused (Prometheus alert templates are one template).
 * Nesting is bounded (MAX_NESTING) so a hostile template cannot exhaust the stack.
 */
import { goQuote } from '../go-format.js';
import { lex, type Item, type ItemType } from './lexer.js';
import {
  nodeString,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type Delimiter,
  type ListNode,
  type Node,
  type NumberValue,
  type PipeNode,
} from './nodes.js';
import { unquoteGo } from './unquote.js';

/** How deep control structures and parentheses may nest (Go has no limit; the JS stack has). */
export const MAX_NESTING = 200;

export class TemplateParseError extends Error {}

export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  readonly root: ListNode;
}

/** text/template's Parse: throws TemplateParseError with Go's message. */
export function parseTemplate(name: string, text: string, hasFunction: (name: string) => boolean): ParsedTemplate {
  return { name, text, root: new Parser(name, text, hasFunction).parse() };
}

const OPERAND_START: ReadonlySet<ItemType> = new Set<ItemType>([
  'bool',
  'charConstant',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

/** Go's item.String(): `EOF`, `<end>` for keywords, `"abc"`, `"abcdefghij"...` past 10 runes. */
function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.val;
  if (/^(block|break|continue|define|else|end|if|range|template|with|dot|nil)$/.test(item.type))
    return `<${item.val}>`;
  const runes = [...item.val];
  if (runes.length > 10) return goQuote(runes.slice(0, 10).join('')) + '...';
  return goQuote(item.val);
}

class Parser {
  private readonly items: Item[];
  private index = 0;
  private lastLine = 1;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private depth = 0;

  constructor(
    private readonly name: string,
    text: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {
    this.items = lex(text);
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'error') this.next();
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') this.fail(`unexpected ${nodeString(node)}`);
      else root.nodes.push(node);
    }
    return root;
  }

  private fail(message: string): never {
    throw new TemplateParseError(`template: ${this.name}:${this.lastLine}: ${message}`);
  }

  private unexpected(item: Item, context: string): never {
    if (item.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== item.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (item.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.fail(item.val + extra);
    }
    this.fail(`unexpected ${itemString(item)} in ${context}`);
  }

  private peek(): Item {
    const item = this.items[this.index] ?? this.items[this.items.length - 1]!;
    this.lastLine = item.line;
    return item;
  }

  private next(): Item {
    const item = this.peek();
    if (item.type === 'error') this.unexpected(item, '');
    this.index++;
    return item;
  }

  private peekNonSpace(): Item {
    while (this.peek().type === 'space') this.index++;
    return this.peek();
  }

  private nextNonSpace(): Item {
    this.peekNonSpace();
    return this.next();
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  private nest<T>(run: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING}`);
    try {
      return run();
    } finally {
      this.depth--;
    }
  }

  private itemList(): { list: ListNode; next: Delimiter } {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') return { list, next: node };
      list.nodes.push(node);
    }
    this.fail('unexpected EOF');
  }

  private textOrAction(): Node | Delimiter {
    const item = this.nextNonSpace();
    if (item.type === 'text') return { type: 'text', pos: item.pos, text: item.val };
    if (item.type === 'leftDelim') {
      this.actionLine = item.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    this.unexpected(item, 'input');
  }

  private action(): Node | Delimiter {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'if':
      case 'with':
      case 'range':
        return this.nest(() => this.control(item.type as BranchNode['type']));
      case 'else': {
        const peek = this.peekNonSpace();
        if (peek.type === 'if') return { type: 'else', pos: peek.pos, line: peek.line };
        const end = this.expect('rightDelim', 'else');
        return { type: 'else', pos: end.pos, line: end.line };
      }
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos, line: item.line };
      case 'break':
      case 'continue': {
        const end = this.nextNonSpace();
        if (end.type !== 'rightDelim') this.unexpected(end, `{{${item.type}}}`);
        if (this.rangeDepth === 0) this.fail(`{{${item.type}}} outside {{range}}`);
        return { type: item.type, pos: item.pos, line: item.line };
      }
      case 'block':
      case 'define':
      case 'template':
        this.fail(`{{${item.type}}} is not supported in alert templates`);
    }
    this.index--;
    const start = this.peek();
    return { type: 'action', pos: start.pos, line: start.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private control(context: BranchNode['type']): BranchNode {
    const varCount = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const body = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (body.next.type === 'else') {
        if (context === 'if' && this.peek().type === 'if') {
          this.next();
          // {{else if b}} reads as {{else}}{{if b}}…{{end}}{{end}}: the inner if takes the one {{end}}.
          elseList = { type: 'list', pos: body.next.pos, nodes: [this.nest(() => this.control('if'))] };
        } else {
          const rest = this.itemList();
          if (rest.next.type !== 'end') this.fail(`expected end; found ${nodeString(rest.next)}`);
          elseList = rest.list;
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list: body.list, elseList };
    } finally {
      this.vars.length = varCount;
    }
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const variable = this.peekNonSpace();
      if (variable.type !== 'variable') break;
      const saved = this.index;
      this.next();
      const after = this.peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        pipe.isAssign = after.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ pos: variable.pos, name: variable.val });
        this.vars.push(variable.val);
        break;
      }
      if (after.type === 'char' && after.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ pos: variable.pos, name: variable.val });
        this.vars.push(variable.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const peek = this.peekNonSpace().type;
          if (peek === 'variable' || peek === 'rightDelim' || peek === 'rightParen') continue;
          this.fail('range can only initialize variables');
        }
        this.fail(`too many declarations in ${context}`);
      }
      // Not a declaration: put the variable back.
      this.index = saved;
      break;
    }
    for (;;) {
      const item = this.nextNonSpace();
      if (item.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(item.type)) this.unexpected(item, context);
      this.index--;
      pipe.cmds.push(this.command());
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0]?.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string')
        this.fail(`non executable command in pipeline stage ${i + 2}`);
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const item = this.next();
      if (item.type === 'space') continue;
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.index--;
      else if (item.type !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(`unexpected . after term ${goQuote(argStringOf(node))}`);
      // falls through: fail never returns
      default:
        return { type: 'chain', pos, node, fields };
    }
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'identifier':
        if (!this.hasFunction(item.val)) this.fail(`function ${goQuote(item.val)} not defined`);
        return { type: 'identifier', pos: item.pos, name: item.val };
      case 'dot':
        return { type: 'dot', pos: item.pos };
      case 'nil':
        return { type: 'nil', pos: item.pos };
      case 'variable':
        return this.useVar(item);
      case 'field':
        return { type: 'field', pos: item.pos, ident: [item.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: item.pos, value: item.val === 'true' };
      case 'charConstant':
      case 'number':
        return { type: 'number', pos: item.pos, text: item.val, value: this.number(item) };
      case 'leftParen':
        return this.nest(() => this.pipeline('parenthesized pipeline', 'rightParen'));
      case 'string':
      case 'rawString': {
        const text = unquoteGo(item.val);
        if (text === undefined) this.fail('invalid syntax');
        return { type: 'string', pos: item.pos, quoted: item.val, text };
      }
    }
    this.index--;
    return undefined;
  }

  private useVar(item: Item): ArgNode {
    const [name = '', ...fields] = item.val.split('.');
    if (!this.vars.includes(name)) this.fail(`undefined variable ${goQuote(name)}`);
    return { type: 'variable', pos: item.pos, ident: [name, ...fields] };
  }

  private number(item: Item): NumberValue {
    const text = item.val;
    if (item.type === 'charConstant') {
      const rune = unquoteGo(text);
      const chars = rune === undefined ? [] : [...rune];
      if (chars.length !== 1) this.fail(rune === undefined || rune === '' ? 'invalid syntax' : `malformed character constant: ${text}`);
      const code = chars[0]!.codePointAt(0)!;
      return { isInt: true, isFloat: true, int: code, float: code };
    }
    const integer = parseGoInt(text);
    if (integer !== undefined) return { isInt: true, isFloat: true, int: integer, float: integer };
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || /^[+-]?0[xX][\da-fA-F]*\.?[\da-fA-F]*[pP][+-]?\d+$/.test(text)) {
      const float = parseGoFloat(text);
      if (!/[.eEpP]/.test(text)) this.fail(`integer overflow: ${goQuote(text)}`);
      const isInt = Number.isInteger(float) && Math.abs(float) < 2 ** 63;
      return { isInt, isFloat: true, int: isInt ? float : 0, float };
    }
    this.fail(`illegal number syntax: ${goQuote(text)}`);
  }
}

function argStringOf(node: ArgNode): string {
  return node.type === 'string' ? node.quoted : node.type === 'number' ? node.text : node.type === 'bool' ? String(node.value) : node.type === 'nil' ? 'nil' : '.';
}

/** strconv.ParseInt(text, 0, 64): 0x, 0o, 0b, a leading 0 for octal, underscores between digits. */
function parseGoInt(text: string): number | undefined {
  const match = /^([+-]?)(0[xX][_\da-fA-F]+|0[oO][_0-7]+|0[bB][_01]+|0[_0-7]*|[1-9][_\d]*)$/.exec(text);
  if (!match) return undefined;
  let body = match[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const value = BigInt(body) * (match[1] === '-' ? -1n : 1n);
  if (value >= 2n ** 63n || value < -(2n ** 63n)) return undefined;
  return Number(value);
}

function parseGoFloat(text: string): number {
  const hex = /^([+-]?)0[xX]([\da-fA-F]*)\.?([\da-fA-F]*)[pP]([+-]?\d+)$/.exec(text);
  if (!hex) return Number(text);
  const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
  const mantissa = parseInt(whole + fraction || '0', 16) / 16 ** fraction.length;
  return (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
}
