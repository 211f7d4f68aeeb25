/**
 * The one fake clock of alerting's tests (rule manager, dispatcher, delivery, Alertmanager pusher):
 * time moves only when told, timers fire in time order (ties in the order they were set), and the
 * promises and I/O callbacks a timer's work queued run before the next one fires.
 */
import type { Clock, Timer } from '../src/alerting/clock.js';

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

/** Lets promises and I/O callbacks queued by a timer's work run before the next timer fires. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  /** What the wall clock is set off by; timers keep monotonic time. */
  wallOffsetMs = 0;
  /** The delay of every timer set, in order. */
  readonly delays: number[] = [];
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  /** `startMs`: both the wall and the monotonic time at the start. */
  constructor(startMs = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = startMs;
  }

  now(): number {
    return this.current + this.wallOffsetMs;
  }

  monotonic(): number {
    return this.current;
  }

  setTimer(delayMs: number, run: () => void): Timer {
    this.delays.push(delayMs);
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
    return this.live().length;
  }

  /** The pending timers' delays from now, shortest first. */
  pendingDelays(): number[] {
    return this.live()
      .map((timer) => timer.at - this.current)
      .sort((a, b) => a - b);
  }

  /** Moves time on by `ms` without firing a timer: work that took that long without yielding. */
  skip(ms: number): void {
    this.current += ms;
  }

  /** Runs the earliest pending timer at once (moving the clock to it); throws when none is pending. */
  fireNext(): void {
    const next = this.next(Infinity);
    if (!next) throw new Error('no timer pending');
    this.fire(next);
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time, and settling after each. */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  /** advance() to the monotonic time `targetMs`. */
  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    for (let next = this.next(targetMs); next; next = this.next(targetMs)) {
      this.fire(next);
      await settle();
    }
    this.current = Math.max(this.current, targetMs);
    await settle();
  }

  private live(): FakeTimer[] {
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    return this.timers;
  }

  private next(limit: number): FakeTimer | undefined {
    return this.live()
      .filter((timer) => timer.at <= limit)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }

  private fire(timer: FakeTimer): void {
    this.current = Math.max(this.current, timer.at);
    timer.cancelled = true;
    timer.run();
  }
}
