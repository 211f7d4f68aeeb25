/**
 * The one interception point: the JSON-RPC message stream of an MCP transport. Inbound messages are
 * seen through the `onmessage` property (whatever the SDK assigns is wrapped), outbound ones through
 * `send`. This works with any transport object of any SDK line, before or after `connect`. What is seen
 * goes to the transport's {@link TransportObserver}, and from there to the pipeline.
 */
import { detectNetworkTransport } from './message.js';
import { REFUSED, TransportObserver, type Runner, type TransportLike } from './observer.js';
import type { OperationPipeline } from './pipeline.js';
import type { NetworkTransport, OperationSide } from './record.js';

export { SHUTTING_DOWN, TransportObserver } from './observer.js';
export type { ServerView, TransportLike } from './observer.js';

export interface ObserveTransportOptions {
  /** `network.transport`; detected from the transport's class name when omitted (stdio → `pipe`, HTTP → `tcp`). */
  networkTransport?: NetworkTransport;
}

const observedSym = Symbol.for('mcpulse.transportObserver');

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
const noop: AnyFn = () => undefined;

/**
 * Wraps whatever is assigned to a handler property (`onmessage`, `onclose`) so `before` runs first.
 * The wrapper is stored where the transport keeps the handler: in an own field, or through an
 * inherited accessor (SDK v1's Node HTTP transport delegates to an inner web-standard transport).
 * Code that chains handlers (`const prev = t.onmessage; t.onmessage = m => { prev(m); … }`) keeps
 * working, and `before` runs once per dispatch however deep the chain.
 */
function interceptHandler(
  target: object,
  property: string,
  always: boolean,
  before: (first: unknown) => Runner | typeof REFUSED | undefined | void,
): void {
  let depth = 0;
  const wrapped = new WeakSet<AnyFn>();
  const wrap = (fn: AnyFn | undefined): AnyFn | undefined => {
    if (fn === undefined && always) fn = noop;
    if (typeof fn !== 'function' || wrapped.has(fn)) return fn;
    const inner = fn;
    // Two fixed parameters (message, extra), as the Transport interface has: no array per message.
    const wrapper = function (this: unknown, first?: unknown, second?: unknown): unknown {
      const context = depth === 0 ? before(first) : undefined;
      if (context === REFUSED) return undefined;
      depth++;
      try {
        return context === undefined
          ? inner.call(this, first, second)
          : context.enter(() => inner.call(this, first, second));
      } finally {
        depth--;
      }
    };
    wrapped.add(wrapper);
    return wrapper;
  };

  let descriptor: PropertyDescriptor | undefined;
  for (let o: object | null = target; o && !descriptor; o = Object.getPrototypeOf(o) as object | null) {
    descriptor = Object.getOwnPropertyDescriptor(o, property);
  }
  if (descriptor?.set && descriptor.get) {
    const { get, set } = descriptor;
    Object.defineProperty(target, property, {
      configurable: true,
      enumerable: true,
      get(this: unknown) {
        return get.call(this) as unknown;
      },
      set(this: unknown, handler: AnyFn | undefined) {
        set.call(this, wrap(handler));
      },
    });
    set.call(target, wrap(get.call(target) as AnyFn | undefined));
    return;
  }
  let stored = wrap((target as Record<string, unknown>)[property] as AnyFn | undefined);
  Object.defineProperty(target, property, {
    configurable: true,
    enumerable: true,
    get: () => stored,
    set: (handler: AnyFn | undefined) => {
      stored = wrap(handler);
    },
  });
}

/** Returns the observer already attached to a transport, if any. */
export function transportObserverOf(transport: object): TransportObserver | undefined {
  return (transport as { [observedSym]?: TransportObserver })[observedSym];
}

/**
 * Wraps a transport's message stream. Idempotent: a second call returns the first observer, so
 * observing twice never double-counts. Errors inside mcpulse are reported to the pipeline, never thrown
 * into the transport.
 */
export function attachTransportObserver(
  pipeline: OperationPipeline,
  transport: TransportLike,
  options: ObserveTransportOptions = {},
  role: OperationSide = 'server',
): TransportObserver {
  const existing = transportObserverOf(transport);
  if (existing) return existing;
  const networkTransport = options.networkTransport ?? detectNetworkTransport(transport);
  const observer = new TransportObserver(pipeline, transport, networkTransport, role);
  const internalError = (error: unknown, where: string) => pipeline.settings.internalError(error, where);
  Object.defineProperty(transport, observedSym, { value: observer, enumerable: false });

  interceptHandler(transport, 'onmessage', false, (message) => {
    try {
      return observer.inbound(message);
    } catch (error) {
      internalError(error, 'inbound');
      return undefined;
    }
  });
  interceptHandler(transport, 'onerror', false, (error) => {
    try {
      pipeline.transportError(error, observer.networkTransport);
    } catch (internal) {
      internalError(internal, 'transport-error');
    }
  });
  interceptHandler(transport, 'onclose', true, () => {
    try {
      observer.closed();
    } catch (error) {
      internalError(error, 'close');
    }
  });

  type Send = (message: unknown, options?: unknown) => Promise<void>;
  const send = transport.send as unknown as Send;
  const observedSend = function (this: unknown, message: unknown, options?: unknown): Promise<void> {
    try {
      observer.outbound(message);
    } catch (error) {
      internalError(error, 'outbound');
    }
    return send.call(this, message, options);
  };
  Object.defineProperty(transport, 'send', { configurable: true, writable: true, value: observedSend });

  // Node HTTP transports take the IncomingMessage: its socket names the client (client.address/port).
  const handleRequest = (transport as { handleRequest?: (...args: unknown[]) => unknown }).handleRequest;
  if (typeof handleRequest === 'function') {
    Object.defineProperty(transport, 'handleRequest', {
      configurable: true,
      writable: true,
      value: function (this: unknown, request: unknown, ...rest: unknown[]): unknown {
        try {
          observer.notePeer(request);
        } catch (error) {
          internalError(error, 'peer');
        }
        return handleRequest.call(this, request, ...rest);
      },
    });
  }

  // Some transports never call onclose on close(); close() itself ends what is in flight.
  const close = (transport as { close?: () => Promise<void> }).close;
  if (typeof close === 'function') {
    Object.defineProperty(transport, 'close', {
      configurable: true,
      writable: true,
      value: async function (this: unknown): Promise<void> {
        try {
          return await close.call(this);
        } finally {
          try {
            observer.closed();
          } catch (error) {
            internalError(error, 'close');
          }
        }
      },
    });
  }
  return observer;
}
