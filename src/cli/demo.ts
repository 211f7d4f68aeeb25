/**
 * `mcpulse demo`: an observed demo MCP server (Streamable HTTP or stdio) with a load generator, until
 * SIGINT or SIGTERM, then a drain. Its modules load with `import()` when it runs, so the other commands
 * work without the MCP SDK (an optional peer).
 */
import type { Mcpulse } from '../core/mcpulse.js';
import type { DemoHttpServer } from '../demo/http.js';
import type { LoadGenerator } from '../demo/load.js';
import type { DemoServerOptions } from '../demo/server.js';
import type { DemoStdioServer } from '../demo/stdio.js';
import type { MonitoringServer } from '../http/monitoring.js';
import { err, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, packageVersion } from './io.js';

/** Signals closer together than this are one Ctrl-C seen twice (the terminal's and a relay's). */
const DUPLICATE_SIGNAL_MS = 1000;

/** Packages the demo imports that an installed mcpulse does not bring: the SDK is an optional peer. */
const DEMO_PACKAGES = ['@modelcontextprotocol/sdk', 'zod'] as const;

/**
 * The demo's alerting, shortened for show: rules every 10 s over 2-minute windows (not 5), firing after
 * 30 s instead of 5 minutes, so flaky_fetch's ~15% failures fire McpToolErrorRatioHigh within a minute
 * or so. A 1-minute window flaps around the 10% threshold on a loaded machine (few calls per window).
 */
export const DEMO_ALERTING = {
  evaluationIntervalMs: 10_000,
  builtin: { for: '30s', rateWindow: '2m' },
} as const;

export interface DemoOptions {
  port: number;
  monitorPort: number;
  host: string;
  stdio: boolean;
  load: boolean;
  rate: number;
}

function listenError(what: string, host: string, port: number, error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'EADDRINUSE') {
    return `mcpulse demo: ${what} port ${port} on ${host} is already in use; pick another with ${what === 'MCP' ? '--port' : '--monitor-port'}`;
  }
  if (code === 'EACCES') return `mcpulse demo: no permission to listen on ${host}:${port} (${what})`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return `mcpulse demo: cannot bind ${what} to host ${JSON.stringify(host)}: the address is not available here`;
  }
  return `mcpulse demo: cannot start the ${what} server on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}

/** The package an ERR_MODULE_NOT_FOUND names, when it is one the demo needs; otherwise undefined. */
function missingDemoPackage(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || typeof e.message !== 'string') return undefined;
  // Node: "Cannot find package 'zod' imported from /…/dist/demo/server.js".
  const name = /Cannot find package '([^']+)'/.exec(e.message)?.[1];
  return DEMO_PACKAGES.find((pkg) => pkg === name);
}

/** Whether a package resolves from here (where the demo modules are); a missing one throws. */
function resolves(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** The demo's modules, or the exit code after saying which packages to install. */
async function loadDemo() {
  try {
    const [core, http, load, stdio, transport, context] = await Promise.all([
      import('../index.js'),
      import('../demo/http.js'),
      import('../demo/load.js'),
      import('../demo/stdio.js'),
      import('../instrument/transport.js'),
      import('../logging/context.js'),
    ]);
    return {
      createMcpulse: core.createMcpulse,
      serveDemoHttp: http.serveDemoHttp,
      startLoad: load.startLoad,
      serveDemoStdio: stdio.serveDemoStdio,
      SHUTTING_DOWN: transport.SHUTTING_DOWN,
      setFallbackLogger: context.setFallbackLogger,
    };
  } catch (error) {
    const missing = missingDemoPackage(error);
    if (missing === undefined) throw error;
    // Name every absent one, not only the first the loader tripped on.
    const probes: Record<(typeof DEMO_PACKAGES)[number], string> = {
      '@modelcontextprotocol/sdk': '@modelcontextprotocol/sdk/server/mcp.js',
      zod: 'zod',
    };
    const absent = DEMO_PACKAGES.filter((pkg) => pkg === missing || !resolves(probes[pkg]));
    err(
      `mcpulse demo: needs ${absent.join(' and ')}, which ${absent.length === 1 ? 'is' : 'are'} not installed.\n` +
        `Install with: npm install ${absent.join(' ')}`,
    );
    return EXIT_USAGE;
  }
}

const DEMO_SERVICE = 'mcpulse-demo';

/**
 * The demo's service name: OpenTelemetry's own `OTEL_SERVICE_NAME` wins over the demo's default, for
 * the spans and the log lines alike.
 */
export function demoServiceName(env: NodeJS.ProcessEnv): string {
  return env.OTEL_SERVICE_NAME?.trim() || DEMO_SERVICE;
}

/** True when the environment names the service for OpenTelemetry (then the SDK's reading of it stands). */
function otelNamesService(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SERVICE_NAME?.trim()) return true;
  return /(^|,)\s*service\.name\s*=\s*[^\s,]/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
}

/**
 * A child of `logger` that writes every line at debug, whatever level it is asked for: the load
 * generator's own operations are the demo's traffic, not its news.
 */
function atDebug(logger: Mcpulse['logger']): Mcpulse['logger'] {
  const child = logger.child({ component: 'load-generator' });
  child.info = child.warn = child.error = child.fatal = child.debug;
  return child;
}

/**
 * Runs the demo until SIGINT or SIGTERM (or, over stdio, until stdin ends). `demo` passes options to
 * the demo servers (tests hold `slow_search` with them).
 */
export async function runDemo(options: DemoOptions, demo: DemoServerOptions = {}): Promise<number> {
  const modules = await loadDemo();
  if (typeof modules === 'number') return modules;
  const { createMcpulse, serveDemoHttp, serveDemoStdio, startLoad, SHUTTING_DOWN, setFallbackLogger } =
    modules;
  const version = packageVersion();
  const service = demoServiceName(process.env);
  let pulse: Mcpulse;
  let stopTracing: () => Promise<void> = () => Promise.resolve();
  try {
    // Signals are the demo's own (below): it reports the drain and decides the exit code. The store
    // samples every 5 s so that queries show movement within a minute of starting.
    pulse = createMcpulse({
      service,
      version,
      monitoring: false,
      handleSignals: false,
      store: { intervalMs: 5000 },
      alerting: {
        evaluationIntervalMs: DEMO_ALERTING.evaluationIntervalMs,
        builtin: { ...DEMO_ALERTING.builtin },
      },
    });
    pulse.onAlertTransitions((transitions) => {
      for (const t of transitions) {
        if (t.to !== 'firing' && t.from !== 'firing') continue;
        const labels = Object.entries(t.labels)
          .filter(([name]) => name !== 'alertname' && name !== 'severity')
          .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
          .join(', ');
        err(
          `mcpulse demo: alert ${t.rule} ${t.to === 'firing' ? 'FIRING' : t.to} {${labels}} value ${Number(t.value.toPrecision(4))}`,
        );
      }
    });
    // Traces go to a collector when the standard OTLP variable says where (one-call setup, mcpulse/otel).
    if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
      const { setupTracing } = await import('../tracing/setup.js');
      const tracing = setupTracing({
        ...(!otelNamesService(process.env) && { serviceName: DEMO_SERVICE }),
        serviceVersion: version,
        registry: pulse.registry,
      });
      stopTracing = () => tracing.shutdown();
    }
  } catch (error) {
    err(`mcpulse demo: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_USAGE;
  }

  let monitoring: MonitoringServer | undefined;
  let http: DemoHttpServer | undefined;
  let stdio: DemoStdioServer | undefined;
  let load: LoadGenerator | undefined;
  let loadPulse: Mcpulse | undefined;

  // Requests in flight when the stop began, by how they ended: answered, or closed first. Once it began,
  // every new request is refused, so any other request ending then was already in flight.
  let stopping = false;
  let drained = 0;
  let cut = 0;
  pulse.onOperation((op) => {
    if (!stopping || op.side !== 'server') return;
    if (op.errorCode === SHUTTING_DOWN.code && op.errorMessage === SHUTTING_DOWN.message) return;
    if (op.outcome === 'closed') cut++;
    else drained++;
  });

  // The drain comes first: pulse.shutdown() fails readiness and refuses new requests at once, and the
  // calls in flight (the load generator's too) finish while the MCP endpoint still carries their
  // replies. Only then are the sessions and the HTTP server closed.
  const stopAll = async (): Promise<void> => {
    stopping = true;
    const pulseStopped = pulse.shutdown();
    await load
      ?.stop()
      .catch((error: unknown) => pulse.logger.warn({ err: error }, 'stopping the load failed'));
    await loadPulse?.shutdown();
    await pulseStopped;
    await http?.close().catch((error: unknown) => pulse.logger.warn({ err: error }, 'closing HTTP failed'));
    await stdio?.close().catch((error: unknown) => pulse.logger.warn({ err: error }, 'closing stdio failed'));
    await stopTracing().catch((error: unknown) =>
      pulse.logger.warn({ err: error }, 'flushing traces failed'),
    );
  };

  // Signals are handled from the start, so Ctrl-C during startup also stops cleanly.
  let signalled: NodeJS.Signals | undefined;
  let signalledAt = 0;
  let onStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (onStop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // Ctrl-C reaches the whole process group, and `npm start`/tsx relay it once more: the same signal
      // within a second is that echo, not a person pressing again.
      if (signal === signalled && Date.now() - signalledAt < DUPLICATE_SIGNAL_MS) return;
      err(`mcpulse demo: ${signal} again; exiting now`);
      process.exit(EXIT_FAILURE);
    }
    signalled = signal;
    signalledAt = Date.now();
    err(`mcpulse demo: ${signal}: finishing the requests in flight (${signal} again exits at once)`);
    onStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const removeSignals = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  try {
    try {
      monitoring = await pulse.startMonitoringServer({ port: options.monitorPort, host: options.host });
    } catch (error) {
      err(listenError('monitoring', options.host, options.monitorPort, error));
      await stopAll();
      return EXIT_FAILURE;
    }

    let endpoint: string;
    if (options.stdio) {
      stdio = await serveDemoStdio(pulse, { demo });
      endpoint = 'stdio (this process: JSON-RPC on stdin/stdout)';
      void stdio.closed.then(() => onStop('stdin closed'));
    } else {
      try {
        http = await serveDemoHttp(pulse, { port: options.port, host: options.host, demo });
      } catch (error) {
        err(listenError('MCP', options.host, options.port, error));
        await stopAll();
        return EXIT_FAILURE;
      }
      endpoint = http.url;
      if (options.load) {
        // The load generator's client is observed by an instance of its own (CLIENT spans, so traces
        // run client → server), logging at debug and off the demo's /metrics, which shows the server.
        const observer = createMcpulse({
          service,
          version,
          logger: atDebug(pulse.logger),
          monitoring: false,
          handleSignals: false,
          processMetrics: false,
          hostMetrics: false,
          defaultHealthChecks: false,
          context: false,
        });
        loadPulse = observer;
        // The latest instance's logger serves requestContext() outside a request: the demo's it stays.
        setFallbackLogger(pulse.logger);
        load = startLoad({
          url: http.url,
          ratePerSecond: options.rate,
          logger: pulse.logger,
          observeClient: (client) => observer.observeClient(client),
        });
      }
    }

    const loadLine = options.stdio
      ? 'no load generator over stdio. Ctrl-C to stop.'
      : options.load
        ? `load generator on (${options.rate} calls/s); --no-load to turn it off. Ctrl-C to stop.`
        : 'load generator off. Ctrl-C to stop.';
    err(
      [
        'mcpulse demo',
        `  MCP endpoint   ${endpoint}`,
        `  metrics        ${monitoring.url}/metrics`,
        `  liveness       ${monitoring.url}/livez`,
        `  readiness      ${monitoring.url}/readyz`,
        `  health         ${monitoring.url}/health`,
        `  alerts         ${monitoring.url}/api/v1/alerts`,
        `  PromQL         ${monitoring.url}/api/v1/query?query=sum%20by%20(gen_ai_tool_name)%20(rate(mcp_server_operation_duration_seconds_count%5B1m%5D))`,
        `  ${loadLine}`,
        '',
      ].join('\n'),
    );

    const reason = await stopRequested;
    pulse.logger.info({ reason }, 'mcpulse demo stopping');
    await stopAll();
    const requests = (n: number) => `${n} request${n === 1 ? '' : 's'}`;
    err(
      cut === 0
        ? `mcpulse demo: stopped (${reason}); drained ${requests(drained)} in flight`
        : `mcpulse demo: stopped (${reason}); drained ${requests(drained)} in flight, ${cut} closed before their reply (drain timeout or client gone)`,
    );
    return EXIT_OK;
  } catch (error) {
    err(`mcpulse demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll().catch(() => undefined);
    return EXIT_FAILURE;
  } finally {
    removeSignals();
  }
}
