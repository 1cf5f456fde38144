/**
 * ctx.fetch's limits against a real local HTTP server: the server's own clock and in-flight
 * count say whether the caps held, and its answers (429 with Retry-After, 500) are waited out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { limitedFetch, retryAfterMs, SlidingWindow } from './limited-fetch.js';

interface Server {
  readonly url: string;
  /** When each request arrived, by the server's clock (ms). */
  readonly arrivals: number[];
  /** The most requests the server was answering at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server answering with `answer(n)` for its n-th request (from 0), after `holdMs`. */
async function serve(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void = (_, __, res) => res.end('{}'), holdMs = 0): Promise<Server> {
  let inFlight = 0;
  const server = createServer((req, res) => {
    const n = state.arrivals.push(Date.now()) - 1;
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      answer(n, req, res);
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: Server = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrivals: [],
    maxInFlight: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  servers.push(state);
  return state;
}

const signal = () => new AbortController().signal;

describe('limitedFetch', () => {
  it('lets no more than max_requests_per_second requests arrive in any second of the server clock', async () => {
    const server = await serve();
    const fetch = limitedFetch({ requestsPerSecond: 5 })(signal());
    const responses = await Promise.all(Array.from({ length: 12 }, () => fetch(server.url)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    const at = [...server.arrivals].sort((a, b) => a - b);
    expect(at).toHaveLength(12);
    // Any 6 consecutive arrivals span at least a second: no 1 s window holds more than 5.
    for (let i = 0; i + 5 < at.length; i++) expect(at[i + 5]! - at[i]!, `arrivals ${i}..${i + 5}`).toBeGreaterThanOrEqual(1000);
    // The first five go at once: it is a cap, not a spacing.
    expect(at[4]! - at[0]!).toBeLessThan(1000);
  });

  it('never has more than max_concurrent_requests requests in flight, and a body is read before the slot frees', async () => {
    const server = await serve((n, _, res) => res.end(JSON.stringify({ n })), 20);
    const fetch = limitedFetch({ concurrentRequests: 1 })(signal());
    const bodies = await Promise.all(Array.from({ length: 6 }, () => fetch(server.url).then((r) => r.json())));
    expect(server.maxInFlight).toBe(1);
    expect(bodies.map((b) => (b as { n: number }).n).sort()).toEqual([0, 1, 2, 3, 4, 5]);

    const wider = await serve(undefined, 50);
    const three = limitedFetch({ concurrentRequests: 3 })(signal());
    await Promise.all(Array.from({ length: 9 }, () => three(wider.url).then((r) => r.text())));
    expect(wider.maxInFlight).toBe(3);
  });

  it('waits out a 429 with Retry-After (seconds) and then succeeds, holding back the other callers too', async () => {
    const server = await serve((n, _, res) => {
      if (n === 0) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      else res.end('{"ok":true}');
    });
    const fetch = limitedFetch({})(signal());
    const first = fetch(server.url);
    // Sent while the first is being answered: it must not arrive before the pause ends either.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [response, second] = await Promise.all([first, fetch(server.url)]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(second.status).toBe(200);
    expect(server.arrivals).toHaveLength(3);
    expect(server.arrivals[1]! - server.arrivals[0]!).toBeGreaterThanOrEqual(1000);
    expect(server.arrivals[2]! - server.arrivals[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 5xx with backoff, and returns the last answer once the retries are spent', async () => {
    const flaky = await serve((n, _, res) => (n < 2 ? res.writeHead(500).end('oops') : res.end('fine')));
    const fetch = limitedFetch({}, { backoffMs: 10 })(signal());
    const ok = await fetch(flaky.url);
    expect([ok.status, await ok.text(), flaky.arrivals.length]).toEqual([200, 'fine', 3]);

    const broken = await serve((_, __, res) => res.writeHead(503).end('down'));
    const bounded = limitedFetch({}, { retries: 2, backoffMs: 10 })(signal());
    const failed = await bounded(broken.url);
    expect([failed.status, await failed.text(), broken.arrivals.length]).toEqual([503, 'down', 3]);
    // Not retried: a 4xx other than 429 is the caller's to read.
    const missing = await serve((_, __, res) => res.writeHead(404).end());
    expect((await bounded(missing.url)).status).toBe(404);
    expect(missing.arrivals).toHaveLength(1);
  });

  it('stops waiting when the signal aborts (a Retry-After longer than the extract may run)', async () => {
    const server = await serve((_, __, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const stop = new AbortController();
    const fetch = limitedFetch({ concurrentRequests: 1 })(stop.signal);
    const pending = fetch(server.url);
    setTimeout(() => stop.abort(new Error('timed out')), 100);
    await expect(pending).rejects.toThrow('timed out');
    // A caller queued behind an aborted one is not stuck.
    const other = limitedFetch({ requestsPerSecond: 1 })(signal());
    const open = await serve();
    expect((await other(open.url)).status).toBe(200);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('SlidingWindow', () => {
  it('holds a slot while its take runs, and frees it an interval after the take ends', async () => {
    const window = new SlidingWindow(1, 50);
    const end = await window.take();
    let second = false;
    const next = window.take().then((done) => {
      second = true;
      return done;
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(second).toBe(false);
    const endedAt = Date.now();
    end();
    (await next)();
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(49);
  });
});
