/**
 * The server side of the bench's stdio round: an SDK v1 `McpServer` with the `echo` tool on
 * `StdioServerTransport`, run as a child process by bench/run.ts. `bare` serves it as is; `observed`
 * observes it with mcpulse configured as the in-memory observed rows are (metrics + operation log to
 * a file; no monitoring endpoint, host metrics or signal handling). Loads mcpulse from dist/.
 *
 *   stdio-server.ts bare
 *   stdio-server.ts observed <log file | stderr> [context: false | true] [silent]
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

import type * as IndexModule from '../src/index.js';
import type { McpulseOptions } from '../src/index.js';

const [mode, logFile, context = 'false', level] = process.argv.slice(2);

const server = new McpServer({ name: 'bench', version: '1.0.0' });
server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
  content: [{ type: 'text', text }],
}));

if (mode === 'observed') {
  if (logFile === undefined) throw new Error('stdio-server: observed needs a log file');
  // Computed, as in run.ts, so lint and typecheck never need dist/ to exist. BENCH_DIST names another
  // build (inside the repository, so it finds node_modules) for A/B runs of a change.
  const dist = new URL(process.env.BENCH_DIST ?? '../dist/', import.meta.url).href;
  const { createMcpulse } = (await import(`${dist}index.js`)) as typeof IndexModule;
  const pulse = createMcpulse({
    monitoring: false,
    hostMetrics: false,
    handleSignals: false,
    // 'true' / 'false' as booleans; any other word (a future mode) is passed through as it is.
    context: (context === 'true' ? true : context === 'false' ? false : context) as McpulseOptions['context'],
    processMetrics: process.env.BENCH_PROCESS_METRICS !== '0',
    // `stderr`: the default destination, fd 2 (a pipe the client reads).
    ...(logFile !== 'stderr' && { logDestination: logFile }),
    ...(level === 'silent' && { logLevel: 'silent' }),
  });
  pulse.observe(server);
  process.stdin.once('end', () => void pulse.shutdown());
} else if (mode !== 'bare') {
  throw new Error(`stdio-server: unknown mode ${String(mode)}`);
}

await server.connect(new StdioServerTransport());
