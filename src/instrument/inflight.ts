/**
 * Requests in flight one way on one transport, by JSON-RPC id. Peers that reuse an id while a request
 * with it is in flight (buggy clients, fuzzers) get their requests queued behind each other: each reply
 * with that id ends the oldest, so every record ends.
 */
import type { McpLogLevel } from './conventions.js';
import type { RequestScope } from './pipeline.js';
import type { OperationRecord } from './record.js';

export type Pending = OperationRecord & {
  startMono: number;
  /** What the providers keep for this request (spans, the request context). */
  scope: RequestScope | undefined;
  progressToken: string | number | undefined;
  /** `_meta["io.modelcontextprotocol/logLevel"]` of a 2026-07-28 request; null when the request is 2025-era. */
  requestLogLevel: McpLogLevel | undefined | null;
  /** The next request in flight with the same JSON-RPC id (peers that reuse ids): it gets the next reply. */
  next: Pending | undefined;
};

/** Requests in flight one way, by JSON-RPC id; requests sharing an id queue behind each other. */
export class InflightMap {
  readonly byId = new Map<string | number, Pending>();
  size = 0;

  add(op: Pending): void {
    const head = this.byId.get(op.jsonrpcId);
    this.size++;
    if (head === undefined) {
      this.byId.set(op.jsonrpcId, op);
      return;
    }
    let tail = head;
    while (tail.next !== undefined) tail = tail.next;
    tail.next = op;
  }

  /** The oldest request with this id, removed. */
  take(id: string | number): Pending | undefined {
    const head = this.byId.get(id);
    if (head === undefined) return undefined;
    if (head.next === undefined) this.byId.delete(id);
    else this.byId.set(id, head.next);
    head.next = undefined;
    this.size--;
    return head;
  }

  has(op: OperationRecord): boolean {
    for (let p = this.byId.get(op.jsonrpcId); p !== undefined; p = p.next) if (p === op) return true;
    return false;
  }

  drain(): Pending[] {
    const all: Pending[] = [];
    for (const head of this.byId.values()) for (let p: Pending | undefined = head; p; p = p.next) all.push(p);
    this.byId.clear();
    this.size = 0;
    return all;
  }
}
