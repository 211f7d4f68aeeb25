/** How the built-in checks word what they observed and what went wrong. */

/** The message, with the system error code (ECONNREFUSED, ENOTFOUND) when the message lacks it. */
export function errorOutput(error: unknown): string {
  try {
    // fetch wraps the socket error in a generic `fetch failed`; the cause says what happened.
    const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    if (!(inner instanceof Error)) return typeof inner === 'string' ? inner : String(inner);
    const code = (inner as NodeJS.ErrnoException).code;
    const message = inner.message;
    if (typeof code !== 'string' || message.includes(code)) return message || inner.name;
    return message === '' ? code : `${code}: ${message}`;
  } catch {
    return 'check failed';
  }
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
