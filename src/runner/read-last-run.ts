/**
 * What `dpf retry` reruns: the command of the last run and the nodes of target/run_results.json
 * that failed or were skipped. Retry cannot guess without that file, so a missing or damaged
 * one is a DpfError that names it and says what to run instead.
 */
import { fail } from '../errors/dpf-error.js';
import { readJsonArtifact } from '../compiler/read-json-artifact.js';
import type { RunCommand } from './plan-run.js';

const COMMANDS: readonly RunCommand[] = ['run', 'seed', 'build', 'test', 'snapshot'];

export interface LastRun {
  readonly command: RunCommand;
  /** Unique ids of the nodes that failed or were skipped, in the file's order. */
  readonly again: readonly string[];
}

interface RunResultsFile {
  metadata?: { command?: unknown };
  results?: unknown;
}

/** `file` is the absolute path; `shown` the name to print (relative to where dpf runs). */
export function readLastRun(file: string, shown: string): LastRun {
  const damaged = (detail: string): never =>
    fail(
      'ArtifactDamaged',
      { need: 'dpf retry', detail, todo: 'Run the last command again in full (for example dpf build): it writes run_results.json again, and dpf retry works after it.' },
      { file: shown },
    );
  const doc = readJsonArtifact<RunResultsFile>(file, damaged);
  if (!doc) fail('NoLastRun', { file: shown });
  const command = doc.metadata?.command;
  if (!COMMANDS.includes(command as RunCommand)) damaged(`it names no dpf command that ran (metadata.command is ${JSON.stringify(command) ?? 'missing'})`);
  if (!Array.isArray(doc.results)) damaged('it has no list of results');
  const results = doc.results as { uniqueId?: unknown; status?: unknown }[];
  const again = results
    .filter((r) => typeof r?.uniqueId === 'string' && ['error', 'fail', 'skipped'].includes(String(r.status)))
    .map((r) => r.uniqueId as string);
  return { command: command as RunCommand, again };
}
