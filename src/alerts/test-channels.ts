/**
 * `dpf alerts test`: one test message through each configured channel, and what happened, so
 * that a channel is known to work before a failure needs it. Writes nothing to the warehouse.
 */
import type { AlertSettings } from './alert-config.js';
import { testMessage, type MessageContext } from './alert-message.js';
import { sendMessages } from './send-message.js';

export interface ChannelTestResult {
  readonly channel: string;
  readonly type: string;
  readonly ok: boolean;
  /** Why it failed, secrets redacted. */
  readonly detail?: string;
}

export async function testChannels(settings: AlertSettings, context: MessageContext, projectDir: string, clean: <T>(value: T) => T): Promise<ChannelTestResult[]> {
  return Promise.all(
    settings.channels.map(async (channel) => {
      try {
        await sendMessages(channel, [clean(testMessage(context, channel.name))], { projectDir, timeoutMs: settings.timeoutMs });
        return { channel: channel.name, type: channel.type, ok: true };
      } catch (err) {
        return { channel: channel.name, type: channel.type, ok: false, detail: clean(String((err as Error)?.message ?? err)) };
      }
    }),
  );
}
