/**
 * Secrets never leave: values under sensitive keys are censored before anything user-supplied (tool
 * arguments and results, error messages) is written to a log line.
 */

/**
 * Key names (any depth, case-insensitive) whose values are censored: password, passwd, passphrase,
 * secret (client_secret…), token (access_token, refreshToken, x-auth-token…), authorization
 * (proxy-authorization), api key (apiKey, api_key, x-api-key), access key, private key, cookie
 * (set-cookie), credential(s), bearer.
 *
 * Counts of LLM tokens are not secrets and stay readable: `tokens`, `max_tokens`, `inputTokens`,
 * `tokenizer`, `token_count`, `tokenType`, `token_limit`, `token_usage`.
 */
export const SENSITIVE_KEY: RegExp =
  /pass(?:word|wd|phrase)|secret|token(?!s|iz|[-_]?(?:count|type|limit|usage))|authori[sz]ation|api[-_ ]?key|access[-_ ]?key|private[-_ ]?key|cookie|credential|bearer/i;

export const CENSOR = '[REDACTED]';

const CIRCULAR = '[Circular]';
const TRUNCATED = '[Truncated]';
const UNSERIALIZABLE = '[Unserializable]';
/** Objects and arrays nested this deep below the value given (depth 0) become '[Truncated]'. */
const MAX_DEPTH = 10;
const DEFAULT_MAX_BYTES = 2048;

interface Walk {
  /** The objects being copied on the current path: a reference back to one of them is a cycle. */
  readonly ancestors: Set<object>;
}

function isSensitive(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

function walk(value: unknown, depth: number, state: Walk, jsonDone = false): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      // Dropped, as JSON.stringify drops them.
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (state.ancestors.has(object)) return CIRCULAR;
  try {
    // Date, Buffer, URL, … : their JSON form, itself redacted (once: a toJSON returning an object
    // with a toJSON is not followed further).
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (!jsonDone && typeof toJSON === 'function') {
      return walk((toJSON as (key: string) => unknown).call(object, ''), depth, state, true);
    }
    if (depth >= MAX_DEPTH) return TRUNCATED;
    state.ancestors.add(object);
    try {
      if (Array.isArray(object)) return object.map((item) => walk(item, depth + 1, state) ?? null);
      const copy: Record<string, unknown> = {};
      if (object instanceof Error) {
        // An Error's JSON form is `{}`; its name, (censored) message and stack are what a log needs.
        copy.type = object.name;
        copy.message = redactText(object.message);
        if (typeof object.stack === 'string') copy.stack = redactText(object.stack);
      }
      for (const key of Object.keys(object)) {
        const item = (object as Record<string, unknown>)[key];
        const redacted =
          isSensitive(key) && item !== undefined && item !== null ? CENSOR : walk(item, depth + 1, state);
        if (redacted === undefined) continue;
        // JSON.parse makes own `__proto__` keys; assigning one would set the copy's prototype.
        if (key === '__proto__') {
          Object.defineProperty(copy, key, {
            value: redacted,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else copy[key] = redacted;
      }
      return copy;
    } finally {
      state.ancestors.delete(object);
    }
  } catch {
    // A throwing getter, toJSON or proxy trap.
    return UNSERIALIZABLE;
  }
}

/**
 * A deep copy with the values of sensitive keys censored and secrets in strings censored (see
 * `redactText`). Cycles become '[Circular]'; objects nested 10 deep '[Truncated]'; objects with a
 * `toJSON` (Date, Buffer…) their JSON form; Errors `{ type, message }`; bigints strings; functions
 * and symbols are dropped. The input is never modified. Never throws.
 */
export function redact(value: unknown): unknown {
  return walk(value, 0, { ancestors: new Set() });
}

function cutUtf8(text: string, maxBytes: number): string | undefined {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return undefined;
  let end = maxBytes;
  // Never split a character: back off over UTF-8 continuation bytes (10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.toString('utf8', 0, end)}…(truncated, ${bytes.length} bytes)`;
}

/**
 * JSON for logging tool arguments and results, when the user opted in: redacted, then cut to
 * `maxBytes` UTF-8 bytes (default 2048, never inside a character) followed by
 * '…(truncated, N bytes)', N being the size of the whole JSON. `undefined` gives 'null'. Never throws.
 */
export function redactedJson(value: unknown, maxBytes: number = DEFAULT_MAX_BYTES): string {
  let json: string;
  try {
    json = JSON.stringify(redact(value)) ?? 'null';
  } catch {
    json = JSON.stringify(UNSERIALIZABLE);
  }
  const limit = Number.isFinite(maxBytes) && maxBytes >= 0 ? Math.floor(maxBytes) : DEFAULT_MAX_BYTES;
  return cutUtf8(json, limit) ?? json;
}

/**
 * `Bearer <token>`, `Basic <credentials>` (also bearer, BEARER…). A credential made only of lowercase letters is
 * taken for prose ("basic usage", "bearer token") and left alone.
 */
const AUTH_SCHEME =
  /\b([Bb]earer|BEARER|[Bb]asic|BASIC)(\s+)(?!\[REDACTED\]|[a-z]+(?![\w\-.~+/=]))[\w\-.~+/]+=*/g;
/** `"key": "value"` in JSON text; the key is checked against SENSITIVE_KEY. */
const JSON_PAIR = /("([^"\\]{1,100})"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/** `key=value` (query strings, env-style, logfmt): a quoted value, or up to whitespace & ; , or a quote. */
const EQUALS_PAIR =
  /(?<![\w.-])([\w.-]{1,100})(\s*=\s*)(?!\[REDACTED\])(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;,"'<>]+)/g;
/** `Key: value` (HTTP headers, YAML) up to the end of the line, unless it is `Bearer …`/`Basic …`. */
const COLON_PAIR = /(?<![\w.-])([\w.-]{1,100})(:[ \t]*)(?!\[REDACTED\]|(?:Bearer|Basic)\s)\S[^\r\n]*/gi;
/** `scheme://user:password@host`. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s/@]+@/gi;
/** Cheap first check: text with none of these cannot contain anything to censor. */
const MAYBE_SECRET = /bearer|basic|pass|secret|token|authori|key|cookie|credential|:\/\/[^\s/]*@/i;

/**
 * Censors secrets inside free text such as error messages: `Bearer xxx` and `Basic xxx`,
 * `key=value`, `"key": "value"` and `Key: value` (to the end of the line) when the key is
 * sensitive, and the password in `scheme://user:password@host`.
 */
export function redactText(text: string): string {
  if (typeof text !== 'string') return '';
  if (!MAYBE_SECRET.test(text)) return text;
  return text
    .replace(AUTH_SCHEME, `$1$2${CENSOR}`)
    .replace(JSON_PAIR, (pair, head: string, key: string) => (isSensitive(key) ? `${head}"${CENSOR}"` : pair))
    .replace(EQUALS_PAIR, (pair, key: string, eq: string) =>
      isSensitive(key) ? `${key}${eq}${CENSOR}` : pair,
    )
    .replace(COLON_PAIR, (pair, key: string, colon: string) =>
      isSensitive(key) ? `${key}${colon}${CENSOR}` : pair,
    )
    .replace(URL_PASSWORD, `$1${CENSOR}@`);
}
