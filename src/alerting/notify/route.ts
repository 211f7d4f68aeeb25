/**
 * Alertmanager 0.25's routing tree (dispatch/route.go): each route inherits its parent's receiver,
 * grouping and timers unless it sets its own; an alert goes down the first child that matches (and
 * on to later siblings while the matching child has `continue`), and stops at the deepest routes
 * that match. A route's key (`{}/{severity="page"}`) is its parent's key, a slash, and its matchers.
 */
import type { RouteConfig } from './config.js';
import { formatLabelSet, type LabelSet } from './labelset.js';
import { formatMatchers, matchesAll, type Matcher } from './matchers.js';

export interface RouteOptions {
  readonly receiver: string;
  readonly groupBy: ReadonlySet<string>;
  readonly groupByAll: boolean;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

export const DEFAULT_ROUTE_OPTIONS: RouteOptions = {
  receiver: '',
  groupBy: new Set(),
  groupByAll: false,
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
};

export class Route {
  readonly options: RouteOptions;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: readonly Route[];
  /** Route.Key(): the matchers of every route from the root down to this one. */
  readonly key: string;

  constructor(config: RouteConfig, parent?: Route) {
    const inherited = parent?.options ?? DEFAULT_ROUTE_OPTIONS;
    this.options = {
      receiver: config.receiver ?? inherited.receiver,
      // A route listing labels groups by them alone; `...` alone keeps the parent's list beside it.
      groupBy: config.groupBy ? new Set(config.groupBy) : inherited.groupBy,
      groupByAll: config.groupBy ? false : config.groupByAll || inherited.groupByAll,
      groupWaitMs: config.groupWaitMs ?? inherited.groupWaitMs,
      groupIntervalMs: config.groupIntervalMs ?? inherited.groupIntervalMs,
      repeatIntervalMs: config.repeatIntervalMs ?? inherited.repeatIntervalMs,
    };
    this.matchers = config.matchers;
    this.continue = config.continue;
    this.key = (parent ? `${parent.key}/` : '') + formatMatchers(config.matchers);
    this.routes = config.routes.map((child) => new Route(child, this));
  }

  /** Route.Match: the routes an alert with these labels is sent to, in tree order. */
  match(labels: LabelSet): Route[] {
    if (!matchesAll(this.matchers, labels)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const matched = child.match(labels);
      all.push(...matched);
      if (matched.length > 0 && !child.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** Route.Walk: this route, then its descendants depth first. */
  walk(visit: (route: Route) => void): void {
    visit(this);
    for (const child of this.routes) child.walk(visit);
  }

  /** getGroupLabels: the alert's labels this route groups by. */
  groupLabels(labels: LabelSet): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(labels)) {
      if (this.options.groupByAll || this.options.groupBy.has(name)) out[name] = value;
    }
    return out;
  }

  /** aggrGroup.GroupKey(): `{}/{team="a"}:{alertname="x"}`. */
  groupKey(groupLabels: LabelSet): string {
    return `${this.key}:${formatLabelSet(groupLabels)}`;
  }
}
