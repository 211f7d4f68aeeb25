/** Test helpers: read a Prometheus text exposition into exact series → value pairs. */

export type Series = Map<string, number>;

/** Parses `name{a="b",c="d"} value` lines; keys are `name{a="b",c="d"}` with labels sorted by name. */
export function parseExposition(text: string): Series {
  const series: Series = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$/s.exec(line);
    if (!match) throw new Error(`unparseable exposition line: ${line}`);
    const [, name, labelText, value] = match;
    series.set(key(name!, parseLabels(labelText ?? '')), Number(value));
  }
  return series;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The canonical key of a series: labels sorted by name, values unescaped. */
export function key(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

/** Every series of one metric name, by canonical key. */
export function seriesOf(series: Series, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of series) if (k === name || k.startsWith(`${name}{`)) out[k] = v;
  return out;
}
