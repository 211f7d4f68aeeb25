/**
 * Query results as Prometheus's HTTP API writes them (web/api/v1 and util/jsonutil), byte for byte
 * where it matters to clients, as the Prometheus 2.42 here answers: a timestamp is a JSON number of
 * seconds (`1.5`, `1435781451.781`), a value is a string in Go's shortest fixed form
 * (`0.0000001`, `1000000000000000000000`, `NaN`, `+Inf`, `-Inf`), label sets are objects in label order, and
 * strings are escaped as Go's encoding/json does (`<`, `>`, `&`, U+2028 and U+2029 too).
 */
import type { Labels } from '../store/labels.js';
import type { Point, QueryValue, Sample, Series } from '../store/promql/value.js';

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that round-trip, never an exponent. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const abs = Math.abs(value);
  // JS prints fixed notation for 1e-6 <= |v| < 1e21 with the same shortest digits.
  if (abs >= 1e-6 && abs < 1e21) return String(value);
  const [mantissa = '', exponentText = '0'] = abs.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const fixed = exponent < 0 ? `0.${'0'.repeat(-exponent - 1)}${digits}` : digits.padEnd(exponent + 1, '0');
  return value < 0 ? `-${fixed}` : fixed;
}

/** A timestamp as seconds, `float64(t) / 1000` in Go's shortest form (1.5, 1435781451.781). */
export function formatTimestamp(timeMs: number): string {
  return formatValue(timeMs / 1000);
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A JSON string as Go's encoding/json writes it (HTML-safe). */
export function jsonString(text: string): string {
  const json = JSON.stringify(text);
  return /[<>&\u2028\u2029]/.test(json) ? json.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!) : json;
}

export function labelsJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (i > 0) out += ',';
    out += `${jsonString(label.name)}:${jsonString(label.value)}`;
  }
  return out + '}';
}

function pointJson(t: number, v: number): string {
  return `[${formatTimestamp(t)},"${formatValue(v)}"]`;
}

function sampleJson(sample: Sample): string {
  return `{"metric":${labelsJson(sample.metric)},"value":${pointJson(sample.t, sample.v)}}`;
}

function seriesJson(series: Series): string {
  const points = series.points.map((point: Point) => pointJson(point.t, point.v)).join(',');
  return `{"metric":${labelsJson(series.metric)},"values":[${points}]}`;
}

/** The `data` of a /api/v1/query or /api/v1/query_range answer. */
export function queryDataJson(value: QueryValue): string {
  switch (value.type) {
    case 'scalar':
      return `{"resultType":"scalar","result":${pointJson(value.t, value.v)}}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTimestamp(value.t)},${jsonString(value.v)}]}`;
    case 'vector':
      return `{"resultType":"vector","result":[${value.samples.map(sampleJson).join(',')}]}`;
    case 'matrix':
      return `{"resultType":"matrix","result":[${value.series.map(seriesJson).join(',')}]}`;
  }
}

export function successJson(dataJson: string): string {
  return `{"status":"success","data":${dataJson}}`;
}

export function errorJson(errorType: string, message: string): string {
  return `{"status":"error","errorType":${jsonString(errorType)},"error":${jsonString(message)}}`;
}
