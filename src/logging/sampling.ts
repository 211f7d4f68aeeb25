/**
 * Optional sampling of the lines of successful operations, for servers whose log volume is too
 * high. Failures are always logged; metrics are never sampled (they count every operation).
 */
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';

import { functionSchema, must, parseOptions } from '../core/errors.js';

export interface SamplingOptions {
  /** Fraction of successful operations logged, 0..1; default 1. */
  successRate: number;
  /** Seeded decision source for tests; default Math.random. */
  random?: () => number;
}

export const METRIC_LOG_LINES_SAMPLED_OUT = 'mcpulse_log_lines_sampled_out_total';

/** The outcomes whose lines may be skipped; any other outcome is always written. */
const SAMPLED_OUTCOMES: readonly string[] = ['ok', 'cancelled'];

const rateExpected = must('a number from 0 to 1');

/** The `logSampling` option. */
export const samplingSchema = z.strictObject(
  {
    successRate: z.number(rateExpected).min(0, rateExpected).max(1, rateExpected).optional(),
    random: functionSchema<() => number>('a function returning [0, 1)').optional(),
  },
  must('an object such as { successRate: 0.1 }'),
);

/** Validates the `logSampling` option; a bad value fails at startup with a message naming it. */
export function validateSampling(value: unknown): SamplingOptions {
  const input = parseOptions(samplingSchema, value, { name: 'logSampling', prefix: 'logSampling' });
  return { successRate: input.successRate ?? 1, ...(input.random !== undefined && { random: input.random }) };
}

function samplingCounter(registry: Registry): Counter<'outcome'> {
  // A second sampler on the same registry shares the counter instead of failing to register it.
  const existing = registry.getSingleMetric(METRIC_LOG_LINES_SAMPLED_OUT);
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: METRIC_LOG_LINES_SAMPLED_OUT,
    help: 'Log lines of successful (or cancelled) operations not written because of log sampling (logSampling.successRate).',
    labelNames: ['outcome'],
    registers: [registry],
  });
}

/** Decides, per operation, whether its log line is written. */
export class LineSampler {
  private readonly _rate: number;
  private readonly _random: () => number;
  private readonly _sampledOut: Counter<'outcome'>;

  constructor(options: SamplingOptions, registry: Registry) {
    const { successRate, random } = validateSampling(options);
    this._rate = successRate;
    this._random = random ?? Math.random;
    this._sampledOut = samplingCounter(registry);
    // Present from the start, so rate() over the series works before the first skipped line.
    for (const outcome of SAMPLED_OUTCOMES) this._sampledOut.inc({ outcome }, 0);
  }

  /**
   * True when the line should be written. Only `ok` and `cancelled` lines are sampled (one random
   * draw each, none when the rate is 0 or 1); every other outcome is always written. Skipped lines
   * are counted in `mcpulse_log_lines_sampled_out_total{outcome}`.
   */
  keep(outcome: string): boolean {
    if (this._rate >= 1 || !SAMPLED_OUTCOMES.includes(outcome)) return true;
    if (this._rate > 0 && this._random() < this._rate) return true;
    this._sampledOut.inc({ outcome });
    return false;
  }
}
