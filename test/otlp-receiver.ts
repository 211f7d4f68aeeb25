/**
 * A real OTLP/HTTP trace receiver for tests: listens on 127.0.0.1 (port 0), accepts
 * `POST /v1/traces` with `Content-Type: application/x-protobuf` (gzip or not), decodes the
 * `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` and answers 200 with an empty
 * `ExportTraceServiceResponse` (a zero-length protobuf message).
 *
 * Where the decoder comes from: `@opentelemetry/otlp-transformer` 0.223 no longer ships generated
 * protobuf code (no `generated/root.js`; its serializer is hand-written over a small writer), and
 * `protobufjs` is not installed. The wire format is read with the `ProtobufReader` that
 * otlp-transformer ships (tags, varints, length-delimited fields, skipping unknown fields); this file
 * only walks the OTLP messages by their field numbers, the ones in `opentelemetry/proto/trace/v1/
 * trace.proto`, `common/v1/common.proto`, `resource/v1/resource.proto` and
 * `collector/trace/v1/trace_service.proto` and written by otlp-transformer's `trace-serializer.js`
 * and `common-serializer.js`. Two gaps of that reader are filled from the same bytes: 64-bit fixed
 * values (`double_value`) are read with a DataView and int64 varints are re-read as BigInt (its
 * `readVarint` loses precision above 2^53 and for negative numbers). A round trip through
 * otlp-transformer's own `ProtobufTraceSerializer` checks the walk (src/tracing/setup.test.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

import { ProtobufReader } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader.js';

export type DecodedPrimitive = string | number | boolean;
export type DecodedAttributeValue = DecodedPrimitive | (DecodedPrimitive | null)[];
/** Any OTLP `AnyValue`: kvlists become objects, bytes become Uint8Array, an empty value null. */
export type DecodedAnyValue =
  DecodedPrimitive | Uint8Array | null | DecodedAnyValue[] | { [key: string]: DecodedAnyValue };

export interface DecodedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  /** The OTLP enum: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer (API kind + 1). */
  kind: number;
  attributes: Record<string, DecodedAttributeValue>;
  /** OTLP status codes: 0 unset, 1 ok, 2 error (the same numbers as the API's SpanStatusCode). */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  /** The resource attributes of the ResourceSpans the span came in. */
  resource: Record<string, unknown>;
  /** The instrumentation scope (tracer) that made the span. */
  scope: { name: string; version?: string };
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT`; the exporter's endpoint is `${url}/v1/traces`. */
  url: string;
  /** Every span decoded so far, in arrival order. */
  spans: DecodedSpan[];
  /** Export requests answered so far (any path or outcome). */
  requests: number;
  /** Resolves with a copy of `spans` once `predicate(spans)` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: readonly DecodedSpan[]) => boolean, timeoutMs: number): Promise<DecodedSpan[]>;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The int64 varint that ends at `reader.pos` and starts at `start`, exactly (two's complement). */
function int64(buf: Uint8Array, start: number, end: number): number {
  let value = 0n;
  for (let i = start; i < end; i++) value |= BigInt(buf[i]! & 0x7f) << BigInt(7 * (i - start));
  return Number(BigInt.asIntN(64, value));
}

function readDouble(buf: Uint8Array, reader: ProtobufReader): number {
  if (reader.pos + 8 > buf.length) throw new Error('Truncated buffer: expected a 64-bit value');
  const value = new DataView(buf.buffer, buf.byteOffset + reader.pos, 8).getFloat64(0, true);
  reader.pos += 8;
  return value;
}

/** Calls `field` for each field of the message in `buf`; unknown or mistyped fields are skipped. */
function walk(
  buf: Uint8Array,
  field: (fieldNumber: number, wireType: number, reader: ProtobufReader) => boolean,
): void {
  const reader = new ProtobufReader(buf);
  while (!reader.isAtEnd()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (!field(fieldNumber, wireType, reader)) reader.skip(wireType);
  }
}

/** opentelemetry.proto.common.v1.AnyValue */
function decodeAnyValue(buf: Uint8Array): DecodedAnyValue {
  let value: DecodedAnyValue = null;
  walk(buf, (fieldNumber, wireType, reader) => {
    switch (fieldNumber) {
      case 1: // string_value
        if (wireType !== LENGTH_DELIMITED) return false;
        value = reader.readString();
        return true;
      case 2: // bool_value
        if (wireType !== VARINT) return false;
        value = reader.readVarint() !== 0;
        return true;
      case 3: {
        // int_value (int64)
        if (wireType !== VARINT) return false;
        const start = reader.pos;
        reader.readVarint();
        value = int64(buf, start, reader.pos);
        return true;
      }
      case 4: // double_value
        if (wireType !== FIXED64) return false;
        value = readDouble(buf, reader);
        return true;
      case 5: {
        // array_value: ArrayValue { repeated AnyValue values = 1; }
        if (wireType !== LENGTH_DELIMITED) return false;
        const items: DecodedAnyValue[] = [];
        walk(reader.readBytes(), (n, w, r) => {
          if (n !== 1 || w !== LENGTH_DELIMITED) return false;
          items.push(decodeAnyValue(r.readBytes()));
          return true;
        });
        value = items;
        return true;
      }
      case 6: {
        // kvlist_value: KeyValueList { repeated KeyValue values = 1; }
        if (wireType !== LENGTH_DELIMITED) return false;
        const object: Record<string, DecodedAnyValue> = {};
        walk(reader.readBytes(), (n, w, r) => {
          if (n !== 1 || w !== LENGTH_DELIMITED) return false;
          const [key, item] = decodeKeyValue(r.readBytes());
          object[key] = item;
          return true;
        });
        value = object;
        return true;
      }
      case 7: // bytes_value
        if (wireType !== LENGTH_DELIMITED) return false;
        value = reader.readBytes().slice();
        return true;
      default:
        return false;
    }
  });
  return value;
}

/** opentelemetry.proto.common.v1.KeyValue { string key = 1; AnyValue value = 2; } */
function decodeKeyValue(buf: Uint8Array): [string, DecodedAnyValue] {
  let key = '';
  let value: DecodedAnyValue = null;
  walk(buf, (fieldNumber, wireType, reader) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (fieldNumber === 1) key = reader.readString();
    else if (fieldNumber === 2) value = decodeAnyValue(reader.readBytes());
    else return false;
    return true;
  });
  return [key, value];
}

function addAttribute(target: Record<string, unknown>, buf: Uint8Array): void {
  const [key, value] = decodeKeyValue(buf);
  target[key] = value;
}

/** opentelemetry.proto.trace.v1.Status { string message = 2; StatusCode code = 3; } */
function decodeStatus(buf: Uint8Array): DecodedSpan['status'] {
  const status: DecodedSpan['status'] = { code: 0 };
  walk(buf, (fieldNumber, wireType, reader) => {
    if (fieldNumber === 2 && wireType === LENGTH_DELIMITED) status.message = reader.readString();
    else if (fieldNumber === 3 && wireType === VARINT) status.code = reader.readVarint();
    else return false;
    return true;
  });
  return status;
}

/** opentelemetry.proto.trace.v1.Span.Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; … } */
function decodeEvent(buf: Uint8Array): DecodedSpan['events'][number] {
  const event: DecodedSpan['events'][number] = { name: '', attributes: {} };
  walk(buf, (fieldNumber, wireType, reader) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (fieldNumber === 2) event.name = reader.readString();
    else if (fieldNumber === 3) addAttribute(event.attributes, reader.readBytes());
    else return false;
    return true;
  });
  return event;
}

/**
 * opentelemetry.proto.trace.v1.Span: trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4,
 * name = 5, kind = 6, start/end_time_unix_nano = 7/8 (skipped), attributes = 9, events = 11,
 * links = 13 (skipped), status = 15, flags = 16 (skipped).
 */
function decodeSpan(
  buf: Uint8Array,
  resource: Record<string, unknown>,
  scope: DecodedSpan['scope'],
): DecodedSpan {
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    name: '',
    kind: 0,
    attributes: {},
    status: { code: 0 },
    events: [],
    resource,
    scope,
  };
  walk(buf, (fieldNumber, wireType, reader) => {
    if (fieldNumber === 6) {
      if (wireType !== VARINT) return false;
      span.kind = reader.readVarint();
      return true;
    }
    if (wireType !== LENGTH_DELIMITED) return false;
    switch (fieldNumber) {
      case 1:
        span.traceId = hex(reader.readBytes());
        return true;
      case 2:
        span.spanId = hex(reader.readBytes());
        return true;
      case 4: {
        const parent = reader.readBytes();
        if (parent.length > 0) span.parentSpanId = hex(parent);
        return true;
      }
      case 5:
        span.name = reader.readString();
        return true;
      case 9:
        addAttribute(span.attributes, reader.readBytes());
        return true;
      case 11:
        span.events.push(decodeEvent(reader.readBytes()));
        return true;
      case 15:
        span.status = decodeStatus(reader.readBytes());
        return true;
      default:
        return false;
    }
  });
  return span;
}

/** opentelemetry.proto.common.v1.InstrumentationScope { string name = 1; string version = 2; … } */
function decodeScope(buf: Uint8Array): DecodedSpan['scope'] {
  const scope: DecodedSpan['scope'] = { name: '' };
  walk(buf, (fieldNumber, wireType, reader) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (fieldNumber === 1) scope.name = reader.readString();
    else if (fieldNumber === 2) scope.version = reader.readString();
    else return false;
    return true;
  });
  return scope;
}

/** opentelemetry.proto.trace.v1.ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; } */
function decodeScopeSpans(buf: Uint8Array, resource: Record<string, unknown>, out: DecodedSpan[]): void {
  let scope: DecodedSpan['scope'] = { name: '' };
  const spans: Uint8Array[] = [];
  walk(buf, (fieldNumber, wireType, reader) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (fieldNumber === 1) scope = decodeScope(reader.readBytes());
    else if (fieldNumber === 2) spans.push(reader.readBytes());
    else return false;
    return true;
  });
  for (const span of spans) out.push(decodeSpan(span, resource, scope));
}

/** opentelemetry.proto.trace.v1.ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; } */
function decodeResourceSpans(buf: Uint8Array, out: DecodedSpan[]): void {
  const resource: Record<string, unknown> = {};
  const scopeSpans: Uint8Array[] = [];
  walk(buf, (fieldNumber, wireType, reader) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (fieldNumber === 1) {
      // Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
      walk(reader.readBytes(), (n, w, r) => {
        if (n !== 1 || w !== LENGTH_DELIMITED) return false;
        addAttribute(resource, r.readBytes());
        return true;
      });
    } else if (fieldNumber === 2) scopeSpans.push(reader.readBytes());
    else return false;
    return true;
  });
  for (const scope of scopeSpans) decodeScopeSpans(scope, resource, out);
}

/** Decodes an `ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }` into its spans. */
export function decodeExportTraceServiceRequest(body: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  walk(body, (fieldNumber, wireType, reader) => {
    if (fieldNumber !== 1 || wireType !== LENGTH_DELIMITED) return false;
    decodeResourceSpans(reader.readBytes(), spans);
    return true;
  });
  return spans;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error(`body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: DecodedSpan[] = [];
  const waiters = new Set<() => void>();

  const answer = (res: ServerResponse, status: number, body: string | Uint8Array, type: string): void => {
    receiver.requests++;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/traces') {
        answer(res, 404, 'not found', 'text/plain');
        return;
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/x-protobuf') {
        answer(res, 415, `unsupported content-type ${type}`, 'text/plain');
        return;
      }
      let decoded: DecodedSpan[];
      try {
        let body: Uint8Array = await readBody(req);
        const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
        if (encoding === 'gzip') body = gunzipSync(body);
        else if (encoding === 'deflate') body = inflateSync(body);
        decoded = decodeExportTraceServiceRequest(body);
      } catch (error) {
        answer(res, 400, `cannot decode ExportTraceServiceRequest: ${String(error)}`, 'text/plain');
        return;
      }
      spans.push(...decoded);
      // An empty ExportTraceServiceResponse (no partial_success) is zero bytes.
      answer(res, 200, new Uint8Array(0), 'application/x-protobuf');
      for (const wake of waiters) wake();
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests: 0,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!predicate(spans)) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...spans]);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${spans.length} spans)`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return receiver;
}
