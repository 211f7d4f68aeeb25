/**
 * The demo MCP server (SDK v1): a handful of tools that succeed, fail, throw and take their time, so
 * the metrics and logs mcpulse produces have something to show.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import type { Mcpulse } from '../core/mcpulse.js';

export interface DemoServerOptions {
  /** Source of randomness for latencies and failures (default `Math.random`); tests pass a fixed one. */
  random?: () => number;
  /** Multiplies every sleep (default 1); 0 makes the slow tools instant. */
  sleepScale?: number;
  /** How the slow tools wait (default a timer); a test passes a gate to hold calls until it lets go. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEMO_SERVER_NAME = 'mcpulse-demo';
export const DEMO_SERVER_VERSION = '0.1.0';

/** `slow_search` sleeps between these bounds (before `sleepScale`). */
export const SLOW_SEARCH_MIN_MS = 50;
export const SLOW_SEARCH_MAX_MS = 2000;
/** `flaky_fetch`: below this draw it throws, below the next it returns an `isError` result. */
export const FLAKY_THROW_BELOW = 0.05;
export const FLAKY_ERROR_BELOW = 0.15;

const DEMO_CONFIG = {
  service: DEMO_SERVER_NAME,
  region: 'local',
  features: { search: true, fetch: true },
  limits: { maxResults: 10, timeoutMs: 2000 },
};

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** A draw in [0, 1), whatever the random source returns. */
function draw(random: () => number): number {
  const value = random();
  if (!Number.isFinite(value)) return 0;
  return Math.min(Math.max(value, 0), 0.999_999);
}

/**
 * Builds the demo server. Tools: `echo`, `slow_search` (50 ms–2 s), `flaky_fetch` (~10% `isError`,
 * ~5% throws), `divide` (throws `RangeError` on division by zero); resource `config://demo`; prompt
 * `summarize`. Each `slow_search` and `flaky_fetch` call consumes exactly one draw of `random`.
 */
export function buildDemoServer(pulse: Pick<Mcpulse, 'context'>, options: DemoServerOptions = {}): McpServer {
  const random = options.random ?? Math.random;
  const sleepScale = options.sleepScale ?? 1;
  const wait = options.sleep ?? sleep;
  if (typeof random !== 'function') throw new TypeError('buildDemoServer: random must be a function');
  if (typeof wait !== 'function') throw new TypeError('buildDemoServer: sleep must be a function');
  if (!Number.isFinite(sleepScale) || sleepScale < 0) {
    throw new TypeError(
      `buildDemoServer: sleepScale must be a finite number >= 0, got ${String(sleepScale)}`,
    );
  }

  const server = new McpServer(
    { name: DEMO_SERVER_NAME, version: DEMO_SERVER_VERSION },
    { capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} } },
  );

  server.registerTool(
    'echo',
    { description: 'Returns its text unchanged.', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerTool(
    'slow_search',
    {
      description: 'Searches a pretend index; takes 50 ms to 2 s.',
      inputSchema: { query: z.string() },
    },
    async ({ query }, extra) => {
      const { log, clientLog, progress } = pulse.context(extra);
      const r = draw(random);
      const delayMs = Math.round(SLOW_SEARCH_MIN_MS + r * (SLOW_SEARCH_MAX_MS - SLOW_SEARCH_MIN_MS));
      log.debug({ query, delay_ms: delayMs }, 'searching');
      await clientLog.debug(`searching for ${JSON.stringify(query)}`, 'search');
      // Four steps, reported as progress when the client asked for it (a progressToken).
      for (let step = 1; step <= 4; step++) {
        await wait((delayMs / 4) * sleepScale);
        await progress(step, 4, `searched ${step * 25}% of the index`);
      }
      const hits = 1 + Math.floor(r * 10);
      if (delayMs > 1500) await clientLog.warning(`slow search: ${delayMs} ms`, 'search');
      return {
        content: [
          { type: 'text', text: `${hits} results for ${JSON.stringify(query)} (searched for ${delayMs} ms)` },
        ],
      };
    },
  );

  server.registerTool(
    'flaky_fetch',
    {
      description: 'Fetches a pretend URL; about 10% of calls fail with an upstream 503 and 5% throw.',
      inputSchema: { url: z.string() },
    },
    async ({ url }, extra) => {
      const { log, clientLog } = pulse.context(extra);
      const r = draw(random);
      await clientLog.info(`fetching ${url}`, 'fetch');
      if (r < FLAKY_THROW_BELOW) throw new Error('connection reset by upstream');
      if (r < FLAKY_ERROR_BELOW) {
        log.warn({ url, status: 503 }, 'upstream unavailable');
        await clientLog.error({ url, status: 503, message: 'upstream returned 503' }, 'fetch');
        return { isError: true, content: [{ type: 'text', text: 'upstream returned 503' }] };
      }
      return { content: [{ type: 'text', text: `fetched ${url}: 200 OK` }] };
    },
  );

  server.registerTool(
    'divide',
    { description: 'Divides a by b.', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => {
      if (b === 0) throw new RangeError('division by zero');
      return { content: [{ type: 'text', text: String(a / b) }] };
    },
  );

  server.registerResource(
    'demo-config',
    'config://demo',
    { description: 'The demo service configuration.', mimeType: 'application/json' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(DEMO_CONFIG) }],
    }),
  );

  server.registerPrompt(
    'summarize',
    { description: 'Asks the model to summarize a text.', argsSchema: { text: z.string() } },
    ({ text }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Summarize the following text in one paragraph:\n\n${text}` },
        },
      ],
    }),
  );

  return server;
}
