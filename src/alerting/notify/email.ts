/**
 * email_configs, sent with nodemailer the way Alertmanager 0.25's email notifier talks SMTP: port 465
 * is implicit TLS, any other port starts plain and upgrades with STARTTLS when require_tls (default
 * true; false never upgrades, as Alertmanager), then AUTH when a username is set and the server offers
 * it. Headers default to Alertmanager's Subject (`[FIRING:2] …`), To and From; the body is
 * multipart/alternative with a plain-text part and an HTML table (escaped), mcpulse's own layout in
 * place of Alertmanager's email.default.html. Every failure is worth a retry, as Alertmanager has it.
 */
import { isIP } from 'node:net';

import addressparser from 'nodemailer/lib/addressparser';
import { createTransport } from 'nodemailer';

import type { FieldReader } from './config-fields.js';
import { type Keys } from './config-fields.js';
import { parseTlsConfig, redact } from './http-post.js';
import {
  alertmanagerUrl,
  firingAlerts,
  resolvedAlerts,
  sortedPairs,
  subject,
  textAlertList,
} from './message.js';
import { NotifyError, type Integration, type NotificationAlert, type WebhookMessage } from './types.js';

const KEYS: Keys = {
  supported: [
    'send_resolved',
    'to',
    'from',
    'hello',
    'smarthost',
    'auth_username',
    'auth_password',
    'auth_password_file',
    'auth_identity',
    'headers',
    'html',
    'text',
    'require_tls',
    'tls_config',
  ],
  unsupported: ['auth_secret'],
};
/** Bounds of one SMTP session (the delivery layer's timeout aborts sooner through the signal). */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** global's smtp_* defaults, already read. */
export interface SmtpDefaults {
  readonly from?: string;
  readonly hello: string;
  readonly smarthost?: string;
  readonly authUsername?: string;
  readonly authPassword?: string;
  readonly authIdentity?: string;
  readonly requireTls: boolean;
}

export function parseEmailConfig(
  reader: FieldReader,
  index: number,
  global: SmtpDefaults,
): Integration | undefined {
  reader.checkKeys(KEYS);
  const before = reader.problems.length;
  const to = reader.literal('to');
  if (to === undefined || to === '')
    reader.problems.push(`${reader.path}: missing to address in email config`);
  const from = reader.literal('from') || global.from;
  if (from === undefined) reader.problems.push(`${reader.path}: no global SMTP from set`);
  const smarthost = reader.string('smarthost') || global.smarthost;
  if (smarthost === undefined) reader.problems.push(`${reader.path}: no global SMTP smarthost set`);
  const hostPort =
    smarthost === undefined ? undefined : parseHostPort(smarthost, reader.at('smarthost'), reader.problems);
  const headers = canonicalHeaders(reader);
  const password =
    reader.has('auth_password') || reader.has('auth_password_file')
      ? reader.secret('auth_password', 'auth_password_file', { trim: false })
      : global.authPassword;
  const settings = {
    hello: reader.string('hello') || global.hello,
    username: reader.string('auth_username') || global.authUsername,
    password,
    identity: reader.string('auth_identity') || global.authIdentity,
    requireTls: reader.boolean('require_tls') ?? global.requireTls,
    tls: parseTlsConfig(reader.nested('tls_config')),
    html: reader.literal('html'),
    text: reader.literal('text'),
  };
  const sendResolved = reader.boolean('send_resolved') ?? false;
  if (to !== undefined) checkAddresses(to, reader.at('to'), reader.problems, 'at least one');
  if (from !== undefined) checkAddresses(from, reader.at('from'), reader.problems, 'exactly one');
  if (reader.problems.length > before || !hostPort || to === undefined || from === undefined)
    return undefined;
  const secrets = settings.password === undefined ? [] : [settings.password];
  return {
    integration: 'email',
    index,
    sendResolved,
    notify: async (message, signal) => {
      const transport = createTransport({
        host: hostPort.host,
        port: hostPort.port,
        secure: hostPort.port === 465,
        requireTLS: hostPort.port !== 465 && settings.requireTls,
        ignoreTLS: hostPort.port !== 465 && !settings.requireTls,
        name: settings.hello,
        tls: {
          // SNI takes a name only; node checks the certificate against the host (an IP too) without it.
          ...(settings.tls.serverName !== undefined || isIP(hostPort.host) === 0
            ? { servername: settings.tls.serverName ?? hostPort.host }
            : {}),
          rejectUnauthorized: !settings.tls.insecureSkipVerify,
          ...(settings.tls.ca === undefined ? {} : { ca: settings.tls.ca }),
        },
        ...authOptions(settings.username, settings.password, settings.identity),
        connectionTimeout: CONNECT_TIMEOUT_MS,
        greetingTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: SOCKET_TIMEOUT_MS,
        logger: false,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const { Subject, To, From, ...rest } = headers;
      try {
        await transport.sendMail({
          envelope: { from: addressparser(from, { flatten: true })[0]?.address ?? from, to },
          from: From ?? from,
          to: To ?? to,
          subject: Subject ?? subject(message),
          headers: rest,
          text: settings.text ?? emailText(message),
          html: settings.html ?? emailHtml(message),
          signal,
        });
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        throw new NotifyError(
          redact(signal.aborted ? 'SMTP session aborted (timeout)' : text, secrets),
          true,
        );
      } finally {
        transport.close();
      }
    },
  };
}

function authOptions(
  username: string | undefined,
  password: string | undefined,
  identity: string | undefined,
): object {
  if (username === undefined || username === '') return {};
  const pass = password ?? '';
  if (identity === undefined || identity === '') return { auth: { user: username, pass } };
  // nodemailer leaves PLAIN's authorization identity empty; Alertmanager sends auth_identity there.
  return {
    auth: { type: 'custom', method: 'PLAIN', user: username, pass },
    customAuth: {
      PLAIN: async (context: { sendCommand(command: string): Promise<{ status: number; text: string }> }) => {
        const token = Buffer.from(`${identity}\u0000${username}\u0000${pass}`).toString('base64');
        const reply = await context.sendCommand(`AUTH PLAIN ${token}`);
        if (reply.status !== 235) throw new Error(`Invalid login: ${reply.status} ${reply.text}`);
      },
    },
  };
}

function parseHostPort(
  text: string,
  path: string,
  problems: string[],
): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    problems.push(`${path} must be host:port, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

function checkAddresses(text: string, path: string, problems: string[], expected: string): void {
  const addresses = addressparser(text, { flatten: true }).filter((address) => address.address !== '');
  const count = addresses.length;
  if (expected === 'exactly one' ? count !== 1 : count === 0) {
    problems.push(`${path} must hold ${expected} address, got ${count}`);
  }
}

/** textproto.CanonicalMIMEHeaderKey on each name; two names the same once canonical are refused. */
function canonicalHeaders(reader: FieldReader): Record<string, string> {
  const given = reader.literalMap('headers') ?? {};
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const canonical = name
      .toLowerCase()
      .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
    if (canonical in result)
      reader.problems.push(`${reader.path}: duplicate header ${JSON.stringify(canonical)} in email config`);
    result[canonical] = value;
  }
  return result;
}

export function emailText(message: WebhookMessage): string {
  const firing = firingAlerts(message);
  const resolved = resolvedAlerts(message);
  let text = `${subject(message)}\n\n${firing.length} firing, ${resolved.length} resolved: ${alertmanagerUrl(message)}\n`;
  if (firing.length > 0) text += `\nAlerts Firing:\n${textAlertList(firing)}`;
  if (resolved.length > 0) text += `\nAlerts Resolved:\n${textAlertList(resolved)}`;
  return text;
}

export function emailHtml(message: WebhookMessage): string {
  const firing = firingAlerts(message);
  const resolved = resolvedAlerts(message);
  const color = message.status === 'firing' ? '#d0021b' : '#2e7d32';
  const title = escapeHtml(subject(message));
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    '<body style="font-family: sans-serif; font-size: 14px">',
    `<h2 style="color: ${color}">${title}</h2>`,
    `<p>${firing.length} firing, ${resolved.length} resolved. ` +
      `<a href="${escapeHtml(alertmanagerUrl(message))}">View in Alertmanager</a></p>`,
    ...alertTable('Firing', firing),
    ...alertTable('Resolved', resolved),
    '</body></html>',
    '',
  ].join('\n');
}

function alertTable(heading: string, alerts: readonly NotificationAlert[]): string[] {
  if (alerts.length === 0) return [];
  const cell = 'style="border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top"';
  const rows = alerts.flatMap((alert, n) => [
    `<tr><th colspan="2" ${cell}>Alert ${n + 1}${alert.labels.alertname === undefined ? '' : `: ${escapeHtml(alert.labels.alertname)}`}</th></tr>`,
    ...sortedPairs(alert.labels).map(
      ([name, value]) => `<tr><td ${cell}>${escapeHtml(name)}</td><td ${cell}>${escapeHtml(value)}</td></tr>`,
    ),
    ...sortedPairs(alert.annotations).map(
      ([name, value]) =>
        `<tr><td ${cell}><i>${escapeHtml(name)}</i></td><td ${cell}>${escapeHtml(value)}</td></tr>`,
    ),
    `<tr><td ${cell}>source</td><td ${cell}><a href="${escapeHtml(alert.generatorURL)}">${escapeHtml(alert.generatorURL)}</a></td></tr>`,
  ]);
  return [`<h3>${heading}</h3>`, '<table style="border-collapse: collapse">', ...rows, '</table>'];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
