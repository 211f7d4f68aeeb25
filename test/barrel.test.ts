/**
 * The root entry stays light: following every relative import of the built dist/index.js reaches no
 * OpenTelemetry SDK, pino-roll or pino-pretty (those load only through mcpulse/otel or when configured).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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
});
