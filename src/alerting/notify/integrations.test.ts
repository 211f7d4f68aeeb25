/**
 * The webhook, Slack and PagerDuty integrations against local node:http receivers: every field of the
 * body Alertmanager 0.25 would send with its default templates, and the headers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { freePort } from '../../../test/free-port.js';
import { hasBinary } from '../../../test/binaries.js';
import {
  FIRING_ALERT,
  httpReceiver,
  message,
  RESOLVED_ALERT,
  selfSignedCert,
} from '../../../test/notify-helpers.js';
import { buildReceiver, parseNotifierGlobal } from './receivers.js';
import { NotifyError, type Integration } from './types.js';

const SECRET = 'tok-3x4mpl3-s3cr3t';
const receivers: Awaited<ReturnType<typeof httpReceiver>>[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});
async function receiver(...answers: Parameters<typeof httpReceiver>[0] & object) {
  const created = await httpReceiver(answers.length > 0 ? answers : undefined);
  receivers.push(created);
  return created;
}
function only(entry: Record<string, unknown>, global: unknown = {}): Integration {
  const [integration] = buildReceiver(
    { name: 'team x', ...entry },
    parseNotifierGlobal(global),
    'receivers[0]',
  ).integrations;
  return integration!;
}
const signal = () => new AbortController().signal;

const SUBJECT = '[FIRING:1] HighErrorRatio (mcp page)';
const AM_URL = 'http://mcpulse.example:9464/#/alerts?receiver=team+x';
const FIRING_TEXT =
  'Labels:\n - alertname = HighErrorRatio\n - instance = a:1\n - job = mcp\n - severity = page\n' +
  'Annotations:\n - runbook_url = https://runbooks.example/errors\n - summary = errors <high> & rising\n' +
  'Source: http://mcpulse.example/graph?g0.expr=x\n';
const RESOLVED_TEXT =
  'Labels:\n - alertname = HighErrorRatio\n - instance = b:1\n - job = mcp\n - severity = page\n' +
  'Annotations:\n - summary = errors <high> & rising\nSource: http://mcpulse.example/graph?g0.expr=x\n';

describe('webhook', () => {
  it('POSTs the version 4 message byte for byte as Alertmanager encodes it, with the bearer token', async () => {
    const server = await receiver();
    const webhook = only({
      webhook_configs: [
        { url: `${server.url}/hook`, http_config: { authorization: { credentials: SECRET } } },
      ],
    });
    await webhook.notify(message(), signal());
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect([
      request!.method,
      request!.url,
      request!.headers['content-type'],
      request!.headers.authorization,
    ]).toEqual(['POST', '/hook', 'application/json', `Bearer ${SECRET}`]);
    const labels = (instance: string) =>
      `{"alertname":"HighErrorRatio","instance":"${instance}","job":"mcp","severity":"page"}`;
    expect(request!.body).toBe(
      '{"receiver":"team x","status":"firing","alerts":[' +
        `{"status":"firing","labels":${labels('a:1')},"annotations":{"runbook_url":"https://runbooks.example/errors","summary":"errors \\u003chigh\\u003e \\u0026 rising"},` +
        '"startsAt":"2026-12-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://mcpulse.example/graph?g0.expr=x","fingerprint":"1a2b3c4d5e6f7081"},' +
        `{"status":"resolved","labels":${labels('b:1')},"annotations":{"summary":"errors \\u003chigh\\u003e \\u0026 rising"},` +
        '"startsAt":"2026-12-01T09:00:00Z","endsAt":"2026-12-01T10:05:00Z","generatorURL":"http://mcpulse.example/graph?g0.expr=x","fingerprint":"9f8e7d6c5b4a3921"}],' +
        '"groupLabels":{"alertname":"HighErrorRatio"},"commonLabels":{"alertname":"HighErrorRatio","job":"mcp","severity":"page"},' +
        '"commonAnnotations":{"summary":"errors \\u003chigh\\u003e \\u0026 rising"},"externalURL":"http://mcpulse.example:9464",' +
        '"version":"4","groupKey":"{}:{alertname=\\"HighErrorRatio\\"}","truncatedAlerts":0}\n',
    );
  });

  it('cuts to max_alerts, describing the alerts sent and counting the rest', async () => {
    const server = await receiver();
    const other = { ...FIRING_ALERT, labels: { ...FIRING_ALERT.labels, job: 'other' }, annotations: {} };
    await only({ webhook_configs: [{ url: server.url, max_alerts: 1 }] }).notify(
      { ...message([other, FIRING_ALERT]), commonLabels: { alertname: 'HighErrorRatio', severity: 'page' } },
      signal(),
    );
    const body = JSON.parse(server.requests[0]!.body);
    expect([
      body.alerts.length,
      body.truncatedAlerts,
      body.status,
      body.commonLabels,
      body.commonAnnotations,
    ]).toEqual([
      1,
      1,
      'firing',
      { alertname: 'HighErrorRatio', instance: 'a:1', job: 'other', severity: 'page' },
      {},
    ]);
  });

  it('sends basic auth', async () => {
    const server = await receiver();
    await only({
      webhook_configs: [
        { url: server.url, http_config: { basic_auth: { username: 'u', password: SECRET } } },
      ],
    }).notify(message(), signal());
    expect(server.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`u:${SECRET}`).toString('base64')}`,
    );
  });

  it('says whether a retry may help, and keeps secrets out of the error', async () => {
    const server = await receiver(
      { status: 503, body: `down, token ${SECRET}` },
      { status: 400, body: 'bad' },
    );
    const webhook = only({ webhook_configs: [{ url: `${server.url}/${SECRET}` }] });
    await expect(webhook.notify(message(), signal())).rejects.toEqual(
      new NotifyError('unexpected status code 503: down, token <secret>', true),
    );
    await expect(webhook.notify(message(), signal())).rejects.toEqual(
      new NotifyError('unexpected status code 400: bad', false),
    );
    const closed = only({ webhook_configs: [{ url: `http://127.0.0.1:${await freePort()}/` }] });
    const refused = await closed.notify(message(), signal()).catch((error: NotifyError) => error);
    expect([refused?.retry, refused?.message]).toEqual([true, 'request failed: ECONNREFUSED']);
  });
});

describe.skipIf(!hasBinary('openssl'))('https', () => {
  it('verifies the server with tls_config.ca_file, or skips verification when told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpulse-https-'));
    const tls = selfSignedCert(dir);
    const server = await httpReceiver([{ status: 200 }], tls);
    receivers.push(server);
    await only({
      webhook_configs: [{ url: server.url, http_config: { tls_config: { ca_file: tls.certFile } } }],
    }).notify(message(), signal());
    await only({
      webhook_configs: [{ url: server.url, http_config: { tls_config: { insecure_skip_verify: true } } }],
    }).notify(message(), signal());
    const unverified = await only({ webhook_configs: [{ url: server.url }] })
      .notify(message(), signal())
      .catch((error: NotifyError) => error);
    rmSync(dir, { recursive: true });
    expect(server.requests).toHaveLength(2);
    expect([unverified?.message, unverified?.retry]).toEqual([
      'request failed: DEPTH_ZERO_SELF_SIGNED_CERT',
      true,
    ]);
  });
});

describe('slack', () => {
  it('POSTs Alertmanager’s default message: [FIRING:n] title, danger color, Alertmanager username', async () => {
    const server = await receiver();
    await only(
      { slack_configs: [{ channel: '#alerts' }] },
      { slack_api_url: `${server.url}/services/T/B/${SECRET}` },
    ).notify(message(), signal());
    const [request] = server.requests;
    expect(request!.url).toBe(`/services/T/B/${SECRET}`);
    expect(request!.body.endsWith('}\n')).toBe(true);
    expect(JSON.parse(request!.body)).toEqual({
      channel: '#alerts',
      username: 'Alertmanager',
      attachments: [
        {
          title: SUBJECT,
          title_link: AM_URL,
          text: '',
          fallback: `${SUBJECT} | ${AM_URL}`,
          callback_id: '',
          footer: '',
          color: 'danger',
          mrkdwn_in: ['fallback', 'pretext', 'text'],
        },
      ],
    });
  });

  it('shows a resolved group distinctly: [RESOLVED] title in good (green); literal fields replace defaults', async () => {
    const server = await receiver();
    await only({
      slack_configs: [
        { api_url: server.url, send_resolved: true, text: 'see the runbook', username: 'mcpulse' },
      ],
    }).notify(message([RESOLVED_ALERT]), signal());
    const body = JSON.parse(server.requests[0]!.body);
    expect([
      body.username,
      body.attachments[0].title,
      body.attachments[0].color,
      body.attachments[0].text,
    ]).toEqual(['mcpulse', '[RESOLVED] HighErrorRatio (mcp page)', 'good', 'see the runbook']);
  });

  it('reads api_url_file (global slack_api_url_file too) at load', async () => {
    const server = await receiver();
    const dir = mkdtempSync(join(tmpdir(), 'mcpulse-slack-'));
    const file = join(dir, 'url');
    writeFileSync(file, `${server.url}/services/${SECRET}\n`);
    await only({ slack_configs: [{ api_url_file: file }] }).notify(message(), signal());
    await only({ slack_configs: [{}] }, { slack_api_url_file: file }).notify(message(), signal());
    rmSync(dir, { recursive: true });
    expect(server.requests.map((request) => request.url)).toEqual([
      `/services/${SECRET}`,
      `/services/${SECRET}`,
    ]);
  });

  it('names the channel in an error, never the URL', async () => {
    const server = await receiver({ status: 404, body: 'no_team' });
    const error = await only({ slack_configs: [{ api_url: `${server.url}/${SECRET}`, channel: '#c' }] })
      .notify(message(), signal())
      .catch((thrown: NotifyError) => thrown);
    expect([error?.message, error?.retry]).toEqual([
      'channel "#c": unexpected status code 404: no_team',
      false,
    ]);
  });
});

describe('pagerduty', () => {
  const dedupKey = createHash('sha256').update('{}:{alertname="HighErrorRatio"}').digest('hex');

  it('triggers an Events API v2 event deduplicated on sha256(groupKey), with Alertmanager’s details', async () => {
    const server = await receiver({ status: 202 });
    await only({ pagerduty_configs: [{ routing_key: SECRET, url: `${server.url}/v2/enqueue` }] }).notify(
      message(),
      signal(),
    );
    expect(server.requests[0]!.url).toBe('/v2/enqueue');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      routing_key: SECRET,
      dedup_key: dedupKey,
      event_action: 'trigger',
      payload: {
        summary: SUBJECT,
        source: 'Alertmanager',
        severity: 'error',
        custom_details: { firing: FIRING_TEXT, resolved: RESOLVED_TEXT, num_firing: '1', num_resolved: '1' },
      },
      client: 'Alertmanager',
      client_url: AM_URL,
    });
  });

  it('resolves once every alert is resolved; literal client, severity, class and details are sent', async () => {
    const server = await receiver({ status: 202 });
    await only({
      pagerduty_configs: [
        {
          routing_key: SECRET,
          url: server.url,
          client: 'mcpulse',
          severity: 'critical',
          class: 'errors',
          component: 'api',
          group: 'prod',
          details: { team: 'x', num_firing: 'overridden' },
        },
      ],
    }).notify(message([RESOLVED_ALERT]), signal());
    const event = JSON.parse(server.requests[0]!.body);
    expect([event.event_action, event.dedup_key, event.client]).toEqual(['resolve', dedupKey, 'mcpulse']);
    expect(event.payload).toEqual({
      summary: '[RESOLVED] HighErrorRatio (mcp page)',
      source: 'mcpulse',
      severity: 'critical',
      class: 'errors',
      component: 'api',
      group: 'prod',
      custom_details: {
        firing: '',
        resolved: RESOLVED_TEXT,
        num_firing: 'overridden',
        num_resolved: '1',
        team: 'x',
      },
    });
  });

  it('retries a 429 and quotes a 400’s message and errors', async () => {
    const server = await receiver(
      { status: 429 },
      {
        status: 400,
        body: JSON.stringify({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ['a', 'b'],
        }),
      },
    );
    const pagerduty = only({ pagerduty_configs: [{ routing_key: SECRET, url: server.url }] });
    await expect(pagerduty.notify(message(), signal())).rejects.toEqual(
      new NotifyError('unexpected status code 429', true),
    );
    await expect(pagerduty.notify(message(), signal())).rejects.toEqual(
      new NotifyError('unexpected status code 400: Event object is invalid: a,b', false),
    );
  });
});
