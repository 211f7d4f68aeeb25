/**
 * The UTF-8 byte length of `JSON.stringify(value)`, computed without building the string: message
 * sizes are measured on every request and reply, and serialising a message a second time only to
 * count it costs more than the rest of the bookkeeping together.
 */

/** Bytes of the JSON string literal for `s`, quotes included. */
function stringBytes(s: string): number {
  const length = s.length;
  // Start from one byte per UTF-16 unit plus the quotes; add what escapes and multi-byte characters cost.
  let bytes = length + 2;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === 0x5c) bytes += 1; // \" and \\
      continue;
    }
    if (c < 0x20) {
      // The short escapes (\b \t \n \f \r) take 2 bytes; other control characters \u00XX take 6.
      bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 1 : 5;
    } else if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // two units, four bytes
        i++;
      } else {
        bytes += 5; // a lone surrogate is written as \uXXXX
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      bytes += 5;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Characters of a number as JSON writes it; integers without building their string. */
function numberBytes(n: number): number {
  if (!Number.isFinite(n)) return 4; // null
  if (Number.isInteger(n) && n > -1e15 && n < 1e15) {
    let digits = n < 0 ? 2 : 1;
    let rest = Math.abs(n);
    while (rest >= 10) {
      rest = Math.floor(rest / 10);
      digits++;
    }
    return digits;
  }
  return String(n).length;
}

const MAX_DEPTH = 64;
const hasOwn = Object.prototype.hasOwnProperty;

function valueBytes(value: unknown, depth: number): number | undefined {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return numberBytes(value);
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
    for (let i = 0; i < value.length; i++) bytes += valueBytes(value[i], depth + 1) ?? 4; // undefined items become null
    return bytes;
  }
  let bytes = 2;
  let members = 0;
  // for…in walks the same keys in the same order as JSON.stringify (own enumerable string keys) without
  // allocating a key array; the own-property check skips anything enumerable a prototype adds.
  for (const key in value as object) {
    if (!hasOwn.call(value, key)) continue;
    const member = valueBytes((value as Record<string, unknown>)[key], depth + 1);
    if (member === undefined) continue;
    bytes += stringBytes(key) + 1 + member;
    members++;
  }
  return members === 0 ? bytes : bytes + members - 1;
}

/** Exactly `Buffer.byteLength(JSON.stringify(value))`; 0 when the value cannot be serialised. */
export function jsonByteLength(value: unknown): number {
  try {
    return valueBytes(value, 0) ?? 0;
  } catch {
    return 0;
  }
}
