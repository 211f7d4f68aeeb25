/**
 * mcpulse's /api/v1/rules and /api/v1/alerts against a real Prometheus 2.42 running the same rule
 * file over the same metric (Prometheus scrapes the gauge mcpulse serves and samples): a recording rule,
 * one that fails the same way in both, an alerting rule with `for: 0` (firing) and one with a long
 * `for` (pending). The JSON must match field by field: keys in the same order, the same types, states,
 * health, errors, labels, annotations (expanded by the Go template engine: `$value`, `humanize`,
 * `printf`, `humanizePercentage`, `humanizeDuration`) and values. Times and durations differ by nature; they are checked
 * for form (RFC 3339, seconds as numbers) and replaced. Loaded from the same path, a group is evaluated
 * at the same slot offset in both, so the alerts' activeAt agree modulo the interval.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RuleManager, slotOffsetMs } from '../src/alerting/manager.js';
import { loadRuleFile } from '../src/alerting/rule-file.js';
import { createPrometheusApi } from '../src/http/prometheus-api.js';
import {
  createMonitoringRoutes,
  startMonitoringServer,
  type MonitoringServer,
} from '../src/http/monitoring.js';
import { parseExpr } from '../src/store/promql/parse.js';
import { EmbeddedStore } from '../src/store/embedded.js';
import { hasBinary } from './binaries.js';
import { startPrometheus, type RunningPrometheus } from './prometheus-kit.js';

const INTERVAL_S = 2;

// Expressions written loosely: both show them as Prometheus prints a parsed one (`a>1` is `a > 1`).
const RULES = `groups:
  - name: compare
    interval: ${INTERVAL_S}s
    rules:
      - record: host:mcpulse_test_load:max
        expr: max(mcpulse_test_load)by(host)
      - record: host:mcpulse_test_load:labelled
        expr: 'mcpulse_test_load*2 # doubled'
        labels:
          source: rule
      - record: clash
        expr: '{__name__=~"mcpulse_test_load|host:mcpulse_test_load:max"}'
      - alert: LoadHigh
        expr: mcpulse_test_load>1
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.host }} is loaded: {{ $value | humanize }} ({{ printf "%.1f" $value }})'
          description: '{{ humanizePercentage 0.256 }} of {{ humanizeDuration 3725 }}, {{ $labels.missing }}, {{ query "count(mcpulse_test_load)" | first | value }} hosts.'
          runbook_url: https://example.test/runbook
      - alert: LoadHighForAnHour
        expr: mcpulse_test_load > 1
        for: 1h
        labels:
          severity: ticket
        annotations:
          summary: '{{ $labels.host }} has been loaded for an hour'
      - alert: NeverFires
        expr: mcpulse_test_load > 1000
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const TIME_KEYS = new Set(['lastEvaluation', 'activeAt', 'keepFiringSince']);

/**
 * The JSON with its key order made visible ([key, value] pairs), times and durations checked for
 * their form and replaced, and alerts sorted by labels (Prometheus lists them in map order).
 */
function shape(value: Json, key = ''): unknown {
  if (TIME_KEYS.has(key)) {
    expect(value, key).toMatch(RFC3339);
    return '<time>';
  }
  if (key === 'evaluationTime') {
    expect(typeof value, key).toBe('number');
    return '<seconds>';
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => shape(item));
    return key === 'alerts' ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : items;
  }
  if (value !== null && typeof value === 'object')
    return Object.entries(value).map(([k, v]) => [k, shape(v, k)]);
  return value;
}

async function get(base: string, path: string): Promise<Json> {
  const response = await fetch(`${base}${path}`);
  expect(response.status, path).toBe(200);
  expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
  return (await response.json()) as Json;
}

interface Alert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}

const alertsOf = (answer: Json) => (answer as unknown as { data: { alerts: Alert[] } }).data.alerts;

describe.runIf(hasBinary('prometheus'))(
  'mcpulse /api/v1/rules and /api/v1/alerts against a real Prometheus',
  () => {
    let dir: string;
    let prometheus: RunningPrometheus | undefined;
    let prometheusUrl: string;
    let server: MonitoringServer;
    let embedded: EmbeddedStore;
    let manager: RuleManager;
    let ruleFile: string;
    const errors: unknown[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mcpulse-rules-'));
      ruleFile = join(dir, 'rules.yml');
      writeFileSync(ruleFile, RULES);
      const registry = new Registry();
      const load = new Gauge({
        name: 'mcpulse_test_load',
        help: 'Test load.',
        labelNames: ['host'],
        registers: [registry],
      });
      load.set({ host: 'busy' }, 5);
      load.set({ host: 'idle' }, 0.25);
      embedded = new EmbeddedStore(registry, { intervalMs: 1000 }, (error) => errors.push(error));
      const loaded = loadRuleFile(ruleFile, (expr) => {
        try {
          parseExpr(expr);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(loaded.errors).toEqual([]);
      manager = new RuleManager({
        groups: loaded.groups,
        storage: embedded,
        evaluationIntervalMs: 1000,
        onError: (error) => errors.push(error),
      });
      const routes = createMonitoringRoutes({
        registry,
        api: createPrometheusApi(embedded, 'test', manager),
      });
      server = await startMonitoringServer(routes, { port: 0 });
      embedded.start();
      void manager.start();

      // Prometheus's target labels (job, instance) are dropped, so both see the same series.
      prometheus = await startPrometheus(
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['${ruleFile}']\n` +
          `scrape_configs:\n  - job_name: mcpulse\n    static_configs:\n      - targets: ['${new URL(server.url).host}']\n` +
          `    metric_relabel_configs:\n      - action: labeldrop\n        regex: job|instance\n`,
      );
      prometheusUrl = prometheus.url;
    });

    afterAll(async () => {
      await prometheus?.stop();
      await manager?.stop();
      await embedded?.shutdown();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers the same JSON, field by field and in the same order', { timeout: 90_000 }, async () => {
      // Both must have evaluated the group with the metric present: one firing and one pending alert.
      const ready = (answer: Json) =>
        alertsOf(answer)
          .map((alert) => `${alert.labels.alertname}:${alert.state}`)
          .sort()
          .join() === 'LoadHigh:firing,LoadHighForAnHour:pending';
      let theirs: Json = null;
      let ours: Json = null;
      for (let attempt = 0; attempt < 150; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        try {
          [theirs, ours] = await Promise.all([
            get(prometheusUrl, '/api/v1/alerts'),
            get(server.url, '/api/v1/alerts'),
          ]);
          if (ready(theirs) && ready(ours)) break;
        } catch {
          // Prometheus is still starting.
        }
      }
      expect(ready(theirs), JSON.stringify(theirs)).toBe(true);
      expect(ready(ours), JSON.stringify(ours)).toBe(true);
      // Wait one more interval so the recording rules and the clash have run over present data too.
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_S * 1000 + 500));

      for (const path of [
        '/api/v1/rules',
        '/api/v1/rules?type=alert',
        '/api/v1/rules?type=record',
        '/api/v1/alerts',
      ]) {
        const [prom, pulse] = await Promise.all([get(prometheusUrl, path), get(server.url, path)]);
        expect(shape(pulse), path).toEqual(shape(prom));
      }
      const rules = (await get(server.url, '/api/v1/rules')) as {
        data: { groups: { file: string; rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      expect(rules.data.groups[0]!.file).toBe(ruleFile);
      expect(rules.data.groups[0]!.rules.find((rule) => rule.name === 'clash')).toMatchObject({
        health: 'err',
        lastError: 'vector contains metrics with the same labelset after applying rule labels',
      });

      // Same path, same slots: activeAt falls on the group's offset in both.
      const offsetMs = await slotOffsetMs(ruleFile, 'compare', INTERVAL_S * 1000);
      const [prom, pulse] = await Promise.all([
        get(prometheusUrl, '/api/v1/alerts'),
        get(server.url, '/api/v1/alerts'),
      ]);
      for (const alert of [...alertsOf(prom), ...alertsOf(pulse)]) {
        const ms = Math.floor(Date.parse(alert.activeAt.replace(/(\.\d{3})\d*Z$/, '$1Z')));
        expect((ms - offsetMs) % (INTERVAL_S * 1000), alert.activeAt).toBe(0);
      }
      expect(errors).toEqual([]);
    });
  },
);
