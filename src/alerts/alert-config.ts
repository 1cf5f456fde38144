/**
 * Resolves dpf_project.yml's `alerts:` block for one run: renders `{{env 'NAME'}}` in channel
 * values, checks what the JSON Schema cannot (a secret written in the file, a rule naming no
 * channel, a notifier module outside the project), and lists every value read from the
 * environment as a secret, so that the run redacts it from everything it reports. A channel
 * whose variable is not set is left out with a warning (DPF721): a developer's build without
 * the team's webhook still builds. It never sends anything.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CompiledProject } from '../compiler/compile-pipeline.js';
import type { AlertChannelConfig, AlertKindName, AlertsProjectConfig } from '../compiler/load-project.js';
import { renderEnv } from '../compiler/load-profile.js';
import { closestMatch } from '../compiler/closest-match.js';
import { DpfError, diagnostic, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';

export type ProblemKind = AlertKindName;
export const PROBLEM_KINDS: readonly ProblemKind[] = ['failure', 'warning', 'anomaly', 'late_start'];

export type ResolvedChannel =
  | { readonly name: string; readonly type: 'webhook'; readonly url: string }
  | {
      readonly name: string;
      readonly type: 'email';
      readonly host: string;
      readonly port: number;
      readonly tls: 'starttls' | 'implicit' | 'none';
      readonly user?: string;
      readonly password?: string;
      readonly from: string;
      readonly to: readonly string[];
    }
  | { readonly name: string; readonly type: 'custom'; readonly module: string; readonly options: Readonly<Record<string, unknown>> };

export interface AlertSettings {
  /** Channels that can send in this run (those whose variables are set). */
  readonly channels: readonly ResolvedChannel[];
  /** Per kind of problem, the names of the channels it goes to. */
  readonly routes: Readonly<Record<ProblemKind, readonly string[]>>;
  readonly catalogUrl?: string;
  readonly perRun: number;
  readonly perHour: number;
  readonly timeoutMs: number;
  readonly lateStartToleranceSeconds: number;
  /** Every value read from the environment: redacted from every output of the run. */
  readonly secrets: readonly string[];
  /** Channels left out (DPF721), as warnings for the run to report. */
  readonly warnings: readonly Diagnostic[];
}

export const DEFAULT_PER_RUN = 10;
export const DEFAULT_PER_HOUR = 30;
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_LATE_START_TOLERANCE_SECONDS = 300;

/** Values that must come from the environment: whoever reads them can post or log in. */
const SECRET_FIELDS: Readonly<Record<AlertChannelConfig['type'], readonly string[]>> = {
  webhook: ['url'],
  email: ['password'],
  custom: [],
};

const usesEnv = (value: string) => /\{\{\s*env\s/.test(value);

/** Undefined when the project has no alerts: block. Throws DpfError (DPF720) for a block it cannot use. */
export function resolveAlerts(alerts: CompiledProject['alerts'], projectDir: string, env: NodeJS.ProcessEnv): AlertSettings | undefined {
  if (!alerts) return undefined;
  const { config, locate } = alerts;
  checkConfig(config, locate, projectDir);
  const secrets: string[] = [];
  const warnings: Diagnostic[] = [];
  const channels: ResolvedChannel[] = [];
  for (const [name, channel] of Object.entries(config.channels)) {
    const missing: string[] = [];
    const render = (value: string, path: (string | number)[]): string => {
      if (!value.includes('{{')) return value;
      const used: string[] = [];
      const unset = missingVariable(value, env);
      if (unset) {
        missing.push(unset);
        return '';
      }
      const rendered = renderEnv(value, env, locate(['channels', name, ...path]), used);
      if (rendered !== value) secrets.push(rendered);
      return rendered;
    };
    const resolved = resolveChannel(name, channel, render);
    if (missing.length > 0) {
      warnings.push(diagnostic('AlertChannelDisabled', { channel: name, detail: `${[...new Set(missing)].join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set` }, locate(['channels', name]), 'warning'));
      continue;
    }
    channels.push(resolved);
  }
  const names = Object.keys(config.channels);
  const routes = Object.fromEntries(PROBLEM_KINDS.map((kind) => [kind, [] as string[]])) as Record<ProblemKind, string[]>;
  const rules = config.rules ?? [{ on: ['failure', 'anomaly'] as const }];
  for (const rule of rules) {
    const kinds = typeof rule.on === 'string' ? [rule.on] : rule.on;
    for (const kind of kinds) for (const channel of rule.channels ?? names) if (!routes[kind].includes(channel)) routes[kind].push(channel);
  }
  return {
    channels,
    routes,
    catalogUrl: config.catalog_url,
    perRun: config.rate_limit?.per_run ?? DEFAULT_PER_RUN,
    perHour: config.rate_limit?.per_hour ?? DEFAULT_PER_HOUR,
    timeoutMs: (config.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    lateStartToleranceSeconds: config.late_start?.tolerance_seconds ?? DEFAULT_LATE_START_TOLERANCE_SECONDS,
    secrets: secrets.filter((s) => s.length >= 4),
    warnings,
  };
}

function resolveChannel(name: string, channel: AlertChannelConfig, render: (value: string, path: (string | number)[]) => string): ResolvedChannel {
  switch (channel.type) {
    case 'webhook':
      return { name, type: 'webhook', url: render(channel.url, ['url']) };
    case 'email': {
      const tls = channel.tls ?? 'starttls';
      const to = typeof channel.to === 'string' ? [channel.to] : channel.to;
      return {
        name,
        type: 'email',
        host: render(channel.host, ['host']),
        port: channel.port ?? (tls === 'implicit' ? 465 : 587),
        tls,
        user: channel.user === undefined ? undefined : render(channel.user, ['user']),
        password: channel.password === undefined ? undefined : render(channel.password, ['password']),
        from: render(channel.from, ['from']),
        to: to.map((t, i) => render(t, ['to', i])),
      };
    }
    case 'custom': {
      const options = Object.fromEntries(Object.entries(channel.options ?? {}).map(([k, v]) => [k, typeof v === 'string' ? render(v, ['options', k]) : v]));
      return { name, type: 'custom', module: channel.module, options };
    }
  }
}

/** The first {{env 'NAME'}} without a default whose variable is not set, if any. */
function missingVariable(value: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const match of value.matchAll(/\{\{\s*env\s+(['"])([^'"]+)\1\s*(['"][^'"]*['"])?\s*\}\}/g)) {
    if (env[match[2]!] === undefined && match[3] === undefined) return match[2];
  }
  return undefined;
}

function checkConfig(config: AlertsProjectConfig, locate: (path: readonly (string | number)[]) => SourceLocation, projectDir: string): void {
  const problems: Diagnostic[] = [];
  const names = Object.keys(config.channels);
  for (const [name, channel] of Object.entries(config.channels)) {
    for (const field of SECRET_FIELDS[channel.type]) {
      const value = (channel as unknown as Record<string, unknown>)[field];
      if (typeof value === 'string' && !usesEnv(value)) {
        problems.push(
          diagnostic(
            'AlertConfigInvalid',
            { detail: `writes channel "${name}"'s ${field} in the file; it is a secret, and dpf reads it only from the environment`, todo: `Write ${field}: "{{env 'DPF_ALERT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field.toUpperCase()}'}}" and set that variable where alerts are sent (remove the value from git history if it was committed).` },
            locate(['channels', name, field]),
          ),
        );
      }
    }
    if (channel.type === 'custom') {
      const file = resolve(projectDir, channel.module);
      const outside = isAbsolute(channel.module) || relative(projectDir, file).startsWith('..');
      if (outside || !existsSync(file)) {
        problems.push(
          diagnostic(
            'AlertConfigInvalid',
            { detail: outside ? `points channel "${name}" at ${channel.module}, outside the project` : `points channel "${name}" at ${channel.module}, which does not exist`, todo: 'Give module a path relative to the project folder, to a .ts or .js file that exports a notify function (docs/alerts.md).' },
            locate(['channels', name, 'module']),
          ),
        );
      }
    }
  }
  (config.rules ?? []).forEach((rule, i) => {
    (rule.channels ?? []).forEach((channel, j) => {
      if (names.includes(channel)) return;
      const suggestion = closestMatch(channel, names);
      problems.push(
        diagnostic(
          'AlertConfigInvalid',
          { detail: `has a rule that sends to channel "${channel}", which is not under channels:${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, todo: `The channels: ${names.join(', ')}.` },
          locate(['rules', i, 'channels', j]),
        ),
      );
    });
  });
  if (problems.length > 0) throw new DpfError(problems);
}
