/**
 * `dpf schedule`: the long-running scheduler (docs/scheduling.md#the-scheduler). Flags in, the
 * pipelines module's schedule() run until SIGTERM or SIGINT (which drain it), one line per event
 * out (or one JSON object per line with --log-format json).
 */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { clockFromEnv, formatInZone, schedule, type SchedulerEvent } from '../../pipelines/index.js';
import { addProjectOptions, logFormatOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import { userTimezone } from '../clock-options.js';
import type { CommandContext } from '../command-context.js';

export function registerScheduleCommand(program: Command, ctx: CommandContext): void {
  addProjectOptions(program.command('schedule').description('run pipelines on their schedules and after each other, until stopped (SIGTERM drains)'))
    .addHelpText(
      'after',
      [
        '',
        'Runs start in worker processes through the same path as `dpf pipeline run`. Two schedulers on one',
        'store elect one leader; the other waits and takes over when the leader stops renewing its lease.',
        'The store and timings are set by scheduler: in dpf_project.yml. DPF_SCHEDULE_CLOCK=<ISO time>[x<speed>]',
        'starts the clock elsewhere and faster, to watch a day of schedules in minutes.',
        '',
        'Examples:',
        '  $ dpf schedule',
        '  $ dpf schedule --target prod --log-format json',
      ].join('\n'),
    )
    .action(async (flags: CommonFlags) => {
      let clock;
      try {
        clock = clockFromEnv(ctx.io.env.DPF_SCHEDULE_CLOCK);
      } catch (err) {
        fail('UsageError', { detail: `${(err as Error).message}.` });
      }
      const json = logFormatOf(flags) === 'json';
      const timezone = userTimezone(ctx.io.env) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      const time = (ms: number) => formatInZone(new Date(ms), timezone);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        await schedule(
          {
            ...projectOptionsOf(flags, ctx),
            signal: controller.signal,
            clock,
            onSchedulerEvent: (event) => (json ? ctx.output.outJson({ event: event.type, time: new Date().toISOString(), ...eventFields(event) }) : ctx.output.out(describe(event, time))),
          },
          (started) => {
            if (json) ctx.output.outJson({ event: 'scheduler_started', time: new Date().toISOString(), holder: started.holder.id, store: started.store, pipelines: started.pipelines.map((p) => p.name) });
            else ctx.output.out(`Scheduler ${started.holder.id}: ${started.pipelines.length} pipeline${started.pipelines.length === 1 ? '' : 's'} (${started.pipelines.map((p) => p.name).join(', ')}), state in ${started.store}. SIGTERM or Ctrl+C stops it.`);
          },
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

function eventFields(event: SchedulerEvent): object {
  const { type: _, ...fields } = event;
  return fields;
}

function describe(event: SchedulerEvent, time: (ms: number) => string): string {
  switch (event.type) {
    case 'leader':
      return `Leading (lease epoch ${event.epoch}): starting the pipelines' runs.`;
    case 'standby':
      return `Standing by: ${event.holder ?? 'another scheduler'} holds the lease; taking over if it stops renewing it.`;
    case 'lease_lost':
      return 'Lost the lease to another scheduler: stopped the runs started here; standing by.';
    case 'ticks': {
      const due = event.ticks.filter((t) => t.state === 'pending');
      const skipped = event.ticks.length - due.length;
      return `Due: ${due.map((t) => `${t.pipeline} (${time(t.scheduledAt)}${t.reason ? `, ${t.reason}` : ''})`).join(', ') || 'nothing'}${skipped ? `; ${skipped} missed tick${skipped === 1 ? '' : 's'} skipped (catchup: false)` : ''}`;
    }
    case 'run_started':
      return `Started ${event.run.id}${event.run.attempt > 1 ? ` (attempt ${event.run.attempt})` : ''}${event.lateMs > 60_000 ? `, late by ${Math.round(event.lateMs / 1000)} s` : ''}`;
    case 'run_ended': {
      const next = event.next.state === 'pending' ? `; ${event.next.reason}, at ${time(event.next.notBefore)}` : '';
      return `${event.end.busy ? 'Waiting' : event.end.state === 'success' ? 'Succeeded' : event.end.state === 'cancelled' ? 'Cancelled' : 'Failed'}: ${event.run.id}${event.end.failedNode ? ` at ${event.end.failedNode}` : ''}${event.end.error && !event.end.busy ? `: ${event.end.error}` : ''}${next}`;
    }
    case 'run_lost':
      return `Lost: ${event.run.id} (its scheduler ${event.run.holder} stopped)${event.next.state === 'pending' ? `; ${event.next.reason}` : '; failed, no retries left'}`;
    case 'timeout':
      return `Timed out: ${event.run.id}; cancelling it`;
    case 'sensor_error':
      return `warning: pipeline ${event.pipeline}'s sensor ${event.sensor} cannot look: ${event.error}`;
    case 'store_error':
      return `warning: the scheduler store failed (${event.error}); trying again`;
    case 'draining':
      return `Stopping: waiting for ${event.running} running run${event.running === 1 ? '' : 's'} (scheduler.drain_seconds), then cancelling`;
    case 'stopped':
      return 'Stopped; lease released.';
  }
}
