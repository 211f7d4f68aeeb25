/**
 * Go's strconv.Unquote for the literals a template holds: "double-quoted" with Go's escapes,
 * `raw` (carriage returns dropped) and 'c'haracter constants. Returns undefined where Go's
 * Unquote fails (ErrSyntax). Bytes written with \x or octal escapes become the code point of that
 * value (JS strings hold no raw bytes).
 */
const SIMPLE: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

export function unquoteGo(quoted: string): string | undefined {
  const quote = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== quote) return undefined;
  const body = quoted.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === quote || c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === quote) {
      out += e;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const size = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + size);
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) return undefined;
      const code = parseInt(hex, 16);
      if (e !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code < 0xe000))) return undefined;
      out += String.fromCodePoint(code);
      i += 2 + size;
    } else if (e >= '0' && e <= '7') {
      const octal = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) return undefined;
      out += String.fromCharCode(parseInt(octal, 8));
      i += 4;
    } else return undefined;
  }
  return out;
}
