/**
 * `testAlerts` of the public API (`dpf alerts test`): sends one test message through every
 * channel of dpf_project.yml's alerts: block and says, per channel, whether it went through.
 * It compiles nothing and never opens the warehouse; channel secrets and profile secrets are
 * redacted from what it returns and throws.
 */
import { randomUUID } from 'node:crypto';
import { alertsOf, resolveTarget } from '../compiler/compile-pipeline.js';
import { loadProjectConfig } from '../compiler/load-project.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { DpfError, fail } from '../errors/dpf-error.js';
import { resolveAlerts, testChannels, type ChannelTestResult } from '../alerts/index.js';
import type { Diagnostic } from '../errors/dpf-error.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export interface AlertsTestOutcome {
  readonly results: readonly ChannelTestResult[];
  /** Channels left out because their environment variables are not set (DPF721). */
  readonly warnings: readonly Diagnostic[];
}

export async function testAlerts(options: ProjectOptions = {}): Promise<AlertsTestOutcome> {
  const compileOptions = compileOptionsOf(options);
  const configFile = loadProjectConfig(compileOptions.projectDir);
  const target = resolveTarget(compileOptions, configFile.data);
  const alerts = alertsOf(configFile);
  if (!alerts) fail('AlertConfigInvalid', { detail: 'is missing: there is no channel to test', todo: 'Add an alerts: block with channels to dpf_project.yml (docs/alerts.md).' }, { file: configFile.path, line: 1 });
  const settings = resolveAlerts(alerts, compileOptions.projectDir, compileOptions.env ?? process.env)!;
  const secrets = [...target.secrets, ...settings.secrets].filter((s) => s.length > 0);
  const clean = <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  try {
    const context = { project: configFile.data.name, target: target.targetName, command: 'alerts test', runId: randomUUID(), catalogUrl: settings.catalogUrl };
    return { results: await testChannels(settings, context, compileOptions.projectDir, clean), warnings: settings.warnings };
  } catch (err) {
    if (err instanceof DpfError) throw new DpfError(clean([...err.diagnostics]));
    throw err;
  }
}
