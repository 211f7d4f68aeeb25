/**
 * The zod schemas of `createMcpulse`'s options, and the defaults `resolveOptions` fills in. Objects
 * are strict: an unknown key (a typo) is an error naming it. Messages: see ./validate.ts.
 */
import { basename } from 'node:path';

import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';

import { MCP_LOG_LEVELS } from '../logging/context.js';
import type { McpulseOptions } from './options.js';
import { booleanSchema, integerSchema, must, SENTENCE, textSchema } from './validate.js';

/** The defaults of the options that have a fixed one (others default to an environment variable or to none). */
export const OPTION_DEFAULTS = {
  service: 'mcp-server',
  version: '0.0.0',
  /** After `NODE_ENV`. */
  env: 'development',
  processMetrics: true,
  hostMetrics: true,
  /** After `LOG_LEVEL`. */
  logLevel: 'info',
  logDestination: 2,
  monitoring: { port: 9464, host: '127.0.0.1' },
  tools: [],
  prompts: [],
  maxClientNames: 50,
  maxInflightPerTransport: 10_000,
  context: true,
  clientLogLevel: 'info',
  clientLogRate: 20,
  /** Unless `LOG_PRETTY=1`. */
  logPretty: false,
  logStderr: true,
  logPayloads: false,
  handleSignals: true,
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

const MIN_HOST_INTERVAL_MS = 1000;
const hostIntervalExpected = must(`a number >= ${MIN_HOST_INTERVAL_MS}`);
const nonEmptyString = z.string(must('a non-empty string')).min(1, must('a non-empty string'));

export const hostMetricsSchema = z.strictObject(
  {
    intervalMs: z.number(hostIntervalExpected).min(MIN_HOST_INTERVAL_MS, hostIntervalExpected).optional(),
    diskPaths: z.array(nonEmptyString, must('an array of non-empty strings')).optional(),
  },
  must('an object such as { intervalMs: 15000 }'),
);

/** pino-roll's spelling of a size: a number and a unit (k, m or g). */
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)([kmg])$/i;
/** pino-roll refuses these (cross-platform file-name safety); refuse them up front, with the option's name. */
const BAD_PATH_CHARS = /[<>"|?*\0]/;
export const MAX_LOG_FILES_KEPT = 10_000;

const filePathExpected = { ...must('a non-empty file path'), abort: true };
const filePath = z
  .string(filePathExpected)
  .min(1, filePathExpected)
  .max(4096, filePathExpected)
  .refine((path) => !BAD_PATH_CHARS.test(path) && !path.replace(/^[A-Za-z]:/, '').includes(':'), {
    error: 'must not contain < > " | ? * : or NUL',
    abort: true,
  })
  .refine((path) => !/[/\\]$/.test(path) && basename(path) !== '.' && basename(path) !== '..', {
    error: 'must name a file, not a folder',
  });
const sizeExpected = must('a positive whole number of bytes or a size like "10m", "512k", "1g"');

export const logFileSchema = z.strictObject(
  {
    path: filePath,
    errorPath: filePath.optional(),
    maxSize: z
      .union(
        [
          z.int(sizeExpected).min(1, sizeExpected),
          z.string(sizeExpected).refine((size) => Number(SIZE_PATTERN.exec(size)?.[1]) > 0, sizeExpected),
        ],
        sizeExpected,
      )
      .optional(),
    daily: booleanSchema().optional(),
    keep: integerSchema(1, MAX_LOG_FILES_KEPT).optional(),
  },
  must('an object such as { path: "logs/app.jsonl" }'),
);

const rateExpected = must('a number from 0 to 1');

export const samplingSchema = z.strictObject(
  {
    successRate: z.number(rateExpected).min(0, rateExpected).max(1, rateExpected).optional(),
    random: z
      .custom<() => number>((value) => typeof value === 'function', must('a function returning [0, 1)'))
      .optional(),
  },
  must('an object such as { successRate: 0.1 }'),
);

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
