import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { McpulseOptionError } from '../core/errors.js';
import { type HostMetrics, registerHostMetrics } from './host.js';

const linux = process.platform === 'linux';

const started: HostMetrics[] = [];
afterEach(() => {
  for (const metrics of started.splice(0)) metrics.stop();
  vi.restoreAllMocks();
});

async function start(options?: Parameters<typeof registerHostMetrics>[1]) {
  const registry = new Registry();
  const metrics = registerHostMetrics(registry, options);
  started.push(metrics);
  await metrics.ready;
  return { registry, metrics };
}

async function series(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  expect(metric, name).toBeDefined();
  return metric!.values;
}

async function single(registry: Registry, name: string): Promise<number> {
  const values = await series(registry, name);
  expect(values).toHaveLength(1);
  return values[0]!.value;
}

/** `{ name: [receive, transmit] }` from /proc/net/dev, loopback left out. */
function netDev(): Map<string, [number, number]> {
  const result = new Map<string, [number, number]>();
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (rest === undefined || name!.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    result.set(name!.trim(), [fields[0]!, fields[8]!]);
  }
  return result;
}

/** The host's CPU time so far, all CPUs together, in ms (as os.cpus() counts it). */
function cpuTimes(): { total: number; count: number } {
  const cpus = os.cpus();
  let total = 0;
  for (const { times } of cpus) total += times.user + times.nice + times.sys + times.idle + times.irq;
  return { total, count: cpus.length };
}

describe('registerHostMetrics', () => {
  it('reports whole-host CPU utilization: at least the CPU time this process burned in the window', async () => {
    const before = cpuTimes();
    const registry = new Registry();
    const metrics = registerHostMetrics(registry); // the CPU window opens here; it is sampled after 250 ms
    started.push(metrics);
    // Burn 400 ms of CPU time, counted as CPU time; the sample cannot run before this loop ends.
    const burnStart = process.cpuUsage();
    let burnedMs = 0;
    while (burnedMs < 400) {
      const used = process.cpuUsage(burnStart);
      burnedMs = (used.user + used.system) / 1000;
    }
    await metrics.ready;
    const after = cpuTimes();

    const text = await registry.getSingleMetricAsString('system_cpu_utilization_ratio');
    expect(text).toMatch(/^# TYPE system_cpu_utilization_ratio gauge$/m);
    const ratio = await single(registry, 'system_cpu_utilization_ratio');
    // The host was busy at least while this process was. The window lies inside [before, after], so
    // its total CPU time is at most ours; the host counts in 10 ms ticks per CPU, hence the slack.
    const tickSlackMs = 10 * after.count;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeGreaterThanOrEqual((burnedMs - tickSlackMs) / (after.total - before.total));
    expect(ratio).toBeLessThanOrEqual(1);
  });

  it.runIf(linux)('reports used + available memory equal to MemTotal', async () => {
    const { registry } = await start();
    const memTotal = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    const values = await series(registry, 'system_memory_usage_bytes');
    const byState = new Map(values.map((v) => [v.labels.system_memory_state, v.value]));
    expect([...byState.keys()].sort()).toEqual(['available', 'used']);
    expect(byState.get('used')! + byState.get('available')!).toBe(memTotal);
    expect(byState.get('used')).toBeGreaterThan(0);
    expect(byState.get('available')).toBeGreaterThan(0);
  });

  it('reports the root filesystem by default, and no pseudo filesystems', async () => {
    const { registry } = await start();
    const values = await series(registry, 'system_filesystem_usage_bytes');
    const root = values.filter((v) => v.labels.system_filesystem_mountpoint === '/');
    expect(root.map((v) => v.labels.system_filesystem_state).sort()).toEqual(['free', 'used']);
    expect(root.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
    if (linux) {
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' '));
      const rootDevice = mounts.filter((m) => m[1] === '/').at(-1)![0];
      expect(root[0]!.labels.system_device).toBe(rootDevice);
      const pseudo = new Set(
        mounts
          .filter((m) => ['proc', 'sysfs', 'tmpfs', 'devpts', 'cgroup', 'cgroup2'].includes(m[2]!))
          .map((m) => m[1]),
      );
      const reported = values.map((v) => v.labels.system_filesystem_mountpoint);
      expect(reported.filter((mountpoint) => pseudo.has(mountpoint as string))).toEqual([]);
      expect(new Set(reported).size).toBeLessThanOrEqual(20);
    }
    expect(await single(registry, 'mcpulse_host_sample_errors_total')).toBe(0);
  });

  it('counts a failing read without throwing and keeps the other series', async () => {
    const { registry, metrics } = await start({ diskPaths: ['/', '/mcpulse/does/not/exist'] });
    const values = await series(registry, 'system_filesystem_usage_bytes');
    expect(
      values
        .map((v) => `${v.labels.system_filesystem_mountpoint} ${v.labels.system_filesystem_state}`)
        .sort(),
    ).toEqual(['/ free', '/ used']);
    expect(await single(registry, 'mcpulse_host_sample_errors_total')).toBe(1);
    await metrics.sampleNow();
    expect(await registry.getSingleMetricAsString('mcpulse_host_sample_errors_total')).toMatch(
      /^mcpulse_host_sample_errors_total 2$/m,
    );
  });

  it.runIf(process.platform !== 'win32')('reports load averages matching os.loadavg()', async () => {
    const { registry } = await start();
    const expected = os.loadavg();
    for (const [i, minutes] of [1, 5, 15].entries()) {
      expect(
        Math.abs((await single(registry, `system_cpu_load_average_${minutes}m`)) - expected[i]!),
      ).toBeLessThan(0.5);
    }
  });

  it.runIf(linux)('mirrors the kernel network byte counters, loopback excluded', async () => {
    const before = netDev();
    const { registry, metrics } = await start();
    const after = netDev();
    const values = await series(registry, 'system_network_io_bytes_total');
    expect(values.some((v) => v.labels.network_interface_name === 'lo')).toBe(false);
    const name = [...after.keys()].find((n) => before.has(n));
    if (name === undefined) return; // no interface besides loopback here
    const value = (direction: string) =>
      values.find(
        (v) => v.labels.network_interface_name === name && v.labels.network_io_direction === direction,
      )!.value;
    expect(value('receive')).toBeGreaterThanOrEqual(before.get(name)![0]);
    expect(value('receive')).toBeLessThanOrEqual(after.get(name)![0]);
    expect(value('transmit')).toBeGreaterThanOrEqual(before.get(name)![1]);
    expect(value('transmit')).toBeLessThanOrEqual(after.get(name)![1]);
    expect(await registry.getSingleMetricAsString('system_network_io_bytes_total')).toMatch(
      /^# TYPE system_network_io_bytes_total counter$/m,
    );

    // Later samples advance by the difference, so the counter keeps tracking the kernel value.
    await metrics.sampleNow();
    const later = netDev();
    const advanced = (await series(registry, 'system_network_io_bytes_total')).find(
      (v) => v.labels.network_interface_name === name && v.labels.network_io_direction === 'receive',
    )!.value;
    expect(advanced).toBeGreaterThanOrEqual(value('receive'));
    expect(advanced).toBeLessThanOrEqual(later.get(name)![0]);
  });

  it.runIf(linux)('reports host-wide allocated file descriptors', async () => {
    const { registry } = await start();
    const value = await single(registry, 'system_open_file_descriptors');
    expect(Number.isInteger(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  });

  it('rejects a bad intervalMs before registering anything', () => {
    const registry = new Registry();
    expect(() => registerHostMetrics(registry, { intervalMs: 5 })).toThrow(
      new McpulseOptionError('mcpulse: hostMetrics.intervalMs must be a number >= 1000, got 5'),
    );
    expect(() => registerHostMetrics(registry, { intervalMs: Number.NaN })).toThrow(
      'mcpulse: hostMetrics.intervalMs must be a number >= 1000, got NaN',
    );
    expect(() => registerHostMetrics(registry, { intervalMs: Infinity })).toThrow(McpulseOptionError);
    expect(() => registerHostMetrics(registry, { intervalMs: '2000' as unknown as number })).toThrow(
      'mcpulse: hostMetrics.intervalMs must be a number >= 1000, got "2000"',
    );
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('samples on an unref()ed interval that stop() clears once', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    const { metrics } = await start({ intervalMs: 1000 });
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    expect(setIntervalSpy.mock.calls[0]![1]).toBe(1000);
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    metrics.stop();
    metrics.stop();
    expect(clearIntervalSpy).toHaveBeenCalledTimes(1);
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
  });

  it('lets a process that awaited ready exit without stop()', async () => {
    // Top-level `await ready`, then nothing left to do: the sampler must neither hold the process
    // open nor let it die with the await unsettled (exit code 13).
    const script = [
      "import { Registry } from 'prom-client';",
      `import { registerHostMetrics } from ${JSON.stringify(new URL('./host.ts', import.meta.url).href)};`,
      'await registerHostMetrics(new Registry(), { intervalMs: 1000 }).ready;',
      "(await import('node:fs')).writeSync(1, 'ready');",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 20_000 },
    );
    expect(stdout).toBe('ready');
  });
});
