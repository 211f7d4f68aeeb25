/**
 * The entries stay light: following every relative import of the built dist/index.js reaches no
 * OpenTelemetry SDK, pino-roll or pino-pretty (those load only through mcpulse/otel or when configured),
 * and mcpulse/otel reaches neither pino nor prom-client.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports only: a dynamic import() is loaded on demand, which is the point.
    for (const match of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

const dist = join(import.meta.dirname, '..', 'dist');

describe.runIf(existsSync(join(dist, 'index.js')))('the built root entry', () => {
  it('imports no OpenTelemetry SDK and no optional log transport', () => {
    const { packages } = graph(join(dist, 'index.js'));
    const heavy = [...packages].filter((p) =>
      /^@opentelemetry\/(sdk|exporter|resources|core)|pino-roll|pino-pretty/.test(p),
    );
    expect(heavy).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@modelcontextprotocol/'))).toEqual([]);
  });

  it('mcpulse/otel is where the SDK lives', () => {
    const { packages } = graph(join(dist, 'tracing', 'setup.js'));
    expect(packages.has('@opentelemetry/sdk-trace-node')).toBe(true);
  });

  it('mcpulse/otel imports neither pino nor prom-client, directly or through mcpulse', () => {
    const { packages } = graph(join(dist, 'tracing', 'setup.js'));
    expect([...packages].filter((p) => /^(pino|sonic-boom|prom-client|thread-stream)/.test(p))).toEqual([]);
  });

  it('a process that imports mcpulse/otel has loaded no pino, sonic-boom or prom-client', () => {
    // Every CommonJS module a process loads, through import or require, lands in require.cache.
    const script = [
      "import { createRequire } from 'node:module';",
      `await import(${JSON.stringify(join(dist, 'tracing', 'setup.js'))});`,
      'const cache = Object.keys(createRequire(import.meta.url).cache);',
      'const names = cache.map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1]);',
      'console.log(JSON.stringify([...new Set(names)].sort()));',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const loaded = JSON.parse(result.stdout) as string[];
    expect(loaded).toContain('@opentelemetry/sdk-trace-node');
    expect(loaded.filter((name) => /^(pino|sonic-boom|prom-client|thread-stream)/.test(name))).toEqual([]);
  });

  it('mcpulse/http and mcpulse/health need no MCP SDK and no OpenTelemetry SDK', () => {
    for (const entry of [join(dist, 'http', 'index.js'), join(dist, 'health', 'index.js')]) {
      const { packages } = graph(entry);
      expect([...packages].filter((p) => /^@modelcontextprotocol\/|^@opentelemetry\//.test(p))).toEqual([]);
    }
  });

  it('the CLI loads its commands on demand: statically it imports only Node built-ins', () => {
    const { files, packages } = graph(join(dist, 'cli', 'main.js'));
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    // Its own modules only: the demo's are imported when `demo` runs.
    expect([...files].map((file) => relative(dist, file)).sort()).toEqual(
      ['cli/demo.js', 'cli/io.js', 'cli/main.js'].map((file) => join(...file.split('/'))),
    );
  });
});
