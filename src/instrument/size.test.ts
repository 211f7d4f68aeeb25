import { describe, expect, it } from 'vitest';

import { jsonByteLength } from './size.js';

const reference = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

describe('jsonByteLength', () => {
  it.each([
    [
      'request',
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
    ],
    ['escapes', { s: 'quote" back\\ \n\r\t\b\f \u0001 \u001f \u007f' }],
    ['unicode', { s: 'é ☃ 😀 \u2028', k: { 'ключ ☃': [1, 'ü'] } }],
    ['lone surrogates', { a: '\ud800x', b: 'y\udc00', c: '\ud83d' }],
    [
      'numbers',
      [
        0,
        -1,
        1.5,
        1e21,
        1e-7,
        -0,
        Number.MAX_SAFE_INTEGER,
        NaN,
        Infinity,
        9,
        10,
        99,
        100,
        -10,
        999_999,
        1e15,
        -1e15,
      ],
    ],
    [
      'inherited and hidden keys',
      Object.create(
        { inherited: 'never serialised' },
        { own: { value: 'x', enumerable: true }, hidden: { value: 'y', enumerable: false } },
      ) as unknown,
    ],
    ['integer-like keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    [
      'class instance',
      new (class Point {
        constructor(
          readonly x = 1,
          readonly y = 2,
        ) {}
      })(),
    ],
    ['skipped members', { a: undefined, b: () => 1, c: Symbol('s'), d: 1 }],
    ['array holes', [undefined, () => 1, null, true, false]],
    ['empty', { a: {}, b: [], c: '' }],
    ['toJSON', { when: new Date(0), nested: { toJSON: () => ({ x: 'y' }) } }],
    ['top-level string', 'plain'],
    ['deep', JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown],
  ])('matches JSON.stringify for %s', (_name, value) => {
    expect(jsonByteLength(value)).toBe(reference(value));
  });

  it('returns 0 for what JSON cannot serialise', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonByteLength(cyclic)).toBe(0);
    expect(jsonByteLength({ big: 1n })).toBe(0);
    expect(jsonByteLength(undefined)).toBe(0);
    expect(jsonByteLength(JSON.parse('['.repeat(70) + ']'.repeat(70)))).toBe(140);
  });
});
