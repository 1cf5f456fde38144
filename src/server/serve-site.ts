/**
 * `dpf docs serve`: target/site/ over HTTP on this machine, with node:http and nothing else,
 * and, when given one, the Explore page's API under /api/ (explore-api.ts).
 *
 * What it must never do is serve a file outside the site, so a request path is checked
 * segment by segment before it touches the disk: each segment is percent-decoded once and
 * refused (404) if it is empty-dot, `..`, or holds a slash, backslash or NUL after decoding
 * (`%2e%2e`, `%2F`); a double-encoded `%252e%252e` decodes to the literal name `%2e%2e`, which
 * is just a file that does not exist. The joined path must stay under the site's real path,
 * symlinks resolved. Only GET and HEAD; only files; directories serve their index.html.
 *
 * Bound to 127.0.0.1 by default. A page on another site could still point a DNS name at
 * 127.0.0.1 (DNS rebinding), so while bound to loopback, requests must name a loopback Host.
 * Bound elsewhere, the API answers only requests that carry the start-up token (access-token.ts);
 * the site's files stay readable, as before, with the warning the command prints.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { carriesToken } from './access-token.js';
import type { ApiHandler } from './explore-api.js';

export interface ServeOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Requests under /api/ go here; without it they are 404. */
  readonly api?: ApiHandler;
  /** Requests under /api/ must carry it (required when the host is not loopback). */
  readonly token?: string;
}

export interface SiteServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * What the site needs and nothing more: its own scripts, styles and images (inline styles for
 * the graph's computed positions are set through the CSSOM, which CSP allows). The same policy
 * is in index.html as a meta tag, so that it also holds when the site is opened from disk.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The site changes with every generate; the browser may keep a copy but must revalidate.
  'Cache-Control': 'no-cache',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a listening address keeps the server to this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** The file a request path names under root, or undefined if it names nothing servable. */
export function resolveRequestPath(root: string, rawUrl: string): string | undefined {
  if (!rawUrl.startsWith('/')) return undefined;
  const path = rawUrl.split(/[?#]/, 1)[0]!;
  const segments: string[] = [];
  for (const raw of path.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.') continue;
    if (segment === '..' || /[/\\\0]/.test(segment) || /^[a-zA-Z]:/.test(segment)) return undefined;
    segments.push(segment);
  }
  const realRoot = realpathSync(root);
  let file = join(realRoot, ...segments);
  if (!existsSync(file)) return undefined;
  file = realpathSync(file);
  if (file !== realRoot && !file.startsWith(realRoot + sep)) return undefined;
  if (statSync(file).isDirectory()) {
    file = join(file, 'index.html');
    if (!existsSync(file)) return undefined;
  }
  return statSync(file).isFile() ? file : undefined;
}

function hostAllowed(req: IncomingMessage, bound: string): boolean {
  if (!LOOPBACK.has(bound)) return true;
  const host = req.headers.host;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK.has(name);
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

export function serveSite(root: string, options: ServeOptions = {}): Promise<SiteServer> {
  const host = options.host ?? DEFAULT_HOST;
  if (options.api && !LOOPBACK.has(host) && !options.token) throw new Error(`serveSite: the API on ${host} needs a token`);
  const server = createServer((req, res) => {
    if (!hostAllowed(req, host)) return send(res, 403, 'Forbidden: this server answers to localhost only');
    const url = new URL(req.url ?? '/', 'http://dpf.invalid');
    if (url.pathname.startsWith('/api/')) {
      if (!options.api) return send(res, 404, 'Not found');
      if (options.token && !carriesToken(req, url, options.token)) return send(res, 401, 'Unauthorized: this server needs the token `dpf docs serve` printed when it started (open the URL it printed).');
      // A page on another site may send a request here (the Host check passes on loopback), but its Origin says so.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) return send(res, 403, 'Forbidden: requests from another site');
      return options.api.handle(req, res, url, SECURITY_HEADERS);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    let file: string | undefined;
    try {
      file = resolveRequestPath(root, req.url ?? '');
    } catch {
      file = undefined;
    }
    if (!file) return send(res, 404, 'Not found');
    const size = statSync(file).size;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(size),
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shown}:${address.port}/`,
        host: address.address,
        port: address.port,
        close: async () => {
          await options.api?.close();
          await new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          });
        },
      });
    });
  });
}
