/**
 * The part of an Alertmanager 0.25 configuration file that mcpulse's notifier runs: `global`
 * (resolve_timeout, and the smtp_*, slack_api_url(_file), pagerduty_url and http_config defaults the
 * integrations read), `route` and `receivers` (`templates` only when empty). Validated as Alertmanager's
 * config.Load does, with its messages; a key Alertmanager has but mcpulse does not run
 * (inhibit_rules, time intervals, other integrations, …) is refused by its path, so a file never
 * means less here than it does there. The entries of `webhook_configs`, `slack_configs`,
 * `email_configs` and `pagerduty_configs` are kept as plain values for the integrations' builder.
 */
import { readFileSync } from 'node:fs';

import { goQuote } from '../go-format.js';
import { ConfigReader, readYaml, toPlain } from './config-values.js';
import {
  DEFAULT_PAGERDUTY_URL,
  GLOBAL_KEYS,
  INTEGRATION_KINDS,
  RECEIVER_KEYS,
  type IntegrationKind,
} from './known-keys.js';
import { LABEL_NAME } from './labelset.js';
import { compareMatchers, newMatcher, parseMatchers, type Matcher } from './matchers.js';

export interface GlobalConfig {
  readonly resolveTimeoutMs: number;
  readonly smtpFrom?: string;
  readonly smtpHello: string;
  /** `host:port`, as written. */
  readonly smtpSmarthost?: string;
  readonly smtpAuthUsername?: string;
  readonly smtpAuthPassword?: string;
  readonly smtpAuthPasswordFile?: string;
  readonly smtpAuthIdentity?: string;
  readonly smtpRequireTls: boolean;
  readonly slackApiUrl?: string;
  readonly slackApiUrlFile?: string;
  readonly pagerdutyUrl: string;
}

export interface RouteConfig {
  /** Where the route sits in the file: `route`, `route.routes[0]`, … */
  readonly path: string;
  readonly receiver?: string;
  /** The labels listed in group_by; undefined when it lists none (the parent's then apply). */
  readonly groupBy?: readonly string[];
  /** group_by: ['...']: every label. */
  readonly groupByAll: boolean;
  readonly groupWaitMs?: number;
  readonly groupIntervalMs?: number;
  readonly repeatIntervalMs?: number;
  /** match, match_re and matchers together, sorted as Alertmanager sorts them. */
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: readonly RouteConfig[];
}

export interface ReceiverConfig {
  readonly name: string;
  /** `receivers[2]` */
  readonly path: string;
  /** Each kind's entries as written (plain JS values); the integrations' builder reads their fields. */
  readonly integrations: Readonly<Record<IntegrationKind, readonly unknown[]>>;
  /** The whole entry as written (plain JS values), for a builder that reads it itself. */
  readonly raw: unknown;
}

export interface AlertmanagerConfig {
  readonly global: GlobalConfig;
  /** `global` as written (plain JS values; undefined when absent), for the integrations' builder. */
  readonly rawGlobal: unknown;
  readonly route: RouteConfig;
  readonly receivers: readonly ReceiverConfig[];
}

const TOP_KEYS = ['global', 'route', 'receivers', 'templates'];
const TOP_ALERTMANAGER_ONLY = ['inhibit_rules', 'mute_time_intervals', 'time_intervals'];
const ROUTE_KEYS = [
  'receiver',
  'group_by',
  'match',
  'match_re',
  'matchers',
  'continue',
  'routes',
  'group_wait',
  'group_interval',
  'repeat_interval',
];
const ROUTE_ALERTMANAGER_ONLY = ['mute_time_intervals', 'active_time_intervals'];

const DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000;
/** Routes nest at most this deep (a bound of ours: Alertmanager has none). */
export const MAX_ROUTE_DEPTH = 32;

/** config.parseURL: http or https, with a host. Returns the error, or undefined. */
function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'invalid URL';
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') return `unsupported scheme ${goQuote(scheme)} for URL`;
  if (url.host === '') return 'missing host for URL';
  return undefined;
}

/** config.HostPort: net.SplitHostPort with a port required. */
function hostPortProblem(text: string): string | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]*):([^:[\]]*)$/.exec(text);
  if (!match) return `address ${text}: ${text.includes(':') ? 'too many colons' : 'missing port'} in address`;
  if (match[2] === '') return `address ${goQuote(text)}: port cannot be empty`;
  return undefined;
}

function parseGlobal(reader: ConfigReader, value: unknown): GlobalConfig {
  const raw = reader.object(value, 'global');
  reader.checkKeys(raw, 'global', GLOBAL_KEYS.supported, [
    ...GLOBAL_KEYS.unsupported,
    ...GLOBAL_KEYS.ignored,
  ]);
  const str = (key: string): string | undefined => reader.string(raw[key], `global.${key}`) || undefined;
  const smtpSmarthost = str('smtp_smarthost');
  if (smtpSmarthost !== undefined) {
    const problem = hostPortProblem(smtpSmarthost);
    if (problem) throw reader.error('global.smtp_smarthost', problem);
  }
  const slackApiUrl = str('slack_api_url');
  const pagerdutyUrl = str('pagerduty_url') ?? DEFAULT_PAGERDUTY_URL;
  // The Slack URL is a secret: its problem is named, never its text.
  for (const [key, url] of [
    ['slack_api_url', slackApiUrl],
    ['pagerduty_url', pagerdutyUrl],
  ] as const) {
    const problem = url === undefined ? undefined : urlProblem(url);
    if (problem) throw reader.error(`global.${key}`, problem);
  }
  const global: GlobalConfig = {
    resolveTimeoutMs:
      reader.duration(raw.resolve_timeout, 'global.resolve_timeout') ?? DEFAULT_RESOLVE_TIMEOUT_MS,
    smtpFrom: str('smtp_from'),
    smtpHello: str('smtp_hello') ?? 'localhost',
    smtpSmarthost,
    smtpAuthUsername: str('smtp_auth_username'),
    smtpAuthPassword: str('smtp_auth_password'),
    smtpAuthPasswordFile: str('smtp_auth_password_file'),
    smtpAuthIdentity: str('smtp_auth_identity'),
    smtpRequireTls: reader.boolean(raw.smtp_require_tls, 'global.smtp_require_tls') ?? true,
    slackApiUrl,
    slackApiUrlFile: str('slack_api_url_file'),
    pagerdutyUrl,
  };
  if (global.slackApiUrl !== undefined && global.slackApiUrlFile !== undefined) {
    throw reader.error('global', 'at most one of slack_api_url & slack_api_url_file must be configured');
  }
  if (global.smtpAuthPassword !== undefined && global.smtpAuthPasswordFile !== undefined) {
    throw reader.error(
      'global',
      'at most one of smtp_auth_password & smtp_auth_password_file must be configured',
    );
  }
  return global;
}

function parseRoute(reader: ConfigReader, value: unknown, path: string, depth: number): RouteConfig {
  if (depth > MAX_ROUTE_DEPTH) throw reader.error(path, `routes nest more than ${MAX_ROUTE_DEPTH} deep`);
  const raw = reader.object(value, path);
  reader.checkKeys(raw, path, ROUTE_KEYS, ROUTE_ALERTMANAGER_ONLY);
  const matchers: Matcher[] = [];
  for (const [name, text] of Object.entries(reader.stringMap(raw.match, `${path}.match`))) {
    if (!LABEL_NAME.test(name)) throw reader.error(`${path}.match`, `invalid label name ${goQuote(name)}`);
    matchers.push(newMatcher('=', name, text));
  }
  for (const [name, text] of Object.entries(reader.stringMap(raw.match_re, `${path}.match_re`))) {
    const at = `${path}.match_re`;
    if (!LABEL_NAME.test(name)) throw reader.error(at, `invalid label name ${goQuote(name)}`);
    // config.Regexp keeps the anchored regex, and dispatch.NewRoute builds its matcher from that
    // text: the route's key then shows `^(?:…)$`, as Alertmanager's does.
    const anchored = `^(?:${text})$`;
    try {
      newMatcher('=~', name, text);
    } catch (error) {
      throw reader.error(at, (error as Error).message);
    }
    matchers.push(newMatcher('=~', name, anchored));
  }
  reader.stringList(raw.matchers, `${path}.matchers`).forEach((line, i) => {
    try {
      matchers.push(...parseMatchers(line));
    } catch (error) {
      throw reader.error(`${path}.matchers[${i}]`, (error as Error).message);
    }
  });
  matchers.sort(compareMatchers);

  const groupByAt = `${path}.group_by`;
  const listed = reader.stringList(raw.group_by, groupByAt);
  const groupByAll = listed.includes('...');
  const labels = listed.filter((name) => name !== '...');
  for (const name of labels) {
    if (!LABEL_NAME.test(name)) {
      throw reader.error(groupByAt, `invalid label name ${goQuote(name)} in group_by list`);
    }
  }
  if (groupByAll && labels.length > 0) {
    throw reader.error(
      groupByAt,
      'cannot have wildcard group_by (`...`) and other other labels at the same time',
    );
  }
  const duplicate = labels.find((name, i) => labels.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw reader.error(groupByAt, `duplicated label ${goQuote(duplicate)} in group_by`);

  const groupIntervalMs = reader.duration(raw.group_interval, `${path}.group_interval`);
  if (groupIntervalMs === 0) throw reader.error(`${path}.group_interval`, 'group_interval cannot be zero');
  const repeatIntervalMs = reader.duration(raw.repeat_interval, `${path}.repeat_interval`);
  if (repeatIntervalMs === 0) throw reader.error(`${path}.repeat_interval`, 'repeat_interval cannot be zero');

  return {
    path,
    receiver: reader.string(raw.receiver, `${path}.receiver`) || undefined,
    groupBy: labels.length > 0 ? labels : undefined,
    groupByAll,
    groupWaitMs: reader.duration(raw.group_wait, `${path}.group_wait`),
    groupIntervalMs,
    repeatIntervalMs,
    matchers,
    continue: reader.boolean(raw.continue, `${path}.continue`) ?? false,
    routes: reader
      .list(raw.routes, `${path}.routes`)
      .map((child, i) => parseRoute(reader, child, `${path}.routes[${i}]`, depth + 1)),
  };
}

function parseReceiver(reader: ConfigReader, value: unknown, path: string): ReceiverConfig {
  const raw = reader.object(value, path);
  reader.checkKeys(raw, path, RECEIVER_KEYS.supported, RECEIVER_KEYS.unsupported);
  const name = reader.string(raw.name, `${path}.name`) ?? '';
  if (name === '') throw reader.error(path, 'missing name in receiver');
  const integrations = Object.fromEntries(
    INTEGRATION_KINDS.map((kind) => [kind, reader.list(raw[kind], `${path}.${kind}`).map(toPlain)]),
  ) as Record<IntegrationKind, unknown[]>;
  return { name, path, integrations, raw: toPlain(raw) };
}

function checkReceivers(reader: ConfigReader, route: RouteConfig, names: ReadonlySet<string>): void {
  for (const child of route.routes) checkReceivers(reader, child, names);
  if (route.receiver !== undefined && !names.has(route.receiver)) {
    throw reader.error(
      `${route.path}.receiver`,
      `undefined receiver ${goQuote(route.receiver)} used in route`,
    );
  }
}

/**
 * Parses and validates an Alertmanager configuration: YAML text, or the same shape as a JS object.
 * Throws McpulseOptionError (`alertmanager config[ <source>]: <path>: <problem>`).
 */
export function parseAlertmanagerConfig(input: string | object, source?: string): AlertmanagerConfig {
  const reader = new ConfigReader(
    source === undefined ? 'alertmanager config' : `alertmanager config ${source}`,
  );
  let document: unknown = input;
  if (typeof input === 'string') {
    try {
      document = readYaml(input);
    } catch (error) {
      throw reader.error('', (error as Error).message);
    }
  }
  const raw = reader.object(document, '');
  reader.checkKeys(raw, '', TOP_KEYS, TOP_ALERTMANAGER_ONLY);
  if (reader.list(raw.templates, 'templates').length > 0) {
    throw reader.refuse(
      'templates',
      "with entries is not supported by mcpulse's notifier (Alertmanager supports it; send alerts to a real Alertmanager instead)",
    );
  }
  const global = parseGlobal(reader, raw.global);
  const receivers = reader
    .list(raw.receivers, 'receivers')
    .map((r, i) => parseReceiver(reader, r, `receivers[${i}]`));
  const names = new Set<string>();
  for (const receiver of receivers) {
    if (names.has(receiver.name)) {
      throw reader.error(receiver.path, `notification config name ${goQuote(receiver.name)} is not unique`);
    }
    names.add(receiver.name);
  }
  if (raw.route === undefined || raw.route === null) throw reader.error('', 'no routes provided');
  const route = parseRoute(reader, raw.route, 'route', 0);
  if (route.receiver === undefined) throw reader.error('route', 'root route must specify a default receiver');
  if (route.matchers.length > 0) throw reader.error('route', 'root route must not have any matchers');
  checkReceivers(reader, route, names);
  return { global, rawGlobal: toPlain(raw.global), route, receivers };
}

/** Reads and parses an Alertmanager configuration file. */
export function loadAlertmanagerConfig(file: string): AlertmanagerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigReader(`alertmanager config ${file}`).error('', (error as Error).message);
  }
  return parseAlertmanagerConfig(text, file);
}
