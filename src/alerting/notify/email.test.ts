/**
 * email_configs against a real SMTP server (the smtp-server package) on 127.0.0.1, with a self-signed
 * certificate made by the openssl CLI for the run: STARTTLS and AUTH on a submission-style port, and
 * implicit TLS on port 465 (when this process may listen there). The message is read back as sent:
 * envelope, headers, the text part and the HTML part.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { hasBinary } from '../../../test/binaries.js';
import { message, RESOLVED_ALERT, selfSignedCert } from '../../../test/notify-helpers.js';
import { buildReceiver, parseNotifierGlobal } from './receivers.js';
import { NotifyError, type Integration } from './types.js';

const PASSWORD = 'pa55-w0rd-n3ver-sh0wn';
const haveOpenssl = hasBinary('openssl');
const dir = mkdtempSync(join(tmpdir(), 'mcpulse-email-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
const passwordFile = join(dir, 'password');

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  hello: string;
  raw: string;
}
const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (!haveOpenssl) return;
  selfSignedCert(dir);
  writeFileSync(passwordFile, PASSWORD);
});

/** An SMTP server taking AUTH as ops/PASSWORD; resolves its port; `received` fills as mail arrives. */
async function smtpServer(options: SMTPServerOptions, port = 0) {
  const received: Received[] = [];
  const server = new SMTPServer({
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'ops' && auth.password === PASSWORD) return callback(null, { user: 'ops' });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: session.user as string | undefined,
          secure: session.secure,
          hello: session.hostNameAppearsAs,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return { port: address.port, received };
}

function email(config: Record<string, unknown>, global: Record<string, unknown> = {}): Integration {
  const receiver = buildReceiver(
    { name: 'team x', email_configs: [config] },
    parseNotifierGlobal(global),
    'receivers[0]',
  );
  return receiver.integrations[0]!;
}

/** The headers (unfolded) and the decoded text/plain and text/html parts of a multipart/alternative message. */
function readMime(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1] ?? '';
  const parts = new Map<string, string>();
  for (const part of rest.join('\r\n\r\n').split(`--${boundary}`).slice(1, -1)) {
    const [partHead = '', ...body] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    const type = /content-type:\s*([^;\r\n]+)/i.exec(partHead)?.[1] ?? '';
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(partHead)?.[1]?.toLowerCase();
    let text = body.join('\r\n\r\n').replace(/\r\n$/, '');
    if (encoding === 'quoted-printable') {
      text = Buffer.from(
        text
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    } else if (encoding === 'base64') {
      text = Buffer.from(text, 'base64').toString('utf8');
    }
    parts.set(type, text.replace(/\r\n/g, '\n'));
  }
  return { headers, parts };
}

describe.skipIf(!haveOpenssl)('email to a real SMTP server', () => {
  it('upgrades with STARTTLS, authenticates, and sends Alertmanager’s subject with text and HTML bodies', async () => {
    const server = await smtpServer({});
    await email(
      {
        to: 'ops@example.com, oncall@example.com',
        auth_username: 'ops',
        auth_password_file: passwordFile,
        tls_config: { ca_file: certFile },
        headers: { 'x-team': 'x' },
      },
      {
        smtp_smarthost: `127.0.0.1:${server.port}`,
        smtp_from: 'mcpulse <alerts@example.com>',
        smtp_hello: 'mcpulse.test',
      },
    ).notify(message(), new AbortController().signal);

    expect(server.received).toHaveLength(1);
    const [mail] = server.received;
    expect([mail!.from, mail!.to, mail!.user, mail!.secure, mail!.hello]).toEqual([
      'alerts@example.com',
      ['ops@example.com', 'oncall@example.com'],
      'ops',
      true,
      'mcpulse.test',
    ]);
    const { headers, parts } = readMime(mail!.raw);
    expect([headers.get('subject'), headers.get('from'), headers.get('to'), headers.get('x-team')]).toEqual([
      '[FIRING:1] HighErrorRatio (mcp page)',
      'mcpulse <alerts@example.com>',
      'ops@example.com, oncall@example.com',
      'x',
    ]);
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative;/);
    expect(parts.get('text/plain')).toBe(
      [
        '[FIRING:1] HighErrorRatio (mcp page)',
        '',
        '1 firing, 1 resolved: http://mcpulse.example:9464/#/alerts?receiver=team+x',
        '',
        'Alerts Firing:',
        'Labels:',
        ' - alertname = HighErrorRatio',
        ' - instance = a:1',
        ' - job = mcp',
        ' - severity = page',
        'Annotations:',
        ' - runbook_url = https://runbooks.example/errors',
        ' - summary = errors <high> & rising',
        'Source: http://mcpulse.example/graph?g0.expr=x',
        '',
        'Alerts Resolved:',
        'Labels:',
        ' - alertname = HighErrorRatio',
        ' - instance = b:1',
        ' - job = mcp',
        ' - severity = page',
        'Annotations:',
        ' - summary = errors <high> & rising',
        'Source: http://mcpulse.example/graph?g0.expr=x',
        '',
      ].join('\n'),
    );
    const html = parts.get('text/html')!;
    expect(html).toContain('<h2 style="color: #d0021b">[FIRING:1] HighErrorRatio (mcp page)</h2>');
    expect(html).toContain('<h3>Firing</h3>');
    expect(html).toContain('<h3>Resolved</h3>');
    expect(html).toContain('errors &#60;high&#62; &#38; rising');
    expect(html).not.toContain('<high>');
    // A heading row, one per label and annotation, and the source: 1+4+2+1 firing, 1+4+1+1 resolved.
    expect(html.match(/<tr>/g)).toHaveLength(15);
  });

  it('sends the [RESOLVED] subject in green for a resolved group', async () => {
    const server = await smtpServer({});
    await email({
      to: 'ops@example.com',
      from: 'alerts@example.com',
      smarthost: `127.0.0.1:${server.port}`,
      send_resolved: true,
      auth_username: 'ops',
      auth_password: PASSWORD,
      auth_identity: 'ops',
      tls_config: { ca_file: certFile },
    }).notify(message([RESOLVED_ALERT]), new AbortController().signal);
    const { headers, parts } = readMime(server.received[0]!.raw);
    expect(headers.get('subject')).toBe('[RESOLVED] HighErrorRatio (mcp page)');
    expect(parts.get('text/html')).toContain(
      '<h2 style="color: #2e7d32">[RESOLVED] HighErrorRatio (mcp page)</h2>',
    );
    expect(server.received[0]!.user).toBe('ops');
  });

  it('refuses to send without STARTTLS when require_tls (the default), and never shows the password', async () => {
    const server = await smtpServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const settings = { to: 'ops@example.com', from: 'a@example.com', smarthost: `127.0.0.1:${server.port}` };
    const error = await email({ ...settings, auth_username: 'ops', auth_password: PASSWORD })
      .notify(message(), new AbortController().signal)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotifyError);
    expect([(error as NotifyError).retry, (error as NotifyError).message]).toEqual([
      true,
      'Error upgrading connection with STARTTLS: 500 Error: command not recognized',
    ]);
    // require_tls: false never upgrades (as Alertmanager); a wrong password is reported without it.
    const wrong = await email({
      ...settings,
      require_tls: false,
      auth_username: 'ops',
      auth_password: `${PASSWORD}x`,
    })
      .notify(message(), new AbortController().signal)
      .catch((thrown: NotifyError) => thrown);
    expect(wrong?.message).toMatch(/^Invalid login: 535/);
    expect(wrong?.message).not.toContain(PASSWORD);
    expect(server.received).toHaveLength(0);
  });

  it('speaks implicit TLS on port 465, as Alertmanager does', async (context) => {
    let server: Awaited<ReturnType<typeof smtpServer>>;
    try {
      server = await smtpServer({ secure: true }, 465);
    } catch (error) {
      console.warn(
        `\n!!! SKIPPING the port-465 email case: cannot listen on 127.0.0.1:465 (${String(error)}) !!!\n`,
      );
      return context.skip();
    }
    await email({
      to: 'ops@example.com',
      from: 'a@example.com',
      smarthost: '127.0.0.1:465',
      auth_username: 'ops',
      auth_password: PASSWORD,
      tls_config: { ca_file: certFile },
    }).notify(message(), new AbortController().signal);
    expect([server.received.length, server.received[0]!.secure, server.received[0]!.user]).toEqual([
      1,
      true,
      'ops',
    ]);
  });
});
