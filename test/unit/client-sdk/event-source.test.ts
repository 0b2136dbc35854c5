import { describe, expect, it } from 'vitest';
import { FetchEventSource } from '../../../client-sdk/event-source.js';

/** A fetch that answers once with the given chunks as an event stream, then refuses (no server to reconnect to). */
function streamingFetch(chunks: string[], seen: { headers: Record<string, string>[] }): typeof fetch {
  let calls = 0;
  return ((_url: string, init: { headers: Record<string, string> }) => {
    seen.headers.push(init.headers);
    if (calls++ > 0) return Promise.reject(new TypeError('connection refused'));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
  }) as unknown as typeof fetch;
}

function collect(es: FetchEventSource, types: string[]): Promise<{ type: string; data: string; lastEventId: string; state: number }[]> {
  const out: { type: string; data: string; lastEventId: string; state: number }[] = [];
  return new Promise((resolve) => {
    for (const t of types) es.addEventListener(t, (ev) => out.push({ type: ev.type, data: ev.data, lastEventId: ev.lastEventId, state: es.readyState }));
    es.addEventListener('error', () => {
      out.push({ type: 'error', data: '', lastEventId: '', state: es.readyState });
      if (es.readyState === es.CLOSED) resolve(out);
    });
  });
}

describe('FetchEventSource', () => {
  it('parses named events, multi-line data, ids, comments and CRLF split across chunks, sends headers, reconnects once with Last-Event-ID', async () => {
    const seen = { headers: [] as Record<string, string>[] };
    const es = new FetchEventSource('http://api.test/trpc/batch.watch', {
      headers: { authorization: 'Bearer t' },
      fetch: streamingFetch([': comment\r\nevent: connected\r\ndata: {"a":1}\r\n\r\n', 'id: 7\ndata: line one\nda', 'ta: line two\n\nretry: 1\nevent: ping\ndata:\n\n'], seen),
    });
    const events = await collect(es, ['open', 'connected', 'message', 'ping']);
    expect(events).toEqual([
      { type: 'open', data: '', lastEventId: '', state: 1 },
      { type: 'connected', data: '{"a":1}', lastEventId: '', state: 1 },
      { type: 'message', data: 'line one\nline two', lastEventId: '7', state: 1 },
      { type: 'ping', data: '', lastEventId: '7', state: 1 },
      // The stream ended: reported while reconnecting, then the reconnect fails and it closes.
      { type: 'error', data: '', lastEventId: '', state: 0 },
      { type: 'error', data: '', lastEventId: '', state: 2 },
    ]);
    expect(seen.headers[0]).toMatchObject({ authorization: 'Bearer t', accept: 'text/event-stream' });
    expect(seen.headers[1]).toMatchObject({ authorization: 'Bearer t', 'last-event-id': '7' });
  });

  it('closes at once on a response that is not an event stream', async () => {
    const es = new FetchEventSource('http://api.test/x', {
      fetch: (() => Promise.resolve(new Response('{"error":1}', { status: 401, headers: { 'content-type': 'application/json' } }))) as unknown as typeof fetch,
    });
    const events = await collect(es, ['open', 'message']);
    expect(events).toEqual([{ type: 'error', data: '', lastEventId: '', state: 2 }]);
  });

  it('close() stops it without an error event', async () => {
    const seen = { headers: [] as Record<string, string>[] };
    const es = new FetchEventSource('http://api.test/x', { fetch: streamingFetch(['data: 1\n\n'], seen) });
    let errors = 0;
    es.addEventListener('error', () => errors++);
    es.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(es.readyState).toBe(2);
    expect(errors).toBe(0);
  });
});
