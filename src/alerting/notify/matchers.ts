/**
 * Alertmanager 0.25's label matchers (pkg/labels): the `matchers:` syntax of a route (`foo="bar"`,
 * `foo=~"a|b"`, `foo!=x`, unquoted values, a list in `{…}`), how a matcher prints (`foo="bar"`, the
 * form route keys are made of), and how a route's matchers are sorted. Regexes are anchored RE2,
 * compiled by the same helper the PromQL engine uses, so Go's regexp syntax and messages apply.
 */
import { RE2JS } from 're2js';

import { badArgument } from '../../core/errors.js';
import { makeMatcher } from '../../store/promql/parse-literals.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  matches(value: string): boolean;
}

/** Order of MatchType in Go (MatchEqual = 0 … MatchNotRegexp = 3), for sorting. */
const TYPE_ORDER: Readonly<Record<MatchType, number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

// '=~' before '=' so `a=~b` is not read as `a` = `~b`; Go's \s is ASCII white space only.
const MATCHER =
  /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;

/** labels.NewMatcher: throws Go's regexp message for a regex that does not compile. */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  try {
    return makeMatcher(type, name, value);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Prometheus also compiles the bare regex (so `)(` fails there); Alertmanager only the anchored one.
    if ((type === '=~' || type === '!~') && !message.includes('`(?<`')) {
      const anchored = compileOrUndefined('^(?:' + value + ')$');
      const negate = type === '!~';
      if (anchored) return { type, name, value, matches: (v) => anchored.matches(v) !== negate };
    }
    throw badArgument(message);
  }
}

function compileOrUndefined(source: string): RE2JS | undefined {
  try {
    return RE2JS.compile(source);
  } catch {
    return undefined;
  }
}

/** labels.ParseMatcher: one `name op value`, the value quoted or not; throws with Alertmanager's message. */
export function parseMatcher(text: string): Matcher {
  const match = MATCHER.exec(text);
  if (!match) throw badArgument(`bad matcher format: ${text}`);
  const [, name = '', op = '=', written = ''] = match;
  let raw = written;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  const chars = Array.from(raw);
  let offset = 0;
  for (const char of chars) {
    const atEnd = offset + char.length === raw.length;
    offset += char.length;
    if (escaped) {
      escaped = false;
      if (char === 'n') value += '\n';
      else if (char === '"' || char === '\\') value += char;
      else value += '\\' + char; // a spurious escape keeps its backslash
      continue;
    }
    if (char === '\\') {
      if (!atEnd) escaped = true;
      else value += '\\';
    } else if (char === '"') {
      if (!expectTrailingQuote || !atEnd) {
        throw badArgument(`matcher value contains unescaped double quote: ${written}`);
      }
      expectTrailingQuote = false;
    } else {
      value += char;
    }
  }
  if (expectTrailingQuote) throw badArgument(`matcher value contains unescaped double quote: ${written}`);
  return newMatcher(op as MatchType, name, value);
}

/** labels.ParseMatchers: a comma-separated list, optionally inside `{…}`; commas inside quotes are kept. */
export function parseMatchers(text: string): Matcher[] {
  let body = text.startsWith('{') ? text.slice(1) : text;
  if (body.endsWith('}')) body = body.slice(0, -1);
  const tokens: string[] = [];
  let insideQuotes = false;
  let escaped = false;
  let token = '';
  for (const char of body) {
    if (char === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (char === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (char === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += char;
  }
  const last = token.trim();
  if (last !== '') tokens.push(last);
  return tokens.map(parseMatcher);
}

function openMetricsEscape(value: string): string {
  return value.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/** Matcher.String(): `name="value"` with `\`, newline and `"` escaped. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.name}${matcher.type}"${openMetricsEscape(matcher.value)}"`;
}

/** Matchers.String(): `{a="1",b=~"x"}`, no spaces; `{}` for none. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return '{' + matchers.map(formatMatcher).join(',') + '}';
}

// Below U+D800, UTF-16 code units sort as UTF-8 bytes do; surrogates and U+E000… need the bytes.
const UTF16_ORDER_DIFFERS = /[\uD800-\uFFFF]/;

/** Go's string comparison: byte order of the UTF-8 text. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (!UTF16_ORDER_DIFFERS.test(a) && !UTF16_ORDER_DIFFERS.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Matchers.Less: by name, then value, then type. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  return (
    compareGoStrings(a.name, b.name) ||
    compareGoStrings(a.value, b.value) ||
    TYPE_ORDER[a.type] - TYPE_ORDER[b.type]
  );
}

/** Matchers.Matches: every matcher holds; a missing label reads as ''. */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => m.matches(labels[m.name] ?? ''));
}
