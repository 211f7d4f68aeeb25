import { describe, expect, it } from 'vitest';

import { CENSOR, SENSITIVE_KEY, redact, redactText, redactedJson } from './redact.js';

describe('SENSITIVE_KEY', () => {
  it.each([
    'password',
    'PASSWORD',
    'passwd',
    'passphrase',
    'secret',
    'client_secret',
    'clientSecret',
    'token',
    'access_token',
    'refreshToken',
    'refresh-token',
    'id_token',
    'x-auth-token',
    'tokenValue',
    'authorization',
    'Proxy-Authorization',
    'apiKey',
    'api_key',
    'x-api-key',
    'API-KEY',
    'accessKey',
    'private_key',
    'privateKey',
    'cookie',
    'Set-Cookie',
    'credential',
    'credentials',
  ])('matches %s', (key) => {
    expect(SENSITIVE_KEY.test(key)).toBe(true);
  });

  it.each([
    'user',
    'username',
    'session_id',
    'sessionId',
    'tokens',
    'max_tokens',
    'maxTokens',
    'inputTokens',
    'tokenizer',
    'token_count',
    'tokenType',
    'keyboard',
    'author',
    'passthrough',
    'bypass',
  ])('does not match %s', (key) => {
    expect(SENSITIVE_KEY.test(key)).toBe(false);
  });
});

describe('redact', () => {
  it('censors sensitive keys at any depth, leaves the rest, and does not touch its input', () => {
    const input = {
      tool: 'deploy',
      args: {
        target: { host: 'db.internal', port: 5432, password: 'hunter2', apiKey: 'k-123' },
        headers: [{ Authorization: 'Bearer abc', 'x-api-key': 'xyz', Accept: 'application/json' }],
        session: { refresh_token: 'r-1', Cookie: 'sid=1', expires: 3600 },
      },
      max_tokens: 100,
      tags: ['a', 'b'],
      ok: true,
      none: null,
    };
    const before = structuredClone(input);
    expect(redact(input)).toEqual({
      tool: 'deploy',
      args: {
        target: { host: 'db.internal', port: 5432, password: CENSOR, apiKey: CENSOR },
        headers: [{ Authorization: CENSOR, 'x-api-key': CENSOR, Accept: 'application/json' }],
        session: { refresh_token: CENSOR, Cookie: CENSOR, expires: 3600 },
      },
      max_tokens: 100,
      tags: ['a', 'b'],
      ok: true,
      none: null,
    });
    expect(input).toEqual(before);
    expect(CENSOR).toBe('[REDACTED]');
  });

  it('censors a whole value under a sensitive key, whatever its type, but keeps null and undefined', () => {
    expect(
      redact({ credentials: { user: 'bob', pin: 1234 }, secret: 0, token: null, apiKey: undefined }),
    ).toEqual({
      credentials: CENSOR,
      secret: CENSOR,
      token: null,
    });
  });

  it('marks cycles but copies shared references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { name: 'root', list: [shared, shared] };
    cyclic.self = cyclic;
    (cyclic.list as unknown[]).push(cyclic);
    expect(redact(cyclic)).toEqual({
      name: 'root',
      list: [{ n: 1 }, { n: 1 }, '[Circular]'],
      self: '[Circular]',
    });
  });

  it('cuts objects nested 10 deep', () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 14; i++) deep = { d: deep };
    let expected: unknown = '[Truncated]';
    for (let i = 0; i < 10; i++) expected = { d: expected };
    expect(redact(deep)).toEqual(expected);
    expect(redact([[[[[[[[[[[1]]]]]]]]]]])).toEqual([[[[[[[[[['[Truncated]']]]]]]]]]]);
    expect(redact([[[[[[[[[[1]]]]]]]]]])).toEqual([[[[[[[[[[1]]]]]]]]]]);
  });

  it('uses the JSON form of Date, Buffer and the like, and keeps an Error readable', () => {
    expect(
      redact({ at: new Date(0), raw: Buffer.from('hi'), url: new URL('https://u:p@x.test/?token=1') }),
    ).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      raw: { type: 'Buffer', data: [104, 105] },
      url: 'https://u:[REDACTED]@x.test/?token=[REDACTED]',
    });
    const error = Object.assign(new Error('login failed: password=hunter2'), { code: 'E_AUTH' });
    const copy = redact(error) as { stack: string };
    expect(copy).toEqual({
      type: 'Error',
      message: 'login failed: password=[REDACTED]',
      stack: error.stack!.replace('password=hunter2', 'password=[REDACTED]'),
      code: 'E_AUTH',
    });
    expect(copy.stack).toContain('redact.test.ts');
  });

  it('censors secrets inside strings', () => {
    expect(redact({ note: 'call with api_key=abc123', list: ['Bearer tok.en'] })).toEqual({
      note: 'call with api_key=[REDACTED]',
      list: ['Bearer [REDACTED]'],
    });
  });

  it('never throws, and drops what JSON drops', () => {
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(
      redact({ hostile, proxy, f: () => 1, s: Symbol('x'), big: 10n, list: [undefined, () => 1] }),
    ).toEqual({
      hostile: '[Unserializable]',
      proxy: '[Unserializable]',
      big: '10',
      list: [null, null],
    });
    expect(redact('plain')).toBe('plain');
    expect(redact(undefined)).toBeUndefined();
  });

  it('does not let a parsed __proto__ key change the copy’s prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"password": "x", "polluted": true}}') as object;
    const copy = redact(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"password":"[REDACTED]","polluted":true}}');
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('redactedJson', () => {
  it('is the redacted JSON when it fits', () => {
    expect(redactedJson({ query: 'cats', password: 'p' })).toBe('{"query":"cats","password":"[REDACTED]"}');
    expect(redactedJson(undefined)).toBe('null');
    expect(redactedJson('x')).toBe('"x"');
  });

  it('cuts at the byte cap, never inside a character, and says how big the whole was', () => {
    const value = { text: 'é'.repeat(3000) }; // 2 bytes each
    const full = JSON.stringify(value);
    const total = Buffer.byteLength(full);
    expect(total).toBe(6011);
    for (const cap of [0, 1, 9, 10, 11, 100, 2047, 2048]) {
      const out = redactedJson(value, cap);
      const suffix = `…(truncated, ${total} bytes)`;
      expect(out.endsWith(suffix)).toBe(true);
      const kept = out.slice(0, -suffix.length);
      expect(full.startsWith(kept)).toBe(true);
      expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(cap);
      expect(Buffer.byteLength(kept)).toBeGreaterThanOrEqual(cap - 1);
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(cap + Buffer.byteLength(suffix));
      expect(kept).not.toContain('\uFFFD');
    }
    // The default cap is 2048 bytes: '{"text":"' is 9 bytes, then 1019 whole 'é' (2038 bytes).
    expect(redactedJson(value)).toBe(`{"text":"${'é'.repeat(1019)}…(truncated, 6011 bytes)`);
    expect(redactedJson({ a: 1 }, 7)).toBe('{"a":1}');
    expect(redactedJson({ a: 1 }, 6)).toBe('{"a":1…(truncated, 7 bytes)');
  });

  it('never throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    expect(redactedJson(cyclic)).toBe('{"me":"[Circular]"}');
    expect(redactedJson(10n)).toBe('"10"');
  });
});

describe('redactText', () => {
  it.each([
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [REDACTED]'],
    ['authorization: bearer xyz9', 'authorization: bearer [REDACTED]'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [REDACTED]'],
    ['password=hunter2&user=bob', 'password=[REDACTED]&user=bob'],
    ['GET /v1?q=cats&api_key=abc123 failed', 'GET /v1?q=cats&api_key=[REDACTED] failed'],
    ['env TOKEN="a b c" HOME=/root', 'env TOKEN=[REDACTED] HOME=/root'],
    ['{"user":"bob","password":"p\\"w","n":1}', '{"user":"bob","password":"[REDACTED]","n":1}'],
    ['Cookie: sid=1; theme=dark\nnext line', 'Cookie: [REDACTED]\nnext line'],
    [
      'connect postgres://bob:s3cret@db:5432/app failed',
      'connect postgres://bob:[REDACTED]@db:5432/app failed',
    ],
  ])('censors %j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it.each([
    'basic usage of the bearer token',
    'max_tokens=100 and user=bob',
    'Error: something failed at 12:30',
    'https://example.com/path?q=1',
    '',
  ])('leaves %j alone', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = redactText('Authorization: Bearer abc password=x {"token":"t"}');
    expect(redactText(once)).toBe(once);
  });
});
