/**
 * The interception point alone, fed frames by hand: requests sharing an id, frames the SDKs drop,
 * cancellations, and a sink that throws. Exact counts of what the pipeline's sinks receive.
 */
import { describe, expect, it } from 'vitest';

import { OperationPipeline, type OperationSink } from './pipeline.js';
import type { OperationRecord } from './record.js';
import { attachTransportObserver, type TransportLike } from './transport.js';

function setup(extraSinks: OperationSink[] = []) {
  const errors: string[] = [];
  const pipeline = new OperationPipeline({
    maxInflightPerTransport: 100,
    capturePayloads: false,
    defaultClientLogLevel: undefined,
    clientLogRate: 20,
    nextRequestId: (() => {
      let n = 0;
      return () => `r${++n}`;
    })(),
    accepting: () => true,
    toolsListed: () => {},
    promptsListed: () => {},
    dropped: () => {},
    internalError: (_error, where) => void errors.push(where),
  });
  const started: OperationRecord[] = [];
  const ended: OperationRecord[] = [];
  pipeline.addSink({
    name: 'record',
    onStart: (op) => void started.push(op),
    onEnd: (op) => void ended.push({ ...op }),
  });
  for (const sink of extraSinks) pipeline.addSink(sink);
  const sent: unknown[] = [];
  const transport = {
    onmessage: (() => {}) as (message: never) => void,
    send: (message: never) => {
      sent.push(message);
      return Promise.resolve();
    },
  } satisfies TransportLike;
  attachTransportObserver(pipeline, transport, { networkTransport: 'pipe' });
  const receive = (message: unknown) => (transport.onmessage as (m: unknown) => void)(message);
  const reply = (id: unknown, result: unknown = {}) =>
    transport.send({ jsonrpc: '2.0', id, result } as never);
  return { pipeline, started, ended, errors, receive, reply };
}

const call = (id: unknown, text = 'x') => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text } },
});

describe('the transport observer', () => {
  it('matches requests sharing an id one reply to one record, in order, so every record ends', async () => {
    const { started, ended, receive, reply } = setup();
    for (let i = 0; i < 20; i++) receive(call(7, `n${i}`));
    expect(started).toHaveLength(20);
    for (let i = 0; i < 20; i++) await reply(7, { content: [] });
    expect(ended.map((op) => op.requestId)).toEqual(started.map((op) => op.requestId));
    expect(ended.every((op) => op.outcome === 'ok')).toBe(true);
    // A 21st reply finds nothing in flight and makes no record.
    await reply(7);
    expect(ended).toHaveLength(20);
  });

  it('starts no record for frames the SDKs drop without a reply', () => {
    const { started, receive } = setup();
    const dropped = [
      { ...call(1.5) },
      { ...call(2 ** 53) },
      { ...call(null) },
      { ...call(true) },
      { ...call(3), extra: 1 },
      { ...call(4), jsonrpc: '1.0' },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: [1, 2] },
      { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { _meta: { progressToken: 0.5 } } },
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { _meta: [] } },
    ];
    for (const frame of dropped) receive(frame);
    expect(started).toEqual([]);
    receive(call('ok'));
    expect(started.map((op) => op.jsonrpcId)).toEqual(['ok']);
  });

  it('a cancellation ends every request in flight under its id, and one that follows in the same read', async () => {
    const { ended, receive, reply } = setup();
    receive(call('a'));
    receive(call('a'));
    receive(call('b'));
    receive({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 'a', reason: 'user' },
    });
    // The SDK aborts the newest request under the id when its own handler runs, a microtask later.
    receive(call('a'));
    expect(ended.map((op) => [op.jsonrpcId, op.outcome, op.errorMessage])).toEqual([
      ['a', 'cancelled', 'user'],
      ['a', 'cancelled', 'user'],
      ['a', 'cancelled', 'user'],
    ]);
    await Promise.resolve();
    // After that, the id is free again.
    receive(call('a'));
    await reply('a');
    await reply('b');
    expect(ended.map((op) => [op.jsonrpcId, op.outcome]).slice(3)).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
  });

  it('a sink that throws is caught and counted under its name; the others still see every record', async () => {
    const broken: OperationSink = {
      name: 'broken',
      onStart: () => {
        throw new Error('start');
      },
      onEnd: () => {
        throw new Error('end');
      },
    };
    const seen: string[] = [];
    const { ended, errors, receive, reply } = setup([
      broken,
      { name: 'after', onEnd: (op) => void seen.push(op.requestId) },
    ]);
    receive(call(1));
    receive(call(2));
    await reply(1);
    await reply(2);
    expect(ended).toHaveLength(2);
    expect(seen).toEqual(['r1', 'r2']);
    expect(errors).toEqual(['broken', 'broken', 'broken', 'broken']);
  });
});
