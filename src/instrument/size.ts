/**
 * The UTF-8 byte length of `JSON.stringify(value)`, computed without building the string: message
 * sizes are measured on every request and reply, and serialising a message a second time only to
 * count it costs more than the rest of the bookkeeping together.
 */

/** Bytes of the JSON string literal for `s`, quotes included. */
function stringBytes(s: string): number {
  let bytes = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      // ", \ and the short escapes (\b \t \n \f \r) take 2 bytes; other control characters \u00XX take 6.
      if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d)
        bytes += 2;
      else if (c < 0x20) bytes += 6;
      else bytes += 1;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 6; // a lone surrogate is written as \uXXXX
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      bytes += 6;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

const MAX_DEPTH = 64;

function valueBytes(value: unknown, depth: number): number | undefined {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('BigInt is not JSON');
    default:
      break;
  }
  if (value === null) return 4;
  if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // Deep or custom-serialised values are rare on the wire: let JSON.stringify decide.
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  }
  if (Array.isArray(value)) {
    let bytes = 2 + Math.max(0, value.length - 1);
    for (const item of value) bytes += valueBytes(item, depth + 1) ?? 4; // undefined items become null
    return bytes;
  }
  let bytes = 2;
  let members = 0;
  const keys = Object.keys(value as object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const member = valueBytes((value as Record<string, unknown>)[key], depth + 1);
    if (member === undefined) continue;
    bytes += stringBytes(key) + 1 + member;
    members++;
  }
  return bytes + Math.max(0, members - 1);
}

/** Exactly `Buffer.byteLength(JSON.stringify(value))`; 0 when the value cannot be serialised. */
export function jsonByteLength(value: unknown): number {
  try {
    return valueBytes(value, 0) ?? 0;
  } catch {
    return 0;
  }
}
