/**
 * Walks over syntax and plan trees without recursion: the parser returns trees thousands deep
 * (`2^2^…^2`, `1+1+…+1`, a long `a or a or …`), and a recursive walk over one would run out of call
 * stack. Each walk keeps its own stack on the heap and visits nodes in the order recursion would.
 */
import type { Expr } from './ast.js';

/** Post-order: build(node, results of its children, in order) for every node, children first. */
export function postOrder<N, R>(
  root: N,
  childrenOf: (node: N) => readonly N[],
  build: (node: N, childResults: R[]) => R,
): R {
  const work: { readonly node: N; children: number }[] = [{ node: root, children: -1 }];
  const results: R[] = [];
  while (work.length > 0) {
    const top = work[work.length - 1]!;
    if (top.children < 0) {
      const children = childrenOf(top.node);
      top.children = children.length;
      for (let i = children.length - 1; i >= 0; i--) work.push({ node: children[i]!, children: -1 });
      continue;
    }
    work.pop();
    results.push(build(top.node, results.splice(results.length - top.children, top.children)));
  }
  return results[0]!;
}

/** Pre-order, as Prometheus's parser.Inspect: visit(node, its ancestors from the root down). */
export function preOrder<N>(
  root: N,
  childrenOf: (node: N) => readonly N[],
  visit: (node: N, path: readonly N[]) => void,
): void {
  const path: N[] = [];
  // The next child to visit of each node on the path.
  const next: number[] = [];
  const pending: (readonly N[])[] = [];
  visit(root, path);
  path.push(root);
  pending.push(childrenOf(root));
  next.push(0);
  while (path.length > 0) {
    const depth = path.length - 1;
    const children = pending[depth]!;
    const index = next[depth]!;
    if (index >= children.length) {
      path.pop();
      pending.pop();
      next.pop();
      continue;
    }
    next[depth] = index + 1;
    const child = children[index]!;
    visit(child, path);
    path.push(child);
    pending.push(childrenOf(child));
    next.push(0);
  }
}

/** The children of an expression, in the order engine.go evaluates them. */
export function exprChildren(expr: Expr): readonly Expr[] {
  switch (expr.kind) {
    case 'subquery':
    case 'unary':
    case 'paren':
      return [expr.expr];
    case 'call':
      return expr.args;
    case 'aggregate':
      return expr.param === undefined ? [expr.expr] : [expr.expr, expr.param];
    case 'binary':
      return [expr.lhs, expr.rhs];
    default:
      return [];
  }
}
