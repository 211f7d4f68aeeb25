/**
 * mcpulse as a user gets it: `npm pack`, then `npm install <tarball>` into empty projects under the OS
 * temp folder (from the npm registry, as a user's install would be). One project has mcpulse alone (no
 * optional peer): the CLI, `import`, `require`, a CommonJS TypeScript project, the demo's message. The
 * other adds the MCP SDK and runs the README's quick start. Packs the built dist/ (`npm test` builds first).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const built = existsSync(join(repo, 'dist', 'index.js'));
if (!built) {
  if (process.env.CI === 'true')
    throw new Error('dist/ is missing under CI=true: npm test builds before vitest');
  console.warn('\n!!! SKIPPING the package suite: dist/ is missing (npm run build first) !!!\n');
}

/** Installs take seconds each, and a cold npm cache in CI takes longer. */
const INSTALL_TIMEOUT_MS = 240_000;

const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const repoRequire = createRequire(join(repo, 'package.json'));
// The SDK version this repository tests with (its exports map has no ./package.json).
const sdkVersion = (
  JSON.parse(
    readFileSync(join(repo, 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json'), 'utf8'),
  ) as { version: string }
).version;
const tsc = repoRequire.resolve('typescript/bin/tsc');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell: without the npm_* variables the outer `npm test` sets
 * (npm_config_local_prefix, npm_package_* and the like describe this repository), but with the settings
 * that say how to reach the registry.
 */
const REGISTRY_SETTINGS =
  /^npm_config_(registry|cache|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl|cafile|ca)$/i;
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || REGISTRY_SETTINGS.test(key)),
);

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed; its output is in the error when it does not. */
async function ok(command: string, args: string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`.trim(),
    );
  }
  return result;
}

/** An empty CommonJS project (no "type"), as `npm init -y` makes it. */
async function emptyProject(dir: string): Promise<void> {
  mkdirSync(dir);
  await ok('npm', ['init', '-y'], dir);
}

function install(dir: string, specs: string[]): Promise<Run> {
  return ok('npm', ['install', '--no-audit', '--no-fund', ...specs], dir);
}

/** Every installed copy of a package under node_modules, as `folder → version`. */
function copiesOf(name: string, nodeModules: string): Record<string, string> {
  const copies: Record<string, string> = {};
  const visit = (folder: string): void => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder)) {
      if (entry.startsWith('.')) continue;
      const packages = entry.startsWith('@')
        ? readdirSync(join(folder, entry)).map((scoped) => join(entry, scoped))
        : [entry];
      for (const pkg of packages) {
        const at = join(folder, pkg);
        if (pkg === name) {
          const { version } = JSON.parse(readFileSync(join(at, 'package.json'), 'utf8')) as {
            version: string;
          };
          copies[at.slice(nodeModules.length - 'node_modules'.length)] = version;
        }
        visit(join(at, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return copies;
}

describe.runIf(built)('the packed tarball, installed', () => {
  let root: string;
  let tarball: string;
  /** The project with mcpulse alone. */
  let bare: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mcpulse-pack-'));
    // --ignore-scripts: dist/ is already built (prepack would build it again).
    const packed = await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], repo);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(root, info.filename);
    bare = join(root, 'bare');
    await emptyProject(bare);
    await install(bare, [tarball]);
  }, INSTALL_TIMEOUT_MS);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('installs no optional peer: no MCP SDK, no OpenTelemetry SDK', () => {
    const modules = join(bare, 'node_modules');
    expect(existsSync(join(modules, 'mcpulse', 'package.json'))).toBe(true);
    expect(existsSync(join(modules, '@modelcontextprotocol'))).toBe(false);
    expect(existsSync(join(modules, '@opentelemetry', 'sdk-trace-node'))).toBe(false);
  });

  it('`npx mcpulse --help` and `npx mcpulse help` print the usage and exit 0', async () => {
    for (const args of [['--help'], ['help']]) {
      const result = await run('npx', ['mcpulse', ...args], bare);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 0, stdout: '' });
      expect(result.stderr).toContain('Usage:\n  mcpulse demo [options]');
    }
    const version = await run('npx', ['mcpulse', '--version'], bare);
    expect(version).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('`mcpulse demo` without the SDK says what to install, and exits 2', async () => {
    // zod too, unless mcpulse brings it itself.
    const needed = ['@modelcontextprotocol/sdk', ...('zod' in manifest.dependencies ? [] : ['zod'])];
    const result = await run('npx', ['mcpulse', 'demo', '--port', '0', '--monitor-port', '0'], bare);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `mcpulse demo: needs ${needed.join(' and ')}, which ${needed.length === 1 ? 'is' : 'are'} not installed.\n` +
        `Install with: npm install ${needed.join(' ')}\n`,
    });
  });

  it('import and require give the same exports, for the root and each subpath, without a warning', async () => {
    const entries = ['mcpulse', 'mcpulse/http', 'mcpulse/health'];
    const list = JSON.stringify(entries);
    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const out = {}; for (const e of ${list}) out[e] = Object.keys(await import(e)).sort(); console.log(JSON.stringify(out));`,
      ],
      bare,
    );
    const required = await run(
      process.execPath,
      [
        '-e',
        `const out = {}; for (const e of ${list}) out[e] = Object.keys(require(e)).sort(); console.log(JSON.stringify(out));`,
      ],
      bare,
    );
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });
    expect({ code: required.code, stderr: required.stderr }).toEqual({ code: 0, stderr: '' });
    const names = JSON.parse(imported.stdout) as Record<string, string[]>;
    expect(JSON.parse(required.stdout)).toEqual(names);
    expect(names.mcpulse).toContain('createMcpulse');
    expect(names.mcpulse).not.toContain('startMonitoringServer');
    expect(names['mcpulse/http']).toEqual([
      'OPENMETRICS_CONTENT_TYPE',
      'PROMETHEUS_CONTENT_TYPE',
      'createMonitoringRoutes',
      'negotiateFormat',
      'renderMetrics',
      'startMonitoringServer',
    ]);
    expect(names['mcpulse/health']).toEqual([
      'HEALTH_JSON_CONTENT_TYPE',
      'HealthRegistry',
      'diskSpaceCheck',
      'eventLoopDelayCheck',
      'httpCheck',
      'memoryCheck',
      'pingCheck',
      'tcpCheck',
      'toHealthJson',
    ]);
  });

  it('a CommonJS TypeScript project (module nodenext) typechecks, compiles and runs against it', async () => {
    writeFileSync(
      join(bare, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          outDir: 'out',
          // The repository's @types/node: this project installs nothing but mcpulse.
          typeRoots: [join(repo, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(bare, 'main.ts'),
      [
        "import mcpulse = require('mcpulse');",
        "import { createMcpulse, type Mcpulse } from 'mcpulse';",
        "import { pingCheck } from 'mcpulse/health';",
        "import { PROMETHEUS_CONTENT_TYPE } from 'mcpulse/http';",
        '',
        "const pulse: Mcpulse = createMcpulse({ service: 'cjs', monitoring: false, logLevel: 'silent' });",
        "pulse.health.register('ping', pingCheck(async () => undefined));",
        'void pulse.shutdown().then(() => {',
        '  console.log(JSON.stringify({',
        '    same: mcpulse.createMcpulse === createMcpulse,',
        "    cjs: typeof module === 'object',",
        '    contentType: PROMETHEUS_CONTENT_TYPE,',
        '  }));',
        '});',
        '',
      ].join('\n'),
    );
    await ok(process.execPath, [tsc, '-p', '.'], bare);
    const result = await ok(process.execPath, [join('out', 'main.js')], bare);
    expect(JSON.parse(result.stdout)).toEqual({
      same: true,
      cjs: true,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    });
  });

  it('mcpulse gets its own sonic-boom 5 (pino and pino-roll still ask for ^4: see the README)', () => {
    const modules = join(bare, 'node_modules');
    const fromMcpulse = createRequire(join(modules, 'mcpulse', 'package.json'));
    const own = fromMcpulse('sonic-boom/package.json') as { version: string };
    expect(own.version.split('.')[0]).toBe('5');
    const copies = copiesOf('sonic-boom', modules);
    // Only a copy its dependent's range forces: pino's and pino-roll's, whose ranges exclude 5.
    for (const [folder, version] of Object.entries(copies)) {
      if (folder === join('node_modules', 'sonic-boom')) expect(version).toBe(own.version);
      else expect([folder, version.split('.')[0]]).toEqual([folder, '4']);
    }
  });

  describe('with the MCP SDK installed', () => {
    let app: string;

    beforeAll(async () => {
      app = join(root, 'app');
      await emptyProject(app);
      await install(app, [tarball, `@modelcontextprotocol/sdk@${sdkVersion}`]);
    }, INSTALL_TIMEOUT_MS);

    it('the quick start serves a tool call and counts it exactly on /metrics', async () => {
      writeFileSync(
        join(app, 'quickstart.mjs'),
        [
          "import { createMcpulse } from 'mcpulse';",
          "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';",
          "import { Client } from '@modelcontextprotocol/sdk/client/index.js';",
          "import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';",
          '',
          "const pulse = createMcpulse({ service: 'weather', version: '1.2.0', monitoring: { port: 0 } });",
          "const server = pulse.observe(new McpServer({ name: 'weather', version: '1.2.0' }));",
          "server.registerTool('forecast', { description: 'Tomorrow' }, async () => ({",
          "  content: [{ type: 'text', text: 'sunny' }],",
          '}));',
          '',
          'const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();',
          'await server.connect(serverSide);',
          "const client = new Client({ name: 'quickstart', version: '1.0.0' });",
          'await client.connect(clientSide);',
          'const texts = [];',
          'for (let i = 0; i < 3; i++) {',
          "  const result = await client.callTool({ name: 'forecast', arguments: {} });",
          '  texts.push(result.content[0].text);',
          '}',
          'const monitoring = await pulse.monitoring;',
          "const response = await fetch(new URL('/metrics', monitoring.url));",
          'const calls = (await response.text())',
          "  .split('\\n')",
          '  .filter((line) =>',
          "    line.startsWith('mcp_server_operation_duration_seconds_count{') &&",
          '    line.includes(\'mcp_method_name="tools/call"\') &&',
          '    line.includes(\'gen_ai_tool_name="forecast"\'),',
          '  );',
          'await client.close();',
          'await pulse.shutdown();',
          "console.log(JSON.stringify({ texts, status: response.status, host: new URL(monitoring.url).hostname, calls: calls.map((line) => Number(line.split(' ').pop())) }));",
          '',
        ].join('\n'),
      );
      const result = await run(process.execPath, ['quickstart.mjs'], app);
      expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(JSON.parse(result.stdout)).toEqual({
        texts: ['sunny', 'sunny', 'sunny'],
        status: 200,
        host: '127.0.0.1',
        calls: [3],
      });
    });
  });
});
