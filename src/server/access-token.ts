/**
 * The token that guards the Explore API when `dpf docs serve` listens beyond loopback: random,
 * new at every start, printed once in the terminal, and sent by the page as the X-Dpf-Token
 * header (or `?token=` on a download link). On loopback no token is needed: only this machine
 * reaches the server, and the Host check (serve-site.ts) keeps other sites' pages out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-dpf-token';

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether the request carries the token, compared in constant time. */
export function carriesToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers[TOKEN_HEADER];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
