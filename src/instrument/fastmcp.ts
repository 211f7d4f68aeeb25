/**
 * FastMCP (punkpeye's `fastmcp` package) builds one `FastMCPSession` per client connection, each with
 * its own low-level SDK v1 `Server` (`session.server`). There is no single server to observe, so this
 * observes every session's server: those already in `fastmcp.sessions` and each one announced by the
 * `connect` event. Duck-typed: `fastmcp` is never imported, it stays an optional peer.
 *
 * When FastMCP emits `connect` (fastmcp 4.20, dist/chunk-*.js):
 * - `start({ transportType: 'httpStream' })`, stateful: after `session.connect(transport)` and before
 *   the `initialize` POST reaches the transport (mcp-proxy's `onConnect`), so everything is seen.
 * - `start({ transportType: 'stdio' })` and `fastmcp.connect(transport)`: only after
 *   `session.connect()` resolved, which polls every 100 ms until the client's `initialize` has been
 *   handled. Everything handled before that is missed: always `initialize`, and with it what only it
 *   carries (client name and version, the negotiated protocol version on later records, the session
 *   for the sessions metrics), plus any request the client sent in the meantime (up to ~100 ms).
 *   With `observeTransport`, a transport passed to `fastmcp.connect(transport)` is observed before
 *   FastMCP connects to it, so nothing is missed; `start({ transportType: 'stdio' })` has no such hook.
 * - `start({ httpStream: { stateless: true } })`: never. Stateless sessions are built per request,
 *   never listed in `sessions` and never announced; nothing is observed.
 */

/** The slice of a `FastMCP` instance used here. */
interface FastMcpLike {
  on(event: string, listener: (event: unknown) => void): unknown;
  addTool(tool: unknown): unknown;
  readonly sessions: unknown;
  connect?: (transport: unknown, ...rest: unknown[]) => Promise<unknown>;
  addTools?: (tools: unknown) => unknown;
  addPrompt?: (prompt: unknown) => unknown;
  addPrompts?: (prompts: unknown) => unknown;
}

/** Optional extras for {@link attachFastMcpObserver}. */
export interface FastMcpObserverHooks {
  /**
   * Observes a transport handed to `fastmcp.connect(transport)` before FastMCP connects to it, so
   * its `initialize` request is recorded (FastMCP announces such a session only after initialize).
   */
  observeTransport?: (transport: unknown) => void;
  /** Tool names registered with `addTool` / `addTools` after observation starts (metric labels). */
  toolsListed?: (names: string[]) => void;
  /** Prompt names registered with `addPrompt` / `addPrompts` after observation starts. */
  promptsListed?: (names: string[]) => void;
  /** An error inside the observer; it is never thrown into FastMCP. */
  onError?: (error: unknown, where: string) => void;
}

const observedSym = Symbol.for('mcpulse.fastmcpObserved');

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

/** True when `value` looks like a `FastMCP` instance: it has `on`, `addTool` and `sessions`. */
export function isFastMcp(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<FastMcpLike>;
  return typeof v.on === 'function' && typeof v.addTool === 'function' && isIterable(v.sessions);
}

function nameOf(definition: unknown): string | undefined {
  if (!definition || typeof definition !== 'object') return undefined;
  const name = (definition as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function namesOf(definitions: unknown): string[] {
  if (!Array.isArray(definitions)) return [];
  const names: string[] = [];
  for (const definition of definitions as unknown[]) {
    const name = nameOf(definition);
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** Shadows an instance method with one that passes the names it registered to `learn`. */
function wrapMethod(
  target: FastMcpLike,
  method: 'addTool' | 'addTools' | 'addPrompt' | 'addPrompts',
  learn: ((names: string[]) => void) | undefined,
  names: (arg: unknown) => string[],
  report: (error: unknown, where: string) => void,
): void {
  const original: ((...args: unknown[]) => unknown) | undefined = target[method];
  if (learn === undefined || typeof original !== 'function') return;
  Object.defineProperty(target, method, {
    configurable: true,
    writable: true,
    value: function (this: unknown, arg: unknown, ...rest: unknown[]): unknown {
      const result = original.call(this, arg, ...rest);
      // Learned only once FastMCP accepted the definition (addTool throws on a bad schema).
      try {
        learn(names(arg));
      } catch (error) {
        report(error, 'fastmcp-names');
      }
      return result;
    },
  });
}

/**
 * Observes a FastMCP instance: calls `observeServer(session.server)` for every session it has and
 * every session it connects from now on. Returns false when `fastmcp` is not a FastMCP instance.
 * Idempotent: a second call on the same instance does nothing more.
 */
export function attachFastMcpObserver(
  observeServer: (server: unknown) => void,
  fastmcp: unknown,
  hooks: FastMcpObserverHooks = {},
): boolean {
  if (!isFastMcp(fastmcp)) return false;
  const target = fastmcp as FastMcpLike;
  if ((target as unknown as Record<symbol, unknown>)[observedSym]) return true;
  Object.defineProperty(target, observedSym, { value: true, enumerable: false });

  const report = (error: unknown, where: string): void => {
    try {
      hooks.onError?.(error, where);
    } catch {
      // Nothing left to report to.
    }
  };
  const seen = new WeakSet<object>();
  const observeSession = (session: unknown): void => {
    try {
      if (!session || typeof session !== 'object' || seen.has(session)) return;
      const server = (session as { server?: unknown }).server;
      if (!server || typeof server !== 'object') return;
      seen.add(session);
      observeServer(server);
    } catch (error) {
      report(error, 'fastmcp-session');
    }
  };

  // Listen first, then walk the existing sessions: a session connecting in between is seen either way.
  target.on('connect', (event: unknown) => {
    observeSession(event && typeof event === 'object' ? (event as { session?: unknown }).session : undefined);
  });
  for (const session of [...(target.sessions as Iterable<unknown>)]) observeSession(session);

  const observeTransport = hooks.observeTransport;
  const connect = target.connect;
  if (observeTransport !== undefined && typeof connect === 'function') {
    Object.defineProperty(target, 'connect', {
      configurable: true,
      writable: true,
      value: function (this: unknown, transport: unknown, ...rest: unknown[]): Promise<unknown> {
        try {
          if (transport && typeof transport === 'object') observeTransport(transport);
        } catch (error) {
          report(error, 'fastmcp-transport');
        }
        return connect.call(this, transport, ...rest);
      },
    });
  }

  const one = (arg: unknown): string[] => {
    const name = nameOf(arg);
    return name === undefined ? [] : [name];
  };
  wrapMethod(target, 'addTool', hooks.toolsListed, one, report);
  wrapMethod(target, 'addTools', hooks.toolsListed, namesOf, report);
  wrapMethod(target, 'addPrompt', hooks.promptsListed, one, report);
  wrapMethod(target, 'addPrompts', hooks.promptsListed, namesOf, report);
  return true;
}
