/**
 * A node:http request listener serving SDK v1 Streamable HTTP with stateful sessions: a new server
 * (from `build`) per initialize, later requests routed by the `mcp-session-id` header.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export function sessionListener(build: () => McpServer): {
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  transports: Map<string, StreamableHTTPServerTransport>;
} {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (existing) return void existing.handleRequest(req, res);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void transports.set(id, transport),
    });
    void build()
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  };
  return { listener, transports };
}
