/**
 * The calendar functions (year, month, day_of_month, day_of_week, day_of_year, days_in_month, hour,
 * minute) as Prometheus 2.42 computes them: the value is truncated to whole Unix seconds as Go's
 * int64(v) does on amd64 (NaN, ±Inf and out-of-range values become -2^63), and the date comes from
 * Go's UTC calendar arithmetic, ported here in 64-bit wrapping integers (BigInt), so even absurd
 * inputs give Go's answers. With no argument they read the evaluation time.
 */
import { EMPTY_LABELS, withoutMetricName } from '../labels.js';
import type { FunctionImpl } from './function-types.js';
import type { Sample } from './value.js';

const SECONDS_PER_MINUTE = 60n;
const SECONDS_PER_HOUR = 3600n;
const SECONDS_PER_DAY = 86400n;
const SECONDS_PER_WEEK = 7n * SECONDS_PER_DAY;
const DAYS_PER_400_YEARS = 365n * 400n + 97n;
const DAYS_PER_100_YEARS = 365n * 100n + 24n;
const DAYS_PER_4_YEARS = 365n * 4n + 1n;
const ABSOLUTE_ZERO_YEAR = -292277022399n;
const ABSOLUTE_TO_INTERNAL = -9223371966579724800n; // (absoluteZeroYear - 1) * 365.2425 * secondsPerDay
const UNIX_TO_INTERNAL = 62135596800n; // (1969*365 + 1969/4 - 1969/100 + 1969/400) * secondsPerDay
const UNIX_TO_ABSOLUTE = UNIX_TO_INTERNAL - ABSOLUTE_TO_INTERNAL;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365].map(BigInt);

const int64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const uint64 = (x: bigint): bigint => BigInt.asUintN(64, x);

const MIN_INT64 = -(2n ** 63n);

/** Go's int64(v) on amd64 (CVTTSD2SQ): truncation, or -2^63 when v is NaN or out of range. */
export function goFloatToInt64(v: number): bigint {
  if (!Number.isFinite(v) || v >= 2 ** 63 || v < -(2 ** 63)) return MIN_INT64;
  return BigInt(Math.trunc(v));
}

/** Go's Time.abs() for time.Unix(seconds, 0).UTC(): seconds since the absolute zero year. */
function absoluteSeconds(unixSeconds: bigint): bigint {
  return uint64(unixSeconds + UNIX_TO_ABSOLUTE);
}

function isLeap(year: bigint): boolean {
  return year % 4n === 0n && (year % 100n !== 0n || year % 400n === 0n);
}

interface CalendarDate {
  readonly year: bigint;
  readonly month: number;
  readonly day: number;
  readonly yearDay: number;
}

/** Go's absDate(abs, true). */
function absoluteDate(abs: bigint): CalendarDate {
  let d = abs / SECONDS_PER_DAY;
  let n = d / DAYS_PER_400_YEARS;
  let y = 400n * n;
  d -= DAYS_PER_400_YEARS * n;
  n = d / DAYS_PER_100_YEARS;
  n -= n >> 2n;
  y += 100n * n;
  d -= DAYS_PER_100_YEARS * n;
  n = d / DAYS_PER_4_YEARS;
  y += 4n * n;
  d -= DAYS_PER_4_YEARS * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = int64(int64(y) + ABSOLUTE_ZERO_YEAR);
  const yearDay = Number(d);
  let day = yearDay;
  if (isLeap(year)) {
    if (day > 31 + 29 - 1) day--;
    else if (day === 31 + 29 - 1) return { year, month: 2, day: 29, yearDay };
  }
  let month = Math.trunc(day / 31);
  const end = Number(DAYS_BEFORE[month + 1]!);
  let begin: number;
  if (day >= end) {
    month++;
    begin = end;
  } else {
    begin = Number(DAYS_BEFORE[month]!);
  }
  return { year, month: month + 1, day: day - begin + 1, yearDay };
}

/** Go's time.Date(year, month, 32, 0, 0, 0, 0, UTC).Day(), which days_in_month reads. */
function dayOfMonth32(year: bigint, month: number): number {
  let y = uint64(int64(year) - ABSOLUTE_ZERO_YEAR);
  let n = y / 400n;
  y -= 400n * n;
  let d = uint64(DAYS_PER_400_YEARS * n);
  n = y / 100n;
  y -= 100n * n;
  d = uint64(d + DAYS_PER_100_YEARS * n);
  n = y / 4n;
  y -= 4n * n;
  d = uint64(d + DAYS_PER_4_YEARS * n);
  d = uint64(d + 365n * y);
  d = uint64(d + DAYS_BEFORE[month - 1]!);
  if (isLeap(year) && month >= 3) d = uint64(d + 1n);
  d = uint64(d + 31n);
  const abs = uint64(d * SECONDS_PER_DAY);
  const unix = int64(int64(abs) + (ABSOLUTE_TO_INTERNAL - UNIX_TO_INTERNAL));
  return absoluteDate(absoluteSeconds(unix)).day;
}

type CalendarField = (abs: bigint) => number;

const FIELDS: Readonly<Record<string, CalendarField>> = {
  year: (abs) => Number(absoluteDate(abs).year),
  month: (abs) => absoluteDate(abs).month,
  day_of_month: (abs) => absoluteDate(abs).day,
  day_of_year: (abs) => absoluteDate(abs).yearDay + 1,
  day_of_week: (abs) => Number((uint64(abs + SECONDS_PER_DAY) % SECONDS_PER_WEEK) / SECONDS_PER_DAY),
  days_in_month: (abs) => {
    const date = absoluteDate(abs);
    return 32 - dayOfMonth32(date.year, date.month);
  },
  hour: (abs) => Number((abs % SECONDS_PER_DAY) / SECONDS_PER_HOUR),
  minute: (abs) => Number((abs % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE),
};

function dateFunction(field: CalendarField): FunctionImpl {
  return (values, _args, context) => {
    if (values.length === 0) {
      // time.Unix(enh.Ts/1000, 0): integer division truncates toward zero.
      const seconds = BigInt(Math.trunc(context.timeMs / 1000));
      return [{ metric: EMPTY_LABELS, t: context.timeMs, v: field(absoluteSeconds(seconds)) }];
    }
    return (values[0] as Sample[]).map((sample) => ({
      metric: withoutMetricName(sample.metric),
      t: context.timeMs,
      v: field(absoluteSeconds(goFloatToInt64(sample.v))),
    }));
  };
}

export const TIME_FUNCTIONS: Readonly<Record<string, FunctionImpl>> = Object.fromEntries(
  Object.entries(FIELDS).map(([name, field]) => [name, dateFunction(field)]),
);
