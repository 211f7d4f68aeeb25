/**
 * Alert templates as Prometheus 2.42 expands them (rules/alerting.go): Go text/template with
 * Prometheus's functions, the text prefixed with the `$labels`, `$externalLabels`, `$externalURL` and
 * `$value` definitions, named `__alert_<rule>`. A template that fails yields Prometheus's text
 * `<error expanding template: …>`; checkTemplate is rulefmt's parse check. Bounded: output and every
 * string value up to MAX_OUTPUT_BYTES, work up to MAX_STEPS, nesting up to MAX_NESTING and
 * `{{template}}` calls up to MAX_TEMPLATE_DEPTH.
 */
import { BUILTINS } from './builtins.js';
import { execute, TemplateExecError } from './exec.js';
import type { TemplateFunc } from './funcs-types.js';
import { parseTemplate, TemplateParseError, type ParsedTemplate } from './parse.js';
import { prometheusFuncs, type PrometheusFuncOptions } from './prom-funcs.js';
import type { TemplateSample } from './values.js';

export { MAX_NESTING } from './parse.js';
export { MAX_TEMPLATE_DEPTH } from './exec.js';
export type { TemplateSample } from './values.js';

/** The definitions Prometheus puts before every alert label and annotation template. */
export const ALERT_TEMPLATE_DEFS =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';
/** The most an expansion may write (and the longest string a function may return): 1 MiB. */
export const MAX_OUTPUT_BYTES = 1 << 20;
/** The most nodes, commands and range iterations one expansion may evaluate. */
export const MAX_STEPS = 1_000_000;

export interface AlertTemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** `.ExternalURL` / `$externalURL` (Prometheus passes the external URL as a string). */
  readonly externalURL?: string;
  readonly value: number;
}

export interface AlertTemplateOptions {
  /** The rule's name: the template is `__alert_<name>`. */
  readonly name: string;
  /** The evaluation time (`query` runs at it). */
  readonly timeMs: number;
  readonly query?: (expr: string, timeMs: number) => readonly TemplateSample[];
  /** The URL the `externalURL` and `pathPrefix` functions read; without it they fail as in promtool. */
  readonly externalUrl?: string;
}

const FUNCTION_NAMES: ReadonlySet<string> = new Set([
  ...BUILTINS.keys(),
  ...prometheusFuncs({ timeMs: 0 }).keys(),
]);
const hasFunction = (name: string): boolean => FUNCTION_NAMES.has(name);

/** Parsed templates by name and text, so each evaluation of a rule does not parse again; bounded. */
const parsed = new Map<string, ParsedTemplate | TemplateParseError>();
const PARSED_LIMIT = 512;

function parseCached(name: string, text: string): ParsedTemplate {
  const key = `${name}\u0000${text}`;
  let entry = parsed.get(key);
  if (entry === undefined) {
    try {
      entry = parseTemplate(name, text, hasFunction);
    } catch (error) {
      if (!(error instanceof TemplateParseError)) throw error;
      entry = error;
    }
    if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, entry);
  }
  if (entry instanceof TemplateParseError) throw entry;
  return entry;
}

/** Template.Expand: the output, or the failure in Prometheus's words (`error parsing template …`). */
export function expandTemplate(
  name: string,
  text: string,
  data: AlertTemplateData,
  options: PrometheusFuncOptions,
): { readonly output: string } | { readonly error: string } {
  let tmpl: ParsedTemplate;
  try {
    tmpl = parseCached(name, text);
  } catch (error) {
    if (!(error instanceof TemplateParseError)) throw error;
    return { error: `error parsing template ${name}: ${error.message}` };
  }
  const funcs: Map<string, TemplateFunc> = new Map([...BUILTINS, ...prometheusFuncs(options)]);
  const value = {
    t: 'struct' as const,
    v: {
      labels: data.labels,
      externalLabels: data.externalLabels ?? {},
      externalURL: data.externalURL ?? '',
      value: data.value,
    },
  };
  try {
    return { output: execute(tmpl, value, funcs, { maxOutputBytes: MAX_OUTPUT_BYTES, maxSteps: MAX_STEPS }) };
  } catch (error) {
    if (error instanceof TemplateExecError)
      return { error: `error executing template ${name}: ${error.message}` };
    // Prometheus recovers a panic in a template; so does this, for a fault of its own.
    const message = error instanceof Error ? error.message : String(error);
    return { error: `panic expanding template ${name}: ${message}` };
  }
}

/** An alert label or annotation expanded as rules/alerting.go does; a failure becomes its error text. */
export function expandAlertTemplate(
  text: string,
  data: AlertTemplateData,
  options: AlertTemplateOptions,
): string {
  const result = expandTemplate(`__alert_${options.name}`, ALERT_TEMPLATE_DEFS + text, data, options);
  return 'output' in result ? result.output : `<error expanding template: ${result.error}>`;
}

/** rulefmt's testTemplateParsing for one template: Go's parse error (`template: __alert_x:1: …`), or undefined. */
export function checkTemplate(ruleName: string, text: string): string | undefined {
  try {
    parseCached(`__alert_${ruleName}`, ALERT_TEMPLATE_DEFS + text);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateParseError) return error.message;
    throw error;
  }
}
