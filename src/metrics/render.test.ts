import { Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';

import {
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
  type ExpositionFormat,
} from './render.js';

const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
const PROMETHEUS_2_42_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('negotiateFormat', () => {
  const table: Array<[string | undefined | null, ExpositionFormat]> = [
    [PROMETHEUS_3_ACCEPT, 'openmetrics'],
    [PROMETHEUS_2_42_ACCEPT, 'openmetrics'],
    ['text/plain', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    [undefined, 'prometheus'],
    [null, 'prometheus'],
    ['', 'prometheus'],
    ['   ', 'prometheus'],
    ['garbage', 'prometheus'],
    ['%%%, ;;; ,=,', 'prometheus'],
    ['application/openmetrics-text;q=banana', 'prometheus'],
    ['application/openmetrics-text;q=2', 'prometheus'],
    ['*/*', 'prometheus'],
    ['application/*', 'prometheus'],
    ['application/openmetrics-text', 'openmetrics'],
    ['Application/OpenMetrics-Text; Version=1.0.0', 'openmetrics'],
    ['application/openmetrics-text; version="1.0.0"', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'prometheus'],
    ['application/openmetrics-text;version=0.0.1,text/plain;q=0.1', 'prometheus'],
    ['application/openmetrics-text;version=2.0.0', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text', 'prometheus'],
    ['application/openmetrics-text;q=0.5,text/plain', 'prometheus'],
    ['application/openmetrics-text;q=0.5,text/plain;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;q=0.5,*/*;q=0.6', 'prometheus'],
    ['application/openmetrics-text;q=0.5,*/*;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;q=0.5,text/*;q=0.9', 'prometheus'],
    ['text/plain;q=0, */*;q=0.9, application/openmetrics-text;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;q=0.1', 'openmetrics'],
    ['text/plain;version=0.0.4;q=0.2, application/openmetrics-text;version=1.0.0;q=0.3', 'openmetrics'],
    ['application/json, text/html', 'prometheus'],
  ];
  it.each(table)('%j → %s', (accept, expected) => {
    expect(negotiateFormat(accept)).toBe(expected);
  });
});

function demoRegistry(): Registry {
  const registry = new Registry();
  const counter = new Counter({ name: 'demo_events_total', help: 'Demo events.', registers: [registry] });
  counter.inc(3);
  const histogram = new Histogram({
    name: 'demo_duration_seconds',
    help: 'Demo durations.',
    buckets: [0.1, 1],
    registers: [registry],
  });
  histogram.observe(0.5);
  return registry;
}

function expectPrometheus(rendered: { contentType: string; body: string }): void {
  expect(rendered.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
  expect(rendered.body).toContain('# TYPE demo_events_total counter');
  expect(rendered.body).toContain('\ndemo_events_total 3\n');
  expect(rendered.body).toContain('demo_duration_seconds_bucket{le="1"} 1');
  expect(rendered.body).not.toContain('# EOF');
  expect(rendered.body.endsWith('\n')).toBe(true);
}

function expectOpenMetrics(rendered: { contentType: string; body: string }): void {
  expect(rendered.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
  expect(rendered.body).toContain('# TYPE demo_events counter');
  expect(rendered.body).toContain('\ndemo_events_total 3\n');
  expect(rendered.body).toContain('demo_duration_seconds_bucket{le="1"} 1');
  expect(rendered.body.endsWith('# EOF\n')).toBe(true);
}

describe('renderMetrics', () => {
  it('exports the same content types as prom-client', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(OPENMETRICS_CONTENT_TYPE).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
  });

  it('renders the Prometheus text format', async () => {
    const rendered = await renderMetrics(demoRegistry(), 'prometheus');
    expectPrometheus(rendered);
    expect(rendered.error).toBeUndefined();
  });

  it('renders OpenMetrics', async () => {
    const rendered = await renderMetrics(demoRegistry(), 'openmetrics');
    expectOpenMetrics(rendered);
    expect(rendered.error).toBeUndefined();
  });

  it('leaves counter names and the content type as they are after an OpenMetrics render', async () => {
    const registry = demoRegistry();
    expectOpenMetrics(await renderMetrics(registry, 'openmetrics'));
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toContain('demo_events_total');
    const text = await renderMetrics(registry, 'prometheus');
    expectPrometheus(text);
    expect(text.body).toContain('# TYPE demo_events_total counter');
    expect(text.body).toContain('demo_events_total 3');
    // The registry's own render is untouched too.
    expect(await registry.metrics()).toBe(text.body);
  });

  it('renders a registry created for OpenMetrics in both formats and keeps its content type', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const gauge = new Gauge({ name: 'demo_level', help: 'Demo level.', registers: [] });
    registry.registerMetric(gauge);
    gauge.set(7);
    const text = await renderMetrics(registry, 'prometheus');
    expect(text.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(text.body).toBe('# HELP demo_level Demo level.\n# TYPE demo_level gauge\ndemo_level 7\n');
    expect(registry.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    const om = await renderMetrics(registry, 'openmetrics');
    expect(om.body).toBe('# HELP demo_level Demo level.\n# TYPE demo_level gauge\ndemo_level 7\n# EOF\n');
  });

  it('keeps 20 concurrent mixed renders correct', async () => {
    const registry = demoRegistry();
    // A slow async collector makes the renders overlap.
    new Gauge({
      name: 'demo_slow',
      help: 'Slow collector.',
      registers: [registry],
      async collect() {
        await new Promise((resolve) => setTimeout(resolve, 2));
        this.set(1);
      },
    });
    const formats: ExpositionFormat[] = Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0 ? 'prometheus' : 'openmetrics',
    );
    const results = await Promise.all(formats.map((format) => renderMetrics(registry, format)));
    results.forEach((rendered, i) => {
      if (formats[i] === 'openmetrics') expectOpenMetrics(rendered);
      else expectPrometheus(rendered);
      expect(rendered.body).toContain('demo_slow 1');
    });
    expectPrometheus(await renderMetrics(registry, 'prometheus'));
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
  });

  it("does not change what the user's own registry.metrics() sees while an OpenMetrics render runs", async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'demo_events_total', help: 'Demo events.', registers: [registry] });
    counter.inc(3);
    // Both renders wait in this collector until the test lets go, so they overlap for sure.
    let entered = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    new Gauge({
      name: 'demo_gated',
      help: 'Gated collector.',
      registers: [registry],
      async collect() {
        entered++;
        await gate;
        this.set(1);
      },
    });
    const openMetrics = renderMetrics(registry, 'openmetrics');
    expect(entered).toBe(1);
    const plain = registry.metrics();
    expect(entered).toBe(2);
    release();
    expect((await plain).split('\n')).toEqual([
      '# HELP demo_events_total Demo events.',
      '# TYPE demo_events_total counter',
      'demo_events_total 3',
      '',
      '# HELP demo_gated Gated collector.',
      '# TYPE demo_gated gauge',
      'demo_gated 1',
      '',
    ]);
    const rendered = await openMetrics;
    expect(rendered.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(rendered.body.split('\n')).toEqual([
      '# HELP demo_events Demo events.',
      '# TYPE demo_events counter',
      'demo_events_total 3',
      '# HELP demo_gated Gated collector.',
      '# TYPE demo_gated gauge',
      'demo_gated 1',
      '# EOF',
      '',
    ]);
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual([
      'demo_events_total',
      'demo_gated',
    ]);
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
  });

  it('returns a comment body instead of rejecting when a collector throws, and leaves the registry as it was', async () => {
    const registry = demoRegistry();
    new Gauge({
      name: 'demo_broken',
      help: 'Broken collector.',
      registers: [registry],
      collect() {
        throw new Error('collector exploded\nsecond line');
      },
    });
    const rendered = await renderMetrics(registry, 'openmetrics');
    expect(rendered).toEqual({
      contentType: OPENMETRICS_CONTENT_TYPE,
      body: '# failed to render metrics: collector exploded second line\n',
      error: expect.any(Error),
    });
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toContain('demo_events_total');
    registry.removeSingleMetric('demo_broken');
    expectPrometheus(await renderMetrics(registry, 'prometheus'));
  });

  it('does not reject for a value that is not a registry', async () => {
    const rendered = await renderMetrics(null as unknown as Registry, 'prometheus');
    expect(rendered.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(rendered.body).toMatch(/^# failed to render metrics: .+\n$/);
  });
});
