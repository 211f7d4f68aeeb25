/**
 * Reading JSON-RPC messages as the MCP SDKs read them: which frames are requests they dispatch, and the
 * few result fields the observer looks at. Pure functions; nothing here keeps state.
 */
import type { NetworkTransport } from './record.js';

export type Json = Record<string, unknown>;

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A JSON-RPC id as the peer may send it (the observer tracks whatever it sees). */
export function isId(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/**
 * Whether the SDKs dispatch `msg` as a request, so a reply (or a cancellation) will end it. They
 * validate strictly (JSON-RPC 2.0, an id that is a string or a safe integer, params an object whose
 * `_meta.progressToken` is a string or a safe integer, no other members) and drop anything else without a
 * reply: such a frame must not start an operation that could never end.
 */
export function isDispatchedRequest(msg: Json): boolean {
  if (msg.jsonrpc !== '2.0') return false;
  const id = msg.id;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  for (const key in msg) if (!REQUEST_KEYS.has(key)) return false;
  const params = msg.params;
  if (params === undefined) return true;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return false;
  const meta = (params as Json)._meta;
  if (meta === undefined) return true;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return false;
  const token = (meta as Json).progressToken;
  return token === undefined || typeof token === 'string' || Number.isSafeInteger(token);
}

/** `network.transport` from the transport's class name (stdio → `pipe`, HTTP → `tcp`). */
export function detectNetworkTransport(transport: object): NetworkTransport | undefined {
  const name = transport.constructor?.name ?? '';
  if (/stdio/i.test(name)) return 'pipe';
  if (/http|sse|websocket/i.test(name)) return 'tcp';
  return undefined;
}

/** The first text block of a tool result, cut to 1 KiB (an `isError` result's message). */
export function firstText(result: Json): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  for (const block of content as unknown[]) {
    if (block && typeof block === 'object' && (block as Json).type === 'text') {
      const text = (block as Json).text;
      if (typeof text === 'string') return text.length > 1024 ? `${text.slice(0, 1024)}…` : text;
    }
  }
  return undefined;
}

/** The `name` of every item of a `tools/list` or `prompts/list` result. */
export function namesOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const item of list as unknown[]) {
    const name = item && typeof item === 'object' ? (item as Json).name : undefined;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** The remote end of a Node `IncomingMessage` handed to an HTTP transport (`client.address`, `client.port`). */
export function peerOf(request: unknown): { address: string; port: number | undefined } | undefined {
  const socket = (request as { socket?: { remoteAddress?: unknown; remotePort?: unknown } } | undefined)
    ?.socket;
  if (socket === undefined || typeof socket.remoteAddress !== 'string') return undefined;
  return {
    address: socket.remoteAddress,
    port: typeof socket.remotePort === 'number' ? socket.remotePort : undefined,
  };
}
