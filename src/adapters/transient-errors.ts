/**
 * Which errors are worth another attempt (`retries:`, docs/configuration.md): what each adapter's
 * `isTransient` builds on. An error is transient when the same work may well succeed a moment
 * later: the connection dropped, the server is busy or restarting, a lock was held. Errors are
 * looked at through their `cause` chain, since dpf wraps what it catches (a DpfError around a
 * plugin's or a driver's error).
 */

/** err, its cause, its cause's cause, … (a few levels: a chain is never long, and may loop). */
export function causesOf(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8 && !out.includes(e); depth++) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** Node's and undici's codes for a connection that was lost, refused or timed out. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const NETWORK_MESSAGE = /\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|connection (was )?(reset|lost|closed|refused))\b/i;

/** A connection lost, reset or refused, anywhere in the cause chain. */
export function isNetworkError(err: unknown): boolean {
  return causesOf(err).some((e) => {
    const code = (e as { code?: unknown })?.code;
    return (typeof code === 'string' && NETWORK_CODES.has(code)) || (e instanceof Error && NETWORK_MESSAGE.test(e.message));
  });
}

/** HTTP statuses that mean "try again later": too many requests, and server errors but 501 and 505, which will not change. */
export function isRetryableStatus(status: unknown): boolean {
  return typeof status === 'number' && (status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505));
}

const statusOf = (e: unknown): unknown => {
  const o = e as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } } | null;
  return o?.status ?? o?.statusCode ?? o?.response?.status;
};

/**
 * What an error says of itself, in the shapes plugins and HTTP clients use: `retryable: true`
 * or `false`, or an HTTP `status` (`statusCode`, `response.status`). undefined: it says nothing.
 */
export function declaredTransient(err: unknown): boolean | undefined {
  for (const e of causesOf(err)) {
    const retryable = (e as { retryable?: unknown })?.retryable;
    if (typeof retryable === 'boolean') return retryable;
    const status = statusOf(e);
    if (typeof status === 'number') return isRetryableStatus(status);
  }
  return undefined;
}
