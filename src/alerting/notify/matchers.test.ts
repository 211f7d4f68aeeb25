import { describe, expect, it } from 'vitest';

import {
  compareGoStrings,
  compareMatchers,
  formatMatcher,
  formatMatchers,
  matchesAll,
  newMatcher,
  parseMatcher,
  parseMatchers,
} from './matchers.js';

const shape = (text: string): [string, string, string][] =>
  parseMatchers(text).map((m) => [m.name, m.type, m.value]);

describe('Alertmanager 0.25 matcher syntax', () => {
  it('reads quoted and unquoted values, every operator, and the {…} list form', () => {
    expect(shape('foo="bar"')).toEqual([['foo', '=', 'bar']]);
    expect(shape('foo=~"a|b"')).toEqual([['foo', '=~', 'a|b']]);
    expect(shape('foo!=x')).toEqual([['foo', '!=', 'x']]);
    expect(shape('  foo !~  x y  ')).toEqual([['foo', '!~', 'x y']]);
    expect(shape('{foo="bar", baz=~"q.*",job!=node}')).toEqual([
      ['foo', '=', 'bar'],
      ['baz', '=~', 'q.*'],
      ['job', '!=', 'node'],
    ]);
    expect(shape('a:b=c')).toEqual([['a:b', '=', 'c']]);
    expect(shape('foo=')).toEqual([['foo', '=', '']]);
    expect(shape('{}')).toEqual([]);
  });

  it('keeps commas inside quotes and unescapes \\", \\\\ and \\n, keeping other backslashes', () => {
    expect(shape('a="x,y", b="z"')).toEqual([
      ['a', '=', 'x,y'],
      ['b', '=', 'z'],
    ]);
    expect(shape('a="say \\"hi\\"\\n"')).toEqual([['a', '=', 'say "hi"\n']]);
    expect(shape('a=~"\\d+"')).toEqual([['a', '=~', '\\d+']]);
    expect(shape('a=x\\')).toEqual([['a', '=', 'x\\']]);
    expect(shape('a="back\\\\slash"')).toEqual([['a', '=', 'back\\slash']]);
  });

  it('refuses malformed matchers with Alertmanager 0.25 messages (as amtool check-config prints them)', () => {
    expect(() => parseMatcher('foo')).toThrow(/^bad matcher format: foo$/);
    expect(() => parseMatcher('1a=b')).toThrow(/^bad matcher format: 1a=b$/);
    expect(() => parseMatcher('foo="bar')).toThrow(/^matcher value contains unescaped double quote: "bar$/);
    expect(() => parseMatcher('foo="a"b"')).toThrow(/^matcher value contains unescaped double quote: "a"b"$/);
    expect(() => parseMatcher('foo=~"("')).toThrow('error parsing regexp: missing closing ): `^(?:()$`');
    expect(() => parseMatcher('foo=~"(?<n>x)"')).toThrow(
      'error parsing regexp: invalid or unsupported Perl syntax: `(?<`',
    );
  });

  it('anchors regexes as Alertmanager does, and accepts what only its anchored form compiles', () => {
    const regex = newMatcher('=~', 'a', 'b|c');
    expect(['b', 'c', 'bc', 'xb', ''].map((v) => regex.matches(v))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    const odd = newMatcher('=~', 'a', ')(');
    expect([odd.matches(''), odd.matches('x')]).toEqual([true, false]);
    const not = newMatcher('!~', 'a', 'b.*');
    expect([not.matches('bee'), not.matches('a')]).toEqual([false, true]);
  });

  it('prints as Matcher.String and sorts as Matchers.Less', () => {
    expect(formatMatcher(newMatcher('=', 'a', 'q"u\\o\nte'))).toBe('a="q\\"u\\\\o\\nte"');
    const list = parseMatchers('{b="1", a!="2", a="2", a="1"}').sort(compareMatchers);
    expect(formatMatchers(list)).toBe('{a="1",a="2",a!="2",b="1"}');
    expect(formatMatchers([])).toBe('{}');
  });

  it('matches a label set, a missing label reading as empty', () => {
    const matchers = parseMatchers('team="db", env!="prod", missing=""');
    expect(matchesAll(matchers, { team: 'db', env: 'dev' })).toBe(true);
    expect(matchesAll(matchers, { team: 'db', env: 'prod' })).toBe(false);
    expect(matchesAll(matchers, { team: 'db', missing: 'x' })).toBe(false);
  });
});

describe('Go string order', () => {
  it('is UTF-8 byte order, also where UTF-16 order differs', () => {
    // U+FF01 is one UTF-16 unit but sorts after U+1F600 (a surrogate pair) in UTF-16; in UTF-8 before.
    expect(['😀', '！', 'b', 'a', 'é', 'B'].sort(compareGoStrings)).toEqual(['B', 'a', 'b', 'é', '！', '😀']);
  });
});
