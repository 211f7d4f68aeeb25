/**
 * The parser of Go's text/template (Go 1.19's text/template/parse), with its error texts:
 * `template: NAME:LINE: function "x" not defined`, `unexpected EOF`, `undefined variable "$x"`,
 * `missing value for command`, `unexpected <end> in operand`... Variables are checked at parse time
 * as Go does (`$` and those declared before, scoped to their control structure); functions must be
 * known. `{{define}}`, `{{block}}` and `{{template}}` name templates within the one text.
 * Nesting is bounded (MAX_NESTING) so a hostile template cannot exhaust the stack.
 */
import { goQuote } from '../go-format.js';
import type { Item } from './lexer.js';
import { unquoteGo } from './literals.js';
import {
  nodeString,
  type BranchNode,
  type Delimiter,
  type ListNode,
  type Node,
  type PipeNode,
} from './nodes.js';
import { ParserBase } from './parse-pipeline.js';

export { MAX_NESTING, TemplateParseError } from './parse-pipeline.js';

export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  readonly root: ListNode;
  /** Templates by name: `{{define}}`d and `{{block}}`s, and this one under its own name. */
  readonly templates: ReadonlyMap<string, ListNode>;
}

/** text/template's Parse: throws TemplateParseError with Go's message. */
export function parseTemplate(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
): ParsedTemplate {
  const parser = new Parser(name, text, hasFunction);
  const root = parser.parse();
  return { name, text, root, templates: parser.templates };
}

/** parse.IsEmptyTree: only spaces in text. */
function isEmpty(list: ListNode): boolean {
  return list.nodes.every((node) => node.type === 'text' && node.text.trim() === '');
}

class Parser extends ParserBase {
  readonly templates = new Map<string, ListNode>();

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'error') this.next();
      if (this.peek().type === 'leftDelim') {
        const saved = this.index;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.define();
          continue;
        }
        this.index = saved;
      }
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') this.fail(`unexpected ${nodeString(node)}`);
      else root.nodes.push(node);
    }
    // Tree.add for this template: a {{define}} of the same name stands only if this one is empty.
    const defined = this.templates.get(this.name);
    if (defined === undefined || isEmpty(defined)) this.templates.set(this.name, root);
    else if (!isEmpty(root)) this.fail(`template: multiple definition of template ${goQuote(this.name)}`);
    return this.templates.get(this.name)!;
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
      case 'template': {
        const context = `${item.type} clause`;
        const nameItem = this.nextNonSpace();
        const name = this.templateName(nameItem, context);
        let pipe: PipeNode | undefined;
        if (item.type === 'block') {
          pipe = this.pipeline(context, 'rightDelim');
          this.nest(() => this.addTemplate(name, context));
        } else if (this.nextNonSpace().type !== 'rightDelim') {
          this.index--;
          pipe = this.pipeline(context, 'rightDelim');
        }
        return { type: 'template', pos: nameItem.pos, line: nameItem.line, name, pipe };
      }
    }
    this.index--;
    const start = this.peek();
    return { type: 'action', pos: start.pos, line: start.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private templateName(item: Item, context: string): string {
    if (item.type !== 'string' && item.type !== 'rawString') this.unexpected(item, context);
    const name = unquoteGo(item.val);
    if (name === undefined) this.fail('invalid syntax');
    return name;
  }

  /** parseDefinition: `{{define "name"}}…{{end}}` at the top level. */
  private define(): void {
    const context = 'define clause';
    const name = this.templateName(this.nextNonSpace(), context);
    this.expect('rightDelim', context);
    this.nest(() => this.addTemplate(name, context));
  }

  /** A defined template's body, parsed with variables of its own (`$` only), then added (Tree.add). */
  private addTemplate(name: string, context: string): void {
    const [vars, rangeDepth] = [this.vars, this.rangeDepth];
    this.vars = ['$'];
    this.rangeDepth = 0;
    try {
      const body = this.itemList();
      if (body.next.type !== 'end') this.fail(`unexpected ${nodeString(body.next)} in ${context}`);
      const existing = this.templates.get(name);
      if (existing !== undefined && !isEmpty(existing) && !isEmpty(body.list)) {
        this.fail(`template: multiple definition of template ${goQuote(name)}`);
      }
      if (existing === undefined || isEmpty(existing)) this.templates.set(name, body.list);
    } finally {
      this.vars = vars;
      this.rangeDepth = rangeDepth;
    }
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
}
