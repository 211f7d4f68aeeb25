import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { renderMetrics } from './render.js';
import { SeriesHistogram } from './series.js';

const BUCKETS = [0.01, 0.1, 1, 10];
const VALUES = [0.005, 0.01, 0.05, 0.5, 0.5, 3, 20, 0];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const config = {
    name: 'op_seconds',
    help: 'Ops.',
    labelNames: ['method', 'tool'] as const,
    buckets: BUCKETS,
  };
  return {
    ours,
    theirs,
    series: new SeriesHistogram({ ...config, registers: [ours] }),
    plain: new Histogram({ ...config, registers: [theirs] }),
  };
}

describe('SeriesHistogram', () => {
  it('renders exactly what prom-client renders for the same observations, in both formats', async () => {
    const { ours, theirs, series, plain } = pair();
    const a = series.series({ method: 'tools/call', tool: 'echo' });
    const b = series.series({ method: 'ping' });
    for (const v of VALUES) {
      a.observe(v);
      plain.observe({ method: 'tools/call', tool: 'echo' }, v);
    }
    b.observe(0.2);
    plain.observe({ method: 'ping' }, 0.2);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      expect((await renderMetrics(ours, format)).body).toBe((await renderMetrics(theirs, format)).body);
    }
    const text = (await renderMetrics(ours, 'prometheus')).body;
    expect(text).toContain('op_seconds_bucket{le="0.01",method="tools/call",tool="echo"} 3\n');
    expect(text).toContain('op_seconds_bucket{le="+Inf",method="tools/call",tool="echo"} 8\n');
    expect(text).toContain('op_seconds_count{method="tools/call",tool="echo"} 8\n');
    expect(text).toContain('op_seconds_sum{method="tools/call",tool="echo"} 24.064999999999998\n');
  });

  it('returns one handle per label set whatever the key order, and keeps the first order in the output', async () => {
    const { ours, series } = pair();
    const first = series.series({ tool: 'echo', method: 'tools/call' });
    expect(series.series({ method: 'tools/call', tool: 'echo' })).toBe(first);
    expect(series.series({ method: 'tools/call', tool: undefined })).not.toBe(first);
    first.observe(1);
    expect((await renderMetrics(ours, 'prometheus')).body).toContain(
      'op_seconds_count{tool="echo",method="tools/call"} 1\n',
    );
  });

  it('exports only observed series, ignores non-finite values and forgets counts on reset', async () => {
    const { ours, series } = pair();
    const handle = series.series({ method: 'ping' });
    series.series({ method: 'never' });
    handle.observe(Number.NaN);
    handle.observe(Number.POSITIVE_INFINITY);
    expect((await renderMetrics(ours, 'prometheus')).body).toBe(
      '# HELP op_seconds Ops.\n# TYPE op_seconds histogram\n',
    );
    handle.observe(0.5);
    expect((await series.get()).values.find((v) => v.metricName === 'op_seconds_count')).toEqual({
      labels: { method: 'ping' },
      value: 1,
      metricName: 'op_seconds_count',
    });
    ours.resetMetrics();
    expect((await renderMetrics(ours, 'prometheus')).body).not.toContain('op_seconds_count');
    handle.observe(2);
    expect((await renderMetrics(ours, 'prometheus')).body).toContain('op_seconds_count{method="ping"} 1\n');
  });

  it('refuses a label name it was not built with, naming it', () => {
    const { series } = pair();
    expect(() => series.series({ method: 'x', nope: 'y' } as never)).toThrow(
      'Added label "nope" is not included in initial labelset: method, tool',
    );
  });

  it('keeps the latest exemplar per bucket and shows it only in OpenMetrics', async () => {
    const { ours, series } = pair();
    const handle = series.series({ method: 'ping' });
    handle.observeWithExemplar(0.05, 'a'.repeat(32), 'b'.repeat(16));
    handle.observeWithExemplar(0.07, 'c'.repeat(32), 'd'.repeat(16));
    handle.observe(0.08);
    const om = (await renderMetrics(ours, 'openmetrics')).body;
    const line = om.split('\n').find((l) => l.startsWith('op_seconds_bucket{le="0.1"'));
    expect(line).toMatch(
      new RegExp(
        `^op_seconds_bucket\\{le="0.1",method="ping"\\} 3 # \\{trace_id="${'c'.repeat(32)}",span_id="${'d'.repeat(16)}"\\} 0.07 \\d+\\.\\d+$`,
      ),
    );
    expect(om.match(/ # \{/g)).toHaveLength(1);
    expect((await renderMetrics(ours, 'prometheus')).body).not.toContain('trace_id');
  });
});
