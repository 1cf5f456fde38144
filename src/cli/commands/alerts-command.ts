/** `dpf alerts test`: one test message through each alert channel of dpf_project.yml. */
import type { Command } from 'commander';
import { testAlerts } from '../../api/test-alerts.js';
import { addProjectOptions, projectDirOf, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatDiagnostic } from '../format-diagnostic.js';

export function registerAlertsCommand(program: Command, ctx: CommandContext): void {
  const alerts = program.command('alerts').description("the alert channels of dpf_project.yml's alerts: block");
  const test = alerts.command('test').description('send a test message through each alert channel (webhook, email, custom) and say which worked');
  addProjectOptions(test)
    .addHelpText('after', "\nExample:\n  $ SLACK_WEBHOOK_URL=https://hooks.slack.com/... dpf alerts test")
    .action(async (flags: CommonFlags) => {
      const json = flags.logFormat === 'json';
      const outcome = await testAlerts(projectOptionsOf(flags, ctx));
      const projectDir = projectDirOf(flags, ctx.io.cwd);
      for (const warning of outcome.warnings) {
        if (json) ctx.output.errJson({ type: 'warning', diagnostic: warning });
        else ctx.output.err(formatDiagnostic(warning, projectDir));
      }
      for (const r of outcome.results) {
        if (json) ctx.output.outJson({ event: 'alert_channel_tested', channel: r.channel, channelType: r.type, ok: r.ok, detail: r.detail });
        else ctx.output.out(r.ok ? `${r.channel} (${r.type}): sent` : `${r.channel} (${r.type}): FAILED: ${r.detail}`);
      }
      if (!json && outcome.results.length === 0) ctx.output.out('No channel could be tried: every channel needs an environment variable that is not set (warnings above).');
      if (outcome.results.some((r) => !r.ok) || outcome.results.length === 0) ctx.setExitCode(1);
    });
}
