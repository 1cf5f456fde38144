/** Flags shared by the commands, and turning them into stage options. */
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';
import { fail } from '../errors/dpf-error.js';
import type { CompileOptions } from '../compiler/compile-pipeline.js';
import type { SelectionInput } from '../compiler/select-nodes.js';
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH, nestingDepth, TOO_DEEP, yamlTooComplex } from '../compiler/read-yaml-file.js';
import type { LogFormat } from './run-reporter.js';
import { compileOptionsOf, selectionOf, type ProjectOptions } from '../api/options.js';

export interface CommonFlags {
  projectDir?: string;
  profilesDir?: string;
  target?: string;
  vars?: string;
  threads?: string;
  logFormat?: LogFormat;
  select?: string[];
  exclude?: string[];
  state?: string;
  refreshForEach?: boolean;
  skipFailedForEach?: boolean;
}

export function addProjectOptions(cmd: Command): Command {
  return cmd
    .option('--project-dir <dir>', 'folder holding dpf_project.yml', '.')
    .option('--profiles-dir <dir>', 'folder holding profiles.yml (default: the project, then ~/.dpf)')
    .option('-t, --target <name>', 'target in profiles.yml (default: the profile\'s target)')
    .option('--vars <yaml>', 'variables as a YAML mapping, overriding dpf_project.yml vars')
    .option('--log-format <format>', 'text or json (one JSON event per line)', 'text')
    .option('--refresh-for-each', 'run the queries of query-driven for_each models again (their rows are cached in target/)')
    .option('--skip-failed-for-each', 'a for_each query that fails with no cached rows generates no models, to build what it reads first');
}

export function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option('-s, --select <selector...>', 'nodes to include (dbt syntax: name, +name, name+, tag:x, path:..., config.k:v)')
    .option('--exclude <selector...>', 'nodes to leave out')
    .option('--state <dir>', 'artifacts of another run to compare with (source_status:fresher needs its sources.json)');
}

/** The selection flags plus the artifacts some selector methods compare (source_status, state, result). */
export function selectionInput(flags: CommonFlags, targetPath: string, cwd: string): SelectionInput {
  return selectionOf({ select: flags.select, exclude: flags.exclude, state: flags.state, cwd }, targetPath);
}

/** The project flags as options of the public API. */
export function projectOptionsOf(flags: CommonFlags, ctx: { io: { cwd: string; env: NodeJS.ProcessEnv } }): ProjectOptions {
  return { projectDir: flags.projectDir, profilesDir: flags.profilesDir, target: flags.target, vars: parseVars(flags.vars), threads: parseThreads(flags.threads), env: ctx.io.env, cwd: ctx.io.cwd, refreshForEach: flags.refreshForEach, skipFailedForEach: flags.skipFailedForEach };
}

/** The project folder alone, for commands that only print paths relative to it (no flags parsed). */
export function projectDirOf(flags: Pick<CommonFlags, 'projectDir'>, cwd: string): string {
  return resolve(cwd, flags.projectDir ?? '.');
}

export function compileOptions(flags: CommonFlags, cwd: string, env: NodeJS.ProcessEnv): CompileOptions {
  return compileOptionsOf(projectOptionsOf(flags, { io: { cwd, env } }));
}

export function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail('UsageError', { detail: `--threads must be a positive whole number, got "${value}".` });
  return n;
}

export function parseVars(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    const message = (err as Error).message;
    const tooComplex = yamlTooComplex(message);
    fail('InvalidVars', { detail: tooComplex ? `the value ${tooComplex}` : message.split('\n')[0]! });
  }
  if (nestingDepth(value, MAX_YAML_DEPTH) > MAX_YAML_DEPTH) fail('InvalidVars', { detail: `the value ${TOO_DEEP}` });
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('InvalidVars', { detail: `got ${JSON.stringify(value)}` });
  return value as Record<string, unknown>;
}

export function logFormatOf(flags: CommonFlags): LogFormat {
  const f = flags.logFormat ?? 'text';
  if (f !== 'text' && f !== 'json') fail('UsageError', { detail: `--log-format must be text or json, got "${f}".` });
  return f;
}
