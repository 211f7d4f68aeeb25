/**
 * `mcpulse rules test FILE…`: promtool's `test rules` against mcpulse's PromQL engine. Its report goes
 * to stdout and stderr exactly as promtool's does, and it exits as promtool does: 0 when every file
 * passes, 1 otherwise (a missing file, or none given, is 1 as well, before anything runs).
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';

import { expandAlertTemplate } from '../alerting/template/index.js';
import { runRuleUnitTests, type UnitTestOptions } from '../alerting/unit-test.js';
import { PromqlEngine } from '../store/promql/engine.js';
import { parseExpr } from '../store/promql/parse.js';
import { err, EXIT_FAILURE } from './io.js';

/** The unit-test runner's parts: mcpulse's parser and engine, and the process's stdout and stderr. */
export function rulesTestOptions(): UnitTestOptions {
  return {
    createEngine: (queryable, settings) => {
      const engine = new PromqlEngine(queryable, {
        lookbackDeltaMs: settings.lookbackDeltaMs,
        subqueryStepMs: settings.noStepSubqueryIntervalMs,
        maxSamples: settings.maxSamples,
      });
      return { instant: (expr, timeMs) => engine.instant(parseExpr(expr), timeMs) };
    },
    checkExpression: (expr) => {
      try {
        parseExpr(expr);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    expandTemplate: expandAlertTemplate,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}

/** Why promtool would refuse `file` before running anything (kingpin's ExistingFiles), if it would. */
function unusable(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return `'${basename(file)}' is a directory`;
    return undefined;
  } catch {
    return `path '${file}' does not exist`;
  }
}

export async function runRulesTest(files: readonly string[]): Promise<number> {
  if (files.length === 0) {
    err(
      "mcpulse rules test: required argument 'test-rule-file' not provided; usage: mcpulse rules test FILE…",
    );
    return EXIT_FAILURE;
  }
  for (const file of files) {
    const problem = unusable(file);
    if (problem !== undefined) {
      err(`mcpulse rules test: ${problem}`);
      return EXIT_FAILURE;
    }
  }
  return runRuleUnitTests(files, rulesTestOptions());
}
