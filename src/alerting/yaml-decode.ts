/**
 * Decodes YAML into typed values the way promtool's Go decoders do (gopkg.in/yaml's strict mode): an
 * unknown field, or a value of the wrong kind, is an error naming its line and the Go type, and all such
 * errors are gathered into one `yaml: unmarshal errors:` message. Plain scalars resolve as YAML 1.1 does
 * in Go (`0x10`, `010` octal, `1_000`, `yes`, `.inf`), and any scalar may be read as a string, its text
 * as written. The YAML syntax itself is parsed by the `yaml` package; its syntax errors read differently
 * from Go's.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
} from 'yaml';

import { McpulseError } from '../core/errors.js';
import { parseModelDuration } from './go-format.js';

export type Shape =
  | { readonly kind: 'string' | 'float' | 'int' | 'duration' | 'node' }
  | { readonly kind: 'stringMap' }
  | { readonly kind: 'list'; readonly goType: string; readonly of: Shape }
  | { readonly kind: 'struct'; readonly goType: string; readonly fields: Readonly<Record<string, Shape>> };

/** Where a value sits in the file (1-based), for messages that point at it; 0:0 when it is absent. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A `yaml.Node` field: its scalar text (or '' for a null or collection) and where it is. */
export interface RawNode extends Position {
  readonly value: string;
}

/** A decoding that failed as a whole (a duration that does not parse, a YAML syntax error). */
export class YamlDecodeError extends McpulseError {
  constructor(message: string) {
    super('MCPULSE_ARGUMENT_INVALID', message);
  }
}
YamlDecodeError.prototype.name = 'YamlDecodeError';

type Tag = '!!null' | '!!bool' | '!!int' | '!!float' | '!!str' | '!!seq' | '!!map';

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const BOOLS = new Set(
  'y Y yes Yes YES on On ON true True TRUE n N no No NO off Off OFF false False FALSE'.split(' '),
);
const FLOAT_WORDS: Readonly<Record<string, number>> = {
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
};
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt/ParseUint(s, 0, 64): an optional sign, then 0x, 0o, 0b, a leading 0 (octal) or decimal. */
function goInteger(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const digits = match[2]!;
  const body = /^0[0-7]+$/.test(digits)
    ? `0o${digits.slice(1)}`
    : digits.replace(/^0([XOB])/, (_, c: string) => `0${c.toLowerCase()}`);
  const value = match[1] === '-' ? -BigInt(body) : BigInt(body);
  return value >= INT64_MIN && value <= UINT64_MAX ? value : undefined;
}

/** Go yaml's resolve() of a plain scalar: its tag, and its number when it is one. */
function resolvePlain(text: string): { tag: Tag; number?: number } {
  if (NULLS.has(text)) return { tag: '!!null' };
  if (BOOLS.has(text)) return { tag: '!!bool' };
  const word = FLOAT_WORDS[text];
  if (word !== undefined) return { tag: '!!float', number: word };
  if (/^[-+.0-9]/.test(text)) {
    const plain = text.replaceAll('_', '');
    const integer = goInteger(plain);
    if (integer !== undefined) return { tag: '!!int', number: Number(integer) };
    if (YAML_FLOAT.test(plain)) {
      const number = Number(plain);
      if (Number.isFinite(number)) return { tag: '!!float', number };
    }
  }
  return { tag: '!!str' };
}

class Decoder {
  readonly errors: string[] = [];

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  position(node: YamlNode | null | undefined): Position {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 0, column: 0 };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private resolve(node: YamlNode | null | undefined): YamlNode | null | undefined {
    let current = node;
    for (let hops = 0; current && isAlias(current) && hops < 100; hops++) {
      current = current.resolve(this.doc);
    }
    return current;
  }

  /** The scalar's text as Go reads it into a string; undefined for null. */
  private scalarText(node: YamlNode): { text: string; tag: Tag; number?: number } | undefined {
    if (!isScalar(node)) return undefined;
    if (node.type === 'PLAIN' || node.type === undefined) {
      const text = typeof node.source === 'string' ? node.source : String(node.value);
      return { text, ...resolvePlain(text) };
    }
    return { text: String(node.value), tag: '!!str' };
  }

  private typeError(node: YamlNode, tag: Tag, text: string | undefined, goType: string): void {
    const shown = text === undefined ? '' : ` \`${text.length > 10 ? `${text.slice(0, 7)}...` : text}\``;
    this.errors.push(`line ${this.position(node).line}: cannot unmarshal ${tag}${shown} into ${goType}`);
  }

  private mismatch(node: YamlNode, goType: string): undefined {
    if (isSeq(node)) this.typeError(node, '!!seq', undefined, goType);
    else if (isMap(node)) this.typeError(node, '!!map', undefined, goType);
    else {
      const scalar = this.scalarText(node);
      this.typeError(node, scalar?.tag ?? '!!str', scalar?.text, goType);
    }
    return undefined;
  }

  decode(raw: YamlNode | null | undefined, shape: Shape): unknown {
    const node = this.resolve(raw);
    if (shape.kind === 'node') {
      const scalar = node ? this.scalarText(node) : undefined;
      return {
        value: scalar && scalar.tag !== '!!null' ? scalar.text : '',
        ...this.position(node),
      };
    }
    if (!node) return undefined;
    const scalar = this.scalarText(node);
    if (scalar?.tag === '!!null') return undefined;
    switch (shape.kind) {
      case 'string':
      case 'duration': {
        if (!scalar) return this.mismatch(node, 'string');
        if (shape.kind === 'string') return scalar.text;
        try {
          return parseModelDuration(scalar.text);
        } catch (error) {
          throw new YamlDecodeError((error as Error).message);
        }
      }
      case 'float':
      case 'int': {
        const ok = scalar?.number !== undefined && (shape.kind === 'float' || scalar.tag === '!!int');
        if (!ok) return this.mismatch(node, shape.kind === 'float' ? 'float64' : 'int');
        return scalar.number;
      }
      case 'stringMap': {
        if (!isMap(node)) return this.mismatch(node, 'map[string]string');
        const out: Record<string, string> = {};
        for (const pair of node.items) {
          const key = this.decode(pair.key as YamlNode, { kind: 'string' }) as string | undefined;
          const value = this.decode(pair.value as YamlNode, { kind: 'string' }) as string | undefined;
          out[key ?? ''] = value ?? '';
        }
        return out;
      }
      case 'list': {
        if (!isSeq(node)) return this.mismatch(node, shape.goType);
        return node.items.map((item) => this.decode(item as YamlNode, shape.of));
      }
      case 'struct': {
        if (!isMap(node)) return this.mismatch(node, shape.goType);
        const out: Record<string, unknown> = { $position: this.position(node) };
        const seen = new Set<string>();
        for (const pair of node.items) {
          const keyNode = this.resolve(pair.key as YamlNode);
          const key = keyNode ? (this.scalarText(keyNode)?.text ?? '') : '';
          const field = shape.fields[key];
          const line = this.position(keyNode).line;
          if (!field) {
            this.errors.push(`line ${line}: field ${key} not found in type ${shape.goType}`);
            continue;
          }
          if (seen.has(key))
            this.errors.push(`line ${line}: field ${key} already set in type ${shape.goType}`);
          seen.add(key);
          out[key] = this.decode(pair.value as YamlNode, field);
        }
        return out;
      }
    }
  }
}

/**
 * Decodes the first document of `text` into `shape`. Returns the value and the gathered unmarshal
 * errors (already joined as Go prints them), or throws YamlDecodeError for syntax errors and bad durations.
 */
export function decodeYaml(text: string, shape: Shape): { value: unknown; error: string | undefined } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, keepSourceTokens: true, uniqueKeys: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return { value: undefined, error: undefined };
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line ?? 0;
    throw new YamlDecodeError(`yaml: line ${line}: ${syntax.message.split('\n')[0] ?? ''}`);
  }
  const decoder = new Decoder(doc, lines);
  const value = decoder.decode(doc.contents, shape);
  const error =
    decoder.errors.length === 0 ? undefined : `yaml: unmarshal errors:\n  ${decoder.errors.join('\n  ')}`;
  return { value, error };
}
