/**
 * label_replace and label_join as Prometheus 2.42 runs them. label_replace's regex is anchored RE2
 * (re2js, Go's syntax) and its replacement is expanded by Go's regexp.Expand rules: `$1`, `${1}`,
 * `$name`, `${name}`, `$$` for a dollar; a name runs as long as letters, digits and `_` go (so `$1x`
 * names the group "1x", which does not exist, and expands to nothing).
 */
import { RE2JS } from 're2js';
import { LabelsBuilder, labelValue } from '../labels.js';
import type { Expr } from './ast.js';
import { queryFailed } from './errors.js';
import type { FunctionImpl } from './function-types.js';
import type { Sample } from './value.js';

/** Prometheus's model.LabelNameRE. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A string argument (Go's stringFromArg: parentheses around the literal are allowed). */
function stringArg(args: readonly Expr[], index: number): string {
  let expr = args[index];
  while (expr?.kind === 'paren') expr = expr.expr;
  if (expr?.kind !== 'string') throw queryFailed(`expected a string literal as argument ${index + 1}`);
  return expr.value;
}

/** Compiled label_replace regexes by source, so a range query compiles each once; bounded. */
const compiled = new Map<string, RE2JS>();
const COMPILED_LIMIT = 128;

function compileAnchored(source: string): RE2JS {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  let regex: RE2JS | undefined;
  try {
    if (!hasAngleBracketGroup(source)) regex = RE2JS.compile('^(?:' + source + ')$');
  } catch {
    regex = undefined;
  }
  if (regex === undefined) throw queryFailed(`invalid regular expression in label_replace(): ${source}`);
  if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(source, regex);
  return regex;
}

/**
 * Whether the regex opens a group with `(?<`: re2js reads `(?<name>…)`, Go 1.19's RE2 syntax does
 * not (it came in Go 1.22), so 2.42 rejects it. Escapes, `\Q…\E` and character classes are skipped.
 */
export function hasAngleBracketGroup(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      if (source[i + 1] === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        if (end < 0) return false;
        i = end + 1;
      } else {
        i++;
      }
    } else if (c === '[') {
      // A ']' right after '[' or '[^' is literal; '[:alpha:]' holds no ']' before its end.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      for (; j < source.length && source[j] !== ']'; j++) {
        if (source[j] === '\\') j++;
        else if (source.startsWith('[:', j)) j = Math.max(j, source.indexOf(':]', j + 2) + 1);
      }
      i = j;
    } else if (source.startsWith('(?<', i)) {
      return true;
    }
  }
  return false;
}

const labelReplace: FunctionImpl = (values, args, context) => {
  const destination = stringArg(args, 1);
  const replacement = stringArg(args, 2);
  const source = stringArg(args, 3);
  const regex = compileAnchored(stringArg(args, 4));
  if (!LABEL_NAME.test(destination)) {
    throw queryFailed(`invalid destination label name in label_replace(): ${destination}`);
  }
  const groupNames = regex.namedGroups();
  const out: Sample[] = [];
  for (const sample of (values[0] as Sample[] | undefined) ?? []) {
    const sourceValue = labelValue(sample.metric, source);
    const matcher = regex.matcher(sourceValue);
    let metric = sample.metric;
    if (matcher.find()) {
      const group = (name: string | number): string => {
        const index = typeof name === 'number' ? name : groupNames[name];
        if (index === undefined || index > matcher.groupCount()) return '';
        return matcher.group(index) ?? '';
      };
      const result = expandTemplate(replacement, group);
      // An empty result removes the destination label.
      metric = new LabelsBuilder(sample.metric).set(destination, result).labels();
    }
    out.push({ metric, t: context.timeMs, v: sample.v });
  }
  return out;
};

/**
 * Go's regexp.Expand of template: `group` gives a group's text by number or name ('' when the group
 * is unknown or took no part in the match).
 */
export function expandTemplate(template: string, group: (name: string | number) => string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const reference = extractReference(rest);
    if (reference === undefined) {
      out += '$'; // malformed: the dollar is literal text
      continue;
    }
    rest = reference.rest;
    out += group(reference.num ?? reference.name);
  }
  return out + rest;
}

const NAME_CHARACTER = /^[\p{L}\p{Nd}_]$/u;

/** Go's extract: a leading `name` or `{name}`; a number when all digits, no leading zero, < 1e8. */
function extractReference(text: string): { name: string; num: number | undefined; rest: string } | undefined {
  if (text === '') return undefined;
  let str = text;
  const brace = str.startsWith('{');
  if (brace) str = str.slice(1);
  let i = 0;
  for (const character of str) {
    if (!NAME_CHARACTER.test(character)) break;
    i += character.length;
  }
  if (i === 0) return undefined;
  const name = str.slice(0, i);
  if (brace) {
    if (str[i] !== '}') return undefined;
    i++;
  }
  let num: number | undefined = 0;
  for (const character of name) {
    if (character < '0' || character > '9' || num >= 1e8) {
      num = undefined;
      break;
    }
    num = num * 10 + (character.charCodeAt(0) - 48);
  }
  if (name.startsWith('0') && name.length > 1) num = undefined;
  return { name, num, rest: str.slice(i) };
}

const labelJoin: FunctionImpl = (values, args, context) => {
  const destination = stringArg(args, 1);
  const separator = stringArg(args, 2);
  const sources: string[] = [];
  for (let i = 3; i < args.length; i++) {
    const source = stringArg(args, i);
    if (!LABEL_NAME.test(source)) throw queryFailed(`invalid source label name in label_join(): ${source}`);
    sources.push(source);
  }
  if (!LABEL_NAME.test(destination)) {
    throw queryFailed(`invalid destination label name in label_join(): ${destination}`);
  }
  return ((values[0] as Sample[] | undefined) ?? []).map((sample) => {
    const joined = sources.map((source) => labelValue(sample.metric, source)).join(separator);
    // An empty join removes the destination label.
    const metric = new LabelsBuilder(sample.metric).set(destination, joined).labels();
    return { metric, t: context.timeMs, v: sample.v };
  });
};

export const LABEL_FUNCTIONS: Readonly<Record<string, FunctionImpl>> = {
  label_replace: labelReplace,
  label_join: labelJoin,
};
