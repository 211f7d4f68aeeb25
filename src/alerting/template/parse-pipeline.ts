/**
 * The pipeline half of the text/template parser (Go 1.19's parse.go): the item stream with its
 * look-ahead, Go's error reporting (`template: NAME:LINE: …`), and pipelines, commands, operands
 * and terms, with variables checked as they are used. parse.ts adds the control structures.
 */
import { goQuote } from '../go-format.js';
import { lex, type Item, type ItemType } from './lexer.js';
import { numberValue, unquoteGo } from './literals.js';
import { argString, type ArgNode, type CommandNode, type NumberValue, type PipeNode } from './nodes.js';

/** How deep control structures and parentheses may nest (Go has no limit; the JS stack has). */
export const MAX_NESTING = 200;

export class TemplateParseError extends Error {}

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

export class ParserBase {
  protected readonly items: Item[];
  protected index = 0;
  protected lastLine = 1;
  protected vars: string[] = ['$'];
  protected actionLine = 0;
  protected rangeDepth = 0;
  protected depth = 0;

  constructor(
    protected readonly name: string,
    text: string,
    protected readonly hasFunction: (name: string) => boolean,
  ) {
    this.items = lex(text);
  }

  protected fail(message: string): never {
    throw new TemplateParseError(`template: ${this.name}:${this.lastLine}: ${message}`);
  }

  protected unexpected(item: Item, context: string): never {
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

  protected peek(): Item {
    const item = this.items[this.index] ?? this.items[this.items.length - 1]!;
    this.lastLine = item.line;
    return item;
  }

  protected next(): Item {
    const item = this.peek();
    if (item.type === 'error') this.unexpected(item, '');
    this.index++;
    return item;
  }

  protected peekNonSpace(): Item {
    while (this.peek().type === 'space') this.index++;
    return this.peek();
  }

  protected nextNonSpace(): Item {
    this.peekNonSpace();
    return this.next();
  }

  protected expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  protected nest<T>(run: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING}`);
    try {
      return run();
    } finally {
      this.depth--;
    }
  }

  protected pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: 'pipe',
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
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

  protected checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0]?.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string')
        this.fail(`non executable command in pipeline stage ${i + 2}`);
    });
  }

  protected command(): CommandNode {
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

  protected operand(): ArgNode | undefined {
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
        this.fail(`unexpected . after term ${goQuote(argString(node))}`);
      // falls through: fail never returns
      default:
        return { type: 'chain', pos, node, fields };
    }
  }

  protected term(): ArgNode | undefined {
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

  protected useVar(item: Item): ArgNode {
    const [name = '', ...fields] = item.val.split('.');
    if (!this.vars.includes(name)) this.fail(`undefined variable ${goQuote(name)}`);
    return { type: 'variable', pos: item.pos, ident: [name, ...fields] };
  }

  protected number(item: Item): NumberValue {
    const value = numberValue(item.val, item.type === 'charConstant');
    if (typeof value === 'string') this.fail(value);
    return value;
  }
}
