/**
 * A promtool unit-test file as promtool 2.42 reads it: the YAML shape (Go's struct and type names, for
 * its strict decoder's messages), and the lazy loader: `input_series` read into samples, appended up to
 * each evaluation time.
 */
import { readFileSync } from 'node:fs';

import { labelsFrom, type Labels } from '../store/labels.js';
import { formatGoLabels, formatModelDuration, goQuote } from './go-format.js';
import { OMITTED, parseSeriesDescription, STALE, type SequenceValue } from './series-notation.js';
import type { SampleAppender } from './test-storage.js';
import { decodeYaml, type Shape } from './yaml-decode.js';

const list = (goType: string, of: Shape): Shape => ({ kind: 'list', goType, of });
const SAMPLE: Shape = {
  kind: 'struct',
  goType: 'main.sample',
  fields: { labels: { kind: 'string' }, value: { kind: 'float' } },
};
const PROMQL_TEST: Shape = {
  kind: 'struct',
  goType: 'main.promqlTestCase',
  fields: {
    expr: { kind: 'string' },
    eval_time: { kind: 'duration' },
    exp_samples: list('[]main.sample', SAMPLE),
  },
};
const ALERT: Shape = {
  kind: 'struct',
  goType: 'main.alert',
  fields: { exp_labels: { kind: 'stringMap' }, exp_annotations: { kind: 'stringMap' } },
};
const ALERT_TEST: Shape = {
  kind: 'struct',
  goType: 'main.alertTestCase',
  fields: {
    eval_time: { kind: 'duration' },
    alertname: { kind: 'string' },
    exp_alerts: list('[]main.alert', ALERT),
  },
};
const SERIES: Shape = {
  kind: 'struct',
  goType: 'main.series',
  fields: { series: { kind: 'string' }, values: { kind: 'string' } },
};
const TEST_GROUP: Shape = {
  kind: 'struct',
  goType: 'main.testGroup',
  fields: {
    interval: { kind: 'duration' },
    input_series: list('[]main.series', SERIES),
    alert_rule_test: list('[]main.alertTestCase', ALERT_TEST),
    promql_expr_test: list('[]main.promqlTestCase', PROMQL_TEST),
    external_labels: { kind: 'stringMap' },
    external_url: { kind: 'string' },
    name: { kind: 'string' },
  },
};
const UNIT_TEST_FILE: Shape = {
  kind: 'struct',
  goType: 'main.unitTestFile',
  fields: {
    rule_files: list('[]string', { kind: 'string' }),
    evaluation_interval: { kind: 'duration' },
    group_eval_order: list('[]string', { kind: 'string' }),
    tests: list('[]main.testGroup', TEST_GROUP),
  },
};

export interface PromqlTestCase {
  expr?: string;
  eval_time?: number;
  exp_samples?: ({ labels?: string; value?: number } | undefined)[];
}
export interface ExpectedAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
export interface AlertTestCase {
  eval_time?: number;
  alertname?: string;
  exp_alerts?: (ExpectedAlert | undefined)[];
}
export interface TestGroup {
  interval?: number;
  input_series?: ({ series?: string; values?: string } | undefined)[];
  alert_rule_test?: (AlertTestCase | undefined)[];
  promql_expr_test?: (PromqlTestCase | undefined)[];
  external_labels?: Record<string, string>;
  external_url?: string;
  name?: string;
}
export interface UnitTestFile {
  rule_files?: (string | undefined)[];
  evaluation_interval?: number;
  group_eval_order?: (string | undefined)[];
  tests?: (TestGroup | undefined)[];
}

export interface LoadedSeries {
  readonly labels: Labels;
  /** Why the TSDB refuses this series' samples, if it does. */
  readonly invalid: string | undefined;
  readonly points: { t: number; v: number; stale: boolean }[];
}

/**
 * Reads and decodes a test file: its content, or the errors promtool reports for it (a read error,
 * the strict decoder's messages). Throws YamlDecodeError for syntax errors and bad durations.
 */
export function readUnitTestFile(file: string): UnitTestFile | string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return [code === 'ENOENT' ? `open ${file}: no such file or directory` : (error as Error).message];
  }
  const { value, error } = decodeYaml(text, UNIT_TEST_FILE);
  if (error !== undefined) return [error];
  return value ?? {};
}

/** The lazy loader's `load` block, parsed as promtool parses the text it builds from input_series. */
export function loadSeries(group: TestGroup): LoadedSeries[] {
  const intervalMs = group.interval ?? 0;
  let text = `load ${formatModelDuration(intervalMs)}\n`;
  for (const input of group.input_series ?? []) text += `  ${input?.series ?? ''} ${input?.values ?? ''}\n`;
  const lines = text.split('\n').map((line) => {
    const trimmed = line.trim();
    return trimmed.startsWith('#') ? '' : trimmed;
  });
  // Line 0 is the `load` line; the block ends at the first empty line (promtool's quirk, kept).
  const series = new Map<string, LoadedSeries>();
  for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
    const { labels: raw, values } = parseSeriesDescription(lines[i]!);
    const names = raw.map((label) => label.name);
    const duplicate = names.find((name, j) => names.indexOf(name) !== j);
    const labels = labelsFrom(Object.fromEntries(raw.map((label) => [label.name, label.value])));
    const invalid =
      labels.length === 0
        ? 'empty labelset: invalid sample'
        : duplicate !== undefined
          ? `label name ${goQuote(duplicate)} is not unique: invalid sample`
          : undefined;
    const points = values.flatMap((value: SequenceValue, k) =>
      value === OMITTED
        ? []
        : [{ t: k * intervalMs, v: value === STALE ? NaN : value, stale: value === STALE }],
    );
    series.set(formatGoLabels(labels), { labels, invalid, points });
  }
  return [...series.values()];
}

/**
 * promql.LazyLoader's appendTill: appends every input sample up to a time, in one batch. A series the
 * TSDB refuses (no labels, a repeated label name) fails the whole batch, every time, as in promtool.
 */
export class LazyLoader {
  private readonly next = new Map<LoadedSeries, number>();
  private readonly invalid: string | undefined;

  constructor(
    private readonly series: readonly LoadedSeries[],
    private readonly storage: { appender(): SampleAppender },
  ) {
    this.invalid = series.find((s) => s.invalid !== undefined)?.invalid;
  }

  /** Returns the TSDB's refusal, if any (then nothing was appended). */
  appendTill(timeMs: number): string | undefined {
    if (this.invalid !== undefined) return this.invalid;
    const appender = this.storage.appender();
    for (const s of this.series) {
      let k = this.next.get(s) ?? 0;
      for (; k < s.points.length && s.points[k]!.t <= timeMs; k++) {
        const point = s.points[k]!;
        appender.append(s.labels, point.t, point.v, point.stale);
      }
      this.next.set(s, k);
    }
    appender.commit();
    return undefined;
  }
}
