/**
 * Which filesystems the host metrics report by default, read from `/proc/self/mounts`: real disks
 * only (pseudo, in-memory, read-only image and network filesystems left out), each once, at most
 * 20, `/` first.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

const MAX_DEFAULT_FILESYSTEMS = 20;

/**
 * Filesystem types left out of the default list: kernel pseudo filesystems and in-memory ones (no
 * disk to fill), read-only images that are always 100% full, and network filesystems, whose
 * `statfs` can hang on an unreachable server and hold a libuv thread. List those explicitly if wanted.
 */
const SKIPPED_FS_TYPES: ReadonlySet<string> = new Set([
  'autofs',
  'binder',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fuse.snapfuse',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'sysfs',
  'tmpfs',
  'tracefs',
  // read-only images
  'erofs',
  'iso9660',
  'squashfs',
  // network
  'afs',
  'ceph',
  'cifs',
  'fuse.glusterfs',
  'fuse.sshfs',
  'glusterfs',
  'lustre',
  'nfs',
  'nfs4',
  'smb3',
  'smbfs',
]);

export interface Mount {
  device: string;
  mountpoint: string;
  type: string;
}

/** `/proc/self/mounts` escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, type] = line.split(' ');
    if (device === undefined || mountpoint === undefined || type === undefined) continue;
    mounts.push({ device: unescapeMountField(device), mountpoint: unescapeMountField(mountpoint), type });
  }
  return mounts;
}

/** One entry per mount point: a later mount on the same point hides the earlier one. */
export function visibleMounts(mounts: readonly Mount[]): Map<string, Mount> {
  const visible = new Map<string, Mount>();
  for (const mount of mounts) {
    visible.delete(mount.mountpoint); // re-insert so order follows the visible mount
    visible.set(mount.mountpoint, mount);
  }
  return visible;
}

/** The mount holding `target`: the longest mount point that is `target` or one of its parents. */
export function mountFor(mounts: ReadonlyMap<string, Mount>, target: string): Mount | undefined {
  let candidate = path.resolve(target);
  for (;;) {
    const mount = mounts.get(candidate);
    if (mount) return mount;
    const parent = path.dirname(candidate);
    if (parent === candidate) return undefined;
    candidate = parent;
  }
}

export async function defaultFilesystems(
  mounts: ReadonlyMap<string, Mount>,
): Promise<{ device: string; mountpoint: string }[]> {
  const candidates = [...mounts.values()].filter(
    // Overlay is a container's root; elsewhere (a Docker host's per-container mounts) it repeats the disk below.
    (m) => !SKIPPED_FS_TYPES.has(m.type) && (m.type !== 'overlay' || m.mountpoint === '/'),
  );
  // `/` first so the cap never drops it.
  candidates.sort((a, b) => Number(b.mountpoint === '/') - Number(a.mountpoint === '/'));
  const devices = new Set<string>();
  const picked: { device: string; mountpoint: string }[] = [];
  for (const { device, mountpoint } of candidates) {
    // Bind mounts (a container's /etc/hosts, btrfs subvolumes) repeat a filesystem: report it once.
    if (devices.has(device)) continue;
    // Container runtimes bind-mount single files (/etc/hosts, /etc/resolv.conf) from the host's disk.
    if (!(await isDirectory(mountpoint))) continue;
    devices.add(device);
    picked.push({ device, mountpoint });
    if (picked.length === MAX_DEFAULT_FILESYSTEMS) break;
  }
  return picked;
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return true; // let statfs meet (and count) the same failure
  }
}
