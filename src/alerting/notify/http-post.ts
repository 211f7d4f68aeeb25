/**
 * The HTTP side of the webhook, Slack and PagerDuty integrations: the subset of Prometheus's
 * `http_config` (common/config.HTTPClientConfig) mcpulse supports — authorization, basic_auth and
 * tls_config's ca_file / server_name / insecure_skip_verify — and one POST, classified as
 * Alertmanager's notify.Retrier does: 2xx delivered, 5xx (and the integration's extra codes, e.g. 429)
 * worth a retry, any other status final; a network error is worth a retry. Error messages carry the
 * status and a bounded, redacted excerpt of the answer, never the URL (a Slack URL is its secret).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import type { FieldReader } from './config-fields.js';
import { type Keys } from './config-fields.js';
import { NotifyError } from './types.js';

export interface HttpClientConfig {
  /** Authorization header value, e.g. `Bearer <token>` or `Basic <base64>`. */
  readonly authorization?: string;
  readonly ca?: string;
  readonly serverName?: string;
  readonly insecureSkipVerify: boolean;
  /** The secret strings in this configuration, to redact from any message. */
  readonly secrets: readonly string[];
}

export const NO_HTTP_CONFIG: HttpClientConfig = { insecureSkipVerify: false, secrets: [] };

const HTTP_CONFIG_KEYS: Keys = {
  supported: ['authorization', 'basic_auth', 'tls_config'],
  unsupported: [
    'bearer_token',
    'bearer_token_file',
    'oauth2',
    'proxy_url',
    'no_proxy',
    'proxy_from_environment',
    'proxy_connect_header',
    'follow_redirects',
    'enable_http2',
  ],
};
const AUTHORIZATION_KEYS: Keys = { supported: ['type', 'credentials', 'credentials_file'] };
const BASIC_AUTH_KEYS: Keys = {
  supported: ['username', 'password', 'password_file'],
  unsupported: ['username_file'],
};
const TLS_KEYS: Keys = {
  supported: ['ca_file', 'server_name', 'insecure_skip_verify'],
  unsupported: ['ca', 'cert', 'cert_file', 'key', 'key_file', 'min_version', 'max_version'],
};

/** The `http_config` under `reader`, or `fallback` (global.http_config) when it has none. */
export function readHttpConfig(reader: FieldReader, fallback: HttpClientConfig): HttpClientConfig {
  const config = reader.nested('http_config');
  return config ? parseHttpClientConfig(config) : fallback;
}

export function parseHttpClientConfig(reader: FieldReader): HttpClientConfig {
  reader.checkKeys(HTTP_CONFIG_KEYS);
  const secrets: string[] = [];
  let authorization: string | undefined;
  const auth = reader.nested('authorization');
  const basic = reader.nested('basic_auth');
  if (auth && basic) {
    reader.problems.push(
      `${reader.path}: at most one of basic_auth, oauth2 & authorization must be configured`,
    );
  } else if (auth) {
    auth.checkKeys(AUTHORIZATION_KEYS);
    const type = auth.string('type') ?? 'Bearer';
    if (type.toLowerCase() === 'basic') auth.problem('type', 'must not be Basic: use basic_auth');
    const credentials = auth.secret('credentials', 'credentials_file', { trim: true });
    if (credentials !== undefined) {
      secrets.push(credentials);
      authorization = `${type} ${credentials}`;
    }
  } else if (basic) {
    basic.checkKeys(BASIC_AUTH_KEYS);
    const username = basic.string('username') ?? '';
    const password = basic.secret('password', 'password_file', { trim: true }) ?? '';
    if (password !== '') secrets.push(password);
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    secrets.push(encoded);
    authorization = `Basic ${encoded}`;
  }
  const tls = parseTlsConfig(reader.nested('tls_config'));
  return { ...(authorization === undefined ? {} : { authorization }), ...tls, secrets };
}

/** tls_config's supported subset (also email_configs' tls_config). */
export function parseTlsConfig(
  reader: FieldReader | undefined,
): Pick<HttpClientConfig, 'ca' | 'serverName' | 'insecureSkipVerify'> {
  if (!reader) return { insecureSkipVerify: false };
  reader.checkKeys(TLS_KEYS);
  const caFile = reader.string('ca_file');
  const ca = caFile === undefined ? undefined : reader.secret('ca', 'ca_file', { trim: false });
  const serverName = reader.string('server_name');
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(serverName === undefined || serverName === '' ? {} : { serverName }),
    insecureSkipVerify: reader.boolean('insecure_skip_verify') ?? false,
  };
}

/**
 * The parts of a URL that may be its secret (a Slack webhook's last path segment, a token in the
 * query, credentials): the whole URL, and each segment, query value or credential of 6+ characters.
 */
export function urlSecrets(url: URL): string[] {
  const parts = [
    ...url.pathname.split('/').map(decodeSafe),
    ...[...url.searchParams.values()],
    decodeSafe(url.username),
    decodeSafe(url.password),
  ];
  return [url.href, ...parts.filter((part) => part.length >= 6)];
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Replaces every secret in `text` (longest first) by `<secret>`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') result = result.split(secret).join('<secret>');
  }
  return result;
}

const MAX_DETAIL_BYTES = 512;
const USER_AGENT = 'mcpulse-notifier';

export interface PostOptions {
  readonly url: URL;
  readonly body: string;
  readonly http: HttpClientConfig;
  readonly signal: AbortSignal;
  /** Statuses besides 5xx worth a retry (PagerDuty: 429). */
  readonly retryCodes?: readonly number[];
  /** What of a failed answer's body goes into the message (default: the body as text). */
  readonly details?: (status: number, body: string) => string;
}

/** POSTs JSON; resolves on 2xx, rejects with a NotifyError otherwise. */
export function postJson(options: PostOptions): Promise<void> {
  const { url, http, signal } = options;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'Content-Length': String(Buffer.byteLength(options.body)),
  };
  if (http.authorization !== undefined) headers.Authorization = http.authorization;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const fail = (message: string, retry: boolean) =>
      reject(new NotifyError(redact(message, http.secrets), retry));
    const request = send(
      url,
      {
        method: 'POST',
        headers,
        signal,
        ...(url.protocol === 'https:'
          ? {
              ...(http.ca === undefined ? {} : { ca: http.ca }),
              ...(http.serverName === undefined ? {} : { servername: http.serverName }),
              rejectUnauthorized: !http.insecureSkipVerify,
            }
          : {}),
      },
      (response) => {
        readBounded(response, (status, text) => {
          if (status >= 200 && status < 300) return resolve();
          const retry = Math.floor(status / 100) === 5 || (options.retryCodes ?? []).includes(status);
          const details = (options.details ?? ((_status, body) => body))(status, text);
          fail(`unexpected status code ${status}${details === '' ? '' : `: ${details}`}`, retry);
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) return fail('request aborted (timeout)', true);
      fail(`request failed: ${error.code ?? error.message}`, true);
    });
    request.end(options.body);
  });
}

/** Reads at most MAX_DETAIL_BYTES of the answer and discards the rest. */
function readBounded(response: IncomingMessage, done: (status: number, text: string) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  response.on('data', (chunk: Buffer) => {
    if (kept >= MAX_DETAIL_BYTES) return;
    chunks.push(chunk.subarray(0, MAX_DETAIL_BYTES - kept));
    kept += Math.min(chunk.length, MAX_DETAIL_BYTES - kept);
  });
  const finish = () => done(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8').trim());
  response.on('end', finish);
  response.on('error', finish);
}
