/**
 * The series notation of promtool's unit tests (Prometheus's parser.ParseSeriesDesc and ParseMetric):
 * `name{label="value"} 1 2+3x4 _ _x2 stale -1-1x3 Inf NaN`. `a+bxn` is n+1 values, a, a+b, …, added
 * up one step at a time as Go does; `axn` is n+1 copies; `_xn` is n missing samples; `stale` is a
 * staleness marker. Labels keep empty values, as Prometheus's labels.New does (a result never has them,
 * so an expected sample written with one never matches). Errors read as promtool's do,
 * `1:5: parse error: …`, with the column of the offending byte.
 *
 * It is a port of the grammar's series rules and error messages (the lexer is series-lexer.ts), written
 * out by hand because @prometheus-io/lezer-promql has no grammar for this notation.
 */
import { McpulseError } from '../core/errors.js';
import type { Label } from '../store/labels.js';
import { goQuote } from './go-format.js';
import { unquoteString } from '../store/promql/parse-literals.js';
import { describe, Lexer, NOT_METRIC_NAMES, parseNumber, type Token } from './series-lexer.js';

/** A missing sample (`_`). */
export const OMITTED = '_';
/** A staleness marker (`stale`). */
export const STALE = 'stale';
export type SequenceValue = number | typeof OMITTED | typeof STALE;

/** One series of a `load` block: its labels and its values, one per interval from time 0. */
export interface SeriesDescription {
  readonly labels: Label[];
  readonly values: SequenceValue[];
}

/** Bounds the values one description may expand to; promtool has no bound (a huge `x` runs it out of memory). */
export const MAX_SEQUENCE_VALUES = 1_000_000;

/** A promtool parse error; `message` is the whole line promtool prints. */
export class SeriesParseError extends McpulseError {
  constructor(message: string) {
    super('MCPULSE_ARGUMENT_INVALID', message);
  }
}
SeriesParseError.prototype.name = 'SeriesParseError';

/** Shared by both entry points: the metric (name and label set) at the start of the input. */
class Parser {
  readonly lexer: Lexer;
  token: Token;

  constructor(
    private readonly input: string,
    seriesDesc: boolean,
  ) {
    this.lexer = new Lexer(input, seriesDesc, (pos, message) => this.fail(pos, message));
    this.token = this.lexer.next();
  }

  fail(pos: number, message: string): never {
    const column = Buffer.byteLength(this.input.slice(0, pos), 'utf8') + 1;
    throw new SeriesParseError(`1:${column}: parse error: ${message}`);
  }

  unexpected(token: Token, context: string, expected = ''): never {
    let message = `unexpected ${describe(token)}`;
    if (context !== '') message += ` in ${context}`;
    if (expected !== '') message += `, expected ${expected}`;
    return this.fail(token.pos, message);
  }

  advance(): Token {
    this.token = this.lexer.next();
    return this.token;
  }

  /** metric: [metric_identifier] [label_set], either or both absent. */
  metric(): Label[] {
    let name: string | undefined;
    const first = this.token;
    const nameToken =
      first.type === 'IDENTIFIER' ||
      first.type === 'METRIC_IDENTIFIER' ||
      ((first.type === 'KEYWORD' || first.type === 'AGGREGATOR' || first.type === 'OPERATOR') &&
        !NOT_METRIC_NAMES.has(first.text.toLowerCase()));
    if (nameToken) {
      name = first.text;
      this.advance();
    }
    const labels = this.token.type === 'LEFT_BRACE' ? this.labelSet() : [];
    if (name === undefined) return labels;
    const kept = labels.filter((label) => label.name !== '__name__');
    kept.push({ name: '__name__', value: name });
    return sortLabels(kept);
  }

  private labelSet(): Label[] {
    const labels: Label[] = [];
    let token = this.advance();
    for (;;) {
      if (token.type === 'RIGHT_BRACE') break;
      if (token.type !== 'IDENTIFIER') this.unexpected(token, 'label set', 'identifier or "}"');
      const name = token.text;
      token = this.advance();
      if (token.type !== 'EQL') this.unexpected(token, 'label set', '"="');
      token = this.advance();
      if (token.type !== 'STRING') this.unexpected(token, 'label set', 'string');
      labels.push({ name, value: unquoteString(token.text) });
      token = this.advance();
      if (token.type === 'RIGHT_BRACE') break;
      if (token.type !== 'COMMA') this.unexpected(token, 'label set', '"," or "}"');
      token = this.advance();
    }
    this.advance();
    return sortLabels(labels);
  }
}

/** labels.New's order: by name only (stable here; Go's sort leaves equal names in any order). */
function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

class SequenceParser extends Parser {
  readonly values: SequenceValue[] = [];

  private make(count: number, at: Token): void {
    if (this.values.length + count > MAX_SEQUENCE_VALUES) {
      this.fail(at.pos, `a series expands to more than ${MAX_SEQUENCE_VALUES} values`);
    }
  }

  private number(token: Token): number {
    const value = parseNumber(token.text);
    if (typeof value === 'string') this.fail(token.pos, `error parsing number: ${value}`);
    return value;
  }

  /** The count after `x` (strconv.ParseUint(s, 10, 64)); leaves the token after it current. */
  private repetition(): number {
    const token = this.advance();
    if (token.type !== 'NUMBER') this.unexpected(token, 'series values');
    if (!/^\d+$/.test(token.text)) {
      this.fail(
        token.pos,
        `invalid repetition in series values: strconv.ParseUint: parsing ${goQuote(token.text)}: invalid syntax`,
      );
    }
    const count = Number(token.text);
    this.make(count + 1, token);
    this.advance();
    return count;
  }

  /** series_value: `stale`, a number, or a signed number. */
  private seriesValue(token: Token): SequenceValue {
    if (token.type === 'IDENTIFIER') {
      if (token.text !== 'stale') this.unexpected(token, 'series values', 'number or "stale"');
      return STALE;
    }
    if (token.type === 'NUMBER') return this.number(token);
    const sign = token.type === 'SUB' ? -1 : 1;
    const digits = this.advance();
    if (digits.type !== 'NUMBER') this.unexpected(digits, 'series values');
    return sign * this.number(digits);
  }

  /** series_item, starting at the current token; leaves the token after it current. */
  private item(): void {
    const first = this.token;
    this.make(1, first);
    if (first.type === 'BLANK') {
      const count = this.advance().type === 'TIMES' ? this.repetition() : 1;
      for (let i = 0; i < count; i++) this.values.push(OMITTED);
      return;
    }
    const startsValue =
      first.type === 'IDENTIFIER' || first.type === 'NUMBER' || first.type === 'ADD' || first.type === 'SUB';
    if (!startsValue) this.unexpected(first, '');
    const value = this.seriesValue(first);
    const after = this.advance();
    if (after.type === 'TIMES') {
      const count = this.repetition();
      for (let i = 0; i <= count; i++) this.values.push(value);
      return;
    }
    if (after.type !== 'ADD' && after.type !== 'SUB') {
      this.values.push(value);
      return;
    }
    const step = this.seriesValue(after) as number;
    if (this.advance().type !== 'TIMES') this.unexpected(this.token, 'series values');
    const count = this.repetition();
    // Go adds the step once per value, so `0.1+0.1x9` rounds here as it does there; after `stale`,
    // the sums are plain NaN.
    this.values.push(value);
    let current = value === STALE ? NaN : (value as number);
    for (let i = 1; i <= count; i++) {
      current += step;
      this.values.push(current);
    }
  }

  sequence(): void {
    let afterItem = false;
    for (;;) {
      const token = this.token;
      if (token.type === 'EOF') return;
      if (token.type !== 'SPACE') this.unexpected(token, afterItem ? '' : 'series values');
      if (this.advance().type === 'EOF') return;
      this.item();
      afterItem = true;
    }
  }
}

/** parser.ParseSeriesDesc: one `load` line. Throws SeriesParseError. */
export function parseSeriesDescription(line: string): SeriesDescription {
  const parser = new SequenceParser(line, true);
  const labels = parser.metric();
  parser.sequence();
  return { labels, values: parser.values };
}

/** parser.ParseMetric: `name{a="b"}`, `{a="b"}`, `name` or '' (no labels). Throws SeriesParseError. */
export function parseMetric(text: string): Label[] {
  const parser = new Parser(text, false);
  const labels = parser.metric();
  if (parser.token.type !== 'EOF') parser.unexpected(parser.token, '');
  return labels;
}
