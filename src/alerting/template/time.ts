/**
 * The time.Time values `toTime` and `humanizeTimestamp` produce: nanoseconds since the epoch, in UTC,
 * printed as Go's Time.String() (`2009-11-10 23:00:00.5 +0000 UTC`), with the methods templates call
 * on them (`.Unix`, `.UnixMilli`, `.UnixNano`, `.UTC`, `.String`, `.Format` with Go layouts).
 */
import { formatFloat } from '../go-format.js';
import { int, str, type GoValue } from './values.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  nanos: number;
}

function parts(ns: bigint): Parts {
  const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  const nanos = Number(ns - seconds * 1_000_000_000n);
  const date = new Date(Number(seconds) * 1000);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth(),
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: date.getUTCDay(),
    nanos,
  };
}

function year(y: number): string {
  return y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
}

/** Time.String() of a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function formatTime(ns: bigint): string {
  return formatLayout(ns, '2006-01-02 15:04:05.999999999 -0700 MST');
}

/** Go's layout tokens (the common ones), longest first as Go's nextStdChunk matches them. */
const TOKENS =
  /January|Jan|Monday|Mon|MST|2006|\.0+|\.9+|,0+|,9+|-07:00:00|-0700|-07:00|-07|Z07:00:00|Z0700|Z07:00|Z07|01|02|_2|03|04|05|06|15|1|2|3|4|5|PM|pm/g;

/** Time.Format in UTC for the usual layout tokens; other text is copied. */
export function formatLayout(ns: bigint, layout: string): string {
  const p = parts(ns);
  return layout.replace(TOKENS, (token) => {
    if (/^[.,][09]+$/.test(token)) {
      const digits = pad(p.nanos, 9).slice(0, token.length - 1);
      if (token[1] === '0') return token[0] + digits;
      const trimmed = digits.replace(/0+$/, '');
      return trimmed === '' ? '' : token[0] + trimmed;
    }
    switch (token) {
      case 'January':
        return MONTHS[p.month]!;
      case 'Jan':
        return MONTHS[p.month]!.slice(0, 3);
      case 'Monday':
        return DAYS[p.weekday]!;
      case 'Mon':
        return DAYS[p.weekday]!.slice(0, 3);
      case 'MST':
        return 'UTC';
      case '2006':
        return year(p.year);
      case '06':
        return pad(((p.year % 100) + 100) % 100, 2);
      case '01':
        return pad(p.month + 1, 2);
      case '1':
        return String(p.month + 1);
      case '02':
        return pad(p.day, 2);
      case '_2':
        return String(p.day).padStart(2, ' ');
      case '2':
        return String(p.day);
      case '15':
        return pad(p.hour, 2);
      case '03':
        return pad(p.hour % 12 === 0 ? 12 : p.hour % 12, 2);
      case '3':
        return String(p.hour % 12 === 0 ? 12 : p.hour % 12);
      case '04':
        return pad(p.minute, 2);
      case '4':
        return String(p.minute);
      case '05':
        return pad(p.second, 2);
      case '5':
        return String(p.second);
      case 'PM':
        return p.hour >= 12 ? 'PM' : 'AM';
      case 'pm':
        return p.hour >= 12 ? 'pm' : 'am';
      case '-0700':
        return '+0000';
      case '-07:00':
        return '+00:00';
      case '-07':
        return '+00';
      case '-07:00:00':
        return '+00:00:00';
      default:
        // Z07:00 and its kin print Z for UTC.
        return 'Z';
    }
  });
}

/** A method of time.Time called from a template (`(toTime 1).Unix`); undefined when there is none. */
export function timeMethod(ns: bigint, name: string): ((args: readonly GoValue[]) => GoValue) | undefined {
  const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  switch (name) {
    case 'Unix':
      return () => int(Number(seconds));
    case 'UnixMilli':
      return () => int(Number(ns / 1_000_000n));
    case 'UnixNano':
      return () => int(Number(ns));
    case 'UTC':
      return () => ({ t: 'time.Time', v: ns });
    case 'String':
      return () => str(formatTime(ns));
    case 'Year':
      return () => int(parts(ns).year);
    case 'Format':
      return (args) => str(formatLayout(ns, args[0]?.t === 'string' ? args[0].v : ''));
    default:
      return undefined;
  }
}

/** Prometheus's floatToTime: seconds to a millisecond-precision time (as nanoseconds), refused when NaN, infinite or past int64. */
export function floatToTime(seconds: number): bigint | 'nan-or-inf' | string {
  if (!Number.isFinite(seconds)) return 'nan-or-inf';
  const nanos = seconds * 1e9;
  if (nanos > 9223372036854775807 || nanos < -9223372036854775808) {
    return `${formatFloat(seconds, 'g', -1)} cannot be represented as a nanoseconds timestamp since it overflows int64`;
  }
  // model.TimeFromUnixNano keeps whole milliseconds (truncated toward zero).
  return (BigInt(Math.trunc(nanos)) / 1_000_000n) * 1_000_000n;
}
