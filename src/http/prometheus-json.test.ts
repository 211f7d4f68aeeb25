import { describe, expect, it } from 'vitest';

import { labelsFrom } from '../store/labels.js';
import { formatTimestamp, formatValue, jsonString, queryDataJson } from './prometheus-json.js';

describe('Prometheus JSON', () => {
  // Expected strings are what /usr/bin/prometheus (2.42) answers to /api/v1/query?query=<value>.
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e-6, '0.000001'],
    [9.99e-7, '0.000000999'],
    [1e-7, '0.0000001'],
    [5e-324, `0.${'0'.repeat(323)}5`],
    [1.2345678901234568e20, '123456789012345680000'],
    [1e21, '1000000000000000000000'],
    [1.5e300, `15${'0'.repeat(299)}`],
    [Number.MAX_VALUE, `17976931348623157${'0'.repeat(292)}`],
    [Math.SQRT2, '1.4142135623730951'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('writes the value %s as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it.each([
    [0, '0'],
    [5, '0.005'],
    [50, '0.05'],
    [1500, '1.5'],
    [1435781451781, '1435781451.781'],
    [1435781451000, '1435781451'],
    [-1500, '-1.5'],
  ])('writes the timestamp %s ms as %s', (ms, text) => {
    expect(formatTimestamp(ms)).toBe(text);
  });

  it('escapes strings as Go encoding/json does', () => {
    expect(jsonString('a<b>&c\u2028"\n')).toBe('"a\\u003cb\\u003e\\u0026c\\u2028\\"\\n"');
  });

  it('writes each result type in the API shape', () => {
    const metric = labelsFrom({ __name__: 'up', job: 'a' });
    expect(queryDataJson({ type: 'scalar', t: 1500, v: 2 })).toBe(
      '{"resultType":"scalar","result":[1.5,"2"]}',
    );
    expect(queryDataJson({ type: 'string', t: 1000, v: 'x' })).toBe(
      '{"resultType":"string","result":[1,"x"]}',
    );
    expect(queryDataJson({ type: 'vector', samples: [{ metric, t: 2000, v: 1 }] })).toBe(
      '{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[2,"1"]}]}',
    );
    expect(
      queryDataJson({
        type: 'matrix',
        series: [
          {
            metric,
            points: [
              { t: 0, v: 1 },
              { t: 60_000, v: NaN },
            ],
          },
        ],
      }),
    ).toBe(
      '{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},"values":[[0,"1"],[60,"NaN"]]}]}',
    );
    expect(queryDataJson({ type: 'vector', samples: [] })).toBe('{"resultType":"vector","result":[]}');
  });
});
