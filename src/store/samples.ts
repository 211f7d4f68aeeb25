/**
 * Decoded samples, appended run after run (a select puts every series it reads into one), grown as
 * needed. A staleness marker (the value's bits are Prometheus's StaleNaN) is stored as NaN with its
 * `stale` byte set; `staleCount` says whether a run holds any.
 */
import { fromHalves, STALE_HIGH, STALE_LOW } from './value-stream.js';

export class SampleBuffer {
  t: Float64Array;
  v: Float64Array;
  stale: Uint8Array | undefined = undefined;
  length = 0;
  staleCount = 0;

  constructor(capacity: number) {
    this.t = new Float64Array(Math.max(1, capacity));
    this.v = new Float64Array(Math.max(1, capacity));
  }

  /** Appends a sample given as its value's bits. */
  push(t: number, high: number, low: number): void {
    const index = this.length;
    if (index === this.t.length) this.grow();
    this.t[index] = t;
    if (high === STALE_HIGH && low === STALE_LOW) {
      this.markStale(index);
      this.v[index] = NaN;
    } else {
      this.v[index] = fromHalves(high, low);
      if (this.stale !== undefined) this.stale[index] = 0;
    }
    this.length = index + 1;
  }

  /** Appends a sample already decoded. */
  pushValue(t: number, value: number, stale: boolean): void {
    const index = this.length;
    if (index === this.t.length) this.grow();
    this.t[index] = t;
    this.v[index] = value;
    if (stale) this.markStale(index);
    else if (this.stale !== undefined) this.stale[index] = 0;
    this.length = index + 1;
  }

  /** Drops the samples from `length` on. */
  truncate(length: number): void {
    if (this.stale !== undefined) {
      for (let i = length; i < this.length; i++) this.staleCount -= this.stale[i]!;
    }
    this.length = length;
  }

  private markStale(index: number): void {
    (this.stale ??= new Uint8Array(this.t.length))[index] = 1;
    this.staleCount += 1;
  }

  private grow(): void {
    const size = this.t.length * 2;
    const t = new Float64Array(size);
    t.set(this.t);
    this.t = t;
    const v = new Float64Array(size);
    v.set(this.v);
    this.v = v;
    if (this.stale !== undefined) {
      const stale = new Uint8Array(size);
      stale.set(this.stale);
      this.stale = stale;
    }
  }
}
