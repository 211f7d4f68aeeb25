/**
 * Reading the values of an Alertmanager configuration, given as YAML text or as the same shape in
 * JS. YAML is read as Go's yaml.v2 reads it (YAML 1.1: `yes` is a boolean, `010` octal), and a plain
 * scalar read into a string field keeps its text as written, as Go does (`code: 010` matches "010").
 * Each accessor names the value's path (`route.routes[1].group_wait`) in its error.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

import { badArgument, badOption, type McpulseOptionError } from '../../core/errors.js';
import { parseModelDuration } from '../go-format.js';

/** An unquoted YAML scalar: its text as written and the value YAML 1.1 resolves it to. */
export class PlainScalar {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}
}

/** The YAML document as plain values; plain scalars kept as PlainScalar. */
export function readYaml(text: string): unknown {
  const doc = parseDocument(text, { version: '1.1', keepSourceTokens: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0].line ?? 0;
    throw badArgument(`yaml: line ${line}: ${error.message.split('\n')[0] ?? ''}`);
  }
  return fromNode(doc.contents, doc);
}

function fromNode(node: unknown, doc: ReturnType<typeof parseDocument>, depth = 0): unknown {
  if (depth > 256) throw badArgument('yaml: nested too deeply (more than 256 levels)');
  if (node === null || node === undefined) return undefined;
  const resolved = isAlias(node) ? node.resolve(doc) : (node as YamlNode);
  if (isMap(resolved)) {
    const out: Record<string, unknown> = {};
    for (const pair of resolved.items) {
      const key = fromNode(pair.key, doc, depth + 1);
      out[scalarText(key) ?? ''] = fromNode(pair.value, doc, depth + 1);
    }
    return out;
  }
  if (isSeq(resolved)) return resolved.items.map((item) => fromNode(item, doc, depth + 1));
  if (isScalar(resolved)) {
    if (resolved.type === 'PLAIN') {
      const source = (resolved as { source?: unknown }).source;
      const text = typeof source === 'string' ? source : String(resolved.value);
      return resolved.value === null ? undefined : new PlainScalar(text, resolved.value);
    }
    return String(resolved.value);
  }
  return undefined;
}

function scalarText(value: unknown): string | undefined {
  if (value instanceof PlainScalar) return value.text;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The value as the integrations' builder gets it: plain JS, YAML scalars resolved. */
export function toPlain(value: unknown): unknown {
  if (value instanceof PlainScalar) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value instanceof PlainScalar) return typeof value.value === 'boolean' ? 'a boolean' : 'a scalar';
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** Reads values under one source name; every error is `alertmanager config[ file]: path: …`. */
export class ConfigReader {
  constructor(private readonly source: string) {}

  error(path: string, message: string): McpulseOptionError {
    return badOption(`${this.source}: ${path === '' ? '' : `${path}: `}${message}`);
  }

  /** A refusal that names the key only (`route.routes[1].mute_time_intervals is not supported …`). */
  refuse(path: string, message: string): McpulseOptionError {
    return badOption(`${this.source}: ${path} ${message}`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof PlainScalar) {
      throw this.error(path, `must be a mapping, got ${kindOf(value)}`);
    }
    return value as Record<string, unknown>;
  }

  /** Refuses keys that are not `known`; those in `alertmanagerOnly` as unsupported by mcpulse. */
  checkKeys(
    object: Record<string, unknown>,
    path: string,
    known: readonly string[],
    alertmanagerOnly: readonly string[],
  ): void {
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const at = path === '' ? key : `${path}.${key}`;
      if (alertmanagerOnly.includes(key)) {
        throw this.refuse(
          at,
          "is not supported by mcpulse's notifier (Alertmanager supports it; send alerts to a real Alertmanager instead)",
        );
      }
      throw this.refuse(at, 'is not a field of the Alertmanager 0.25 configuration');
    }
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.error(path, `must be a list, got ${kindOf(value)}`);
    return value;
  }

  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    const text = scalarText(value);
    if (text === undefined) throw this.error(path, `must be a string, got ${kindOf(value)}`);
    return text;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    const resolved = value instanceof PlainScalar ? value.value : value;
    if (typeof resolved !== 'boolean') throw this.error(path, `must be a boolean, got ${kindOf(value)}`);
    return resolved;
  }

  /** model.Duration: `30s`, `1h30m`; milliseconds. */
  duration(value: unknown, path: string): number | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    try {
      return parseModelDuration(text);
    } catch (error) {
      throw this.error(path, (error as Error).message);
    }
  }

  stringList(value: unknown, path: string): string[] {
    return this.list(value, path).map((item, i) => this.string(item, `${path}[${i}]`) ?? '');
  }

  stringMap(value: unknown, path: string): Record<string, string> {
    const object = this.object(value, path);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(object)) out[key] = this.string(item, `${path}.${key}`) ?? '';
    return out;
  }
}
