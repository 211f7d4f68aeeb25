/**
 * Go's fmt over template values: Sprint, Sprintln and Sprintf with the verbs people use (%v %s %d %f
 * %e %g %q %x %X %o %b %c %t %T %%), flags (- + # space 0), width and precision (also `*`), and Go's
 * error forms: `%!d(string=abc)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`.
 * Maps print in key order (`map[a:1 b:2]`), pointers to structs as `&{…}`; nested pointers print as
 * `0xc000000000` where Go prints a real address.
 */
import { formatFloat, goQuote } from '../go-format.js';
import { sortedEntries, typeName, type GoValue } from './values.js';
import { formatTime } from './time.js';

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %+v: struct field names. */
  plusV?: boolean;
  /** %#v: Go syntax. */
  sharpV?: boolean;
  width?: number;
  prec?: number;
}

const NO_FLAGS: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false };
/** fmt's tooLarge: widths and precisions past a million are refused. */
const TOO_LARGE = 1_000_000;

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, f: Flags, zeroOk = true): string {
  const width = f.width ?? 0;
  const missing = width - runeCount(text);
  if (missing <= 0) return text;
  if (f.minus) return text + ' '.repeat(missing);
  return (f.zero && zeroOk ? '0' : ' ').repeat(missing) + text;
}

function fmtInteger(value: number, signed: boolean, verb: string, f: Flags): string {
  const negative = signed && value < 0;
  let u = BigInt(Math.trunc(Math.abs(value)));
  const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'x' || verb === 'X' ? 16 : 10;
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad('', { ...f, zero: false });
  } else if (f.zero && f.width !== undefined) {
    prec = f.width;
    if (negative || f.plus || f.space) prec--;
  }
  if (verb === 'c') return pad(String.fromCodePoint(Number(u)), f);
  if (verb === 'q') return pad(goQuote(String.fromCodePoint(Number(u))).replace(/^"(.*)"$/s, "'$1'"), f);
  if (verb === 'U') return pad('U+' + u.toString(16).toUpperCase().padStart(4, '0'), f);
  let digits = u.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  digits = digits.padStart(prec, '0');
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && !digits.startsWith('0')) digits = '0' + digits;
    else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  u = 0n;
  return pad(sign + digits, { ...f, zero: false });
}

/** strconv's %x of a float64 at its shortest: -0x1.cp+01, 0x0p+00 (a precision is not applied). */
function hexFloat(value: number, upper: boolean): string {
  if (!Number.isFinite(value)) return formatFloat(value, 'g', -1);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp -= 1023;
  if (mant === 0n) exp = 0;
  mant <<= 8n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  let out = (bits >> 63n === 1n ? '-' : '') + '0x' + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (mant !== 0n) {
    out += '.';
    for (; mant !== 0n; mant = (mant << 4n) & ((1n << 64n) - 1n)) out += ((mant >> 60n) & 15n).toString(16);
  }
  out += `p${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
}

function fmtFloat(value: number, verb: string, f: Flags): string {
  const letter = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  const prec = f.prec ?? (letter === 'f' || letter === 'e' || letter === 'E' ? 6 : -1);
  let num =
    letter === 'x' || letter === 'X'
      ? hexFloat(value, letter === 'X')
      : formatFloat(value, letter as 'e' | 'E' | 'f' | 'g' | 'G', prec);
  if (!num.startsWith('-') && !num.startsWith('+')) num = '+' + num;
  if (f.space && num.startsWith('+') && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, f, false);
  }
  if (f.plus || !num.startsWith('+')) {
    const width = f.width ?? 0;
    if (f.zero && width > num.length) return num[0] + '0'.repeat(width - num.length) + num.slice(1);
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

function fmtString(text: string, verb: string, f: Flags): string {
  if (f.prec !== undefined && (verb === 's' || verb === 'v' || verb === 'q')) {
    text = [...text].slice(0, f.prec).join('');
  }
  switch (verb) {
    case 'v':
    case 's':
      return pad(text, f);
    case 'q':
      return pad(f.sharp && !/[`\p{C}]/u.test(text) ? '`' + text + '`' : goQuote(text), f);
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(text, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
      if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
      if (verb === 'X') bytes = bytes.map((b) => b.toUpperCase());
      const prefix = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      const out = f.space ? bytes.map((b) => prefix + b).join(' ') : prefix + bytes.join('');
      return pad(out, f);
    }
  }
  return badVerb(verb, { t: 'string', v: text }, f);
}

function badVerb(verb: string, value: GoValue, f: Flags): string {
  if (value.t === 'invalid' || value.t === 'nil') return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(value)}=${formatValue(value, 'v', f, 0)})`;
}

/** printValue/printArg: one value under one verb; depth > 0 inside maps, slices and structs. */
export function formatValue(value: GoValue, verb: string, f: Flags = NO_FLAGS, depth = 0): string {
  if (verb === 'T') return pad(typeName(value), f);
  if (f.sharpV && (value.t === 'string' || value.t === 'template.HTML')) {
    return pad(value.t === 'string' ? goQuote(value.v) : `"${goQuote(value.v).slice(1, -1)}"`, f);
  }
  if (f.sharpV && value.t === 'map[string]string') {
    const entries = sortedEntries(value.v).map(([k, v]) => `${goQuote(k)}:${goQuote(v)}`);
    return `map[string]string{${entries.join(', ')}}`;
  }
  const named = (name: string, text: string): string => (f.plusV ? `${name}:${text}` : text);
  switch (value.t) {
    case 'invalid':
      return verb === 'v'
        ? pad(depth === 0 ? '<invalid reflect.Value>' : '<nil>', f)
        : badVerb(verb, value, f);
    case 'nil':
      return verb === 'v' ? pad('<nil>', f) : badVerb(verb, value, f);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(value.v), f) : badVerb(verb, value, f);
    case 'float64':
      return 'vgGxXfeEF'.includes(verb) ? fmtFloat(value.v, verb, f) : badVerb(verb, value, f);
    case 'int':
    case 'uint8':
      return 'vdbocqxXUO'.includes(verb)
        ? fmtInteger(value.v, value.t === 'int', verb === 'v' ? 'd' : verb, f)
        : badVerb(verb, value, f);
    case 'string':
    case 'template.HTML':
      return fmtString(value.v, verb, f);
    case 'map[string]string':
      return (
        (depth === 0 ? '' : '') +
        'map[' +
        sortedEntries(value.v)
          .map(([k, v]) => `${fmtString(k, verb, f)}:${fmtString(v, verb, f)}`)
          .join(' ') +
        ']'
      );
    case 'map[string]interface {}':
      return (
        'map[' +
        [...value.v.keys()]
          .sort()
          .map((k) => `${fmtString(k, verb, f)}:${formatValue(value.v.get(k)!, verb, f, depth + 1)}`)
          .join(' ') +
        ']'
      );
    case 'template.queryResult':
      return '[' + value.v.map(() => '0xc000000000').join(' ') + ']';
    case '*template.sample':
      if (value.v === null) return pad('<nil>', f);
      return depth === 0
        ? '&' + formatValue({ t: 'template.sample', v: value.v }, verb, f, 1)
        : '0xc000000000';
    case 'template.sample':
      return `{${named('Labels', formatValue({ t: 'map[string]string', v: value.v.labels }, verb, f, depth + 1))} ${named('Value', formatValue({ t: 'float64', v: value.v.value }, verb, f, depth + 1))}}`;
    case '*time.Time':
      if (value.v === null) return pad('<nil>', f);
      return fmtString(formatTime(value.v), verb, f);
    case 'time.Time':
      return fmtString(formatTime(value.v), verb, f);
    case 'struct': {
      const d = value.v;
      const parts = [
        named('Labels', formatValue({ t: 'map[string]string', v: d.labels }, verb, f, depth + 1)),
        named(
          'ExternalLabels',
          formatValue({ t: 'map[string]string', v: d.externalLabels }, verb, f, depth + 1),
        ),
        named('ExternalURL', fmtString(d.externalURL, verb, f)),
        named('Value', formatValue({ t: 'float64', v: d.value }, verb, f, depth + 1)),
      ];
      return `{${parts.join(' ')}}`;
    }
  }
}

const isStringValue = (value: GoValue): boolean => value.t === 'string';

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && !isStringValue(arg) && !isStringValue(args[i - 1]!)) out += ' ';
    out += formatValue(arg, 'v');
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, a newline after. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map((arg) => formatValue(arg, 'v')).join(' ') + '\n';
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  let reordered = false;
  const n = format.length;
  while (i < n) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const f: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = !f.minus;
      else if (c === '+') f.plus = true;
      else if (c === '-') {
        f.minus = true;
        f.zero = false;
      } else if (c === ' ') f.space = true;
      else break;
    }
    const readNumber = (): number | undefined => {
      const match = /^\d+/.exec(format.slice(i));
      if (!match) return undefined;
      i += match[0].length;
      return Number(match[0]);
    };
    let goodArgNum = true;
    // An explicit argument index, `%[2]d`: later verbs go on from it; EXTRA is no longer reported.
    const argIndex = (): void => {
      if (format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i);
      const digits = close < 0 ? '' : format.slice(i + 1, close);
      i = close < 0 ? i + 1 : close + 1;
      const index = Number(digits) - 1;
      if (/^\d+$/.test(digits) && index >= 0 && index < args.length) argNum = index;
      else goodArgNum = false;
    };
    const starArg = (): number | undefined => {
      const arg = args[argNum++];
      if (arg === undefined || arg.t !== 'int') return undefined;
      return arg.v;
    };
    argIndex();
    if (format[i] === '*') {
      i++;
      const width = starArg();
      if (width === undefined || Math.abs(width) > TOO_LARGE) out += '%!(BADWIDTH)';
      else {
        f.width = Math.abs(width);
        if (width < 0) {
          f.minus = true;
          f.zero = false;
        }
      }
    } else {
      const width = readNumber();
      if (width !== undefined && width > TOO_LARGE) out += '%!(BADWIDTH)';
      else f.width = width;
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const prec = starArg();
        if (prec === undefined || prec > TOO_LARGE) out += '%!(BADPREC)';
        else if (prec >= 0) f.prec = prec;
      } else {
        const prec = readNumber() ?? 0;
        if (prec > TOO_LARGE) out += '%!(BADPREC)';
        else f.prec = prec;
      }
    }
    argIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    const arg = args[argNum];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argNum++;
    if (verb === 'v') {
      f.plusV = f.plus;
      f.sharpV = f.sharp;
      f.plus = false;
      f.sharp = false;
    }
    out += formatValue(arg, verb, f);
  }
  if (!reordered && argNum < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argNum)
        .map((arg) =>
          arg.t === 'invalid' || arg.t === 'nil' ? '<nil>' : `${typeName(arg)}=${formatValue(arg, 'v')}`,
        )
        .join(', ') +
      ')';
  }
  return out;
}
