/**
 * Go's filepath.Glob, which promtool applies to every `rule_files` entry: `*` and `?` match within one
 * path element, `[a-z]` / `[^…]` are character classes, `\` escapes; matches come sorted per
 * directory, dot files included, unreadable directories skipped. A malformed pattern is Go's
 * `syntax error in pattern`. (Node 20 has no fs.globSync, and its semantics differ from Go's anyway.)
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { badArgument } from '../core/errors.js';
import { compareStrings } from '../store/labels.js';

export const BAD_PATTERN = 'syntax error in pattern';

const hasMeta = (path: string): boolean => /[*?[\\]/.test(path);

const escapeRegExp = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const escapeInClass = (c: string): string => c.replace(/[\\\][^-]/g, '\\$&');

/** filepath.Match's pattern as an anchored RegExp; throws BAD_PATTERN when malformed. */
function patternRegExp(pattern: string): RegExp {
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) throw badArgument(BAD_PATTERN);
      source += escapeRegExp(next);
    } else if (c === '[') {
      let negate = false;
      if (chars[i + 1] === '^') {
        negate = true;
        i++;
      }
      const ranges: string[] = [];
      const readChar = (): string => {
        const d = chars[++i];
        if (d === undefined || d === '-' || d === ']') throw badArgument(BAD_PATTERN);
        if (d !== '\\') return d;
        const escaped = chars[++i];
        if (escaped === undefined) throw badArgument(BAD_PATTERN);
        return escaped;
      };
      do {
        const lo = readChar();
        let hi = lo;
        if (chars[i + 1] === '-') {
          i++;
          hi = readChar();
          if (hi < lo) throw badArgument(BAD_PATTERN);
        }
        ranges.push(lo === hi ? escapeInClass(lo) : `${escapeInClass(lo)}-${escapeInClass(hi)}`);
      } while (chars[i + 1] !== ']' && chars[i + 1] !== undefined);
      if (chars[++i] !== ']') throw badArgument(BAD_PATTERN);
      source += negate ? `(?![/])[^${ranges.join('')}]` : `[${ranges.join('')}]`;
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

function globIn(dir: string, pattern: string, matches: string[]): void {
  const regexp = patternRegExp(pattern);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return;
    names = readdirSync(dir);
  } catch {
    return;
  }
  names.sort(compareStrings);
  for (const name of names) if (regexp.test(name)) matches.push(join(dir, name));
}

/** filepath.Glob; throws (MCPULSE_ARGUMENT_INVALID, message BAD_PATTERN) for a malformed pattern. */
export function goGlob(pattern: string): string[] {
  patternRegExp(pattern);
  if (!hasMeta(pattern)) {
    try {
      lstatSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const slash = pattern.lastIndexOf('/');
  const file = pattern.slice(slash + 1);
  let dir = pattern.slice(0, slash + 1);
  dir = dir === '' ? '.' : dir === '/' ? dir : dir.slice(0, -1);
  const matches: string[] = [];
  if (!hasMeta(dir)) {
    globIn(dir, file, matches);
    return matches;
  }
  if (dir === pattern) throw badArgument(BAD_PATTERN);
  for (const parent of goGlob(dir)) globIn(parent, file, matches);
  return matches;
}
