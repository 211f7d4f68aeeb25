import { describe, expect, it } from 'vitest';

import { series as labelsOf } from '../../test/store-helpers.js';
import { labelsHash, Series, SeriesByLabels } from './series.js';

describe('SeriesByLabels', () => {
  it('tells apart series whose hashes collide, and forgets them one by one', () => {
    const table = new SeriesByLabels();
    const [a, b, c] = ['a', 'b', 'c'].map((job, id) => new Series(id, labelsOf('up', { job }), 7));
    for (const one of [a!, b!, c!]) table.add(one);
    expect([table.get(a!.labels, 7), table.get(b!.labels, 7), table.get(c!.labels, 7)]).toEqual([a, b, c]);
    expect(table.get(labelsOf('up', { job: 'd' }), 7)).toBeUndefined();
    expect(table.get(a!.labels, 8)).toBeUndefined();
    table.delete(b!);
    expect([table.get(a!.labels, 7), table.get(b!.labels, 7), table.get(c!.labels, 7)]).toEqual([
      a,
      undefined,
      c,
    ]);
    table.delete(a!);
    table.delete(c!);
    expect(table.size).toBe(0);
    expect(table.get(c!.labels, 7)).toBeUndefined();
  });

  it('hashes names and values apart: moving a character across the boundary changes the hash', () => {
    const one = labelsHash([{ name: 'ab', value: 'c' }]);
    expect(labelsHash([{ name: 'a', value: 'bc' }])).not.toBe(one);
    expect(labelsHash([{ name: 'ab', value: 'c' }])).toBe(one);
  });
});
