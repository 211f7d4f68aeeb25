/**
 * The demo's load generator: a real SDK v1 client over Streamable HTTP calling the demo tools in a
 * weighted mix, so the metrics move on their own. Paced, bounded, and it never throws.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';

export interface LoadOptions {
  /** The demo's MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  /** Observes the load generator's client (CLIENT spans, so traces run client → server). */
  observeClient?: <C>(client: C) => C;
  /** Operations started per second at most (default 5). */
  ratePerSecond?: number;
  /** Operations in flight at most (default 4). */
  concurrency?: number;
  /** Where connection trouble is reported (warn once per outage, details at debug). */
  logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  /** Source of randomness for the mix (default `Math.random`). */
  random?: () => number;
  /** Per-request timeout in ms (default 30 s). */
  requestTimeoutMs?: number;
}

export interface LoadStats {
  /** Operations completed (tools, prompts and resources), successful or not. */
  calls: number;
  /** Operations that failed (thrown or an `isError` result) plus failed connection attempts. */
  errors: number;
}

export interface LoadGenerator {
  /** Stops starting calls, ends the session and closes the client. Idempotent. */
  stop(): Promise<void>;
  stats(): LoadStats;
}

const CLIENT_INFO = { name: 'mcpulse-load', version: '0.1.0' };
const TOOLS = ['echo', 'slow_search', 'flaky_fetch', 'divide'] as const;
/** Cumulative weights of TOOLS: echo 40%, slow_search 20%, flaky_fetch 30%, divide 10%. */
const TOOL_WEIGHTS = [0.4, 0.6, 0.9, 1];
/** Share of operations that are `prompts/get` and `resources/read` instead of a tool call. */
const PROMPT_SHARE = 0.03;
const RESOURCE_SHARE = 0.03;
const QUERIES = ['mcp metrics', 'prometheus histogram', 'slo burn rate', 'opentelemetry', 'stdio transport'];
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
const TERMINATE_TIMEOUT_MS = 1000;
const DRAIN_TIMEOUT_MS = 2500;

type Operation =
  | { kind: 'tool'; name: (typeof TOOLS)[number]; arguments: Record<string, unknown> }
  | { kind: 'prompt' }
  | { kind: 'resource' };

/** Transport trouble (as opposed to an error reply): the connection is rebuilt. */
function isConnectionError(error: unknown): boolean {
  if (error instanceof McpError) return error.code === (ErrorCode.ConnectionClosed as number);
  return true;
}

/** Waits until every promise settled or `ms` passed, whichever comes first; never rejects. */
async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function positive(name: string, value: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new RangeError(
      `startLoad: ${name} must be a number greater than 0 and at most ${max}, got ${String(value)}`,
    );
  }
  return value;
}

export function startLoad(options: LoadOptions): LoadGenerator {
  const url = new URL(options.url);
  const rate = positive('ratePerSecond', options.ratePerSecond ?? 5, 10_000);
  const concurrency = Math.floor(positive('concurrency', options.concurrency ?? 4, 10_000));
  const random = options.random ?? Math.random;
  const timeout = options.requestTimeoutMs ?? 30_000;
  const logger = options.logger;

  let calls = 0;
  let errors = 0;
  let sequence = 0;
  let stopped = false;
  let tearingDown = false;
  let stopping: Promise<void> | undefined;

  let client: Client | undefined;
  let transport: StreamableHTTPClientTransport | undefined;
  let connecting: Promise<void> | undefined;
  let nextConnectAt = 0;
  let backoffMs = BACKOFF_MIN_MS;
  let outage = false;

  const inflight = new Set<Promise<void>>();
  let tokens = 1;
  let lastTick = performance.now();

  const pick = (): Operation => {
    const n = ++sequence;
    const r = random();
    if (r < PROMPT_SHARE) return { kind: 'prompt' };
    if (r < PROMPT_SHARE + RESOURCE_SHARE) return { kind: 'resource' };
    const t = random();
    const name = TOOLS[TOOL_WEIGHTS.findIndex((w) => t < w)] ?? 'echo';
    switch (name) {
      case 'echo':
        return { kind: 'tool', name, arguments: { text: `hello #${n}` } };
      case 'slow_search':
        return { kind: 'tool', name, arguments: { query: QUERIES[n % QUERIES.length] ?? 'mcp' } };
      case 'flaky_fetch':
        return { kind: 'tool', name, arguments: { url: `https://example.com/items/${n}` } };
      case 'divide':
        return {
          kind: 'tool',
          name,
          arguments: { a: n, b: random() < 0.1 ? 0 : 1 + Math.floor(random() * 9) },
        };
    }
  };

  const drop = (which: Client): void => {
    if (client !== which) return;
    client = undefined;
    transport = undefined;
    void which.close().catch(() => undefined);
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const c = options.observeClient
        ? options.observeClient(new Client(CLIENT_INFO))
        : new Client(CLIENT_INFO);
      const t = new StreamableHTTPClientTransport(url, {
        reconnectionOptions: {
          initialReconnectionDelay: 500,
          maxReconnectionDelay: BACKOFF_MAX_MS,
          reconnectionDelayGrowFactor: 2,
          maxRetries: 2,
        },
      });
      c.onerror = (error) => logger?.debug({ err: error }, 'load generator: client error');
      c.onclose = () => drop(c);
      try {
        await c.connect(t, { timeout });
        await c.listTools(undefined, { timeout });
        if (stopped) {
          await c.close().catch(() => undefined);
          return;
        }
        client = c;
        transport = t;
        backoffMs = BACKOFF_MIN_MS;
        if (outage) logger?.info({ url: url.href }, 'load generator reconnected');
        outage = false;
      } catch (error) {
        errors++;
        await c.close().catch(() => undefined);
        nextConnectAt = performance.now() + backoffMs;
        backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
        if (!outage && !stopped)
          logger?.warn({ err: error, url: url.href }, 'load generator cannot connect; retrying');
        else logger?.debug({ err: error, url: url.href }, 'load generator cannot connect');
        outage = true;
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const run = async (c: Client, op: Operation): Promise<void> => {
    try {
      if (op.kind === 'prompt') {
        await c.getPrompt(
          { name: 'summarize', arguments: { text: 'MCP servers need monitoring.' } },
          { timeout },
        );
      } else if (op.kind === 'resource') {
        await c.readResource({ uri: 'config://demo' }, { timeout });
      } else {
        const result = await c.callTool({ name: op.name, arguments: op.arguments }, undefined, { timeout });
        if (result.isError === true) errors++;
      }
    } catch (error) {
      // Calls cut short by stop() closing the client are not failures of the server.
      if (tearingDown) return;
      errors++;
      if (isConnectionError(error)) {
        if (!outage) logger?.warn({ err: error }, 'load generator lost its connection; reconnecting');
        outage = true;
        drop(c);
      } else {
        logger?.debug({ error: message(error), op }, 'load generator call failed');
      }
    } finally {
      calls++;
    }
  };

  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    tokens = Math.min(tokens + ((now - lastTick) * rate) / 1000, Math.max(1, concurrency));
    lastTick = now;
    const c = client;
    if (!c) {
      if (!connecting && now >= nextConnectAt) void connect();
      return;
    }
    while (tokens >= 1 && inflight.size < concurrency) {
      tokens--;
      const p: Promise<void> = run(c, pick()).finally(() => inflight.delete(p));
      inflight.add(p);
    }
  };

  const timer = setInterval(tick, Math.min(Math.max(1000 / rate, 5), 200));
  timer.unref();
  void connect();

  return {
    stats: () => ({ calls, errors }),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        await connecting;
        // Let the calls in flight finish (a slow_search takes up to 2 s), but not forever.
        await settleWithin([...inflight], DRAIN_TIMEOUT_MS);
        tearingDown = true;
        const c = client;
        const t = transport;
        client = undefined;
        transport = undefined;
        if (c && t) {
          // End the session on the server (DELETE), without waiting long for a server going away.
          await settleWithin([t.terminateSession()], TERMINATE_TIMEOUT_MS);
          await c.close().catch(() => undefined);
        }
        await Promise.allSettled([...inflight]);
      })();
      return stopping;
    },
  };
}
