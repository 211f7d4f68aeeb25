/**
 * Host metrics (CPU, memory, filesystems, load, network, file descriptors), named after the
 * OpenTelemetry system semantic conventions as Prometheus exports them: `system.memory.usage`
 * (unit `By`) → `system_memory_usage_bytes`, attribute `system.memory.state` → label `system_memory_state`.
 *
 * Values are refreshed by a background sampler and only read at scrape time, so scrapes stay cheap
 * and a slow `/proc` or `statfs` never delays `/metrics`.
 */
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';

import { must, parseOptions } from '../core/errors.js';
import { defaultFilesystems, mountFor, parseMounts, visibleMounts, type Mount } from './host-filesystems.js';

export interface HostMetricsOptions {
  /** How often to sample, in milliseconds. Default 15000, minimum 1000. */
  intervalMs?: number;
  /**
   * Mount points to report in `system_filesystem_usage_bytes`. Default: the real filesystems in
   * `/proc/self/mounts` (pseudo, in-memory and network filesystems left out), at most 20; outside
   * Linux, the root of the working directory. An empty array reports none.
   */
  diskPaths?: string[];
}

const MIN_INTERVAL_MS = 1000;
const hostIntervalExpected = must(`a number >= ${MIN_INTERVAL_MS}`);
const nonEmptyString = z.string(must('a non-empty string')).min(1, must('a non-empty string'));

/** The `hostMetrics` option (an object); strict, so a misspelt key is an error naming it. */
export const hostMetricsSchema = z.strictObject(
  {
    intervalMs: z.number(hostIntervalExpected).min(MIN_INTERVAL_MS, hostIntervalExpected).optional(),
    diskPaths: z.array(nonEmptyString, must('an array of non-empty strings')).optional(),
  },
  must('an object such as { intervalMs: 15000 }'),
);

export interface HostMetrics {
  /** Resolves after the first sample (never rejects). */
  ready: Promise<void>;
  /** Stops the periodic sampler. Idempotent; the metrics stay registered with their last values. */
  stop(): void;
  /** Samples at once; while a sample is already running, resolves with that one. Never rejects. */
  sampleNow(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 15_000;
const MAX_NETWORK_INTERFACES = 32;
/** CPU times tick at 10 ms per CPU; a shorter window gives a meaningless ratio (mostly 0 or 1). */
const MIN_CPU_WINDOW_MS = 250;

interface CpuTimes {
  idle: number;
  total: number;
  count: number;
  at: number;
}

export function registerHostMetrics(registry: Registry, options: HostMetricsOptions = {}): HostMetrics {
  const valid = parseOptions(hostMetricsSchema, options, { name: 'hostMetrics', prefix: 'hostMetrics' });
  const intervalMs = valid.intervalMs ?? DEFAULT_INTERVAL_MS;
  const diskPaths = valid.diskPaths === undefined ? undefined : [...new Set(valid.diskPaths)];
  const linux = process.platform === 'linux';
  const registers = [registry];

  const sampleErrors = new Counter({
    name: 'mcpulse_host_sample_errors_total',
    help: 'Host metric reads that failed (that family kept its previous value for the sample).',
    registers,
  });
  const cpuUtilization = new Gauge({
    name: 'system_cpu_utilization_ratio',
    help: 'Share of time all logical CPUs of the host were busy over the last sampling interval (0 to 1).',
    registers,
  });
  const memoryUsage = new Gauge({
    name: 'system_memory_usage_bytes',
    help: 'Host memory in bytes by state: used (total minus available) and available.',
    labelNames: ['system_memory_state'],
    registers,
  });
  const filesystemUsage = new Gauge({
    name: 'system_filesystem_usage_bytes',
    help: 'Filesystem space in bytes by state: used, and free to unprivileged users.',
    labelNames: ['system_device', 'system_filesystem_mountpoint', 'system_filesystem_state'],
    registers,
  });
  // The semantic conventions define no load-average metric (they only float `system.linux.cpu.load_1m`
  // as an example name); these are the names the OpenTelemetry Collector's hostmetrics receiver emits
  // (`system.cpu.load_average.1m`, unit `{thread}`, so no Prometheus unit suffix), which dashboards
  // built on the Collector already use. Not registered on Windows, where os.loadavg() is always zero.
  const loadAverage =
    process.platform === 'win32'
      ? undefined
      : ([1, 5, 15] as const).map(
          (minutes) =>
            new Gauge({
              name: `system_cpu_load_average_${minutes}m`,
              help: `Host load average over ${minutes} minute${minutes === 1 ? '' : 's'}.`,
              registers,
            }),
        );
  const networkIo = new Counter({
    name: 'system_network_io_bytes_total',
    help: 'Bytes received and transmitted by each host network interface (loopback excluded), from the kernel counters.',
    labelNames: ['network_interface_name', 'network_io_direction'],
    registers,
  });
  // Host-wide, unlike prom-client's process_open_fds; /proc-only, so absent elsewhere rather than a fake 0.
  const openFds = linux
    ? new Gauge({
        name: 'system_open_file_descriptors',
        help: 'File descriptors allocated on the whole host (first field of /proc/sys/fs/file-nr).',
        registers,
      })
    : undefined;

  let cpuBaseline = readCpuTimes();

  const sampleCpu = async (): Promise<void> => {
    const waitMs = cpuBaseline.at + MIN_CPU_WINDOW_MS - performance.now();
    // Referenced on purpose: only the first sample waits, and an unreferenced wait would let a
    // script doing `await metrics.ready` before it listens exit with an unsettled top-level await.
    if (waitMs > 0) await delay(waitMs);
    const now = readCpuTimes();
    if (now.count === 0) return; // some sandboxes hide the CPU list
    const total = now.total - cpuBaseline.total;
    const idle = now.idle - cpuBaseline.idle;
    if (now.count !== cpuBaseline.count || total < 0 || idle < 0) {
      // CPU hotplug or a counter glitch: start a new window rather than report nonsense.
      cpuBaseline = now;
      return;
    }
    if (total === 0) return; // no tick elapsed; keep the window open and the last value
    cpuUtilization.set(Math.min(1, Math.max(0, 1 - idle / total)));
    cpuBaseline = now;
  };

  const sampleMemory = async (): Promise<void> => {
    if (linux) {
      let text: string | undefined;
      try {
        text = await readFile('/proc/meminfo', 'utf8');
      } catch {
        sampleErrors.inc();
      }
      const total = text === undefined ? undefined : meminfoBytes(text, 'MemTotal');
      const available = text === undefined ? undefined : meminfoBytes(text, 'MemAvailable');
      if (total !== undefined && available !== undefined) {
        setMemory(total, available);
        return;
      }
    }
    // libuv reads MemAvailable itself where it can, and sysinfo() where /proc is hidden.
    setMemory(os.totalmem(), os.freemem());
  };
  const setMemory = (total: number, available: number): void => {
    memoryUsage.set({ system_memory_state: 'used' }, Math.max(0, total - available));
    memoryUsage.set({ system_memory_state: 'available' }, available);
  };

  // mountpoint → device of the series currently exported, so vanished mounts can be removed.
  const reportedFilesystems = new Map<string, string>();
  const sampleFilesystems = async (): Promise<void> => {
    let mounts: Map<string, Mount> | undefined;
    if (linux) {
      try {
        mounts = visibleMounts(parseMounts(await readFile('/proc/self/mounts', 'utf8')));
      } catch {
        sampleErrors.inc();
        if (diskPaths === undefined) return; // cannot tell which mounts exist: keep the last values
      }
    }
    let targets: { device: string; mountpoint: string }[];
    if (diskPaths !== undefined) {
      targets = diskPaths.map((mountpoint) => ({
        mountpoint,
        // Outside Linux, or when the mount table was unreadable, keep the device seen before.
        device: (mounts && mountFor(mounts, mountpoint)?.device) ?? reportedFilesystems.get(mountpoint) ?? '',
      }));
    } else if (mounts) {
      targets = await defaultFilesystems(mounts);
    } else {
      targets = [{ device: '', mountpoint: path.parse(process.cwd()).root }];
    }

    const wanted = new Map(targets.map((t) => [t.mountpoint, t.device]));
    for (const [mountpoint, device] of reportedFilesystems) {
      if (wanted.get(mountpoint) === device) continue;
      for (const state of ['used', 'free']) {
        filesystemUsage.remove({
          system_device: device,
          system_filesystem_mountpoint: mountpoint,
          system_filesystem_state: state,
        });
      }
      reportedFilesystems.delete(mountpoint);
    }

    await Promise.all(
      targets.map(async ({ device, mountpoint }) => {
        try {
          const stats = await statfs(mountpoint);
          const used = (stats.blocks - stats.bfree) * stats.bsize;
          const free = stats.bavail * stats.bsize;
          if (!(used >= 0 && free >= 0 && Number.isFinite(used + free))) throw new Error('bad statfs');
          const labels = { system_device: device, system_filesystem_mountpoint: mountpoint };
          filesystemUsage.set({ ...labels, system_filesystem_state: 'used' }, used);
          filesystemUsage.set({ ...labels, system_filesystem_state: 'free' }, free);
          reportedFilesystems.set(mountpoint, device);
        } catch {
          sampleErrors.inc();
        }
      }),
    );
  };

  const sampleLoad = (): void => {
    if (!loadAverage) return;
    const values = os.loadavg();
    loadAverage.forEach((gauge, i) => gauge.set(values[i] ?? 0));
  };

  // interface → last kernel byte counts; the Counter is advanced by the difference.
  const lastNetwork = new Map<string, { receive: number; transmit: number }>();
  const sampleNetwork = async (): Promise<void> => {
    if (!linux) return;
    const interfaces = parseNetDev(await readFile('/proc/net/dev', 'utf8'));
    const present = new Set<string>();
    for (const { name, receive, transmit } of interfaces) {
      if (name === 'lo') continue;
      const previous = lastNetwork.get(name);
      if (previous === undefined && lastNetwork.size >= MAX_NETWORK_INTERFACES) continue;
      present.add(name);
      networkIo.inc(
        { network_interface_name: name, network_io_direction: 'receive' },
        counterDelta(previous?.receive, receive),
      );
      networkIo.inc(
        { network_interface_name: name, network_io_direction: 'transmit' },
        counterDelta(previous?.transmit, transmit),
      );
      lastNetwork.set(name, { receive, transmit });
    }
    // Interfaces come and go (container veths); free their slots so the cap counts current ones.
    for (const name of lastNetwork.keys()) {
      if (present.has(name)) continue;
      networkIo.remove({ network_interface_name: name, network_io_direction: 'receive' });
      networkIo.remove({ network_interface_name: name, network_io_direction: 'transmit' });
      lastNetwork.delete(name);
    }
  };

  const sampleOpenFds = async (): Promise<void> => {
    if (!openFds) return;
    const allocated = /^\d+/.exec(await readFile('/proc/sys/fs/file-nr', 'utf8'))?.[0];
    if (allocated === undefined) throw new Error('unexpected /proc/sys/fs/file-nr');
    openFds.set(Number(allocated));
  };

  // Each family fails on its own: an error leaves that family's last values and is only counted.
  const guarded = async (family: () => void | Promise<void>): Promise<void> => {
    try {
      await family();
    } catch {
      sampleErrors.inc();
    }
  };

  let inFlight: Promise<void> | undefined;
  const sampleNow = (): Promise<void> => {
    // One sample at a time: a stuck read must not pile up samples behind it.
    inFlight ??= Promise.all(
      [sampleCpu, sampleMemory, sampleFilesystems, sampleLoad, sampleNetwork, sampleOpenFds].map(guarded),
    ).then(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  let timer: NodeJS.Timeout | undefined = setInterval(() => void sampleNow(), intervalMs);
  timer.unref(); // monitoring must never keep the process alive
  const ready = sampleNow();

  return {
    ready,
    sampleNow,
    stop(): void {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function readCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  const cpus = os.cpus();
  for (const { times } of cpus) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total, count: cpus.length, at: performance.now() };
}

/** A `/proc/meminfo` field in bytes (the file says kB, meaning KiB). */
function meminfoBytes(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

function parseNetDev(text: string): { name: string; receive: number; transmit: number }[] {
  const interfaces: { name: string; receive: number; transmit: number }[] = [];
  // Two header lines, then `name: rx_bytes rx_packets … (8 receive fields) tx_bytes …`.
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const receive = Number(fields[0]);
    const transmit = Number(fields[8]);
    if (!Number.isFinite(receive) || !Number.isFinite(transmit)) continue;
    interfaces.push({ name: line.slice(0, colon).trim(), receive, transmit });
  }
  return interfaces;
}

/**
 * How far to advance a counter mirroring a kernel counter. The first reading counts in full, so the
 * exported value equals the kernel's; a drop means the kernel counter restarted (driver reload,
 * 32-bit wrap) and everything since counts as new.
 */
function counterDelta(previous: number | undefined, current: number): number {
  if (previous === undefined || current < previous) return current;
  return current - previous;
}
