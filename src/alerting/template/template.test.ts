/**
 * Alert templates: the edges the promtool differential does not reach (the URL functions with a URL,
 * a failing query, multi-byte columns) and hostile input: deep nesting, long templates, output that
 * would grow past 1 MiB and work that would not end are refused with an error text, never a crash
 * or a hang.
 */
import { describe, expect, it } from 'vitest';

import { parseRuleGroups } from '../rule-file.js';
import {
  ALERT_TEMPLATE_DEFS,
  MAX_NESTING,
  MAX_OUTPUT_BYTES,
  MAX_STEPS,
  MAX_TEMPLATE_DEPTH,
  checkTemplate,
  expandAlertTemplate,
} from './index.js';

const data = { labels: { job: 'api', instance: 'h:9090' }, value: 2.5 };
const expand = (text: string, options: Partial<Parameters<typeof expandAlertTemplate>[2]> = {}): string =>
  expandAlertTemplate(text, data, { name: 'x', timeMs: 0, ...options });
const execError = (rest: string): string =>
  `<error expanding template: error executing template __alert_x: template: __alert_x:${rest}>`;
/** A failed write carries no template location, as Go's writeError. */
const outputError = `<error expanding template: error executing template __alert_x: output longer than ${MAX_OUTPUT_BYTES} bytes>`;
const parseError = (rest: string): string =>
  `<error expanding template: error parsing template __alert_x: template: __alert_x:${rest}>`;

describe('expandAlertTemplate', () => {
  it('prepends the definitions Prometheus puts before every template (112 bytes, so columns start there)', () => {
    expect(ALERT_TEMPLATE_DEFS.length).toBe(112);
    expect(expand('{{ $labels.job }} {{ $value }} {{ $externalURL }}|')).toBe('api 2.5 |');
    expect(expand('{{ index "a" 9 }}')).toBe(
      execError('1:115: executing "__alert_x" at <index "a" 9>: error calling index: index out of range: 9'),
    );
  });

  it('counts error columns in bytes, as Go does', () => {
    expect(expand('é{{ index "a" 9 }}')).toBe(
      execError('1:117: executing "__alert_x" at <index "a" 9>: error calling index: index out of range: 9'),
    );
  });

  it('gives externalURL and pathPrefix the URL when one is configured', () => {
    const externalUrl = 'http://prom.example:9090/prom';
    expect(expand('{{ externalURL }} {{ pathPrefix }}', { externalUrl })).toBe(`${externalUrl} /prom`);
    expect(expand('{{ pathPrefix }}|', { externalUrl: 'http://prom.example' })).toBe('|');
  });

  it('runs query at the evaluation time and reports its error as Prometheus does', () => {
    const seen: [string, number][] = [];
    const query = (expr: string, timeMs: number) => {
      seen.push([expr, timeMs]);
      if (expr === 'bad(') throw new Error('1:5: parse error: unclosed left parenthesis');
      return [
        { labels: { instance: 'b' }, value: 2 },
        { labels: { instance: 'a' }, value: 1 },
      ];
    };
    const text =
      '{{ range sortByLabel "instance" (query "up") }}{{ .Labels.instance }}={{ .Value }} {{ end }}';
    expect(expand(text, { query, timeMs: 60_000 })).toBe('a=1 b=2 ');
    expect(expand('{{ query "bad(" }}', { query })).toBe(
      execError(
        '1:115: executing "__alert_x" at <query "bad(">: error calling query: 1:5: parse error: unclosed left parenthesis',
      ),
    );
    expect(seen).toEqual([
      ['up', 60_000],
      ['bad(', 0],
    ]);
  });

  it('reads a label map key that is an Object.prototype name as a missing label', () => {
    const query = () => [{ labels: { job: 'a' }, value: 1 }];
    const text =
      '{{ $labels.constructor }}|{{ index $labels "toString" }}|{{ label "valueOf" (first (query "up")) }}|';
    expect(expand(text, { query })).toBe('|||');
  });

  it('keeps variables to their scope and lets = change an outer one', () => {
    expect(expand('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}')).toBe('2');
    expect(checkTemplate('x', '{{ if true }}{{ $y := 3 }}{{ end }}{{ $y }}')).toBe(
      'template: __alert_x:1: undefined variable "$y"',
    );
  });
});

describe('hostile templates are refused, bounded', () => {
  it(`refuses nesting deeper than ${MAX_NESTING} (parentheses, if, range) with a parse error`, () => {
    const parens = `{{ ${'('.repeat(50_000)}1${')'.repeat(50_000)} }}`;
    expect(expand(parens)).toBe(parseError(`1: nesting deeper than ${MAX_NESTING}`));
    const ifs = '{{ if 1 }}'.repeat(20_000) + 'x' + '{{ end }}'.repeat(20_000);
    expect(expand(ifs)).toBe(parseError(`1: nesting deeper than ${MAX_NESTING}`));
    const ok = '{{ if 1 }}'.repeat(MAX_NESTING) + 'x' + '{{ end }}'.repeat(MAX_NESTING);
    expect(expand(ok)).toBe('x');
  });

  it('expands a long template (4 MiB of text and 100,000 actions) in one pass', () => {
    const text = 'a'.repeat(4 << 20);
    expect(expand(text)).toBe(outputError);
    const actions = '{{ $value }}'.repeat(100_000);
    expect(expand(actions)).toBe('2.5'.repeat(100_000));
  });

  it(`stops output at ${MAX_OUTPUT_BYTES} bytes (1 MiB)`, () => {
    const wide = '{{ printf "%1000000s" "" }}';
    expect(expand(wide)).toBe(' '.repeat(1_000_000));
    expect(expand(wide + wide)).toBe(outputError);
  });

  it('stops a string that doubles in a loop at the same bound', () => {
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`l${i}`, 'v']));
    const text = '{{ $x := "ab" }}{{ range $labels }}{{ $x = printf "%s%s" $x $x }}{{ end }}{{ len $x }}';
    expect(expandAlertTemplate(text, { labels, value: 0 }, { name: 'x', timeMs: 0 })).toBe(
      execError(
        `1:155: executing "__alert_x" at <printf "%s%s" $x $x>: error calling printf: result longer than ${MAX_OUTPUT_BYTES} bytes`,
      ),
    );
  });

  it(`stops after ${MAX_STEPS} evaluation steps (nested ranges over many labels)`, () => {
    const labels = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`l${i}`, 'v']));
    const text = '{{ range $labels }}{{ range $labels }}{{ range $labels }}{{ end }}{{ end }}{{ end }}';
    const out = expandAlertTemplate(text, { labels, value: 0 }, { name: 'x', timeMs: 0 });
    expect(out).toMatch(
      /^<error expanding template: error executing template __alert_x: template: __alert_x:1:\d+: executing "__alert_x" at <.*>: more than 1000000 evaluation steps>$/,
    );
  });

  it(`stops {{template}} recursion at ${MAX_TEMPLATE_DEPTH} calls (Go allows 100000)`, () => {
    expect(expand('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" }}')).toBe(
      execError(
        `1:140: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`,
      ),
    );
  });

  it('takes hostile printf widths as Go does (past a million: BADWIDTH)', () => {
    expect(expand('{{ printf "%2000000d" 1 }}')).toBe('%!(BADWIDTH)1');
    expect(expand('{{ printf "%.2000000f" 1.0 }}')).toBe('%!(BADPREC)1.000000');
  });
});

describe('checkTemplate and rule files', () => {
  it('returns undefined for a template that parses and Go’s message for one that does not', () => {
    expect(checkTemplate('HighLatency', '{{ $value | humanizeDuration }}')).toBeUndefined();
    expect(checkTemplate('HighLatency', '{{ humanise $value }}')).toBe(
      'template: __alert_HighLatency:1: function "humanise" not defined',
    );
    expect(checkTemplate('HighLatency', 'a\nb\n{{ if }}')).toBe(
      'template: __alert_HighLatency:3: missing value for if',
    );
  });

  it('rule-file validation refuses alerting rules whose label or annotation templates do not parse', () => {
    const text = [
      'groups:',
      '- name: g',
      '  rules:',
      '  - alert: A',
      '    expr: up',
      "    labels: { severity: '{{ if }}' }",
      "    annotations: { summary: '{{ nope }}', ok: '{{ $value }}' }",
      '  - record: r',
      '    expr: up',
      "    labels: { x: '{{ nope }}' }",
    ].join('\n');
    expect(parseRuleGroups(text, 'f.yml', () => undefined).errors).toEqual([
      'group "g", rule 1, "A": label "severity": template: __alert_A:1: missing value for if',
      'group "g", rule 1, "A": annotation "summary": template: __alert_A:1: function "nope" not defined',
    ]);
  });
});
