/**
 * The modifiers written after an expression, as 2.42's grammar actions apply them (parse.go
 * addOffset, setTimestamp, the matrix_selector and subquery_expr rules): `[range]`,
 * `[range:step]`, `offset d` (negative allowed) and `@ t` / `@ start()` / `@ end()`, with 2.42's
 * errors. Durations are single duration tokens; the grammar's duration arithmetic is 2.42's syntax
 * error.
 */
import type { SyntaxNode } from '@lezer/common';
import type { AtModifier, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.js';
import { ParseFailure } from './parse-errors.js';
import { goFixed, parseNonZeroDuration, parseNumber } from './parse-literals.js';
import { children, type TreeReader } from './parse-reader.js';

/** `[range]`, `[range:step]`, `offset`, `@`, applied to the expression just before them. */
export function applyModifier(reader: TreeReader, operand: Expr, node: SyntaxNode): Expr {
  switch (node.name) {
    case 'MatrixSelector':
      return range(reader, operand, node);
    case 'SubqueryExpr':
      return subquery(reader, operand, node);
    case 'OffsetExpr':
      return offsetModifier(reader, operand, node);
    case 'StepInvariantExpr':
      return atModifier(reader, operand, node);
  }
  const modifier = children(node).pop()!;
  throw reader.unsupported(modifier.from, `"${reader.text(modifier)}" modifier`);
}

function range(reader: TreeReader, operand: Expr, node: SyntaxNode): MatrixSelector {
  const open = reader.tokenAfterPos(reader.infoOf(operand).to);
  const rangeMs = duration(reader, node.getChild('DurationExpr')!);
  let problem: string | undefined;
  if (operand.kind !== 'vector') problem = 'ranges only allowed for vector selectors';
  else if (operand.offsetMs !== 0) problem = 'no offset modifiers allowed before range';
  else if (operand.at?.kind === 'time') problem = 'no @ modifiers allowed before range';
  if (problem !== undefined) throw new ParseFailure(open.pos, problem, node.to);
  const vector = operand as VectorSelector;
  return reader.record(
    { kind: 'matrix', vector, rangeMs },
    { from: reader.infoOf(operand).from, to: node.to, type: 'matrix' },
  );
}

function subquery(reader: TreeReader, operand: Expr, node: SyntaxNode): SubqueryExpr {
  const durations = node.getChildren('DurationExpr');
  const rangeMs = duration(reader, durations[0]!);
  const stepMs = durations[1] === undefined ? 0 : duration(reader, durations[1]);
  return reader.record(
    { kind: 'subquery', expr: operand, rangeMs, stepMs, offsetMs: 0, at: undefined },
    { from: reader.infoOf(operand).from, to: node.to, type: 'matrix' },
  );
}

/** A range or subquery duration: 2.42 takes one duration token, nothing to compute. */
function duration(reader: TreeReader, node: SyntaxNode): number {
  const tokens = reader.tokensIn(node);
  const first = tokens[0]!;
  if (first.type !== 'DURATION') throw reader.syntaxErrorAt(first);
  if (tokens.length > 1) throw reader.syntaxErrorAt(tokens[1]!);
  try {
    return parseNonZeroDuration(first.text);
  } catch (error) {
    throw reader.rethrow(error, first.pos);
  }
}

function offsetModifier(reader: TreeReader, operand: Expr, node: SyntaxNode): Expr {
  const tokens = reader.tokensIn(node.getChild('OffsetDurationExpr')!);
  let sign = 1;
  let i = 0;
  if (tokens[0]!.type === 'OPERATOR' && tokens[0]!.key === '-') {
    sign = -1;
    i = 1;
  }
  const durationToken = tokens[i]!;
  if (durationToken.type !== 'DURATION') throw reader.syntaxErrorAt(durationToken);
  if (tokens.length > i + 1) throw reader.syntaxErrorAt(tokens[i + 1]!);
  let ms: number;
  try {
    ms = sign * parseNonZeroDuration(durationToken.text);
  } catch (error) {
    throw reader.rethrow(error, durationToken.pos);
  }
  const info = reader.infoOf(operand);
  const target = operand.kind === 'matrix' ? operand.vector : operand;
  if (target.kind !== 'vector' && target.kind !== 'subquery') {
    throw new ParseFailure(
      info.from,
      'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      node.to,
    );
  }
  if (target.offsetMs !== 0)
    throw new ParseFailure(info.from, 'offset may not be set multiple times', node.to);
  return withModifier(reader, operand, { offsetMs: ms }, node.to);
}

function atModifier(reader: TreeReader, operand: Expr, node: SyntaxNode): Expr {
  const atNode = node.getChild('At')!;
  const tokens = reader.tokensIn(node).filter((token) => token.pos >= atNode.to);
  const info = reader.infoOf(operand);
  let at: AtModifier;
  const first = tokens[0]!;
  if (first.type === 'PREPROCESSOR') {
    const open = tokens[1];
    const close = tokens[2];
    if (open?.type !== 'LEFT_PAREN') throw reader.syntaxErrorAt(open ?? reader.tokenAfter(first));
    if (close?.type !== 'RIGHT_PAREN') throw reader.syntaxErrorAt(close ?? reader.tokenAfter(open));
    at = { kind: first.key === 'start' ? 'start' : 'end' };
  } else {
    const signed = first.type === 'OPERATOR' && (first.key === '-' || first.key === '+');
    const numberToken = signed ? tokens[1]! : first;
    if (numberToken.type !== 'NUMBER') throw reader.syntaxErrorAt(numberToken);
    let seconds: number;
    try {
      seconds = parseNumber(numberToken.text);
    } catch (error) {
      throw reader.rethrow(error, numberToken.pos);
    }
    if (signed && first.key === '-') seconds = -seconds;
    if (!Number.isFinite(seconds) || seconds >= 2 ** 63 || seconds <= -(2 ** 63)) {
      throw new ParseFailure(
        info.from,
        `timestamp out of bounds for @ modifier: ${goFixed(seconds)}`,
        node.to,
      );
    }
    at = { kind: 'time', timeMs: roundHalfAway(seconds * 1000) };
  }
  const target = operand.kind === 'matrix' ? operand.vector : operand;
  if (target.kind !== 'vector' && target.kind !== 'subquery') {
    throw new ParseFailure(
      info.from,
      '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      node.to,
    );
  }
  if (target.at !== undefined) {
    throw new ParseFailure(info.from, '@ <timestamp> may not be set multiple times', node.to);
  }
  return withModifier(reader, operand, { at }, node.to);
}

/** The selector or subquery with an offset or @ set (on a range, on its vector selector). */
function withModifier(
  reader: TreeReader,
  operand: Expr,
  change: { offsetMs?: number; at?: AtModifier },
  to: number,
): VectorSelector | MatrixSelector | SubqueryExpr {
  const info = reader.infoOf(operand);
  if (operand.kind === 'matrix') {
    const vector = reader.record({ ...operand.vector, ...change }, reader.infoOf(operand.vector));
    return reader.record({ ...operand, vector }, { ...info, to });
  }
  if (operand.kind === 'vector') return reader.record({ ...operand, ...change }, { ...info, to });
  if (operand.kind === 'subquery') return reader.record({ ...operand, ...change }, { ...info, to });
  throw new Error('unreachable: modifier on ' + operand.kind);
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}
