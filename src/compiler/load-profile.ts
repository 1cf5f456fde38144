/**
 * Finds profiles.yml, picks the profile and target, and resolves {{env "NAME" "default"}} in
 * its values. The result lists the secrets in `secrets` (values under keys such as password or
 * token, and values read from variables named so, such as TRINO_PASSWORD), so that loggers and
 * artifact writers can redact them; nothing else in dpf reads profiles.yml.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import HandlebarsModule from 'handlebars';
import { fail, DpfError, diagnostic } from '../errors/dpf-error.js';
import type { TargetConfig } from '../adapters/adapter.js';
import { adapterTypes } from '../adapters/index.js';
import { readYamlFile } from './read-yaml-file.js';
import { schemaValidator } from './schema-validators.js';
import { closestMatch } from './closest-match.js';

const SECRET_KEY = /pass|secret|token|key|credential/i;

export interface ProfileOptions {
  readonly projectDir: string;
  readonly profileName: string;
  readonly profilesDir?: string;
  readonly target?: string;
  readonly threads?: number;
  readonly env?: NodeJS.ProcessEnv;
}

interface ProfilesFile {
  [profile: string]: { target?: string; outputs: Record<string, Record<string, unknown>> };
}

export function findProfilesFile(options: Pick<ProfileOptions, 'projectDir' | 'profilesDir' | 'env'>): string {
  const env = options.env ?? process.env;
  const dirs = options.profilesDir
    ? [options.profilesDir]
    : [env.DPF_PROFILES_DIR, options.projectDir, join(env.HOME ?? homedir(), '.dpf')].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const file = join(dir, 'profiles.yml');
    if (existsSync(file)) return file;
  }
  return fail('ProfilesFileMissing', { searched: dirs.map((d) => join(d, 'profiles.yml')) });
}

export function loadProfile(options: ProfileOptions): TargetConfig {
  const env = options.env ?? process.env;
  const file = findProfilesFile(options);
  const yaml = readYamlFile<ProfilesFile>(file, file, schemaValidator('profiles'));
  const profiles = yaml.data;
  const profile = profiles[options.profileName];
  if (!profile) {
    fail('ProfileMissing', { profile: options.profileName, available: Object.keys(profiles) }, { file, line: 1, column: 1 });
  }
  const targetName = options.target ?? profile.target ?? Object.keys(profile.outputs)[0]!;
  const output = profile.outputs[targetName];
  if (!output) {
    fail(
      'TargetMissing',
      { profile: options.profileName, target: targetName, available: Object.keys(profile.outputs) },
      yaml.locate([options.profileName, 'outputs']),
    );
  }

  const secrets: string[] = [];
  const renderValue = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string' && value.includes('{{')) {
      const names: string[] = [];
      const rendered = renderEnv(value, env, yaml.locate(path), names);
      // A value read from a secret-looking variable is a secret wherever it sits (values under
      // secret-looking keys are collected below). Other variables (a schema, a host, a user)
      // are not: redacting them would blank out ordinary words in every line and artifact.
      if (rendered !== value && names.some((n) => SECRET_KEY.test(n))) secrets.push(rendered);
      return rendered;
    }
    if (Array.isArray(value)) return value.map((v, i) => renderValue(v, [...path, i]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, [...path, k])]));
    }
    return value;
  };
  const settings = renderValue(output, [options.profileName, 'outputs', targetName]) as Record<string, unknown>;
  if (!adapterTypes().includes(String(settings.type))) {
    fail('UnknownAdapter', { type: String(settings.type), available: adapterTypes() }, yaml.locate([options.profileName, 'outputs', targetName, 'type']));
  }
  collectSecretValues(settings, secrets);

  const threads = options.threads ?? Number(settings.threads ?? 4);
  return {
    profileName: options.profileName,
    targetName,
    type: String(settings.type),
    schema: String(settings.schema ?? 'main'),
    // Trino calls the first part of a relation's name its catalog.
    database: settings.database !== undefined ? String(settings.database) : settings.catalog !== undefined ? String(settings.catalog) : undefined,
    threads: Number.isFinite(threads) && threads > 0 ? Math.floor(threads) : 1,
    settings,
    secrets: secrets.filter((s) => s.length >= 4),
  };
}

function collectSecretValues(value: unknown, out: string[], key = ''): void {
  if (typeof value === 'string' && SECRET_KEY.test(key)) out.push(value);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecretValues(v, out, k);
  }
}

const Handlebars = HandlebarsModule.create();

/** Renders {{env 'NAME' 'default'}} in one value (the only helper); `used` collects the names read. Also used for dpf_project.yml's alerts: block. */
export function renderEnv(text: string, env: NodeJS.ProcessEnv, location: { file: string; line?: number; column?: number }, used: string[]): string {
  const helpers = {
    env(name: unknown, ...rest: unknown[]) {
      used.push(String(name));
      const fallback = rest.length > 1 ? rest[0] : undefined;
      const value = env[String(name)];
      if (value !== undefined) return value;
      if (fallback !== undefined) return String(fallback);
      fail('EnvVarMissing', { name: String(name) }, location);
    },
  };
  try {
    return Handlebars.compile(text, { noEscape: true, strict: true, knownHelpers: { env: true }, knownHelpersOnly: true })(
      {},
      { helpers },
    );
  } catch (err) {
    if (err instanceof DpfError) throw err;
    // A profiles.yml brought from dbt: name its spelling and dpf's, not handlebars' parse error.
    const dbtCall = /env_var\(\s*(['"])([^'"]*)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)/.exec(text);
    if (dbtCall) {
      const dpfForm = `{{env '${dbtCall[2]}'${dbtCall[4] !== undefined ? ` '${dbtCall[4]}'` : ''}}}`;
      throw new DpfError([diagnostic('TemplateSyntax', { detail: `${dbtCall[0]} is dbt's Jinja; dpf writes it ${dpfForm}` }, location)]);
    }
    const detail = (err as Error).message.split('\n')[0]!;
    const helper = /helper "?([\w-]+)"?/.exec(detail)?.[1];
    if (helper) {
      throw new DpfError([diagnostic('UnknownHelper', { name: helper, suggestion: closestMatch(helper, ['env']) }, location)]);
    }
    throw new DpfError([diagnostic('TemplateSyntax', { detail }, location)]);
  }
}
