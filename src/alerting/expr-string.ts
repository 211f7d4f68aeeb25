/**
 * A PromQL expression written back as Prometheus 2.42 writes a parsed one (promql/parser/printer.go's
 * String methods): what an alert's generatorURL carries, so `up==0` links as `up == 0`, as it does
 * from Prometheus.
 */
import { compareStrings } from '../store/labels.js';
import type { AtModifier, Expr, VectorSelector } from '../store/promql/ast.js';
import { formatModelDuration, goQuote } from './go-format.js';

/** fmt.Sprint of a float64: the shortest digits, %e from an exponent of 6 (or below -4) on. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  // Within that range a JS number prints as the same shortest digits, in plain decimal notation.
  return String(value);
}

function offsetString(offsetMs: number): string {
  if (offsetMs > 0) return ` offset ${formatModelDuration(offsetMs)}`;
  if (offsetMs < 0) return ` offset -${formatModelDuration(-offsetMs)}`;
  return '';
}

function atString(at: AtModifier | undefined): string {
  if (at === undefined) return '';
  if (at.kind === 'time') return ` @ ${(at.timeMs / 1000).toFixed(3)}`;
  return ` @ ${at.kind}()`;
}

/** The selector's name and matchers, without its @ and offset. */
function selectorString(node: VectorSelector): string {
  const name = node.name ?? '';
  const matchers = node.matchers
    .filter((m) => !(m.name === '__name__' && m.type === '=' && m.value === name))
    .map((m) => `${m.name}${m.type}${goQuote(m.value)}`)
    .sort(compareStrings);
  return matchers.length === 0 ? name : `${name}{${matchers.join(',')}}`;
}

/** parser.Expr.String(). */
export function exprString(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return formatGoFloat(expr.value);
    case 'string':
      return goQuote(expr.value);
    case 'vector':
      return selectorString(expr) + atString(expr.at) + offsetString(expr.offsetMs);
    case 'matrix': {
      const vector = expr.vector;
      const range = `[${formatModelDuration(expr.rangeMs)}]`;
      return selectorString(vector) + range + atString(vector.at) + offsetString(vector.offsetMs);
    }
    case 'subquery': {
      const step = expr.stepMs === 0 ? '' : formatModelDuration(expr.stepMs);
      const suffix = `[${formatModelDuration(expr.rangeMs)}:${step}]`;
      return exprString(expr.expr) + suffix + atString(expr.at) + offsetString(expr.offsetMs);
    }
    case 'call':
      return `${expr.func}(${expr.args.map(exprString).join(', ')})`;
    case 'aggregate': {
      let out: string = expr.op;
      if (expr.without) out += ` without (${expr.grouping.join(', ')}) `;
      else if (expr.grouping.length > 0) out += ` by (${expr.grouping.join(', ')}) `;
      const param = expr.param === undefined ? '' : `${exprString(expr.param)}, `;
      return `${out}(${param}${exprString(expr.expr)})`;
    }
    case 'binary': {
      let matching = '';
      const vm = expr.matching;
      if (vm !== undefined && (vm.matchingLabels.length > 0 || vm.on)) {
        matching = ` ${vm.on ? 'on' : 'ignoring'} (${vm.matchingLabels.join(', ')})`;
        if (vm.card === 'many-to-one' || vm.card === 'one-to-many')
          matching += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
      }
      const bool = expr.returnBool ? ' bool' : '';
      return `${exprString(expr.lhs)} ${expr.op}${bool}${matching} ${exprString(expr.rhs)}`;
    }
    case 'unary':
      return `${expr.op}${exprString(expr.expr)}`;
    case 'paren':
      return `(${exprString(expr.expr)})`;
  }
}
