/**
 * The run-event listener that sends alerts (created by the API's one executor when the project
 * has an alerts: block): it collects problems and clean nodes from node_finished events while
 * the run goes on, and at its end reads what was sent before (dpf_meta.alerts), plans (dedup,
 * recovery, rate limit), sends through each channel, and returns the rows for dpf_meta.alerts.
 * Best effort: nothing here fails a run; each failure is one warning (DPF722-DPF724).
 */
import type { Adapter } from '../adapters/adapter.js';
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { HistoryRow } from '../history/index.js';
import type { AlertSettings } from './alert-config.js';
import { alertRow, readSentAlerts, type DeliveryStatus } from './alert-log.js';
import { alertMessage, type AlertMessage, type MessageContext } from './alert-message.js';
import { problemOf, ranClean, type AlertableResult, type Problem } from './find-problems.js';
import { planAlerts, type Delivery, type SentRecord } from './plan-alerts.js';
import { sendMessages } from './send-message.js';

export interface AlertListenerOptions {
  readonly settings: AlertSettings;
  readonly context: MessageContext;
  readonly projectDir: string;
  readonly database?: string;
  /** Redacts every secret (profile and alert channels) from a value. */
  clean<T>(value: T): T;
  warn(warning: Diagnostic): void;
  /** For tests: the clock. */
  readonly now?: () => Date;
}

export interface AlertListener {
  listen(event: { readonly type: string }): void;
  /** Problems seen so far (for a scheduler's late_start, add one before finish). */
  add(problem: Problem): void;
  /** Sends what the run calls for; the rows for dpf_meta.alerts. Never throws. */
  finish(adapter: Pick<Adapter, 'withConnection' | 'dialect' | 'name'>): Promise<HistoryRow[]>;
}

export function alertListener(options: AlertListenerOptions): AlertListener {
  const problems = new Map<string, Problem>();
  const clean = new Map<string, { name: string; resourceType: string; status: string }>();
  const now = options.now ?? (() => new Date());
  return {
    listen(event) {
      if (event.type !== 'node_finished') return;
      const result = (event as unknown as { result: AlertableResult }).result;
      const found = problemOf(result);
      // Targets that share one dpf_meta (dev and prod in one catalog) keep their problems apart.
      const problem = found && { ...found, key: `${options.context.target}:${found.key}` };
      if (problem) problems.set(problem.key, problem);
      else if (ranClean(result)) clean.set(result.uniqueId, { name: result.name, resourceType: result.resourceType, status: result.status });
    },
    add(problem) {
      problems.set(`${options.context.target}:${problem.key}`, { ...problem, key: `${options.context.target}:${problem.key}` });
    },
    async finish(adapter) {
      try {
        return await sendAll(adapter);
      } catch (err) {
        // A bug here must not fail the run: it is one warning, like a channel that failed.
        options.warn(diagnostic('AlertSendFailed', { channel: '(all)', count: problems.size, detail: options.clean(String((err as Error)?.message ?? err)) }, undefined, 'warning'));
        return [];
      }
    },
  };

  async function sendAll(adapter: Pick<Adapter, 'withConnection' | 'dialect' | 'name'>): Promise<HistoryRow[]> {
    const { settings } = options;
    if (settings.channels.length === 0) return [];
    let sent: SentRecord[] = [];
    try {
      // Only this target's: another target's open problem neither silences nor recovers ours.
      sent = (await readSentAlerts(adapter, options.database)).filter((r) => r.problemKey.startsWith(`${options.context.target}:`));
    } catch (err) {
      options.warn(diagnostic('AlertStateUnreadable', { detail: options.clean(String((err as Error)?.message ?? err)) }, undefined, 'warning'));
    }
    const deliveries = planAlerts({
      problems: [...problems.values()],
      clean,
      sent,
      routes: settings.routes,
      channels: settings.channels.map((c) => c.name),
      perRun: settings.perRun,
      perHour: settings.perHour,
      now: now(),
    });
    if (deliveries.length === 0) return [];
    const rows: HistoryRow[] = [];
    await Promise.all(
      settings.channels.map(async (channel) => {
        const mine = deliveries.filter((d) => d.channel === channel.name);
        const held = mine.filter((d) => d.action === 'held');
        let failure: string | undefined;
        let failed = 0;
        for (const delivery of mine.filter((d) => d.action === 'send')) {
          const message = options.clean(alertMessage(delivery.problem, delivery.event, options.context));
          // After a channel's first failure its other messages are not tried: each would wait out the same timeout.
          const status: DeliveryStatus = failure === undefined ? await send(channel, message) : 'failed';
          if (status === 'failed') failed++;
          rows.push(alertRow(options.context.runId, delivery, status, message.title, now()));
        }
        for (const delivery of held) rows.push(alertRow(options.context.runId, delivery, 'held', options.clean(alertMessage(delivery.problem, delivery.event, options.context)).title, now()));
        if (failure !== undefined) options.warn(diagnostic('AlertSendFailed', { channel: channel.name, count: failed, detail: options.clean(failure) }, undefined, 'warning'));
        if (held.length > 0) options.warn(diagnostic('AlertsHeld', { channel: channel.name, count: held.length, limit: `${settings.perRun} per run, ${settings.perHour} per hour` }, undefined, 'warning'));

        async function send(target: typeof channel, message: AlertMessage): Promise<DeliveryStatus> {
          try {
            await sendMessages(target, [message], { projectDir: options.projectDir, timeoutMs: settings.timeoutMs });
            return 'sent';
          } catch (err) {
            failure = String((err as Error)?.message ?? err);
            return 'failed';
          }
        }
      }),
    );
    return options.clean(rows);
  }
}

export type { Delivery };
