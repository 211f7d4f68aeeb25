/**
 * Serves the demo over stdio (SDK v1). stdout is the wire: only the transport writes to it; logs go
 * to stderr (or wherever the mcpulse logger was pointed, never fd 1).
 */
import type { Readable, Writable } from 'node:stream';

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

import type { Mcpulse } from '../core/mcpulse.js';
import { buildDemoServer, type DemoServerOptions } from './server.js';

export interface DemoStdioOptions {
  demo?: DemoServerOptions;
  /** Default `process.stdin`. */
  stdin?: Readable;
  /** Default `process.stdout`. */
  stdout?: Writable;
}

export interface DemoStdioServer {
  /** Resolves once the session is over: stdin ended, stdout broke, or close() was called. */
  readonly closed: Promise<void>;
  /** Closes the server and transport. Idempotent. */
  close(): Promise<void>;
}

type Pulse = Pick<Mcpulse, 'observe' | 'logger' | 'context'>;

export async function serveDemoStdio(pulse: Pulse, options: DemoStdioOptions = {}): Promise<DemoStdioServer> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const server = pulse.observe(buildDemoServer(pulse, options.demo));
  const transport = new StdioServerTransport(stdin, stdout);

  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stdin.off('end', onEnd);
      stdout.off('error', onStdoutError);
      await server
        .close()
        .catch((error: unknown) => pulse.logger.warn({ err: error }, 'closing the demo server failed'));
      markClosed();
    })();
    return closing;
  };
  // The host closed our stdin: the session is over.
  const onEnd = () => void close();
  // The host went away (EPIPE): without a listener this would be an uncaught exception.
  const onStdoutError = (error: Error) => {
    pulse.logger.warn({ err: error }, 'stdout failed; closing the stdio session');
    void close();
  };
  stdin.once('end', onEnd);
  stdout.on('error', onStdoutError);
  transport.onerror = (error) => pulse.logger.warn({ err: error }, 'stdio transport error');

  await server.connect(transport);
  // The transport is closed by the peer's side too (e.g. server.close() elsewhere).
  const previous = transport.onclose;
  transport.onclose = () => {
    previous?.();
    markClosed();
  };
  return { closed, close };
}
