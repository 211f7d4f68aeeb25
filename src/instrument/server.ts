/**
 * Server-level instrumentation for SDK v1 (`@modelcontextprotocol/sdk`) and v2 (`@modelcontextprotocol/server`),
 * high-level `McpServer` and low-level `Server` alike. It only reaches the transport: `connect` is
 * wrapped so whichever transport the server connects to (stdio, Streamable HTTP, the v2 per-request
 * transport of `createMcpHandler`, the channel of `serveStdio`, in-memory) is observed. Two extra
 * looks: registered tool and prompt names bound the metric labels, and `executeToolHandler` is wrapped
 * so an exception thrown by a tool is kept although the SDK turns it into an `isError` result.
 */
import { exceptionInfo } from './record.js';
import type { OperationPipeline } from './pipeline.js';
import type { OperationSide } from './record.js';
import {
  attachTransportObserver,
  type ObserveTransportOptions,
  type ServerView,
  type TransportLike,
  type TransportObserver,
} from './transport.js';

/** The low-level `Server` (a `Protocol`) of either SDK line, as far as mcpulse touches it. */
interface ProtocolLike {
  connect(transport: TransportLike): Promise<void>;
  setRequestHandler: unknown;
  readonly transport?: TransportLike | undefined;
}

/** The high-level `McpServer` of either SDK line. */
interface McpServerLike {
  server: ProtocolLike;
  _registeredTools?: Record<string, unknown>;
  _registeredPrompts?: Record<string, unknown>;
  executeToolHandler?: (tool: unknown, args: unknown, extra: unknown) => Promise<unknown>;
  registerTool?: (...args: unknown[]) => unknown;
  registerPrompt?: (...args: unknown[]) => unknown;
  tool?: (...args: unknown[]) => unknown;
  prompt?: (...args: unknown[]) => unknown;
}

const observedSym = Symbol.for('mcpulse.serverObserved');

function isProtocolLike(value: unknown): value is ProtocolLike {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as ProtocolLike).connect === 'function' &&
    typeof (value as ProtocolLike).setRequestHandler === 'function'
  );
}

function isMcpServerLike(value: unknown): value is McpServerLike {
  return !!value && typeof value === 'object' && isProtocolLike((value as McpServerLike).server);
}

/** True when `value` looks like an MCP server mcpulse can observe. */
export function isObservableServer(value: unknown): boolean {
  return isMcpServerLike(value) || isProtocolLike(value);
}

/** The JSON-RPC id from a v1 handler `extra` (`requestId`) or a v2 handler context (`mcpReq.id`). */
function requestIdOf(extra: unknown): unknown {
  if (!extra || typeof extra !== 'object') return undefined;
  const e = extra as { requestId?: unknown; mcpReq?: { id?: unknown } };
  return e.requestId ?? e.mcpReq?.id;
}

function wrapRegistration(
  mcp: McpServerLike,
  method: 'registerTool' | 'tool' | 'registerPrompt' | 'prompt',
  learn: (name: string) => void,
): void {
  const original = mcp[method];
  if (typeof original !== 'function') return;
  mcp[method] = function (this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    // Learn the name only once the SDK accepted the registration.
    if (typeof args[0] === 'string') learn(args[0]);
    return result;
  };
}

/**
 * Instruments a server (or, with `role` `client`, an SDK `Client`: the same `Protocol` underneath).
 * Returns false when `server` is not one. Idempotent.
 */
export function attachServerObserver(
  pipeline: OperationPipeline,
  server: unknown,
  options: ObserveTransportOptions = {},
  role: OperationSide = 'server',
): boolean {
  const names = pipeline.settings;
  const internalError = (error: unknown, where: string) => names.internalError(error, where);
  const mcp = isMcpServerLike(server) ? server : undefined;
  const protocol = mcp ? mcp.server : isProtocolLike(server) ? server : undefined;
  if (!protocol) return false;
  const marker = protocol as unknown as Record<symbol, boolean>;
  if (marker[observedSym]) return true;
  Object.defineProperty(protocol, observedSym, { value: true, enumerable: false });

  let current: TransportObserver | undefined;
  const view: ServerView = {
    hasTool: (name: string) => {
      const tools = mcp?._registeredTools;
      return tools && typeof tools === 'object'
        ? Object.prototype.hasOwnProperty.call(tools, name)
        : undefined;
    },
    capabilities: () => {
      // Public in SDK v2, private (but present) in SDK v1.
      const get = (protocol as { getCapabilities?: () => Record<string, unknown> }).getCapabilities;
      return typeof get === 'function' ? get.call(protocol) : undefined;
    },
  };

  if (mcp && role === 'server') {
    const tools = mcp._registeredTools;
    if (tools && typeof tools === 'object') names.toolsListed(Object.keys(tools));
    const prompts = mcp._registeredPrompts;
    if (prompts && typeof prompts === 'object') names.promptsListed(Object.keys(prompts));
    wrapRegistration(mcp, 'registerTool', (name) => names.toolsListed([name]));
    wrapRegistration(mcp, 'tool', (name) => names.toolsListed([name]));
    wrapRegistration(mcp, 'registerPrompt', (name) => names.promptsListed([name]));
    wrapRegistration(mcp, 'prompt', (name) => names.promptsListed([name]));

    const execute = mcp.executeToolHandler;
    if (typeof execute === 'function') {
      const note = (extra: unknown, error: unknown): never => {
        try {
          current?.noteException(requestIdOf(extra), exceptionInfo(error));
        } catch (internal) {
          internalError(internal, 'tool-exception');
        }
        throw error;
      };
      // A plain .then (not async/await) keeps the extra promise hops off every tool call.
      mcp.executeToolHandler = function (this: unknown, tool: unknown, args: unknown, extra: unknown) {
        return execute.call(this, tool, args, extra).then(undefined, (error: unknown) => note(extra, error));
      };
    }
  }

  const observe = (transport: TransportLike): void => {
    try {
      current = attachTransportObserver(pipeline, transport, options, role);
      current.server = view;
    } catch (error) {
      internalError(error, 'observe-transport');
    }
  };

  const connect = protocol.connect;
  protocol.connect = function (this: unknown, transport: TransportLike): Promise<void> {
    observe(transport);
    return connect.call(this, transport);
  };
  // Observed after connect: the transport is already in place.
  const connected = protocol.transport;
  if (connected) observe(connected);
  return true;
}
