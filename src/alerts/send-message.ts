/**
 * Sends one message through one channel: a webhook (POST of Slack-compatible JSON with
 * node's fetch), email over SMTP (nodemailer) or a custom notifier (a .ts or .js module of the
 * project, loaded with jiti). One sender per channel type, in a Record, so a new type fails to
 * compile until it has one. A sender throws on failure; the caller turns that into a DPF722
 * warning. Errors never carry the channel's URL or password: the run redacts every secret.
 */
import { resolve } from 'node:path';
import { createJiti } from 'jiti';
import nodemailer from 'nodemailer';
import type { ResolvedChannel } from './alert-config.js';
import { emailContent, slackPayload, type AlertMessage } from './alert-message.js';

/** What a custom notifier module exports (default, or as `notify`). */
export type Notifier = (message: AlertMessage, options: Readonly<Record<string, unknown>>) => void | Promise<void>;

export interface SendContext {
  readonly projectDir: string;
  readonly timeoutMs: number;
}

type Sender<C extends ResolvedChannel> = (channel: C, messages: readonly AlertMessage[], context: SendContext) => Promise<void>;
type ChannelType = ResolvedChannel['type'];

const SENDERS: { readonly [T in ChannelType]: Sender<Extract<ResolvedChannel, { type: T }>> } = {
  async webhook(channel, messages, context) {
    for (const message of messages) {
      let response: Response;
      try {
        response = await fetch(channel.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(slackPayload(message)),
          signal: AbortSignal.timeout(context.timeoutMs),
        });
      } catch (err) {
        // fetch's own message is "fetch failed"; the cause says why (refused, timed out, DNS).
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`the webhook could not be reached (${cause?.code ?? cause?.message ?? (err as Error).message})`);
      }
      const body = (await response.text().catch(() => '')).slice(0, 200);
      if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}${body ? `: ${body}` : ''}`);
    }
  },
  async email(channel, messages, context) {
    const transport = nodemailer.createTransport({
      host: channel.host,
      port: channel.port,
      secure: channel.tls === 'implicit',
      requireTLS: channel.tls === 'starttls',
      ignoreTLS: channel.tls === 'none',
      auth: channel.user ? { user: channel.user, pass: channel.password ?? '' } : undefined,
      connectionTimeout: context.timeoutMs,
      greetingTimeout: context.timeoutMs,
      socketTimeout: context.timeoutMs,
      logger: false,
      debug: false,
    });
    try {
      for (const message of messages) {
        const { subject, text } = emailContent(message);
        await transport.sendMail({ from: channel.from, to: [...channel.to], subject, text });
      }
    } finally {
      transport.close();
    }
  },
  async custom(channel, messages, context) {
    const notify = await loadNotifier(resolve(context.projectDir, channel.module));
    for (const message of messages) await notify(message, channel.options);
  },
};

export function sendMessages(channel: ResolvedChannel, messages: readonly AlertMessage[], context: SendContext): Promise<void> {
  return (SENDERS[channel.type] as Sender<ResolvedChannel>)(channel, messages, context);
}

/**
 * Loads a notifier module. jiti compiles TypeScript on the fly without a native binary (tsx
 * needs esbuild's) and without writing a cache into the project (fsCache off); a module is
 * read again by every load, so an edited notifier is picked up by the next run in one process.
 */
async function loadNotifier(file: string): Promise<Notifier> {
  const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: true });
  const mod = (await jiti.import(file)) as { default?: unknown; notify?: unknown } | ((...args: unknown[]) => unknown);
  const candidate = typeof mod === 'function' ? mod : (mod.notify ?? mod.default);
  if (typeof candidate !== 'function') throw new Error(`${file} exports no function: export default (or export a function named notify) taking (message, options)`);
  return candidate as Notifier;
}
