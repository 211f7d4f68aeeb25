/**
 * The zod schemas of `createMcpulse`'s options, and the defaults `resolveOptions` fills in. Objects
 * are strict: an unknown key (a typo) is an error naming it. Messages: see ./errors.ts.
 */
import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';

import { MCP_LOG_LEVELS } from '../logging/context.js';
import { logFileSchema } from '../logging/outputs.js';
import { samplingSchema } from '../logging/sampling.js';
import { hostMetricsSchema } from '../metrics/host.js';
import { alertingOptionsSchema } from '../alerting/setup.js';
import { storeOptionsSchema } from '../store/embedded.js';
import { booleanSchema, integerSchema, must, SENTENCE, textSchema } from './errors.js';
import type { McpulseOptions } from './options.js';

/** The defaults of the options that have a fixed one (others default to an environment variable or to none). */
export const OPTION_DEFAULTS = {
  service: 'mcp-server',
  version: '0.0.0',
  /** After `NODE_ENV`. */
  env: 'development',
  processMetrics: true,
  hostMetrics: true,
  store: true,
  /** While the store is on. */
  alerting: true,
  /** After `LOG_LEVEL`. */
  logLevel: 'info',
  logDestination: 2,
  monitoring: { port: 9464, host: '127.0.0.1' },
  tools: [],
  prompts: [],
  maxClientNames: 50,
  maxInflightPerTransport: 10_000,
  context: false,
  clientLogLevel: 'info',
  clientLogRate: 20,
  /** Unless `LOG_PRETTY=1`. */
  logPretty: false,
  logStderr: true,
  logPayloads: false,
  handleSignals: false,
  drainTimeoutMs: 10_000,
  defaultHealthChecks: true,
  healthHideDetails: false,
  tracing: true,
} as const satisfies Partial<Record<keyof McpulseOptions, unknown>>;

/** Bytes of a logged payload or a captured span attribute when `maxBytes` is not given. */
export const DEFAULT_CONTENT_BYTES = 2048;

export const LOG_LEVEL_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevelSchema = z.enum(LOG_LEVEL_NAMES, must(`one of ${LOG_LEVEL_NAMES.join(', ')}`));

export const healthTokenSchema = z
  .string(must('a string of at least 8 characters'))
  .min(8, must('a string of at least 8 characters'));

/** `true`, `false`, or `{ maxBytes }` (16 bytes to 1 MiB). */
function contentSchema() {
  return z.union(
    [z.boolean(), z.strictObject({ maxBytes: integerSchema(16, 1_048_576).optional() })],
    must('a boolean or { maxBytes }'),
  );
}

const fdOrPathOrStream = must('a file descriptor, a file path or a stream');

/** One entry per option of McpulseOptions, and none other (checked by the compiler). */
const optionShape = {
  service: textSchema().optional(),
  version: textSchema().optional(),
  env: textSchema().optional(),
  registry: z
    .custom<Registry>((value) => value instanceof Registry, must('a prom-client Registry'))
    .optional(),
  processMetrics: booleanSchema().optional(),
  hostMetrics: z.union([z.boolean(), hostMetricsSchema], must('a boolean or an object')).optional(),
  store: z
    .union([z.boolean(), storeOptionsSchema], must('a boolean or an object such as { intervalMs: 15000 }'))
    .optional(),
  alerting: z
    .union(
      [z.boolean(), alertingOptionsSchema],
      must('a boolean or an object such as { rules: ["rules.yml"] }'),
    )
    .optional(),
  logger: z
    .custom<Logger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { info?: unknown }).info === 'function',
      must('a pino logger'),
    )
    .optional(),
  logLevel: logLevelSchema.optional(),
  logDestination: z
    .union(
      [
        z
          .int(fdOrPathOrStream)
          .min(0, fdOrPathOrStream)
          .refine((fd) => fd !== 1, {
            error: '1 (stdout) would corrupt the stdio transport; use 2 (stderr) or a file',
            params: SENTENCE,
          }),
        z.string(fdOrPathOrStream).min(1, fdOrPathOrStream),
        z.custom<DestinationStream>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            typeof (value as { write?: unknown }).write === 'function',
          fdOrPathOrStream,
        ),
      ],
      fdOrPathOrStream,
    )
    .optional(),
  monitoring: z
    .union(
      [
        z.literal(false),
        z.strictObject({
          port: integerSchema(0, 65535).optional(),
          host: textSchema().optional(),
        }),
      ],
      must('an object such as { port: 9464 } or false'),
    )
    .optional(),
  tools: z.array(z.string(must('a string')), must('an array of strings')).optional(),
  prompts: z.array(z.string(must('a string')), must('an array of strings')).optional(),
  maxClientNames: integerSchema(0, 10_000).optional(),
  maxInflightPerTransport: integerSchema(1, 1_000_000).optional(),
  // 'async' is accepted ahead of the option becoming `false | 'async'`; for now it means true.
  context: z.union([z.boolean(), z.literal('async')], must("true, false or 'async'")).optional(),
  clientLogLevel: z
    .enum([...MCP_LOG_LEVELS, 'off'], must(`one of ${MCP_LOG_LEVELS.join(', ')} or off`))
    .optional(),
  clientLogRate: integerSchema(1, 10_000).optional(),
  logFile: logFileSchema.optional(),
  logPretty: booleanSchema().optional(),
  logStderr: booleanSchema().optional(),
  logSampling: samplingSchema.optional(),
  logPayloads: contentSchema().optional(),
  handleSignals: booleanSchema().optional(),
  drainTimeoutMs: integerSchema(0, 600_000).optional(),
  defaultHealthChecks: booleanSchema().optional(),
  healthHideDetails: booleanSchema().optional(),
  healthToken: healthTokenSchema.optional(),
  tracing: z
    .union(
      [z.boolean(), z.strictObject({ captureContent: contentSchema().optional() })],
      must('a boolean or an object such as { captureContent: true }'),
    )
    .optional(),
} satisfies Record<keyof McpulseOptions, z.ZodType>;

export const mcpulseOptionsSchema = z.strictObject(optionShape, must('an object'));

/** The top-level option names, as the schema knows them. */
export const OPTION_NAMES = Object.keys(optionShape) as (keyof McpulseOptions)[];
