import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../test/fake-clock.js';
import { isClock, realClock } from './clock.js';

const refTimers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('realClock', () => {
  it('sets unref()d timers that run once, and not once cancelled', async () => {
    const ran: string[] = [];
    const before = refTimers();
    const cancelled = realClock.setTimer(1, () => ran.push('cancelled'));
    realClock.setTimer(-5, () => ran.push('at once'));
    expect(refTimers()).toBe(before); // none of them keeps the process alive
    cancelled.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual(['at once']);
  });

  it('is a Clock, and so is the fake one; an object without setTimer is not', () => {
    expect([isClock(realClock), isClock(new FakeClock()), isClock({ now: () => 0 }), isClock(null)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('FakeClock', () => {
  it('fires timers in time order (ties in the order set), each at its own time; wall time may be set off', async () => {
    const clock = new FakeClock(1000);
    const fired: [string, number, number][] = [];
    const note = (name: string) => () => fired.push([name, clock.monotonic(), clock.now()]);
    clock.setTimer(30, note('c'));
    clock.setTimer(10, note('a'));
    clock.setTimer(10, note('b'));
    clock.setTimer(40, note('cancelled')).cancel();
    clock.wallOffsetMs = -500;
    expect([clock.pending, clock.pendingDelays()]).toEqual([3, [10, 10, 30]]);
    await clock.advance(20);
    clock.skip(5);
    clock.fireNext();
    expect(fired).toEqual([
      ['a', 1010, 510],
      ['b', 1010, 510],
      ['c', 1030, 530],
    ]);
    expect([clock.pending, clock.delays]).toEqual([0, [30, 10, 10, 40]]);
    expect(() => clock.fireNext()).toThrow('no timer pending');
  });
});
