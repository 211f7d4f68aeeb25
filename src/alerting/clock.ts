/**
 * The time alerting reads and the timers it sets, behind one interface for the rule manager, the
 * notifier, its delivery layer and the Alertmanager pusher, so their tests run on one fake clock
 * (test/fake-clock.ts): evaluation intervals, group_wait, group_interval and retry backoffs are
 * minutes and hours in real configs. Real timers are unref()'d: a pending evaluation or notification
 * never keeps the host process alive.
 */
import { performance } from 'node:perf_hooks';

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall time: milliseconds since the epoch (may be set back or forward). */
  now(): number;
  /** Milliseconds on a clock that never goes back, for durations. */
  monotonic(): number;
  /** Runs `run` once after `delayMs` (0 or less: as soon as possible). */
  setTimer(delayMs: number, run: () => void): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(delayMs, run) {
    const handle = setTimeout(run, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Whether `value` has the methods of a Clock (for option validation). */
export function isClock(value: unknown): value is Clock {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['now', 'monotonic', 'setTimer'].every(
      (name) => typeof (value as Record<string, unknown>)[name] === 'function',
    )
  );
}
