/**
 * The `mcpulse` command line. Everything meant for people goes to stderr: under `demo --stdio`, stdout
 * is the MCP wire and belongs to the transport alone.
 *
 * Commands load what they need with `import()` when they run: `help` and `--version` load nothing else,
 * and only `demo` needs the MCP SDK (an optional peer) and zod, which an installed mcpulse may lack.
 * `rules test` writes promtool's report to stdout, as promtool does; `rules` prints a rule file there.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { runDemo, type DemoOptions } from './demo.js';
import { err, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, packageVersion } from './io.js';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';
export { runDemo } from './demo.js';

const MAX_RATE = 1000;

const HELP = `mcpulse: production monitoring for MCP servers

Usage:
  mcpulse demo [options]   run a demo MCP server monitored by mcpulse
  mcpulse rules [--no-builtin] [FILE…]
                           print the built-in rules and those of FILE… as one Prometheus rule file
  mcpulse rules test FILE…  run promtool unit-test files (promtool test rules) on mcpulse's PromQL engine
  mcpulse help             show this help
  mcpulse --version        print the version

Demo options:
  --port <n>           MCP Streamable HTTP port (default 3000; 0 picks a free port)
  --monitor-port <n>   port of /metrics, /livez and /readyz (default 9464; 0 picks a free port)
  --host <host>        interface both servers bind to (default 127.0.0.1)
  --stdio              serve MCP over stdin/stdout instead of HTTP (no load generator)
  --no-load            turn off the built-in load generator (on by default over HTTP)
  --rate <n>           load generator calls per second (default 5, at most ${MAX_RATE})

Logs are JSON lines on stderr; LOG_LEVEL sets their level (default info).
`;

export type { DemoOptions } from './demo.js';

class UsageError extends Error {}

function portValue(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

function rateValue(value: string | undefined): number {
  if (value === undefined) return 5;
  const rate = /^\d+(\.\d+)?$|^\.\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(rate > 0 && rate <= MAX_RATE)) {
    throw new UsageError(
      `--rate must be a number of calls per second greater than 0 and at most ${MAX_RATE}, got ${JSON.stringify(value)} (use --no-load to turn the load off)`,
    );
  }
  return rate;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      port: { type: 'string' },
      'monitor-port': { type: 'string' },
      host: { type: 'string' },
      stdio: { type: 'boolean' },
      'no-load': { type: 'boolean' },
      rate: { type: 'string' },
      'no-builtin': { type: 'boolean' },
    },
  });
}

/** Parses `demo` flags; throws UsageError naming the bad value. */
function demoOptions(values: ReturnType<typeof parse>['values']): DemoOptions {
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  const options: DemoOptions = {
    port: portValue('--port', values.port, 3000),
    monitorPort: portValue('--monitor-port', values['monitor-port'], 9464),
    host,
    stdio: values.stdio ?? false,
    load: !(values['no-load'] ?? false),
    rate: rateValue(values.rate),
  };
  if (!options.stdio && options.port !== 0 && options.port === options.monitorPort) {
    throw new UsageError(`--port and --monitor-port must differ (both are ${options.port})`);
  }
  return options;
}

/** Runs the CLI; resolves with the exit code. `demo` resolves only once stopped by a signal. */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    err(`mcpulse: ${error instanceof Error ? error.message : String(error)}`);
    err("Run 'mcpulse help' for usage.");
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (values.help) {
    err(HELP);
    return EXIT_OK;
  }
  const [command, ...extra] = positionals;
  switch (command) {
    case 'help':
      err(HELP);
      return EXIT_OK;
    case 'demo': {
      let options: DemoOptions;
      try {
        if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
        if (values['no-builtin'] !== undefined) throw new UsageError('unexpected option --no-builtin');
        options = demoOptions(values);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        err(`mcpulse demo: ${error.message}`);
        err("Run 'mcpulse help' for usage.");
        return EXIT_USAGE;
      }
      return runDemo(options);
    }
    case 'rules': {
      const [subcommand, ...files] = extra;
      const testing = subcommand === 'test';
      const refused = ['port', 'monitor-port', 'host', 'stdio', 'no-load', 'rate', 'no-builtin'] as const;
      const flag = refused.find((name) => values[name] !== undefined && (testing || name !== 'no-builtin'));
      if (flag !== undefined) {
        err(`mcpulse rules${testing ? ' test' : ''}: unexpected option --${flag}`);
        err("Run 'mcpulse help' for usage.");
        return EXIT_USAGE;
      }
      if (!testing) {
        const { runRulesPrint } = await import('./rules-print.js');
        return runRulesPrint(extra, { builtin: !(values['no-builtin'] ?? false) });
      }
      const { runRulesTest } = await import('./rules-test.js');
      return runRulesTest(files);
    }
    case undefined:
      err(HELP);
      err('mcpulse: missing command');
      return EXIT_USAGE;
    default:
      err(`mcpulse: unknown command ${JSON.stringify(command)}`);
      err("Run 'mcpulse help' for usage.");
      return EXIT_USAGE;
  }
}

/** True when this module is the program being run (`tsx src/cli/main.ts`, `node dist/cli/main.js`). */
function isEntryModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    const self = realpathSync(fileURLToPath(import.meta.url));
    return pathToFileURL(realpathSync(entry)).href === pathToFileURL(self).href;
  } catch {
    return false;
  }
}

/** Sets the exit code; if something still holds the event loop open, exits anyway shortly after. */
export function exitWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

if (isEntryModule()) {
  main(process.argv.slice(2)).then(exitWith, (error: unknown) => {
    err(`mcpulse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitWith(EXIT_FAILURE);
  });
}
