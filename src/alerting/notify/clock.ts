/**
 * The time the notifier reads and the timers it sets, behind one interface so its tests run on a
 * fake clock: group_wait, group_interval and repeat_interval are minutes and hours in real configs.
 * Real timers are unref()'d: a pending notification never keeps the host process alive.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `run` once after `delayMs` (0 or less: as soon as possible). */
  setTimer(delayMs: number, run: () => void): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, run) {
    const handle = setTimeout(run, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

/** Lets promises and I/O callbacks queued by a timer's work run before the next timer fires. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock that moves only when told to; timers fire in time order (ties in the order they were set). */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, run: () => void): Timer {
    const timer: FakeTimer = {
      at: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      run,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time, and settling after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.run();
      await settle();
    }
    this.current = target;
    await settle();
  }
}
