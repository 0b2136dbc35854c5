/**
 * A small EventSource over fetch, for runtimes without one (Node 20). Enough of the browser API for
 * tRPC's httpSubscriptionLink: named events, `lastEventId`, readyState, close(). Unlike the browser's
 * it can send headers (the token), and it reconnects once per dropped stream: when that connection
 * fails too it reports an error with readyState CLOSED, and the caller decides (waitForRun polls).
 */

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  withCredentials?: boolean;
}

interface MessageLike {
  type: string;
  data: string;
  lastEventId: string;
}

type Listener = (ev: MessageLike) => void;

export class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  readonly url: string;
  readonly withCredentials = false;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly ac = new AbortController();

  constructor(url: string | URL, init: FetchEventSourceInit = {}) {
    this.url = String(url);
    void this.run(init);
  }

  addEventListener(type: string, fn: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }

  close(): void {
    this.readyState = 2;
    this.ac.abort();
  }

  private emit(ev: MessageLike): void {
    for (const fn of this.listeners.get(ev.type) ?? []) fn(ev);
  }

  private fail(): void {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.emit({ type: 'error', data: '', lastEventId: '' });
  }

  private async run(init: FetchEventSourceInit): Promise<void> {
    let lastEventId = '';
    let retryMs = 1_000;
    for (;;) {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...(init.headers ?? {}) };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await (init.fetch ?? fetch)(this.url, { headers, signal: this.ac.signal }).catch(() => null);
      if (!res || !res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await res?.body?.cancel().catch(() => undefined);
        this.fail();
        return;
      }
      if (this.readyState === 2) return;
      this.readyState = 1;
      this.emit({ type: 'open', data: '', lastEventId });
      const decoder = new TextDecoder();
      let buffer = '';
      let event = '';
      let data: string[] = [];
      try {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let nl: number;
          while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
            if (line === '') {
              if (data.length > 0) this.emit({ type: event || 'message', data: data.join('\n'), lastEventId });
              event = '';
              data = [];
              continue;
            }
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(fieldValue);
            else if (field === 'event') event = fieldValue;
            else if (field === 'id') lastEventId = fieldValue;
            else if (field === 'retry' && /^\d+$/.test(fieldValue)) retryMs = Number(fieldValue);
          }
          if (this.readyState === 2) return;
        }
      } catch {
        // After close() this is the abort itself; otherwise the stream broke: reconnect below.
        if (this.readyState === 2) return;
      }
      if (this.readyState === 2) return;
      // As a browser does: the stream ended, so report it and connect again after the retry delay
      // (a second failure to connect closes for good).
      this.readyState = 0;
      this.emit({ type: 'error', data: '', lastEventId });
      await new Promise((r) => setTimeout(r, retryMs));
      if (this.readyState === 2) return;
    }
  }
}
