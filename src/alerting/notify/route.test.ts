import { describe, expect, it } from 'vitest';

import { parseAlertmanagerConfig } from './config.js';
import { Route } from './route.js';

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['team="db"']
      receiver: db
      group_by: [alertname, cluster]
      repeat_interval: 1h
      continue: true
      routes:
        - matchers: ['severity="page"']
          receiver: db-pager
          group_by: ['...']
          group_interval: 1m
        - matchers: ['severity="ticket"']
          group_by: []
    - match_re:
        service: api|web
      match:
        env: prod
      receiver: frontend
    - match:
        team: db
      receiver: audit
      continue: true
    - matchers: ['team=~"d.*"']
      receiver: catch-d
receivers: [{ name: default }, { name: db }, { name: db-pager }, { name: frontend }, { name: audit }, { name: catch-d }]
`;

const root = new Route(parseAlertmanagerConfig(CONFIG).route);
const receivers = (labels: Record<string, string>): string[] =>
  root.match(labels).map((r) => r.options.receiver);

describe('the routing tree as Alertmanager 0.25 walks it', () => {
  it('stops at the first matching child unless it has continue, and at the deepest match', () => {
    expect(receivers({ alertname: 'x' })).toEqual(['default']);
    expect(receivers({ team: 'db', severity: 'page' })).toEqual(['db-pager', 'audit', 'catch-d']);
    expect(receivers({ team: 'db', severity: 'warning' })).toEqual(['db', 'audit', 'catch-d']);
    expect(receivers({ team: 'dx' })).toEqual(['catch-d']);
    expect(receivers({ service: 'api', env: 'prod', team: 'db' })).toEqual(['db', 'frontend']);
    expect(receivers({ service: 'api', env: 'dev' })).toEqual(['default']);
    expect(receivers({ service: 'apix', env: 'prod' })).toEqual(['default']);
  });

  it('inherits receiver, grouping and timers from the parent unless the route sets them', () => {
    const [db, frontend] = root.routes;
    const [pager, ticket] = db!.routes;
    expect(root.options).toEqual({
      receiver: 'default',
      groupBy: new Set(['alertname']),
      groupByAll: false,
      groupWaitMs: 10_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
    expect(db!.options).toMatchObject({
      groupWaitMs: 10_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 3_600_000,
    });
    expect(pager!.options).toMatchObject({ receiver: 'db-pager', groupByAll: true, groupIntervalMs: 60_000 });
    // group_by: [] lists no label, so the parent's grouping stays (Alertmanager keeps a nil list).
    expect(ticket!.options).toMatchObject({ receiver: 'db', groupBy: new Set(['alertname', 'cluster']) });
    expect(frontend!.options).toMatchObject({ receiver: 'frontend', groupBy: new Set(['alertname']) });
  });

  it('builds route keys and group keys as Alertmanager does (match_re shown anchored, matchers sorted)', () => {
    const [db, frontend, audit] = root.routes;
    expect(root.key).toBe('{}');
    expect(db!.routes[0]!.key).toBe('{}/{team="db"}/{severity="page"}');
    expect(frontend!.key).toBe('{}/{env="prod",service=~"^(?:api|web)$"}');
    expect(audit!.key).toBe('{}/{team="db"}');
    const labels = { alertname: 'Latency', cluster: 'c1', team: 'db', severity: 'page' };
    expect(db!.groupKey(db!.groupLabels(labels))).toBe('{}/{team="db"}:{alertname="Latency", cluster="c1"}');
    const pager = db!.routes[0]!;
    expect(pager.groupKey(pager.groupLabels(labels))).toBe(
      '{}/{team="db"}/{severity="page"}:{alertname="Latency", cluster="c1", severity="page", team="db"}',
    );
    expect(root.groupKey(root.groupLabels({ other: 'x' }))).toBe('{}:{}');
  });

  it('walks the tree depth first', () => {
    const keys: string[] = [];
    root.walk((route) => keys.push(route.options.receiver));
    expect(keys).toEqual(['default', 'db', 'db-pager', 'db', 'frontend', 'audit', 'catch-d']);
  });
});
