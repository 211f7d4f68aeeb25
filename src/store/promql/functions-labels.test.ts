import { describe, expect, it } from 'vitest';
import { call, labels, sample, str } from '../../../test/promql-function-kit.js';
import type { Expr } from './ast.js';
import { queryFailed } from './errors.js';
import { expandTemplate } from './functions-labels.js';
import type { Sample } from './value.js';

// Expected outputs are Prometheus 2.42's (promtool test rules on the same input).

const VECTOR: Expr = { kind: 'vector', name: 't', matchers: [], offsetMs: 0, at: undefined };

function replace(input: Sample[], dst: string, replacement: string, src: string, regex: string): Sample[] {
  return call('label_replace', [input], [VECTOR, str(dst), str(replacement), str(src), str(regex)]);
}

function join(input: Sample[], dst: string, separator: string, ...sources: string[]): Sample[] {
  return call('label_join', [input], [VECTOR, str(dst), str(separator), ...sources.map(str)]);
}

describe('label_replace', () => {
  it('replaces from the anchored match, keeping the metric name and value', () => {
    const input = [
      sample({ __name__: 't', src: 'source-value-10', dst: 'original-destination-value' }, 0),
      sample({ __name__: 't', src: 'source-value-20', dst: 'original-destination-value' }, 1),
    ];
    expect(replace(input, 'dst', 'destination-value-$1', 'src', 'source-value-(.*)')).toEqual([
      { metric: labels({ __name__: 't', dst: 'destination-value-10', src: 'source-value-10' }), t: 0, v: 0 },
      { metric: labels({ __name__: 't', dst: 'destination-value-20', src: 'source-value-20' }), t: 0, v: 1 },
    ]);
  });

  it('leaves a series alone when the regex does not match all of the source', () => {
    const input = [sample({ __name__: 't', src: 'source-value-10', dst: 'original' }, 0)];
    expect(replace(input, 'dst', 'x-$1', 'src', 'value-(.*)')).toEqual(input);
    expect(replace(input, 'dst', 'x-$1', 'nonexistent', 'dummy-regex')).toEqual(input);
  });

  it('removes the destination when the expansion is empty; a missing source is the empty string', () => {
    const input = [sample({ __name__: 't', src: 'source-value-10', dst: 'original' }, 0)];
    expect(replace(input, 'dst', '', 'dst', '.*')[0]?.metric).toEqual(
      labels({ __name__: 't', src: 'source-value-10' }),
    );
    expect(replace(input, 'dst', 'value-$1', 'nonexistent', '(.*)')[0]?.metric).toEqual(
      labels({ __name__: 't', dst: 'value-', src: 'source-value-10' }),
    );
  });

  it("expands the replacement by Go's rules", () => {
    const input = [sample({ src: 'abc' }, 0)];
    const out = replace(input, 'dst', '$1x|${1}x|$$1|$2|${name}|$name-|$0|$01|$', 'src', '(?P<name>a)(b)?c');
    expect(out[0]?.metric).toEqual(labels({ dst: '|ax|$1|b|a|a-|abc||$', src: 'abc' }));
    expect(replace([sample({ src: 'ac' }, 0)], 'dst', '[$2]', 'src', '(a)(b)?c')[0]?.metric).toEqual(
      labels({ dst: '[]', src: 'ac' }),
    );
    expect(replace([sample({ src: 'aXc' }, 0)], 'dst', '${1', 'src', 'a(.)c')[0]?.metric).toEqual(
      labels({ dst: '${1', src: 'aXc' }),
    );
    expect(replace([sample({ src: 'aXc' }, 0)], 'dst', '${}-$-${!}', 'src', 'a(.)c')[0]?.metric).toEqual(
      labels({ dst: '${}-$-${!}', src: 'aXc' }),
    );
    // `$10` and `$1ü` name groups that do not exist: the destination is removed.
    expect(replace([sample({ src: 'x' }, 0)], 'dst', '$10', 'src', '(x)')[0]?.metric).toEqual(
      labels({ src: 'x' }),
    );
    expect(replace([sample({ src: 'x' }, 0)], 'dst', '$1ü', 'src', '(x)')[0]?.metric).toEqual(
      labels({ src: 'x' }),
    );
  });

  it('matches as RE2 does: Unicode classes, leftmost-first submatches', () => {
    expect(replace([sample({ src: 'Ünïcode' }, 0)], 'dst', '<$1>', 'src', '(\\pL)(.*)')[0]?.metric).toEqual(
      labels({ dst: '<Ü>', src: 'Ünïcode' }),
    );
    expect(replace([sample({ src: 'aaa' }, 0)], 'dst', '$1|$2', 'src', '(a*?)(a*)')[0]?.metric).toEqual(
      labels({ dst: '|aaa', src: 'aaa' }),
    );
  });

  it("rejects (?<name>…) as Go 1.19's RE2 does, and only where it opens a group", () => {
    expect(() => replace([], 'dst', 'x', 'src', '(?<n>a)')).toThrow(
      queryFailed('invalid regular expression in label_replace(): (?<n>a)'),
    );
    expect(() => replace([], 'dst', 'x', 'src', '[[:alpha:]](?<x><)')).toThrow(
      queryFailed('invalid regular expression in label_replace(): [[:alpha:]](?<x><)'),
    );
    const ok = (src: string, regex: string) =>
      replace([sample({ src }, 0)], 'dst', 'ok', 'src', regex)[0]?.metric;
    expect(ok('<', '[(?<]')).toEqual(labels({ dst: 'ok', src: '<' }));
    expect(ok('(<', '\\(?<')).toEqual(labels({ dst: 'ok', src: '(<' }));
    expect(ok('(?<', '\\Q(?<\\E')).toEqual(labels({ dst: 'ok', src: '(?<' }));
    expect(ok(']<', '[]](?P<x><)')).toEqual(labels({ dst: 'ok', src: ']<' }));
  });

  it('can set the metric name', () => {
    expect(
      replace([sample({ __name__: 't', src: 'aXc' }, 0)], '__name__', 'renamed', 'src', 'a(.)c')[0]?.metric,
    ).toEqual(labels({ __name__: 'renamed', src: 'aXc' }));
  });

  it('fails as Go panics: the regex is checked first, then the destination, even for no input', () => {
    expect(() => replace([], 'dst', 'x', 'src', '(.*')).toThrow(
      queryFailed('invalid regular expression in label_replace(): (.*'),
    );
    expect(() => replace([], '1dst', 'x', 'src', '(.*')).toThrow(
      queryFailed('invalid regular expression in label_replace(): (.*'),
    );
    expect(() => replace([], '1dst', 'x', 'src', '(.*)')).toThrow(
      queryFailed('invalid destination label name in label_replace(): 1dst'),
    );
    expect(() => replace([], '\\invalid', 'x', 'src', 'a')).toThrow(
      queryFailed('invalid destination label name in label_replace(): \\invalid'),
    );
  });
});

describe('expandTemplate', () => {
  it('reads names as far as letters, digits and _ go, and takes a malformed $ literally', () => {
    const groups: Record<string, string> = { 1: 'one', x_1: 'named', '1a': 'never' };
    const group = (name: string | number) => groups[String(name)] ?? '';
    expect(expandTemplate('$1.$x_1-${x_1}z $$ $ ${', group)).toBe('one.named-namedz $ $ ${');
    expect(expandTemplate('$1a', group)).toBe('never');
    expect(expandTemplate('no dollars', group)).toBe('no dollars');
  });
});

describe('label_join', () => {
  const input = [sample({ __name__: 't', src: 'a', dst: 'b', c: 'cc' }, 0)];

  it('joins source values, missing ones as empty strings', () => {
    expect(join(input, 'dst', '-', 'src', 'c', 'nope')[0]?.metric).toEqual(
      labels({ __name__: 't', c: 'cc', dst: 'a-cc-', src: 'a' }),
    );
    expect(join(input, 'dst', ',', 'x', 'y')[0]?.metric).toEqual(
      labels({ __name__: 't', c: 'cc', dst: ',', src: 'a' }),
    );
    expect(join(input, '__name__', '_', '__name__', 'src')[0]?.metric).toEqual(
      labels({ __name__: 't_a', c: 'cc', dst: 'b', src: 'a' }),
    );
  });

  it('removes the destination when the join is empty (no sources, or empty values)', () => {
    expect(join(input, 'dst', '-')[0]?.metric).toEqual(labels({ __name__: 't', c: 'cc', src: 'a' }));
    expect(join(input, 'dst', '', 'x')[0]?.metric).toEqual(labels({ __name__: 't', c: 'cc', src: 'a' }));
  });

  it('checks source names before the destination', () => {
    expect(() => join([], 'd-st', '', 'x-y')).toThrow(
      queryFailed('invalid source label name in label_join(): x-y'),
    );
    expect(() => join([], 'd-st', '', 'x')).toThrow(
      queryFailed('invalid destination label name in label_join(): d-st'),
    );
  });
});
