import { describe, expect, it } from 'vitest';

import { compareAlertLabels, fingerprint, formatLabelSet, labelSetBefore } from './labelset.js';

describe('label sets as Alertmanager 0.25 reads them', () => {
  it('fingerprints as model.LabelSet.Fingerprint (values read from a real Alertmanager’s /api/v2/alerts)', () => {
    expect(fingerprint({ alertname: 'HighLatency', severity: 'page' })).toBe('4423e39380a92178');
    expect(fingerprint({ a: 'b' })).toBe('d2b371819297f98a');
    expect(fingerprint({ alertname: 'X' })).toBe('d2aeefc389ca7746');
    expect(fingerprint({ x: '日本', path: '/a"b\\c', alertname: 'Ünïcode' })).toBe('e9093241cc99e88a');
    // The empty set is FNV-1a's offset basis.
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });

  it('prints as model.LabelSet.String, the form group keys embed', () => {
    expect(formatLabelSet({ b: '2', a: 'x"y' })).toBe('{a="x\\"y", b="2"}');
    expect(formatLabelSet({})).toBe('{}');
  });

  it('orders alerts as types.AlertSlice: job, then instance, then the label sets', () => {
    const alerts: Record<string, string>[] = [
      { alertname: 'A', instance: 'b' },
      { alertname: 'A' },
      { alertname: 'A', job: 'z' },
      { alertname: 'A', job: 'a', instance: 'x' },
      { alertname: 'A', instance: 'a' },
      { alertname: 'B', job: 'a', instance: 'x' },
      { alertname: 'C', severity: 'page' },
    ];
    expect(alerts.sort(compareAlertLabels)).toEqual([
      { alertname: 'A', job: 'a', instance: 'x' },
      { alertname: 'B', job: 'a', instance: 'x' },
      { alertname: 'A', job: 'z' },
      { alertname: 'A', instance: 'a' },
      { alertname: 'A', instance: 'b' },
      { alertname: 'A' },
      { alertname: 'C', severity: 'page' },
    ]);
    expect(labelSetBefore({ a: '1' }, { a: '1', b: '1' })).toBe(true);
    // The first name in either set decides: the set without it sorts first.
    expect(labelSetBefore({ a: '2' }, { b: '1' })).toBe(false);
    expect(labelSetBefore({ b: '1' }, { a: '2' })).toBe(true);
    expect(labelSetBefore({ a: '1' }, { a: '1' })).toBe(false);
  });
});
