/**
 * Rendering a prom-client registry in the Prometheus text format (0.0.4) or OpenMetrics (1.0.0), with
 * content negotiation on the Accept header.
 *
 * prom-client 15 decides the format of `registry.metrics()` from the registry's content type, and for
 * OpenMetrics it renames every counter it renders (strips `_total` from the metric object's `name`, see
 * `standardizeCounterName` in prom-client/lib/registry.js). Neither the registry nor its metrics are
 * touched here: a render runs prom-client's own `metrics()` on a view of the registry (an object whose
 * prototype is the registry) with its own content type, and for OpenMetrics it hands prom-client stand-ins
 * for the counters, which it may rename as it likes. A concurrent `registry.metrics()` by the user, or
 * another render, sees the registry as it is.
 */
import type { Registry, RegistryContentType } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Any prom-client registry, whatever content type it was created with. */
export type AnyRegistry = Registry<RegistryContentType>;

export interface RenderedMetrics {
  /** The exact Content-Type for `body`. */
  contentType: string;
  body: string;
  /** Set when rendering failed; `body` then holds a `# failed to render metrics: ...` comment. */
  error?: unknown;
}

interface MediaRange {
  type: string;
  subtype: string;
  /** Parameters other than q, names lower-cased, values unquoted. */
  params: Map<string, string>;
  q: number;
}

/** Splits on `separator` outside double-quoted strings. */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) {
        current += value[++i] as string;
      } else if (ch === '"') {
        quoted = false;
      }
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseMediaRange(text: string): MediaRange | undefined {
  const [typePart = '', ...paramParts] = splitOutsideQuotes(text, ';');
  const slash = typePart.indexOf('/');
  if (slash < 0) return undefined;
  const type = typePart.slice(0, slash).trim().toLowerCase();
  const subtype = typePart
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) return undefined;
  const params = new Map<string, string>();
  let q = 1;
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim() === '') continue;
      return undefined;
    }
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = unquote(part.slice(eq + 1).trim());
    if (!TOKEN.test(name)) return undefined;
    if (name === 'q') {
      if (!/^\d+(\.\d*)?$|^\.\d+$/.test(value)) return undefined;
      q = Number(value);
      if (!(q >= 0 && q <= 1)) return undefined;
    } else if (!params.has(name)) {
      params.set(name, value);
    }
  }
  return { type, subtype, params, q };
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of splitOutsideQuotes(accept, ',')) {
    if (item.trim() === '') continue;
    const range = parseMediaRange(item);
    if (range) ranges.push(range);
  }
  return ranges;
}

/**
 * The q of the most specific group of ranges that matches, or undefined when none matches. `levels` are
 * predicates from most to least specific; within a level the highest q wins.
 */
function qualityOf(ranges: readonly MediaRange[], levels: ReadonlyArray<(range: MediaRange) => boolean>) {
  for (const matches of levels) {
    let best: number | undefined;
    for (const range of ranges) {
      if (matches(range) && (best === undefined || range.q > best)) best = range.q;
    }
    if (best !== undefined) return best;
  }
  return undefined;
}

const isOpenMetrics = (r: MediaRange) => r.type === 'application' && r.subtype === 'openmetrics-text';
const isTextPlain = (r: MediaRange) => r.type === 'text' && r.subtype === 'plain';

const OPENMETRICS_LEVELS = [
  (r: MediaRange) => isOpenMetrics(r) && r.params.get('version') === '1.0.0',
  (r: MediaRange) => isOpenMetrics(r) && !r.params.has('version'),
];

/** Our text output is version 0.0.4, which text format 1.0.0 parsers (Prometheus 3) also read. */
const TEXT_LEVELS = [
  (r: MediaRange) => isTextPlain(r) && ['0.0.4', '1.0.0'].includes(r.params.get('version') ?? ''),
  (r: MediaRange) => isTextPlain(r) && !r.params.has('version'),
  (r: MediaRange) => r.type === 'text' && r.subtype === '*',
  (r: MediaRange) => r.type === '*' && r.subtype === '*',
];

/**
 * Chooses the exposition format for an Accept header. OpenMetrics only when `application/openmetrics-text`
 * (version 1.0.0 or no version) is explicitly acceptable with a q at least as high as the text format's;
 * the Prometheus text format otherwise, including for a missing or unparseable header.
 */
export function negotiateFormat(accept: string | undefined | null): ExpositionFormat {
  if (typeof accept !== 'string' || accept.trim() === '') return 'prometheus';
  const ranges = parseAccept(accept);
  const openMetricsQ = qualityOf(ranges, OPENMETRICS_LEVELS);
  if (openMetricsQ === undefined || openMetricsQ <= 0) return 'prometheus';
  const textQ = qualityOf(ranges, TEXT_LEVELS) ?? 0;
  return openMetricsQ >= textQ ? 'openmetrics' : 'prometheus';
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[\r\n]+/g, ' ');
}

type Metric = ReturnType<AnyRegistry['getMetricsAsArray']>[number];
/** What every prom-client metric has (the typings leave `get` out of `getMetricsAsArray`'s elements). */
type MetricData = { name: string } & Record<string, unknown>;
type Readable = Metric & { get(): Promise<MetricData>; getForPromString?: () => Promise<MetricData> };

/**
 * What prom-client's OpenMetrics render needs of a counter (name, type, help, its data), with the data
 * read from the counter itself (so its `collect` runs as in any render) under the name stripped of
 * `_total`, as prom-client names it there. prom-client writes the stripped name back onto this stand-in.
 */
function counterStandIn(counter: Metric): Metric {
  const openMetricsName = (data: MetricData): MetricData => ({
    ...data,
    name: data.name.replace(/_total$/, ''),
  });
  const source = counter as Readable;
  const standIn: Record<string, unknown> = {
    name: counter.name,
    type: counter.type,
    help: counter.help,
    get: async () => openMetricsName(await source.get()),
  };
  if (typeof source.getForPromString === 'function') {
    const read = source.getForPromString.bind(source);
    standIn.getForPromString = async () => openMetricsName(await read());
  }
  return standIn as unknown as Metric;
}

/** The registry, seen with another content type (and, for OpenMetrics, counter stand-ins); it is not changed. */
function viewOf(registry: AnyRegistry, contentType: RegistryContentType): AnyRegistry {
  const view = Object.create(registry) as AnyRegistry;
  // Stored on the view itself; the registry keeps its own.
  view.setContentType(contentType);
  if (contentType === OPENMETRICS_CONTENT_TYPE) {
    view.getMetricsAsArray = () =>
      registry
        .getMetricsAsArray()
        // MetricType is a numeric enum in the typings, but prom-client sets the string 'counter'.
        .map((metric) => (String(metric.type) === 'counter' ? counterStandIn(metric) : metric));
  }
  return view;
}

async function renderNow(registry: AnyRegistry, format: ExpositionFormat): Promise<RenderedMetrics> {
  const contentType = format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
  try {
    const source =
      registry.contentType === PROMETHEUS_CONTENT_TYPE && format === 'prometheus'
        ? registry
        : viewOf(registry, contentType);
    const body = await source.metrics();
    return { contentType, body };
  } catch (error) {
    return { contentType, body: `# failed to render metrics: ${errorMessage(error)}\n`, error };
  }
}

/**
 * Renders `registry` in `format`, leaving the registry and its metrics as they are, so renders and the
 * user's own `registry.metrics()` may run at the same time. Never rejects: when rendering fails the
 * result carries the error and a comment body.
 */
export function renderMetrics(registry: AnyRegistry, format: ExpositionFormat): Promise<RenderedMetrics> {
  return renderNow(registry, format === 'openmetrics' ? 'openmetrics' : 'prometheus');
}
